/**
 * The benchmark (issue 8): per tenant size, the real bot (bot/main.ts, scheduler on) in its own
 * process against the simulated tenant and the channel emulator, which run here and count what
 * arrives. Every number in the result comes from those counters (or the wall clock around them),
 * never from what the bot says it did.
 *
 * Order per size: full sync (`sync <campaign>` from an admin in Teams) → 1 % churn in the tenant →
 * incremental sync (`sync changes <campaign>`) → `status <largest cohort>` latency → fan-out (an
 * admin says `resume nudges <campaign>`; everyone in the fan-out cohort gets one reminder, first
 * contact included) → the bot is stopped and reports its peak RSS. Then the naive sync once, on its
 * own simulated tenant.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DOCUMENTED_BUDGETS, GRAPH_PAGE, scaleBudgets, type BudgetTable } from '../../services/budgets.js';
import { KNOWN_AAGUIDS } from '../../services/passkeys/aaguids.js';
import type { EmulatedUser, RecordedActivity } from '../../services/sim/channel/index.js';
import { DEMO_ACCOUNTS, GROUP_NAMES, generateTenant } from '../../services/sim/tenant/generate.js';
import type { TenantFile } from '../../services/sim/tenant/model.js';
import { ensureCertificate, SimTenant, type SimCounters } from '../../services/sim/tenant/sim-tenant.js';
import { startSimWorld, type SimWorld } from '../../services/sim/world.js';
import { openStore } from '../../services/store/index.js';
import { SeededRandom, SystemClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { spawnBot } from '../../test/nudges/support/spawn-bot.js';
import { percentile, round, utilization } from './measure.js';
import { FANOUT_CAMPAIGN, SYNC_CAMPAIGN, seedBench, type BenchSeed } from './seed.js';

export interface BenchOptions {
  /** Tenant sizes (users), e.g. [10_000, 100_000]. */
  sizes: number[];
  /** Factor on every budget, on both sides (bot and emulators), for the syncs and `status`. */
  scale: number;
  /** Factor for the fan-out run (default: `scale`): small enough that this machine can reach the Teams ceiling. */
  fanoutScale?: number;
  seed?: number;
  /** People in the fan-out cohort per size (the first N enabled members, tenant order); 0 = all of them. */
  fanout?: number;
  /** `status` commands timed per size. */
  statusSamples?: number;
  /** Tenant size of the naive sync (issue: 10,000); 0 skips it. */
  naiveUsers?: number;
  /** Reminders in flight at once in the bot (NUDGE_CONCURRENCY). */
  concurrency?: number;
  /** Churned share of the users before the incremental sync (default 0.01). */
  churn?: number;
  log?: (line: string) => void;
}

export interface SizeResult {
  users: number;
  sync: { requests: number; reportRequests: number; fido2Requests: number; minimumRequests: number; budgetUtilization: number | null; callerVisible429: number; seconds: number };
  incremental: { requests: number; requestFraction: number };
  fanout: { operations: number; ceilingUtilization: number | null; duplicates: number; lost: number; seconds: number; scale: number };
  status: { p50ms: number; p95ms: number };
  peakRssMB: number;
}

export interface BenchResult {
  scale: number;
  sizes: SizeResult[];
  naive: { users: number; requests: number; requestRatio: number } | null;
}

const BOT_APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-00000000be4c';
const REPORT_ROUTE = /\/reports\/authenticationMethods\/userRegistrationDetails/i;
const FIDO2_ROUTE = /\/authentication\/fido2Methods/i;

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const sizes: SizeResult[] = [];
  for (const users of o.sizes) sizes.push(await runSize(users, o, log));
  let naive: BenchResult['naive'] = null;
  const naiveUsers = o.naiveUsers ?? 10_000;
  if (naiveUsers > 0) {
    const requests = await naiveSync(naiveUsers, o.seed ?? 7, log);
    const product = sizes.find((s) => s.users === naiveUsers);
    naive = { users: naiveUsers, requests, requestRatio: product ? round(requests / product.sync.requests, 1) : 0 };
    if (!product) log(`naive: no product sync of ${naiveUsers} users in this run, so no ratio (requestRatio 0)`);
  }
  return { scale: o.scale, sizes, naive };
}

/** Reports-budget requests by kind, counted by the simulated tenant between two snapshots. */
function reportsDelta(before: SimCounters, after: SimCounters) {
  const routes = (c: SimCounters, re: RegExp) => Object.entries(c.routes).filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);
  const b = before.budgets['graph.reports'];
  const a = after.budgets['graph.reports'];
  return {
    requests: a.requests - b.requests,
    report: routes(after, REPORT_ROUTE) - routes(before, REPORT_ROUTE),
    fido2: routes(after, FIDO2_ROUTE) - routes(before, FIDO2_ROUTE),
    throttled: after.throttled429 - before.throttled429,
    firstAt: a.firstAt,
    lastAt: a.lastAt,
  };
}

