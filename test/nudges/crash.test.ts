/**
 * Exactly once across killed and restarted processes (issue 4.6): the real bot runs in a child
 * process with the scheduler on, fans reminders out to a few hundred people (first contact through
 * Graph included), and is killed with SIGKILL at seeded random points — half of them at the very
 * moment Teams records one of its messages, before the bot hears the answer — then restarted.
 * Afterwards every reminder arrived exactly once, counted at the channel emulator; on the embedded
 * database and on PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../services/budgets.js';
import type { Store } from '../../services/ports/store.js';
import { generateTenant } from '../../services/sim/tenant/generate.js';
import { startSimWorld, type SimWorld } from '../../services/sim/world.js';
import { openStore } from '../../services/store/index.js';
import { SeededRandom, SystemClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { seedNudgingCohort } from '../helpers/nudges.js';
import { describePostgres, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { testCertificate } from '../helpers/tls.js';
import { TEST_BOT_APP_ID } from '../helpers/world.js';
import { spawnBot, type BotChild } from './support/spawn-bot.js';

const SCALE = 2;
const PEOPLE = 240;
const GRACE_MS = 800;

type Kill = { at: 'message'; after: number } | { at: 'timer'; ms: number };

/**
 * Seeded kill points, alternating: at the n-th further message Teams records (the bot dies while
 * Teams is answering that send), and after a random time from start-up (anywhere: planning,
 * installing, creating a chat, between claims).
 */
function killPlan(seed: number): Kill[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: 6 }, (_, i): Kill => (i % 2 === 0 ? { at: 'message', after: 8 + Math.floor(r.next() * 30) } : { at: 'timer', ms: 600 + Math.floor(r.next() * 1800) }));
}

interface CrashRun {
  kills: { kill: Kill; signal: NodeJS.Signals | null; deliveredAtKill: number }[];
  perPerson: Map<string, number>;
  duplicates: number;
  delivered: number;
}

