import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../services/system/clock.js';
import { allPages, shapeDiff, startSim, type Harness } from './helpers.js';
import { AAGUID, T, tinyTenant } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));
const PREFER = { Prefer: 'include-unknown-enum-members' };
const f = (s: string) => `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(s)}`;

interface SignIn {
  id: string;
  createdDateTime: string;
  userId: string;
  conditionalAccessStatus: string;
  status: { errorCode: number };
  appliedConditionalAccessPolicies: { id: string; result: string }[];
}
const resultOf = (s: SignIn, policyId: string) => s.appliedConditionalAccessPolicies.find((p) => p.id === policyId)?.result;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('sign-in logs', () => {
  it('computes each user’s results from their methods and the policies targeting them', async () => {
    h = await startSim();
    const { items } = await allPages(h, '/v1.0/auditLogs/signIns', PREFER);
    const byUser = new Map<string, SignIn[]>();
    for (const s of items as SignIn[]) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s]);
    expect([...byUser.keys()].sort()).toEqual([T.alice, T.bob, T.carol, T.dave, T.gina, T.glass].sort());
    // Working days Mon 29 Dec – Fri 2 Jan and Monday 5 Jan up to 19:00 UTC, 3 per day.
    expect(byUser.get(T.alice)).toHaveLength(18);
    for (const s of byUser.get(T.bob)!) {
      expect(resultOf(s, T.reportOnlyPolicy)).toBe('reportOnlyFailure');
      expect(resultOf(s, T.enforcedPolicy)).toBe('notApplied');
      expect(s.conditionalAccessStatus).toBe('notApplied');
    }
    for (const s of byUser.get(T.alice)!) {
      expect(resultOf(s, T.enforcedPolicy)).toBe('success');
      expect(resultOf(s, T.reportOnlyPolicy)).toBe('reportOnlyNotApplied');
      expect(s.conditionalAccessStatus).toBe('success');
    }
    for (const s of byUser.get(T.carol)!) expect(resultOf(s, T.reportOnlyPolicy)).toBe('reportOnlySuccess');
    for (const s of [...byUser.get(T.gina)!, ...byUser.get(T.glass)!]) {
      expect(s.appliedConditionalAccessPolicies.map((p) => p.result)).toEqual(['reportOnlyNotApplied', 'notApplied']);
    }
    // Disabled policies are not listed.
    expect(items.every((s: SignIn) => !s.appliedConditionalAccessPolicies.some((p) => p.id === T.disabledPolicy))).toBe(true);
    const times = items.map((s: SignIn) => Date.parse(s.createdDateTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.max(...times)).toBeLessThanOrEqual(h.clock.nowMs());
  });

  it('reads report-only results as unknownFutureValue without the Prefer header', async () => {
    h = await startSim();
    const plain = (await h.get(f(`userId eq '${T.bob}'`))).body.value as SignIn[];
    const withPrefer = (await h.get(f(`userId eq '${T.bob}'`), PREFER)).body.value as SignIn[];
    expect(plain.map((s) => s.id)).toEqual(withPrefer.map((s) => s.id));
    expect(plain.every((s) => resultOf(s, T.reportOnlyPolicy) === 'unknownFutureValue')).toBe(true);
    expect(plain.every((s) => resultOf(s, T.enforcedPolicy) === 'notApplied')).toBe(true);
    expect(withPrefer.every((s) => resultOf(s, T.reportOnlyPolicy) === 'reportOnlyFailure')).toBe(true);
  });

  it('serves the documented v1.0 and beta shapes', async () => {
    h = await startSim();
    const v1 = await h.get('/v1.0/auditLogs/signIns?$top=1');
    const v1doc = fixture('sign-ins-list-v1.json');
    expect(Object.keys(v1.body)).toEqual(Object.keys(v1doc));
    expect(v1.body['@odata.nextLink']).toMatch(new RegExp(`^${h.sim.baseUrl}/v1\\.0/auditLogs/signIns\\?\\$top=1&\\$skiptoken=`));
    expect(Object.keys(v1.body.value[0])).toEqual(Object.keys(v1doc.value[0]));
    expect(shapeDiff(v1doc.value[0], v1.body.value[0])).toEqual([]);
    expect(shapeDiff(v1doc.value[0].appliedConditionalAccessPolicies[0], v1.body.value[0].appliedConditionalAccessPolicies[0])).toEqual([]);
    const beta = await h.get('/beta/auditLogs/signIns?$top=1');
    const betaDoc = fixture('sign-ins-list-beta.json').value[0];
    expect(Object.keys(beta.body.value[0])).toEqual(Object.keys(betaDoc));
    expect(shapeDiff(betaDoc, beta.body.value[0])).toEqual([]);
    expect(shapeDiff(betaDoc.authenticationDetails[0], beta.body.value[0].authenticationDetails[0])).toEqual([]);
  });

  it('changes results after a user registers a passkey, leaving earlier events as they were', async () => {
    h = await startSim();
    const before = (await h.get(f(`userId eq '${T.bob}'`), PREFER)).body.value as SignIn[];
    const registeredAt = h.clock.nowMs();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    await h.clock.advance(4 * 86_400_000 + 6 * 3_600_000);
    const after = (await h.get(f(`userId eq '${T.bob}'`), PREFER)).body.value as SignIn[];
    const old = after.filter((s) => Date.parse(s.createdDateTime) < registeredAt);
    const fresh = after.filter((s) => Date.parse(s.createdDateTime) >= registeredAt);
    expect(old).toEqual(before);
    expect(fresh.length).toBe(13);
    const results = new Set(fresh.map((s) => resultOf(s, T.reportOnlyPolicy)));
    expect([...results].sort()).toEqual(['reportOnlyInterrupted', 'reportOnlySuccess']);
  });

  it('fails sign-ins of users without a passkey once their group is added to an enforced policy', async () => {
    h = await startSim();
    const changedAt = h.clock.nowMs();
    await h.call('PATCH', `/v1.0/identity/conditionalAccess/policies/${T.enforcedPolicy}`, {
      body: { conditions: { users: { includeGroups: [T.wave1, T.pilot] } } },
    });
    await h.clock.advance(86_400_000 + 5 * 3_600_000);
    const bob = (await h.get(f(`userId eq '${T.bob}'`), PREFER)).body.value as SignIn[];
    const fresh = bob.filter((s) => Date.parse(s.createdDateTime) >= changedAt);
    expect(fresh.length).toBe(4);
    for (const s of fresh) {
      expect(resultOf(s, T.enforcedPolicy)).toBe('failure');
      expect(s.conditionalAccessStatus).toBe('failure');
      expect(s.status.errorCode).toBe(53003);
    }
    for (const s of bob.filter((s) => Date.parse(s.createdDateTime) < changedAt)) expect(resultOf(s, T.enforcedPolicy)).toBe('notApplied');
    // Carol had a passkey all along: the enforced policy is satisfied (stepping up when she started with a password).
    const failures = (await allPages(h, f("conditionalAccessStatus eq 'failure'"))).items as SignIn[];
    expect(new Set(failures.map((s) => s.userId))).toEqual(new Set([T.bob]));
  });

  it('shows a report-only user who has a passkey but signed in with a password as interrupted', async () => {
    const tenant = tinyTenant();
    // Dave joins the report-only cohort only: he has passkeys and sometimes uses Authenticator push.
    tenant.groups.find((g) => g.id === T.pilot)!.members.push(T.dave);
    tenant.conditionalAccessPolicies = tenant.conditionalAccessPolicies.filter((p) => p.id !== T.enforcedPolicy);
    h = await startSim({ tenant });
    const dave = (await allPages(h, f(`userId eq '${T.dave}'`), PREFER)).items as SignIn[];
    const results = dave.map((s) => resultOf(s, T.reportOnlyPolicy));
    expect(new Set(results)).toEqual(new Set(['reportOnlySuccess', 'reportOnlyInterrupted']));
    const plain = (await h.get(f(`userId eq '${T.dave}'`))).body.value as SignIn[];
    expect(new Set(plain.map((s) => resultOf(s, T.reportOnlyPolicy)))).toEqual(new Set(['unknownFutureValue']));
  });

  it('honours AAGUID restrictions of a custom strength', async () => {
    h = await startSim();
    await h.call('PATCH', `/v1.0/identity/conditionalAccess/policies/${T.reportOnlyPolicy}`, {
      body: { grantControls: { operator: 'OR', authenticationStrength: { id: T.deviceBoundStrength } } },
    });
    await h.clock.advance(86_400_000);
    const carol = (await h.get(f(`userId eq '${T.carol}' and createdDateTime ge ${new Date(h.clock.nowMs() - 86_400_000).toISOString()}`), PREFER)).body
      .value as SignIn[];
    expect(carol.length).toBeGreaterThan(0);
    // Her only passkey is a synced iCloud one, which the strength's AAGUID list does not allow.
    for (const s of carol) expect(resultOf(s, T.reportOnlyPolicy)).toBe('reportOnlyFailure');
  });

  it('pages exactly: no duplicates or gaps, and stable while new events appear', async () => {
    h = await startSim();
    const whole = (await allPages(h, '/v1.0/auditLogs/signIns')).items.map((s: SignIn) => s.id);
    expect(whole.length).toBe(107);
    const paged = (await allPages(h, '/v1.0/auditLogs/signIns?$top=7')).items.map((s: SignIn) => s.id);
    expect(paged).toEqual(whole);
    const first = await h.get('/v1.0/auditLogs/signIns?$top=10');
    await h.clock.advance(2 * 86_400_000);
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const rest: string[] = [];
    let next = first.body['@odata.nextLink'];
    while (next) {
      const r = await h.follow(next);
      rest.push(...r.body.value.map((s: SignIn) => s.id));
      next = r.body['@odata.nextLink'];
    }
    expect([...first.body.value.map((s: SignIn) => s.id), ...rest]).toEqual(whole);
    expect((await allPages(h, '/v1.0/auditLogs/signIns')).items.length).toBeGreaterThan(107);
  });

  it('is deterministic for the same tenant and clock', async () => {
    h = await startSim();
    const a = (await h.get('/v1.0/auditLogs/signIns?$top=20')).body.value;
    const other = await startSim({ clock: new FakeClock(h.clock.nowMs()) });
    const b = (await other.get('/v1.0/auditLogs/signIns?$top=20')).body.value;
    await other.close();
    expect(b).toEqual(a);
    const one = await h.get(`/v1.0/auditLogs/signIns/${a[3].id}`);
    expect(one.body.id).toBe(a[3].id);
    expect(one.body.createdDateTime).toBe(a[3].createdDateTime);
  });

  it('supports the documented filters and refuses the rest', async () => {
    h = await startSim();
    const from = '2025-12-31T00:00:00Z';
    const to = '2026-01-01T00:00:00Z';
    const day = (await allPages(h, f(`createdDateTime ge ${from} and createdDateTime lt ${to}`))).items as SignIn[];
    expect(day.length).toBe(18);
    expect(day.every((s) => s.createdDateTime >= from && s.createdDateTime < to)).toBe(true);
    const gt = (await allPages(h, f(`createdDateTime gt ${from} and createdDateTime le ${to} and userPrincipalName eq 'alice@contoso.example'`))).items;
    expect(gt.length).toBe(3);
    const byPolicy = (await allPages(h, f(`appliedConditionalAccessPolicies/any(p:p/id eq '${T.reportOnlyPolicy}') and conditionalAccessStatus eq 'notApplied'`))).items;
    // Bob (17 events before now), Gina and Glass (18 each) are the only users no enforced policy applies to.
    expect(byPolicy.length).toBe(17 + 18 + 18);
    for (const bad of ["ipAddress eq '203.0.113.1'", `userId eq '${T.bob}' or userId eq '${T.alice}'`, 'createdDateTime ge yesterday']) {
      expect((await h.get(f(bad))).status, bad).toBe(400);
    }
    expect((await h.get('/v1.0/auditLogs/signIns?$top=1001')).status).toBe(400);
    expect((await h.get('/v1.0/auditLogs/signIns?$top=2&$orderby=createdDateTime desc')).status).toBe(200);
    expect((await h.get('/v1.0/auditLogs/signIns?$orderby=createdDateTime')).status).toBe(400);
    await h.close();
    h = await startSim({ tenant: tinyTenant({ signInsPolicyFilterSupported: false }) });
    expect((await h.get(f(`appliedConditionalAccessPolicies/any(p:p/id eq '${T.reportOnlyPolicy}')`))).status).toBe(400);
  });
});