function snapshot(world: SimWorld): SimCounters {
  return structuredClone(world.sim.counters());
}

async function runSize(users: number, o: BenchOptions, log: (l: string) => void): Promise<SizeResult> {
  const seed = o.seed ?? 7;
  const t0 = performance.now();
  const tenant = generateTenant({ users, seed });
  log(`[${users}] tenant generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const enabledMembers = tenant.users.filter((u) => u.accountEnabled && u.userType === 'Member');
  const fanoutPeople = o.fanout && o.fanout > 0 ? enabledMembers.slice(0, o.fanout) : enabledMembers;
  const reachable = fanoutPeople.filter((u) => !u.teamsAppBlocked && u.id !== DEMO_ACCOUNTS.admin.id);
  const fanoutScale = o.fanoutScale ?? o.scale;

  // Sync, churn + incremental sync, and status, at the sync scale.
  const a = await withBot(tenant, o.scale, fanoutPeople, o, async ({ world, admin, seeded, budgets }) => {
    // 1. Full sync.
    const full = await timedSync(world, admin, `sync ${SYNC_CAMPAIGN}`, /^Full sync finished/);
    const fullDelta = reportsDelta(full.before, full.after);
    // The report lists enabled accounts only; the bot asks for 999 rows a page (the simulated tenant's default page when $top is refused).
    const page = tenant.behaviour.registrationReportAcceptsTop ? GRAPH_PAGE.registrationDetails : tenant.behaviour.registrationReportPageSize;
    const reportRows = tenant.users.filter((u) => u.accountEnabled).length;
    const spanMs = fullDelta.firstAt && fullDelta.lastAt ? Date.parse(fullDelta.lastAt) - Date.parse(fullDelta.firstAt) : 0;
    const sync: SizeResult['sync'] = {
      requests: fullDelta.requests,
      reportRequests: fullDelta.report,
      fido2Requests: fullDelta.fido2,
      minimumRequests: Math.ceil(reportRows / page),
      budgetUtilization: utilization(fullDelta.requests, spanMs, budgets['graph.reports'].windows),
      callerVisible429: fullDelta.throttled,
      seconds: round(full.seconds, 1),
    };
    log(`[${users}] full sync: ${JSON.stringify(sync)}`);

    // 2. Churn 1 % (people register a passkey in My Security Info: audited, report row moves), then incremental.
    const churned = churn(world, enabledMembers, o.churn ?? 0.01, seed);
    log(`[${users}] churn: ${churned} people registered a passkey`);
    const inc = await timedSync(world, admin, `sync changes ${SYNC_CAMPAIGN}`, /^Incremental sync( \(report re-read\))? finished/);
    const incDelta = reportsDelta(inc.before, inc.after);
    const incremental = { requests: incDelta.requests, requestFraction: round(incDelta.requests / Math.max(1, sync.requests), 3) };
    log(`[${users}] incremental sync: ${JSON.stringify(incremental)} (${incDelta.report} report, ${incDelta.fido2} fido2, ${incDelta.throttled} 429s, ${inc.seconds.toFixed(1)} s)`);

    // 3. `status` on the largest cohort, as Teams sends it; the turn ends when the bot answered.
    const samples: number[] = [];
    for (let i = 0; i < (o.statusSamples ?? 20); i++) {
      const t = performance.now();
      const r = await world.channel.sendMessage(admin, `status ${seeded.syncCohorts[0]!.name}`);
      samples.push(performance.now() - t);
      if (r.status !== 200 || r.replies.length === 0) throw new Error(`status answered ${r.status} with ${r.replies.length} replies`);
    }
    const status = { p50ms: round(percentile(samples, 50), 1), p95ms: round(percentile(samples, 95), 1) };
    log(`[${users}] status: ${JSON.stringify(status)}`);
    return { sync, incremental, status };
  });

  // 4. Fan-out with first contact, at the fan-out scale: a fresh bot and emulators whose Teams ceiling
  // this machine can actually reach (at the sync scale it cannot, and the ratio would measure the CPU).
  const b = await withBot(tenant, fanoutScale, fanoutPeople, o, async ({ world, admin, budgets }) => ({
    fanout: { ...(await fanOut(world, admin, reachable.map((u) => u.id), budgets, log, users)), scale: fanoutScale },
  }));

  // 5. Peak RSS of the bot process over both runs (each prints its own getrusage maximum when stopped).
  const peakRssMB = Math.max(a.peakRssMB, b.peakRssMB);
  log(`[${users}] bot peak RSS ${peakRssMB} MB`);
  return { users, sync: a.value.sync, incremental: a.value.incremental, fanout: b.value.fanout, status: a.value.status, peakRssMB };
}

interface BotRun {
  world: SimWorld;
  admin: EmulatedUser;
  seeded: BenchSeed;
  budgets: BudgetTable;
}

/** A simulated tenant and channel at `scale`, the bot's database seeded, the bot in its own process; stops it and reads its peak RSS. */
async function withBot<T>(tenant: TenantFile, scale: number, fanoutPeople: TenantFile['users'], o: BenchOptions, fn: (run: BotRun) => Promise<T>): Promise<{ value: T; peakRssMB: number }> {
  const budgets = scaleBudgets(DOCUMENTED_BUDGETS, scale);
  const dir = mkdtempSync(join(tmpdir(), 'prb-bench-'));
  const tls = await ensureCertificate(dir);
  writeFileSync(join(dir, 'ca.pem'), tls.cert);
  const clock = new SystemClock();
  const world = await startSimWorld({ tenant, clock, budgets, tls, botAppId: BOT_APP_ID, recordBodies: true });
  const group = (name: string) => {
    const g = tenant.groups.find((x) => x.displayName === name);
    if (!g) throw new Error(`the generated tenant has no group "${name}"`);
    return { id: g.id, name: g.displayName };
  };
  const dataDir = join(dir, 'data');
  const seedStore = await openStore({ dataDir, logger: silentLogger() });
  const seeded = await seedBench(seedStore, { now: clock.now(), allStaff: group(GROUP_NAMES.allStaff), tier0: group(GROUP_NAMES.tier0), fanoutUserIds: fanoutPeople.map((u) => u.id) });
  await seedStore.close();

  const bot = spawnBot({
    ...world.botEnv(),
    PORT: '0',
    DATA_DIR: dataDir,
    GRAPH_CA_FILE: join(dir, 'ca.pem'),
    BUDGET_SCALE: String(scale),
    // Quiet while measuring; under `npm test` the bot logs at info, into the run's capture that is scanned for secrets.
    LOG_LEVEL: process.env.TEST_LOG_FILE ? 'info' : 'error',
    SCHEDULER: 'on',
    NUDGE_CONCURRENCY: String(o.concurrency ?? 32),
  });
  try {
    world.setBotEndpoint(`${await bot.ready}/api/messages`);
    // The admin has the app (they talk to the bot); Teams tells the bot as it does.
    const adminUser = world.sim.state.requireUser(DEMO_ACCOUNTS.admin.id);
    await world.userInstallsApp(adminUser.id);
    const admin = world.channel.user({ aadObjectId: adminUser.id, name: adminUser.displayName, userPrincipalName: adminUser.userPrincipalName });
    await world.settled();
    const value = await fn({ world, admin, seeded, budgets });
    await bot.kill('SIGTERM');
    const m = /MAXRSS (\d+)/.exec(bot.output());
    if (!m) throw new Error(`the bot did not report its peak RSS:\n${bot.output().slice(-2000)}`);
    return { value, peakRssMB: round(Number(m[1]) / 1024, 1) };
  } catch (e) {
    log(o)(`bot output:\n${bot.output().slice(-4000)}`);
    throw e;
  } finally {
    await bot.kill('SIGKILL');
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const log = (o: BenchOptions) => o.log ?? ((l: string) => console.log(l));

/** Sends a sync command as the admin and waits for the bot's "finished" message in that chat. */
async function timedSync(world: SimWorld, admin: EmulatedUser, command: string, finished: RegExp): Promise<{ before: SimCounters; after: SimCounters; seconds: number }> {
  const before = snapshot(world);
  let resolveDone!: (a: RecordedActivity) => void;
  const done = new Promise<RecordedActivity>((r) => (resolveDone = r));
  const stop = world.channel.onActivityRecorded((a, change) => {
    if (change !== 'created' || a.from !== 'bot' || a.conversationId !== admin.personalConversationId) return;
    if (finished.test(a.text ?? '') || /sync failed/i.test(a.text ?? '')) resolveDone(a);
  });
  const t = performance.now();
  try {
    const r = await world.channel.sendMessage(admin, command);
    const answer = r.replies.map((x) => x.text ?? '').join(' ');
    if (!/^Started/.test(answer)) throw new Error(`"${command}" answered: ${answer}`);
    const end = await done;
    const seconds = (performance.now() - t) / 1000;
    if (!finished.test(end.text ?? '')) throw new Error(`"${command}": ${end.text}`);
    return { before, after: snapshot(world), seconds };
  } finally {
    stop();
  }
}

/** `share` of the enabled members register a synced passkey themselves (seeded choice). */
function churn(world: SimWorld, members: TenantFile['users'], share: number, seed: number): number {
  const n = Math.max(1, Math.round(members.length * share));
  const random = new SeededRandom(seed + 1);
  const pool = members.filter((u) => u.id !== DEMO_ACCOUNTS.admin.id);
  const picked = new Set<string>();
  while (picked.size < Math.min(n, pool.length)) picked.add(pool[Math.floor(random.next() * pool.length)]!.id);
  for (const id of picked) world.sim.registerPasskey(id, { aaGuid: KNOWN_AAGUIDS.applePasswords, passkeyType: 'synced' });
  return picked.size;
}

async function fanOut(world: SimWorld, admin: EmulatedUser, reachable: string[], budgets: BudgetTable, log: (l: string) => void, users: number): Promise<Omit<SizeResult['fanout'], 'scale'>> {
  const botMessages = (userId: string) => {
    const e = world.channel.findUser(userId);
    return e ? world.channel.conversation(e.personalConversationId).filter((a) => a.from === 'bot' && a.type === 'message').length : 0;
  };
  const already = new Map(reachable.map((id) => [id, botMessages(id)]));
  world.channel.resetCounters();
  const t = performance.now();
  const r = await world.channel.sendMessage(admin, `resume nudges ${FANOUT_CAMPAIGN}`);
  if (!/are on again/.test(r.replies.map((x) => x.text ?? '').join(' '))) throw new Error(`resume nudges answered: ${r.replies.map((x) => x.text).join(' ')}`);
  let last = -1;
  let still = 0;
  for (;;) {
    await new Promise((res) => setTimeout(res, 1000));
    const c = world.channel.counters();
    const ops = c.creates + c.sends;
    still = ops === last ? still + 1 : 0;
    last = ops;
    if (reachable.every((id) => botMessages(id) > already.get(id)!) || still >= 30) break;
  }
  // Anything still in flight (a retry, a duplicate) gets a moment to land before counting.
  await new Promise((res) => setTimeout(res, 3000));
  const c = world.channel.counters();
  const operations = c.creates + c.sends;
  const spanMs = c.firstAt !== null && c.lastAt !== null ? c.lastAt - c.firstAt : 0;
  let lost = 0;
  let extra = 0;
  for (const id of reachable) {
    const n = botMessages(id) - already.get(id)!;
    if (n === 0) lost++;
    if (n > 1) extra += n - 1;
  }
  const result = {
    operations,
    ceilingUtilization: utilization(operations, spanMs, budgets['connector.global'].windows),
    duplicates: Math.max(c.duplicates, extra),
    lost,
    seconds: round((performance.now() - t) / 1000, 1),
  };
  log(
    `[${users}] fan-out: ${JSON.stringify(result)} (${reachable.length} reachable people, ${c.creates} creates + ${c.sends} sends in ${(spanMs / 1000).toFixed(1)} s, ` +
      `${world.sim.counters().budgets['graph.teamsInstall'].requests} installs, ${c.throttled} connector 429s)`,
  );
  return result;
}

/**
 * The sync done the naive way on its own simulated tenant: list the users, then one
 * `/authentication/methods` call per user. Only the request count matters here, so this tenant's
 * budgets are scaled out of the way (the time it would take is requests ÷ the reports budget).
 */
async function naiveSync(users: number, seed: number, log: (l: string) => void): Promise<number> {
  const tenant = generateTenant({ users, seed });
  const dir = mkdtempSync(join(tmpdir(), 'prb-bench-naive-'));
  const token = 'naive-bench-token';
  const sim = await SimTenant.start({ tenant, clock: new SystemClock(), budgets: scaleBudgets(DOCUMENTED_BUDGETS, 1e6), tls: await ensureCertificate(dir), staticToken: token, logger: silentLogger() });
  try {
    const headers = { authorization: `Bearer ${token}` };
    const ids: string[] = [];
    let next: string | null = '/v1.0/users?$top=999&$select=id';
    while (next) {
      const res = await sim.request('GET', next, { headers });
      if (res.status !== 200) throw new Error(`naive: list users answered ${res.status}`);
      const body = res.body as { value: { id: string }[]; '@odata.nextLink'?: string };
      ids.push(...body.value.map((u) => u.id));
      next = body['@odata.nextLink'] ? body['@odata.nextLink'].replace(/^https?:\/\/[^/]+/, '') : null;
    }
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const res = await sim.request('GET', `/v1.0/users/${id}/authentication/methods`, { headers });
          if (res.status !== 200) throw new Error(`naive: methods of ${id} answered ${res.status}`);
        }
      }),
    );
    const requests = sim.counters().budgets['graph.reports'].requests;
    log(`naive sync of ${ids.length} users: ${requests} reports-budget requests`);
    return requests;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