async function crashRun(o: { seed: number; openStore: () => Promise<Store>; embedded: boolean; dbEnv: Record<string, string> }): Promise<CrashRun & { store: Store; campaignId: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-crash-'));
  const tls = await testCertificate();
  const caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, tls.cert);
  const tenant = generateTenant({ users: 400, seed: o.seed });
  const clock = new SystemClock();
  const world: SimWorld = await startSimWorld({ tenant, clock, budgets: scaleBudgets(DOCUMENTED_BUDGETS, SCALE), tls, botAppId: TEST_BOT_APP_ID, random: new SeededRandom(o.seed) });
  const people = tenant.users.filter((u) => u.accountEnabled && !u.teamsAppBlocked && u.userType === 'Member').slice(0, PEOPLE).map((u) => u.id);
  expect(people).toHaveLength(PEOPLE);

  let store = await o.openStore();
  const { campaign } = await seedNudgingCohort(store, { userIds: people, now: clock.now() });
  // No sync in this test (the cohort is seeded); the scheduler runs only the nudge jobs.
  const never = new Date(clock.nowMs() + 365 * 86_400_000).toISOString();
  await store.settings.set('scheduler:last-run', { 'sync.full': never, 'sync.incremental': never });
  if (o.embedded) await store.close();

  const env: Record<string, string> = {
    ...world.botEnv(),
    PORT: '0',
    DATA_DIR: join(dir, 'data'),
    GRAPH_CA_FILE: caFile,
    BUDGET_SCALE: String(SCALE),
    LOG_LEVEL: 'warn',
    SCHEDULER: 'on',
    NUDGE_GRACE_MS: String(GRACE_MS),
    ...o.dbEnv,
  };
  if (o.embedded) env.DATA_DIR = o.dbEnv.DATA_DIR!;

  let delivered = 0;
  let child: BotChild | null = null;
  let killAtCount: number | null = null;
  world.channel.onActivityRecorded((a, change) => {
    if (change !== 'created' || a.from !== 'bot') return;
    delivered++;
    // Killed while Teams is still answering this very send: the bot never learns it landed.
    if (killAtCount !== null && delivered >= killAtCount && child) {
      killAtCount = null;
      child.process.kill('SIGKILL');
    }
  });

  const kills: CrashRun['kills'] = [];
  try {
    for (const kill of killPlan(o.seed)) {
      child = spawnBot(env);
      const url = await child.ready;
      world.setBotEndpoint(`${url}/api/messages`);
      let timer: NodeJS.Timeout | null = null;
      if (kill.at === 'message') killAtCount = delivered + kill.after;
      else timer = setTimeout(() => child?.process.kill('SIGKILL'), kill.ms);
      const exit = await Promise.race([child.exited, new Promise<null>((r) => setTimeout(() => r(null), 90_000))]);
      if (timer) clearTimeout(timer);
      killAtCount = null;
      if (!exit) throw new Error(`the kill point ${JSON.stringify(kill)} was never reached (delivered ${delivered}):\n${child.output().slice(-3000)}`);
      kills.push({ kill, signal: exit.signal, deliveredAtKill: delivered });
    }
    // The last run finishes the fan-out.
    child = spawnBot(env);
    world.setBotEndpoint(`${await child.ready}/api/messages`);
    const deadline = Date.now() + 150_000;
    const done = () => people.every((u) => countReminders(world, u, campaign.id) >= 1);
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not every reminder arrived (${people.filter((u) => countReminders(world, u, campaign.id) === 0).length} missing):\n${child.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Long enough for any late duplicate to show (an in-doubt send settles after the grace).
    await new Promise((r) => setTimeout(r, GRACE_MS * 3 + 1000));
    await world.settled();
    const stopped = await child.kill('SIGTERM');
    expect(stopped.code).toBe(0);
    child = null;
  } finally {
    if (child) await child.kill('SIGKILL');
  }
  if (o.embedded) store = await o.openStore();
  const perPerson = new Map(people.map((u) => [u, countReminders(world, u, campaign.id)]));
  const result = { kills, perPerson, duplicates: world.channel.counters().duplicates, delivered };
  return {
    ...result,
    store,
    campaignId: campaign.id,
    cleanup: async () => {
      await world.close();
      if (o.embedded) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reminder cards for the campaign in the person's 1:1 chat, as Teams holds it (not their view). */
function countReminders(world: SimWorld, userId: string, campaignId: string): number {
  const u = world.channel.findUser(userId);
  if (!u) return 0;
  const marker = `"nudge:reminder:${campaignId}:${userId}:`;
  return world.channel.conversation(u.personalConversationId).filter((a) => a.from === 'bot' && !a.deleted && JSON.stringify(a.activity.attachments ?? []).includes(marker)).length;
}

async function expectExactlyOnce(run: Awaited<ReturnType<typeof crashRun>>): Promise<void> {
  expect(run.kills).toHaveLength(6);
  for (const k of run.kills) expect(k.signal).toBe('SIGKILL');
  // The kills landed in the middle of the fan-out, not before or after it.
  expect(run.kills.filter((k) => k.deliveredAtKill > 0 && k.deliveredAtKill < PEOPLE).length).toBeGreaterThanOrEqual(4);
  const wrong = [...run.perPerson.entries()].filter(([, n]) => n !== 1);
  expect(wrong, 'people who got a reminder other than exactly once').toEqual([]);
  expect(run.duplicates).toBe(0);
  const counts = await run.store.nudges.outbox.deliveryCounts({ campaignId: run.campaignId });
  expect(counts).toMatchObject({ sent: PEOPLE, planned: 0, sending: 0, failed: 0, possibleDuplicates: 0 });
  // Sends that landed while the bot died were found by reading the chat back, not sent again.
  const { rows } = await run.store.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM nudge_outbox WHERE campaign_id = $1 AND resolution = 'read_back_found'`, [run.campaignId]);
  expect(rows[0]!.n).toBeGreaterThanOrEqual(3);
}

describe('exactly once across kill -9 (embedded database)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nudge-crash-db-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`delivers ${PEOPLE} reminders exactly once through six SIGKILLs and restarts`, { timeout: 420_000 }, async () => {
    const run = await crashRun({ seed: 41, embedded: true, openStore: () => openStore({ dataDir, logger: silentLogger() }), dbEnv: { DATA_DIR: dataDir } });
    try {
      await expectExactlyOnce(run);
    } finally {
      await run.cleanup();
    }
  });
});

await describePostgres('exactly once across kill -9 (PostgreSQL)', (schema) => {
  it(`delivers ${PEOPLE} reminders exactly once through six SIGKILLs and restarts`, { timeout: 420_000 }, async () => {
    const run = await crashRun({ seed: 43, embedded: false, openStore: () => schema.openStore(), dbEnv: { DATABASE_URL: TEST_DATABASE_URL, TEST_DATABASE_SCHEMA: schema.name } });
    try {
      await expectExactlyOnce(run);
    } finally {
      await run.cleanup();
    }
  });
});
