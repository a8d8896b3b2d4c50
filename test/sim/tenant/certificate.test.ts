import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureCertificate, loadTenantFile } from '../../../services/sim/tenant/sim-tenant.js';
import { FakeClock } from '../../../services/system/clock.js';
import { tinyTenant } from './tiny-tenant.js';

describe('ensureCertificate', () => {
  it('makes a localhost certificate once and reuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cert-'));
    const clock = new FakeClock(Date.UTC(2026, 0, 5));
    const first = await ensureCertificate(dir, { clock });
    expect(first.certPath).toBe(join(dir, 'sim-tenant-cert.pem'));
    expect(readFileSync(first.certPath, 'utf8')).toBe(first.cert);
    expect(readFileSync(join(dir, 'sim-tenant-key.pem'), 'utf8')).toBe(first.key);
    expect(statSync(join(dir, 'sim-tenant-key.pem')).mode & 0o077).toBe(0);
    const x = new X509Certificate(first.cert);
    expect(x.subject).toContain('CN=localhost');
    expect(x.subjectAltName).toContain('DNS:localhost');
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/i);

    await clock.advance(30 * 86_400_000);
    const again = await ensureCertificate(dir, { clock });
    expect(again.cert).toBe(first.cert);
    expect(again.key).toBe(first.key);
  });

  it('regenerates an expired or damaged certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cert-'));
    const clock = new FakeClock(Date.UTC(2026, 0, 5));
    const first = await ensureCertificate(dir, { clock });
    await clock.advance(400 * 86_400_000);
    const renewed = await ensureCertificate(dir, { clock });
    expect(renewed.cert).not.toBe(first.cert);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(clock.nowMs());
    writeFileSync(join(dir, 'sim-tenant-key.pem'), first.key);
    const repaired = await ensureCertificate(dir, { clock });
    expect(repaired.cert).not.toBe(renewed.cert);
    expect(new X509Certificate(repaired.cert).checkPrivateKey((await import('node:crypto')).createPrivateKey(repaired.key))).toBe(true);
  });
});

describe('loadTenantFile', () => {
  it('reads a version-1 file and refuses others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-tenant-file-'));
    const good = join(dir, 'tenant.json');
    writeFileSync(good, JSON.stringify(tinyTenant()));
    expect(loadTenantFile(good).users).toHaveLength(8);
    const bad = join(dir, 'v2.json');
    writeFileSync(bad, JSON.stringify({ ...tinyTenant(), version: 2 }));
    expect(() => loadTenantFile(bad)).toThrow(/version 2/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{');
    expect(() => loadTenantFile(broken)).toThrow(/not valid JSON/);
  });
});
