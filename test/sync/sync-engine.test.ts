import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignService } from '../../services/campaigns/campaign-service.js';
import { GraphStrengths } from '../../services/graph/graph-policies.js';
import { lookupAaguid, ZERO_AAGUID } from '../../services/passkeys/aaguids.js';
import type { Campaign, Cohort, Tier } from '../../services/ports/campaign-store.js';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { GraphFido2Method, SimUser } from '../../services/sim/tenant/model.js';
import { SeededRandom } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { SyncEngine, type SyncSummary } from '../../services/sync/sync-engine.js';
import { startGraphWorld, type GraphWorld } from '../helpers/graph-world.js';

/**
 * The synced picture against the tenant file's ground truth, user by user, and the Graph requests a
 * sync spends, counted by the simulated tenant (not by the bot).
 */

/** Independent oracle: compliance straight from the tenant file's methods. */
function oracleState(user: SimUser, tier: Tier, breakGlass: boolean): string {
  if (breakGlass) return 'break_glass';
  if (!user.accountEnabled) return 'account_disabled';
  const passkeys = user.authenticationMethods.filter((m): m is GraphFido2Method => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
  const whfb = tier !== 'tier0' && user.authenticationMethods.some((m) => m['@odata.type'] === '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod');
  if (passkeys.length === 0 && !whfb) return 'no_passkey';
  const qualifying = passkeys.filter((p) => (tier === 'tier0' ? p.passkeyType === 'deviceBound' && p.attestationLevel === 'attested' : tier === 'tier1' ? p.passkeyType === 'deviceBound' : true));
  if (qualifying.length === 0 && !whfb) return 'wrong_kind';
  if (!whfb && qualifying.every((p) => lookupAaguid(p.aaGuid)?.signsInWithEntra === true)) return 'single_point_of_failure';
  return 'compliant';
}

/** Whom the budget rule says must be read from fido2Methods. */
function oracleNeedsDetail(user: SimUser, tiers: Tier[], breakGlass: boolean): boolean {
  if (breakGlass || !user.accountEnabled) return false;
  const passkeys = user.authenticationMethods.filter((m): m is GraphFido2Method => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
  if (passkeys.length === 0) return false;
  if (tiers.includes('tier0')) return true;
  const hasDeviceBound = passkeys.some((p) => p.passkeyType === 'deviceBound');
  return !hasDeviceBound && tiers.includes('workforce');
}

let w: GraphWorld;
let campaign: Campaign;
const cohorts: Record<string, Cohort> = {};
let engine: SyncEngine;
let full: SyncSummary;
let fullReports = 0;
let fido2BeforeLastPage: number | null = null;

beforeAll(async () => {
  w = await startGraphWorld({ users: 3_000, seed: 21, scale: 200 });
  const admin = 'de300000-0000-4000-8000-000000000004';
  const svc = new CampaignService({ store: w.store, directory: w.directory, strengths: new GraphStrengths(w.graph), clock: w.clock, random: new SeededRandom(2) });
  const c = await svc.createCampaign({ name: 'Passkeys 2027', deadline: null, strength: null, threshold: null }, admin);
  if (!c.ok) throw new Error(c.message);
  campaign = c.value;
  for (const [group, tier] of [[GROUP_NAMES.allStaff, 'workforce'], [GROUP_NAMES.tier0, 'tier0'], [GROUP_NAMES.engineering, 'tier1']] as const) {
    const r = await svc.addCohort({ group, campaign: campaign.name, tier, named: null }, admin);
    if (!r.ok) throw new Error(r.message);
    cohorts[tier] = r.value.cohort;
  }
  const bg = await svc.addBreakGlass(GROUP_NAMES.breakGlass, campaign.name, admin);
  if (!bg.ok) throw new Error(bg.message);
  engine = new SyncEngine({ store: w.store, directory: w.directory, source: w.source, clock: w.clock, random: new SeededRandom(9), logger: silentLogger(), detailConcurrency: 8 });
  w.sim.resetCounters();
  // How many passkey reads the tenant had served when the bot asked for the report's last page.
  const pages = Math.ceil(w.tenant.users.filter((u) => u.accountEnabled).length / 999);
  w.sim.beforeRequest({ method: 'GET', pathPattern: 'userRegistrationDetails', skip: pages - 1 }, () => {
    fido2BeforeLastPage = w.sim.counters().routes['GET /users/{userId}/authentication/fido2Methods'] ?? 0;
  });
  full = await engine.run({ kind: 'full', requestedBy: admin });
  fullReports = w.sim.counters().budgets['graph.reports'].requests;
}, 300_000);
afterAll(async () => {
  await w?.close();
});

function transitiveUsers(groupName: string): Set<string> {
  const byId = new Map(w.tenant.groups.map((g) => [g.id, g]));
  const users = new Set(w.tenant.users.map((u) => u.id));
  const root = w.tenant.groups.find((g) => g.displayName === groupName)!;
  const out = new Set<string>();
  const walk = (id: string) => {
    for (const m of byId.get(id)!.members) {
      if (users.has(m)) out.add(m);
      else if (byId.has(m)) walk(m);
    }
  };
  walk(root.id);
  return out;
}

describe('full sync', () => {
  it('tracks exactly the transitive members of each cohort group', async () => {
    for (const [tier, name] of [['workforce', GROUP_NAMES.allStaff], ['tier0', GROUP_NAMES.tier0], ['tier1', GROUP_NAMES.engineering]] as const) {
      const expected = [...transitiveUsers(name)].sort();
      expect(await w.store.members.activeUserIds(cohorts[tier]!.id), name).toEqual(expected);
    }
  });

  it('decides every member\'s compliance as the ground truth says, user by user', async () => {
    const breakGlass = transitiveUsers(GROUP_NAMES.breakGlass);
    const users = new Map(w.tenant.users.map((u) => [u.id, u]));
    const mismatches: string[] = [];
    for (const tier of ['workforce', 'tier0', 'tier1'] as const) {
      for (const userId of await w.store.members.activeUserIds(cohorts[tier]!.id)) {
        const m = (await w.store.members.get(cohorts[tier]!.id, userId))!;
        const expected = oracleState(users.get(userId)!, tier, breakGlass.has(userId));
        if (m.state !== expected) mismatches.push(`${tier} ${users.get(userId)!.truth.persona} ${userId}: got ${m.state}, expected ${expected} (${m.reason})`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('classifies each passkey read in detail by kind and provider, as the tenant file has them', async () => {
    const users = new Map(w.tenant.users.map((u) => [u.id, u]));
    let checked = 0;
    for (const userId of await w.store.members.activeUserIds(cohorts.tier0!.id)) {
      const record = (await w.store.directoryUsers.get(userId))!;
      if (!record.fido2) continue;
      const truth = users.get(userId)!.authenticationMethods.filter((m): m is GraphFido2Method => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
      const got = (record.fido2 as { id: string; kind: string; provider: string; attestation: string }[]).map((p) => `${p.id}|${p.kind}|${p.attestation}|${p.provider}`).sort();
      const want = truth.map((t) => `${t.id}|${t.passkeyType === 'deviceBound' ? 'device-bound' : 'synced'}|${t.attestationLevel}|${lookupAaguid(t.aaGuid)?.name ?? (t.aaGuid === ZERO_AAGUID ? `${t.model} (provider not identified)` : `Unknown provider (${t.aaGuid})`)}`).sort();
      expect(got, userId).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('spends about ⌈users/999⌉ report requests plus exactly the necessary fido2Methods reads', async () => {
    const counters = w.sim.counters();
    const enabled = w.tenant.users.filter((u) => u.accountEnabled).length;
    const pages = Math.ceil(enabled / 999);
    const breakGlass = transitiveUsers(GROUP_NAMES.breakGlass);
    const tiersOf = new Map<string, Tier[]>();
    for (const [tier, name] of [['workforce', GROUP_NAMES.allStaff], ['tier0', GROUP_NAMES.tier0], ['tier1', GROUP_NAMES.engineering]] as const) {
      for (const u of transitiveUsers(name)) tiersOf.set(u, [...(tiersOf.get(u) ?? []), tier]);
    }
    const expectedReads = w.tenant.users.filter((u) => tiersOf.has(u.id) && oracleNeedsDetail(u, tiersOf.get(u.id)!, breakGlass.has(u.id))).length;
    expect(full.detailReads).toBe(expectedReads);
    expect(counters.routes['GET /users/{userId}/authentication/fido2Methods'] ?? 0).toBe(expectedReads);
    expect(counters.routes['GET /reports/authenticationMethods/userRegistrationDetails']).toBe(pages);
    expect(counters.budgets['graph.reports'].requests).toBe(pages + expectedReads);
    expect(counters.throttled429).toBe(0);
  });

  it('reads passkey detail while it is still paging through the report (the reports budget is not left idle)', () => {
    expect(fido2BeforeLastPage).not.toBeNull();
    expect(fido2BeforeLastPage!).toBeGreaterThan(0);
    expect(fido2BeforeLastPage!).toBeLessThan(full.detailReads);
  });

  it('reads nothing from fido2Methods again when nothing changed', async () => {
    w.sim.resetCounters();
    const again = await engine.run({ kind: 'full' });
    expect(again.detailReads).toBe(0);
    expect(w.sim.counters().routes['GET /users/{userId}/authentication/fido2Methods'] ?? 0).toBe(0);
  });
});

describe('incremental sync after 1 % churn', () => {
  it('re-reads only the people who changed, for a small fraction of a full sync', async () => {
    const allStaff = [...transitiveUsers(GROUP_NAMES.allStaff)];
    const users = new Map(w.tenant.users.map((u) => [u.id, u]));
    const noPasskey = allStaff.filter((id) => users.get(id)!.accountEnabled && users.get(id)!.truth.persona === 'no-passkey').slice(0, Math.ceil(allStaff.length / 100));
    w.clock.advance(3600_000);
    for (const id of noPasskey) w.sim.registerPasskey(id, { aaGuid: '90a3ccdf-635c-4729-a248-9b709135078f', passkeyType: 'deviceBound', attestationLevel: 'attested', displayName: 'Authenticator - iPhone' });
    w.clock.advance(60_000);
    w.sim.resetCounters();
    const inc = await engine.run({ kind: 'incremental' });
    expect(inc.kind).toBe('incremental');
    // 1 % of 3,000 people is more than the report's 3 pages, so re-sweeping the report is cheaper
    // than reading each of them; nobody's passkeys need re-reading (their report rows did not move).
    expect(inc.changedUsers).toBe(noPasskey.length);
    expect(inc.detailReads).toBe(0);
    const reports = w.sim.counters().budgets['graph.reports'].requests;
    expect(reports).toBe(1 + Math.ceil(w.tenant.users.filter((u) => u.accountEnabled).length / 999));
    expect(reports / fullReports).toBeLessThan(0.05);
    for (const id of noPasskey) {
      expect((await w.store.members.get(cohorts.workforce!.id, id))!.state, id).toBe('compliant');
    }
  });

  it('reads single people instead of sweeping when fewer changed than the report has pages, and re-reads their passkeys when needed', async () => {
    const users = new Map(w.tenant.users.map((u) => [u.id, u]));
    const allStaff = [...transitiveUsers(GROUP_NAMES.allStaff)].filter((id) => users.get(id)!.accountEnabled && users.get(id)!.truth.persona === 'no-passkey');
    const [a, b] = allStaff.slice(-2);
    // The audit log is read back 15 minutes over the last run (late-written events): let the
    // previous test's changes fall out of that window first.
    w.clock.advance(3600_000);
    await engine.run({ kind: 'incremental' });
    w.clock.advance(3600_000);
    // a: a synced passkey in 1Password — its provider matters (lockout trap), so it must be read
    w.sim.registerPasskey(a!, { aaGuid: 'bada5566-a7aa-401f-bd96-45619a55120d', passkeyType: 'synced', attestationLevel: 'notAttested', displayName: '1Password' });
    w.sim.registerPasskey(b!, { aaGuid: '2fc0579f-8113-47ea-b116-bb5a8db9202a', passkeyType: 'deviceBound', attestationLevel: 'attested', displayName: 'YubiKey' });
    w.clock.advance(60_000);
    w.sim.resetCounters();
    const inc = await engine.run({ kind: 'incremental' });
    expect(inc.sweptReport).toBe(false);
    expect(inc.changedUsers).toBe(2);
    const routes = w.sim.counters().routes;
    expect(routes['GET /reports/authenticationMethods/userRegistrationDetails/{userId}']).toBe(2);
    expect(routes['GET /reports/authenticationMethods/userRegistrationDetails'] ?? 0).toBe(0);
    expect(routes['GET /users/{userId}/authentication/fido2Methods']).toBe(1);
    expect((await w.store.members.get(cohorts.workforce!.id, a!))!.state).toBe('single_point_of_failure');
    expect((await w.store.members.get(cohorts.workforce!.id, b!))!.state).toBe('compliant');
  });

  it('picks up joiners and leavers of a cohort group', async () => {
    const engineering = w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.engineering)!;
    const outsider = w.tenant.users.find((u) => u.accountEnabled && !transitiveUsers(GROUP_NAMES.engineering).has(u.id))!;
    const leaver = [...transitiveUsers(GROUP_NAMES.engineering)].find((id) => engineering.members.includes(id))!;
    w.sim.addGroupMember(engineering.id, outsider.id);
    w.sim.removeGroupMember(engineering.id, leaver);
    w.clock.advance(60_000);
    const inc = await engine.run({ kind: 'incremental' });
    expect(inc.joined).toBeGreaterThanOrEqual(1);
    expect(inc.left).toBeGreaterThanOrEqual(1);
    const active = await w.store.members.activeUserIds(cohorts.tier1!.id);
    expect(active).toContain(outsider.id);
    expect(active).not.toContain(leaver);
    expect((await w.store.members.get(cohorts.tier1!.id, leaver))!.active).toBe(false);
  });
});
