/**
 * A reminder fan-out for the chaos tests: a generated tenant, the simulated Microsoft side (Graph
 * and the channel emulator) in this process, a nudging cohort seeded in a PostgreSQL schema, and the
 * environment for real bot processes (test/nudges/support/bot-child.ts) working on that schema.
 * Reminders are counted where Teams holds them: the emulator's record of each 1:1 chat.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../../services/budgets.js';
import type { Store } from '../../../services/ports/store.js';
import { generateTenant } from '../../../services/sim/tenant/generate.js';
import type { TenantFile } from '../../../services/sim/tenant/model.js';
import { startSimWorld, type SimWorld } from '../../../services/sim/world.js';
import { SeededRandom, SystemClock } from '../../../services/system/clock.js';
import { seedNudgingCohort } from '../../helpers/nudges.js';
import { TEST_DATABASE_URL, type PostgresTestSchema } from '../../helpers/postgres.js';
import { testCertificate } from '../../helpers/tls.js';
import { TEST_BOT_APP_ID } from '../../helpers/world.js';

export interface Fanout {
  world: SimWorld;
  tenant: TenantFile;
  store: Store;
  /** Who is due a reminder (enabled members who may have the app). */
  people: string[];
  campaignId: string;
  /** Environment for a bot child on this world and schema. */
  env: Record<string, string>;
  /** Reminder messages the bot created in Teams so far (every one, duplicates included). */
  delivered(): number;
  /** Called for each message the bot creates in Teams, as Teams records it (before the bot hears back). */
  onDelivered(fn: (delivered: number) => void): void;
  /** Reminder cards for the campaign in each person's 1:1 chat, as Teams holds it. */
  perPerson(): Map<string, number>;
  close(): Promise<void>;
}

export async function startFanout(o: { users: number; people: number; seed: number; scale: number; schema: PostgresTestSchema; env?: Record<string, string> }): Promise<Fanout> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-fanout-'));
  const tls = await testCertificate();
  const caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, tls.cert);
  const tenant = generateTenant({ users: o.users, seed: o.seed });
  const clock = new SystemClock();
  const world = await startSimWorld({ tenant, clock, budgets: scaleBudgets(DOCUMENTED_BUDGETS, o.scale), tls, botAppId: TEST_BOT_APP_ID, random: new SeededRandom(o.seed) });
  const people = tenant.users.filter((u) => u.accountEnabled && !u.teamsAppBlocked && u.userType === 'Member').slice(0, o.people).map((u) => u.id);
  if (people.length !== o.people) throw new Error(`the tenant has only ${people.length} reachable members, ${o.people} wanted`);

  const store = await o.schema.openStore();
  const { campaign } = await seedNudgingCohort(store, { userIds: people, now: clock.now() });
  // No sync here (the cohort is seeded); the scheduler runs the reminder jobs.
  const never = new Date(clock.nowMs() + 365 * 86_400_000).toISOString();
  await store.settings.set('scheduler:last-run', { 'sync.full': never, 'sync.incremental': never });

  const env: Record<string, string> = {
    ...world.botEnv(),
    PORT: '0',
    DATA_DIR: join(dir, 'data'),
    GRAPH_CA_FILE: caFile,
    BUDGET_SCALE: String(o.scale),
    LOG_LEVEL: 'warn',
    SCHEDULER: 'on',
    DATABASE_URL: TEST_DATABASE_URL,
    TEST_DATABASE_SCHEMA: o.schema.name,
    ...o.env,
  };

  let delivered = 0;
  const listeners: ((n: number) => void)[] = [];
  world.channel.onActivityRecorded((a, change) => {
    if (change !== 'created' || a.from !== 'bot') return;
    delivered++;
    for (const l of listeners) l(delivered);
  });
  const marker = (userId: string) => `"nudge:reminder:${campaign.id}:${userId}:`;
  return {
    world,
    tenant,
    store,
    people,
    campaignId: campaign.id,
    env,
    delivered: () => delivered,
    onDelivered: (fn) => void listeners.push(fn),
    perPerson: () =>
      new Map(
        people.map((u) => {
          const e = world.channel.findUser(u);
          const n = e ? world.channel.conversation(e.personalConversationId).filter((a) => a.from === 'bot' && !a.deleted && JSON.stringify(a.activity.attachments ?? []).includes(marker(u))).length : 0;
          return [u, n];
        }),
      ),
    async close() {
      await world.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** People who got a reminder other than exactly once, with their count. */
export function notExactlyOnce(perPerson: Map<string, number>): [string, number][] {
  return [...perPerson.entries()].filter(([, n]) => n !== 1);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits (real time) until `done()` or throws with `what()` after `timeoutMs`. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string, everyMs = 250): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(everyMs);
  }
}
