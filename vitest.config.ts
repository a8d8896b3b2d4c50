import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Console output of every test (libraries print errors there) is scanned for secrets too (test/setup/secret-scan.ts). */
const consoleLog = join(process.cwd(), '.data', 'test-logs', 'console.ndjson');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    globalSetup: ['test/setup/secret-scan.ts'],
    setupFiles: ['test/setup/log-capture.ts'],
    onConsoleLog(log) {
      mkdirSync(join(process.cwd(), '.data', 'test-logs'), { recursive: true });
      appendFileSync(consoleLog, log.endsWith('\n') ? log : `${log}\n`);
    },
  },
});
