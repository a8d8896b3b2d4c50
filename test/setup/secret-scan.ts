import { mkdirSync, rmSync } from 'node:fs';
import { TEST_LOG_DIR } from '../helpers/log-capture.js';
import { describeLeaks, findLeaks, scanLogDir } from './secret-scan-core.js';

/**
 * vitest `globalSetup` (issue 9.8): empties `.data/test-logs/` before the run; after the run, scans
 * every captured log line (bots in process and in child processes, and the console) for the
 * secrets the tests used or the simulated tenant issued (GRAPH_STATIC_TOKEN values, bot passwords
 * and connector tokens, TAP codes) and for JWTs and Bearer credentials. A finding fails the run.
 */
export default function setup(): () => void {
  rmSync(TEST_LOG_DIR, { recursive: true, force: true });
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  return () => {
    const r = scanLogDir(TEST_LOG_DIR);
    // The scanner must see the logs: when bots ran (they registered their secrets), lines were captured.
    if (r.secretFiles > 0 && r.logLines === 0) fail(`secret scan: ${r.secretFiles} test file(s) ran bots but no log line was captured in ${TEST_LOG_DIR}`);
    // …and must find a planted secret: a line carrying the first registered secret is a leak.
    const planted = r.secrets[0];
    if (planted && findLeaks('self-test', `{"msg":"planted ${planted.value}"}`, r.secrets).length === 0) fail('secret scan: the self-test did not detect a planted secret');
    process.stdout.write(`\n[secret scan] ${r.logLines} log lines (${Math.round(r.logBytes / 1024)} KiB) in ${r.logFiles} files, ${new Set(r.secrets.map((s) => s.value)).size} known secrets: ${r.leaks.length === 0 ? 'none found' : `${r.leaks.length} FOUND`}\n`);
    if (r.leaks.length > 0) fail(describeLeaks(r.leaks));
  };
}

/** vitest reports an error thrown in a global teardown but still exits 0: set the exit code too. */
function fail(message: string): never {
  process.exitCode = 1;
  throw new Error(message);
}
