import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeLeaks, findLeaks, scanLogDir } from '../setup/secret-scan-core.js';

/**
 * The end-of-run secret scan (issue 9.8) must find what it is looking for: planted secrets of
 * every kind in captured log lines are found, clean lines are not, and the report never repeats a
 * secret in full.
 */
const dir = mkdtempSync(join(tmpdir(), 'prb-secret-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secrets = [
  { kind: 'GRAPH_STATIC_TOKEN', value: 'sim-5f0c2d7e-1111-4abc-9def-0123456789ab' },
  { kind: 'TAP code', value: 'Xy7#kP2q' },
  { kind: 'BOT_PASSWORD', value: 'test-secret-not-used' },
];
const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJib3QifQ.${'s'.repeat(40)}`;

describe('the secret scan', () => {
  it.each([
    ['a Graph token', `{"level":30,"msg":"calling graph","auth":"${secrets[0]!.value}"}`, 'GRAPH_STATIC_TOKEN'],
    ['a TAP code inside a message', '{"msg":"issued Temporary Access Pass Xy7#kP2q for demo.user"}', 'TAP code'],
    ['a client secret', '{"config":{"BOT_PASSWORD":"test-secret-not-used"}}', 'BOT_PASSWORD'],
    ['any JWT', `{"msg":"token ${jwt}"}`, 'JWT'],
    ['a Bearer credential', '{"headers":{"x":"Bearer abcdef123456"}}', 'Bearer credential'],
  ])('finds %s', (_what, line, kind) => {
    const leaks = findLeaks('x.ndjson', `{"msg":"fine"}\n${line}\n`, secrets);
    expect(leaks.map((l) => [l.kind, l.line])).toContainEqual([kind, 2]);
    expect(describeLeaks(leaks)).not.toContain(line.includes(jwt) ? jwt : 'Xy7#kP2q for');
  });

  it('does not flag redacted values, the word Bearer alone, or ordinary ids', () => {
    const clean = [
      '{"headers":{"authorization":"[redacted]"},"msg":"Bearer [redacted]"}',
      '{"msg":"a Bot Framework token is required (Bearer)"}',
      '{"aadObjectId":"de300000-0000-4000-8000-000000000001","msg":"command refused: role"}',
    ].join('\n');
    expect(findLeaks('x.ndjson', clean, secrets)).toEqual([]);
  });

  it('scans a capture directory: secrets registered by one test file are found in another file\'s logs, and reports volume', () => {
    writeFileSync(join(dir, 'a.test.ts.secrets.ndjson'), `${JSON.stringify(secrets[1])}\n`);
    writeFileSync(join(dir, 'a.test.ts.ndjson'), '{"msg":"ok"}\n{"msg":"ok again"}\n');
    writeFileSync(join(dir, 'b.test.ts.ndjson'), '{"msg":"helpdesk issued Xy7#kP2q"}\n');
    const r = scanLogDir(dir);
    expect(r).toMatchObject({ logFiles: 2, logLines: 3, secretFiles: 1 });
    expect(r.logBytes).toBeGreaterThan(0);
    expect(r.leaks).toEqual([{ file: 'b.test.ts.ndjson', line: 1, kind: 'TAP code', hint: 'Xy7…(8 chars)' }]);
  });
});
