import { mkdirSync } from 'node:fs';
import { expect } from 'vitest';
import { logFileFor, TEST_LOG_DIR, TEST_LOG_FILE_ENV } from '../helpers/log-capture.js';

// Runs before each test file (vitest `setupFiles`): names the file this test file's bot logs go to.
// Bots started in child processes inherit it through the environment.
const testPath = expect.getState().testPath;
if (testPath) {
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  process.env[TEST_LOG_FILE_ENV] = logFileFor(testPath);
}
