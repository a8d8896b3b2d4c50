/**
 * The bot in a separate process for the crash tests: the real composition root (bot/main.ts) with
 * the scheduler on, configured by the environment the test gives it (simulated tenant, channel
 * emulator, DATA_DIR or DATABASE_URL). Prints "READY <url>" once it listens; the test kills it with
 * SIGKILL at random points and starts another. On SIGTERM/SIGINT it prints "MAXRSS <kB>" (this
 * process's peak resident set, for the benchmark) and stops cleanly.
 *
 *   NUDGE_GRACE_MS          how long an interrupted send may still be in flight (default 1000)
 *   NUDGE_CONCURRENCY       sends in flight at once (default 8)
 *   TEST_DATABASE_SCHEMA    PostgreSQL schema to work in (with DATABASE_URL)
 *   SCHEDULER_LEASE_SECONDS when set, the scheduler lease and tick come from the configuration as in
 *                           production (lease = this, tick = lease / 3) instead of the 2 s / 200 ms
 *                           test cadence
 */
import pino from 'pino';
import { startBot } from '../../../bot/main.js';
import { createLogger } from '../../../services/system/logger.js';
import { registerSecrets, testLogFile } from '../../helpers/log-capture.js';

const grace = Number(process.env.NUDGE_GRACE_MS ?? 1000);
// Under `npm test` the log lines go to the run's capture (scanned for secrets at the end).
const logFile = testLogFile();
registerSecrets('GRAPH_STATIC_TOKEN', [process.env.GRAPH_STATIC_TOKEN]);
registerSecrets('BOT_PASSWORD', [process.env.BOT_PASSWORD]);
const bot = await startBot({
  env: process.env,
  // …and still to stdout, which the parent reads (e.g. which replica says it runs the scheduler).
  ...(logFile ? { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info', destination: pino.multistream([{ stream: pino.destination({ dest: logFile, append: true, sync: true }) }, { stream: pino.destination(1) }]) }) } : {}),
  databaseSchema: process.env.TEST_DATABASE_SCHEMA || undefined,
  nudges: { planEveryMs: 1_000, sendEveryMs: 200, sender: { inDoubtGraceMs: grace, leaseTtlMs: 2_000, claimTtlMs: 5_000, concurrency: Number(process.env.NUDGE_CONCURRENCY ?? 8), batchSize: 500 } },
  scheduler: process.env.SCHEDULER_LEASE_SECONDS ? undefined : { tickMs: 200, leaseTtlMs: 2_000 },
});
process.stdout.write(`READY ${bot.url}\n`);
const stop = async () => {
  process.stdout.write(`MAXRSS ${process.resourceUsage().maxRSS}\n`);
  await bot.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
