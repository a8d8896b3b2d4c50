import { defineConfig } from 'vitest/config';

/**
 * The chaos suite (issue 9 items 1–3): kill -9 during a 10k fan-out, two replicas on one
 * PostgreSQL, Graph fault storms during syncs and stage moves. Long, so kept out of `npm test`;
 * `npm run test:chaos` runs it and CI runs it after `npm test`. Files run one at a time: they start
 * real bot processes and would otherwise compete for the same two cores.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
    // The bots' logs are captured and scanned for secrets here too (see vitest.config.ts).
    globalSetup: ['test/setup/secret-scan.ts'],
    setupFiles: ['test/setup/log-capture.ts'],
  },
});
