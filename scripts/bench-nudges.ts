/**
 * Benchmark of a reminder fan-out against the simulators (not a test). The real bot (bot/main.ts,
 * scheduler on) runs in its own process, as in production; the simulated tenant and the channel
 * emulator run here and count what arrived. Every member of a nudging cohort gets one reminder,
 * first contact included (install through Graph, create the 1:1 conversation, send).
 *
 *   npx tsx scripts/bench-nudges.ts --users 10000 [--scale 10] [--seed 7] [--database <postgres url>] [--concurrency 32]
 *
 * Reports the achieved Bot Connector rate (creates + sends per second, between the first and the
 * last one) as a fraction of the emulator's enforced ceiling (50/s × scale), 429s at the emulator,
 * duplicates (the same card twice in a chat) and lost reminders (eligible people without exactly
 * one). `--scale` multiplies every budget on both sides, so the fraction is comparable across scales
 * while a 100k run finishes in minutes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../services/budgets.js';
import { generateTenant } from '../services/sim/tenant/generate.js';
import { ensureCertificate } from '../services/sim/tenant/sim-tenant.js';
import { startSimWorld } from '../services/sim/world.js';
import { openStore } from '../services/store/index.js';
import { SystemClock } from '../services/system/clock.js';
import { silentLogger } from '../services/system/logger.js';
import { seedNudgingCohort } from '../test/helpers/nudges.js';
import { spawnBot } from '../test/nudges/support/spawn-bot.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const users = Number(arg('users', '10000'));
const scale = Number(arg('scale', '10'));
const seed = Number(arg('seed', '7'));
const database = arg('database', '');
const concurrency = arg('concurrency', '32');
const BOT_APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-00000000be4c';

const dir = mkdtempSync(join(tmpdir(), 'bench-nudges-'));
const t0 = Date.now();
const tenant = generateTenant({ users, seed });
console.log(`tenant: ${tenant.users.length} users generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const tls = await ensureCertificate(dir);
writeFileSync(join(dir, 'ca.pem'), tls.cert);
const clock = new SystemClock();
const world = await startSimWorld({ tenant, clock, budgets: scaleBudgets(DOCUMENTED_BUDGETS, scale), tls, botAppId: BOT_APP_ID, recordBodies: users <= 20_000 });

const dataDir = join(dir, 'data');
const store = database ? await openStore({ databaseUrl: database, logger: silentLogger() }) : await openStore({ dataDir, logger: silentLogger() });
const eligible = tenant.users.filter((u) => u.accountEnabled && u.userType === 'Member');
const { campaign } = await seedNudgingCohort(store, { userIds: eligible.map((u) => u.id), now: clock.now(), name: `Bench ${Date.now()}` });
const never = new Date(clock.nowMs() + 365 * 86_400_000).toISOString();
await store.settings.set('scheduler:last-run', { 'sync.full': never, 'sync.incremental': never });
if (!database) await store.close();
const reachable = eligible.filter((u) => !u.teamsAppBlocked);
console.log(`cohort: ${eligible.length} people (${eligible.length - reachable.length} with the app blocked by policy), scale ${scale}: ceiling ${50 * scale} Bot Connector operations/s, ${30 * scale} installs/s`);

const bot = spawnBot({
  ...world.botEnv(),
  PORT: '0',
  DATA_DIR: dataDir,
  GRAPH_CA_FILE: join(dir, 'ca.pem'),
  BUDGET_SCALE: String(scale),
  LOG_LEVEL: 'error',
  SCHEDULER: 'on',
  NUDGE_CONCURRENCY: concurrency,
  ...(database ? { DATABASE_URL: database } : {}),
});
world.setBotEndpoint(`${await bot.ready}/api/messages`);
world.channel.resetCounters();
const tSend = Date.now();
const seen = (userId: string) => {
  const e = world.channel.findUser(userId);
  return e ? world.channel.conversation(e.personalConversationId).filter((a) => a.from === 'bot').length : 0;
};
let last = -1;
let still = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 1000));
  const c = world.channel.counters();
  const ops = c.creates + c.sends;
  if (ops === last) still++;
  else still = 0;
  last = ops;
  if (reachable.every((u) => seen(u.id) >= 1) || still >= 30) break;
}
await new Promise((r) => setTimeout(r, 3000));
const wall = (Date.now() - tSend) / 1000;
await bot.kill('SIGTERM');
const c = world.channel.counters();
const ops = c.creates + c.sends;
const span = c.firstAt !== null && c.lastAt !== null ? (c.lastAt - c.firstAt) / 1000 : wall;
const rate = ops / Math.max(span, 0.001);
let lost = 0;
let duplicated = 0;
for (const u of reachable) {
  const n = seen(u.id);
  if (n === 0) lost++;
  if (n > 1) duplicated++;
}
const after = database ? store : await openStore({ dataDir, logger: silentLogger() });
const counts = await after.nudges.outbox.deliveryCounts({ campaignId: campaign.id });
await after.close();
console.log(
  JSON.stringify(
    {
      users: eligible.length,
      scale,
      database: database ? 'postgres' : 'embedded',
      concurrency: Number(concurrency),
      wallSeconds: Number(wall.toFixed(1)),
      connectorOperations: ops,
      creates: c.creates,
      sends: c.sends,
      achievedOpsPerSecond: Number(rate.toFixed(1)),
      ceilingOpsPerSecond: 50 * scale,
      fractionOfCeiling: Number((rate / (50 * scale)).toFixed(3)),
      installsPerSecond: Number((world.sim.counters().budgets['graph.teamsInstall']!.requests / Math.max(span, 0.001)).toFixed(1)),
      throttled429: c.throttled,
      duplicates: c.duplicates,
      peopleWithMoreThanOne: duplicated,
      lost,
      sent: counts.sent,
      failed: counts.failures.map((f) => ({ code: f.code, count: f.count })),
    },
    null,
    2,
  ),
);
await world.close();
rmSync(dir, { recursive: true, force: true });
