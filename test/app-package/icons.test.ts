import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ACCENT_COLOR, encodePng, renderColorIcon, renderOutlineIcon } from '../../scripts/make-icons.js';
import { crc32, decodePng } from './png.js';

const manifest = JSON.parse(readFileSync(new URL('../../appPackage/manifest.json', import.meta.url), 'utf8')) as { icons: { color: string; outline: string } };
const icon = (name: string) => readFileSync(new URL(`../../appPackage/${name}`, import.meta.url));

describe('app icons', () => {
  const color = decodePng(icon(manifest.icons.color));
  const outline = decodePng(icon(manifest.icons.outline));

  it('colour icon: 192×192, 8-bit RGB or RGBA, opaque, the accent colour with a white mark', () => {
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([2, 6]).toContain(color.colorType);
    expect(color.chunkTypes[0]).toBe('IHDR');
    expect(color.chunkTypes.at(-1)).toBe('IEND');
    const accent = [1, 3, 5].map((i) => parseInt(ACCENT_COLOR.slice(i, i + 2), 16));
    expect(color.pixel(0, 0).slice(0, 3)).toEqual(accent);
    let white = 0;
    for (let y = 0; y < 192; y++) {
      for (let x = 0; x < 192; x++) {
        const p = color.pixel(x, y);
        if (color.channels === 4) expect(p[3]).toBe(255);
        if (p[0] === 255 && p[1] === 255 && p[2] === 255) white++;
      }
    }
    expect(white).toBeGreaterThan(192 * 192 * 0.05);
  });

  it('outline icon: 32×32 RGBA, transparent background, white foreground only', () => {
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colorType).toBe(6);
    let transparent = 0;
    let opaque = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const [r, g, b, a] = outline.pixel(x, y);
        if (a! > 0) expect([r, g, b], `pixel ${x},${y}`).toEqual([255, 255, 255]);
        if (a === 0) transparent++;
        if (a === 255) opaque++;
      }
    }
    for (const [x, y] of [[0, 0], [31, 0], [0, 31], [31, 31]]) expect(outline.pixel(x!, y!)[3]).toBe(0);
    expect(transparent).toBeGreaterThan(32 * 32 * 0.5);
    expect(opaque).toBeGreaterThan(20);
  });

  it('are exactly what scripts/make-icons.ts draws (no drift between the script and the files)', () => {
    expect(icon(manifest.icons.color).equals(renderColorIcon())).toBe(true);
    expect(icon(manifest.icons.outline).equals(renderOutlineIcon())).toBe(true);
  });

  it('the PNG reader catches what the checks rely on: CRC, size and colour type', () => {
    const good = encodePng(2, 1, 6, Buffer.from([255, 255, 255, 0, 1, 2, 3, 255]));
    expect(decodePng(good).pixel(1, 0)).toEqual([1, 2, 3, 255]);
    const corrupt = Buffer.from(good);
    corrupt[20] ^= 0xff; // inside IHDR
    expect(() => decodePng(corrupt)).toThrow(/CRC/);
    const rgb = decodePng(encodePng(1, 1, 2, Buffer.from([9, 8, 7])));
    expect([rgb.colorType, rgb.channels]).toEqual([2, 3]);
    // Up filter (2) on the second row: the reader unfilters like a real decoder.
    const raw = Buffer.from([0, 10, 20, 30, 2, 1, 1, 1]);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(1, 0);
    ihdr.writeUInt32BE(2, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const filtered = decodePng(rebuild(ihdr, deflateSync(raw)));
    expect(filtered.pixel(0, 1)).toEqual([11, 21, 31]);
  });
});

/** A PNG from an IHDR and compressed IDAT bytes, with correct CRCs. */
function rebuild(ihdr: Buffer, idat: Buffer): Buffer {
  const chunks: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of [['IHDR', ihdr], ['IDAT', idat], ['IEND', Buffer.alloc(0)]] as [string, Buffer][]) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    chunks.push(head, data, crc);
  }
  return Buffer.concat(chunks);
}
