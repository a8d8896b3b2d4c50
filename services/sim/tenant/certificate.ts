import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Clock } from '../../ports/clock.js';
import { SystemClock } from '../../system/clock.js';

const CERT_FILE = 'sim-tenant-cert.pem';
const KEY_FILE = 'sim-tenant-key.pem';
const VALID_DAYS = 365;
/** Regenerate when fewer than this many ms of validity remain. */
const RENEW_MARGIN_MS = 24 * 3_600_000;

export interface SimCertificate {
  key: string;
  cert: string;
  certPath: string;
}

/**
 * The simulated tenant's TLS certificate: self-signed for `localhost`, 127.0.0.1 and ::1, made once
 * in `dataDir` and reused while valid, so clients (the bot's Graph client, tests) can trust one file.
 */
export async function ensureCertificate(dataDir: string, opts: { clock?: Clock } = {}): Promise<SimCertificate> {
  const clock = opts.clock ?? new SystemClock();
  mkdirSync(dataDir, { recursive: true });
  const certPath = join(dataDir, CERT_FILE);
  const keyPath = join(dataDir, KEY_FILE);
  const existing = readUsable(certPath, keyPath, clock.nowMs());
  if (existing) return existing;

  const now = clock.now();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3_600_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  // Written aside and renamed, so a concurrent reader never sees half a file.
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(keyPath + suffix, pems.private, { mode: 0o600 });
  writeFileSync(certPath + suffix, pems.cert);
  renameSync(keyPath + suffix, keyPath);
  renameSync(certPath + suffix, certPath);
  // Another process may have won the race between our two renames; trust what is on disk if it pairs.
  return readUsable(certPath, keyPath, clock.nowMs()) ?? { key: pems.private, cert: pems.cert, certPath };
}

function readUsable(certPath: string, keyPath: string, nowMs: number): SimCertificate | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  try {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    const x = new X509Certificate(cert);
    if (Date.parse(x.validTo) - RENEW_MARGIN_MS <= nowMs || Date.parse(x.validFrom) > nowMs) return undefined;
    if (!x.checkPrivateKey(createPrivateKey(key))) return undefined;
    const san = x.subjectAltName ?? '';
    if (!san.includes('DNS:localhost') || !san.includes('IP Address:127.0.0.1')) return undefined;
    return { key, cert, certPath };
  } catch {
    return undefined;
  }
}
