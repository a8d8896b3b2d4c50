import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** Console output of every test (libraries print errors there) is scanned for secrets too (test/setup/secret-scan.ts). */
const consoleLog = join(process.cwd(), '.data', 'test-logs', 'console.ndjson');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos suite is long: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
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
