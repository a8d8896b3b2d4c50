/**
 * Draws the Teams app icons with Node alone (zlib for the PNG data, no image library):
 *   appPackage/color.png    192×192, a white key on the accent colour (full colour icon)
 *   appPackage/outline.png  32×32, the same key in white on a transparent background
 * The committed PNGs are this script's output; `test/app-package/icons.test.ts` checks they match.
 *
 *   npx tsx scripts/make-icons.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/** The manifest's accentColor; also the colour icon's background. */
export const ACCENT_COLOR = '#2B579A';

type Rgb = [number, number, number];

function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a #RRGGBB colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** Whether the point (unit square, y down) is on the key: a ring bow, a shaft and two bits. */
function onKey(x: number, y: number): boolean {
  const dx = x - 0.33;
  const dy = y - 0.5;
  const r2 = dx * dx + dy * dy;
  if (r2 <= 0.19 * 0.19 && r2 >= 0.085 * 0.085) return true;
  if (x >= 0.5 && x <= 0.86 && y >= 0.455 && y <= 0.545) return true;
  if (x >= 0.68 && x <= 0.74 && y >= 0.545 && y <= 0.65) return true;
  if (x >= 0.79 && x <= 0.86 && y >= 0.545 && y <= 0.69) return true;
  return false;
}

/** Share of the pixel the key covers, by 8×8 supersampling (smooth edges without a rasteriser). */
function coverage(px: number, py: number, size: number): number {
  const n = 8;
  let hits = 0;
  for (let sy = 0; sy < n; sy++) {
    for (let sx = 0; sx < n; sx++) {
      if (onKey((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)) hits++;
    }
  }
  return hits / (n * n);
}

export function renderColorIcon(size = 192): Buffer {
  const bg = hexToRgb(ACCENT_COLOR);
  const rgb = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = coverage(x, y, size);
      const o = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) rgb[o + k] = Math.round(bg[k]! * (1 - c) + 255 * c);
    }
  }
  return encodePng(size, size, 2, rgb);
}

export function renderOutlineIcon(size = 32): Buffer {
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const alpha = Math.round(coverage(x, y, size) * 255);
      // Teams tints the outline icon: only white, at any opacity, is allowed.
      rgba[o] = 255;
      rgba[o + 1] = 255;
      rgba[o + 2] = 255;
      rgba[o + 3] = alpha;
    }
  }
  return encodePng(size, size, 6, rgba);
}

/** A non-interlaced 8-bit PNG of colour type 2 (RGB) or 6 (RGBA), every row with filter 0. */
export function encodePng(width: number, height: number, colorType: 2 | 6, pixels: Buffer): Buffer {
  const channels = colorType === 6 ? 4 : 3;
  if (pixels.length !== width * height * channels) throw new RangeError('pixel buffer does not match the size');
  const raw = Buffer.alloc((width * channels + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * channels + 1)] = 0;
    pixels.copy(raw, y * (width * channels + 1) + 1, y * width * channels, (y + 1) * width * channels);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = new URL('../appPackage/', import.meta.url);
  writeFileSync(new URL('color.png', dir), renderColorIcon());
  writeFileSync(new URL('outline.png', dir), renderOutlineIcon());
  console.log('wrote appPackage/color.png (192×192) and appPackage/outline.png (32×32)');
}
