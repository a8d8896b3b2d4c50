import { appendFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Issue 9.8: the logs of the whole `npm test` run are kept under `.data/test-logs/` and scanned at
 * the end for secrets (test/setup/secret-scan.ts). Each test file writes `<file>.ndjson` (the log
 * lines of the bots it ran, in process and in child processes) and `<file>.secrets.ndjson` (the
 * secrets those bots and the simulated tenant used or issued: the scan looks for exactly these).
 */
export const TEST_LOG_DIR = join(process.cwd(), '.data', 'test-logs');

/** Set by test/setup/log-capture.ts for the running test file; inherited by bots in child processes. */
export const TEST_LOG_FILE_ENV = 'TEST_LOG_FILE';

/** This test file's log capture file (null outside a run set up by the vitest config). */
export function testLogFile(): string | null {
  return process.env[TEST_LOG_FILE_ENV] || null;
}

export function logFileFor(testPath: string): string {
  return join(TEST_LOG_DIR, `${relative(process.cwd(), testPath).replace(/[\\/]/g, '__')}.ndjson`);
}

/** Appends captured log text (one or more ndjson lines) to this test file's capture. */
export function captureLog(chunk: string): void {
  const file = testLogFile();
  if (file) appendFileSync(file, chunk);
}

/** Records secrets used or issued in this test file, for the end-of-run scan. */
export function registerSecrets(kind: string, values: readonly (string | null | undefined)[]): void {
  const file = testLogFile();
  const real = values.filter((v): v is string => typeof v === 'string' && v.length >= 6);
  if (!file || real.length === 0) return;
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  appendFileSync(file.replace(/\.ndjson$/, '.secrets.ndjson'), real.map((value) => `${JSON.stringify({ kind, value })}\n`).join(''));
}
