import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLE_TEMPLATES, ROLE_TEMPLATE_IDS } from '../../services/access/roles.js';
import { GraphPolicyGateway } from '../../services/graph/graph-policy-gateway.js';
import type { SignInEvent } from '../../services/ports/policy-gateway.js';
import { DEMO_ACCOUNTS, generateTenant, GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { newPolicyBody } from '../../services/staging/policy-shape.js';
import { silentLogger } from '../../services/system/logger.js';
import { startGraphWorld, type GraphWorld } from '../helpers/graph-world.js';

/** The staging Graph adapter against the simulated tenant, both ways where the docs are unsure. */
async function collect(it: AsyncIterable<SignInEvent[]>): Promise<SignInEvent[]> {
  const out: SignInEvent[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

describe.each([true, false])('GraphPolicyGateway (sign-ins policy filter supported: %s)', (filterSupported) => {
  let g: GraphWorld;
  let gw: GraphPolicyGateway;
  let policyId: string;
  let groupId: string;

  beforeAll(async () => {
    g = await startGraphWorld({ tenant: generateTenant({ users: 80, seed: 4, behaviour: { signInsPolicyFilterSupported: filterSupported } }) });
    gw = new GraphPolicyGateway(g.graph, silentLogger());
  });
  afterAll(async () => {
    await g?.close();
  });

  it('creates a report-only policy and reads it back in the port shape', async () => {
    const bg = g.tenant.groups.find((x) => x.displayName === GROUP_NAMES.breakGlass)!.id;
    const allStaff = g.tenant.groups.find((x) => x.displayName === GROUP_NAMES.allStaff)!.id;
    const created = await gw.createPolicy(newPolicyBody({ displayName: 'Test (report-only)', role: 'report-only', strengthId: '00000000-0000-0000-0000-000000000004', exclusions: { users: [], groups: [bg] } }));
    policyId = created.policy.id;
    expect(created.requestId).toMatch(/\S/);
    await gw.patchPolicy(policyId, { conditions: { users: { ...created.policy.users, includeUsers: [], includeGroups: [allStaff] } } });
    const p = (await gw.getPolicy(policyId))!;
    expect(p).toMatchObject({ state: 'enabledForReportingButNotEnforced', strengthId: '00000000-0000-0000-0000-000000000004', includeApplications: ['All'], clientAppTypes: ['all'] });
    expect(p.users).toMatchObject({ includeGroups: [allStaff], excludeGroups: [bg], includeUsers: [] });
    expect(p.modifiedDateTime).not.toBeNull();
    expect((await gw.policiesNamed('Test (report-only)')).map((x) => x.id)).toEqual([policyId]);
    expect(await gw.getPolicy('00000000-0000-0000-0000-0000000000aa')).toBeNull();
  });

  it('reads the policy\'s report-only results from sign-ins (Prefer: include-unknown-enum-members), filter or not', async () => {
    const from = g.clock.now();
    g.clock.advance(3 * 24 * 3600_000);
    const events = await collect(gw.signInsForPolicy(policyId, from, g.clock.now()));
    expect(events.length).toBeGreaterThan(20);
    for (const e of events) {
      const applied = e.policies.find((p) => p.id === policyId)!;
      expect(applied).toBeDefined();
      expect(applied.result).toMatch(/^reportOnly(Success|Failure|Interrupted|NotApplied)$/);
      expect(Date.parse(e.createdDateTime)).toBeGreaterThanOrEqual(from.getTime() - 1000);
    }
    expect(events.some((e) => e.policies.find((p) => p.id === policyId)!.result === 'reportOnlyFailure')).toBe(true);
    // both ways give the same events
    const again = await collect(gw.signInsForPolicy(policyId, from, g.clock.now()));
    expect(again.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('creates a passkey-only strength and restricts fido2 to some models', async () => {
    const s = await gw.createStrength({ displayName: 'Passkeys only: test', description: 'x', allowedCombinations: ['fido2'] });
    expect(s.strength).toMatchObject({ policyType: 'custom', allowedCombinations: ['fido2'] });
    await gw.restrictFido2(s.strength.id, ['cb69481e-8ff7-4039-93ec-0a2729a154a8']);
    expect((await gw.getStrength(s.strength.id))!.combinationConfigurations).toEqual([expect.objectContaining({ appliesToCombinations: ['fido2'], allowedAAGUIDs: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] })]);
    expect((await gw.strengthsNamed('Passkeys only: test'))[0]!.id).toBe(s.strength.id);
    const cfg = (await gw.getStrength(s.strength.id))!.combinationConfigurations[0]!;
    await gw.updateFido2Restriction(s.strength.id, cfg.id, ['2fc0579f-8113-47ea-b116-bb5a8db9202a', 'cb69481e-8ff7-4039-93ec-0a2729a154a8']);
    expect((await gw.getStrength(s.strength.id))!.combinationConfigurations[0]!.allowedAAGUIDs.sort()).toEqual(['2fc0579f-8113-47ea-b116-bb5a8db9202a', 'cb69481e-8ff7-4039-93ec-0a2729a154a8']);
    await gw.removeFido2Restriction(s.strength.id, cfg.id);
    expect((await gw.getStrength(s.strength.id))!.combinationConfigurations).toEqual([]);
  });

  it('creates the exemptions group; adding twice and removing an absent member are not errors', async () => {
    const r = await gw.createSecurityGroup('Exemptions: test', 'exemptions-test', 'x');
    groupId = r.id;
    const user = DEMO_ACCOUNTS.user.id;
    expect(await gw.addMember(groupId, user)).toMatchObject({ already: false });
    expect(await gw.addMember(groupId, user)).toMatchObject({ already: true });
    expect(g.sim.state.isTransitiveMemberOf(user, groupId)).toBe(true);
    expect(await gw.removeMember(groupId, user)).toMatchObject({ absent: false });
    expect(await gw.removeMember(groupId, user)).toMatchObject({ absent: true });
  });

  it('reads the TAP policy and issues a pass', async () => {
    expect(await gw.tapPolicy()).toEqual({ state: 'enabled', defaultLifetimeInMinutes: 60, minimumLifetimeInMinutes: 10, maximumLifetimeInMinutes: 480, isUsableOnce: false });
    const t = await gw.createTap(DEMO_ACCOUNTS.user.id, { lifetimeInMinutes: 30, isUsableOnce: true });
    expect(t).toMatchObject({ lifetimeInMinutes: 30, isUsableOnce: true });
    expect(t.code.length).toBeGreaterThanOrEqual(8);
  });

  it('finds the admins through their directory roles', async () => {
    const ids = await gw.usersWithRoles(ADMIN_ROLE_TEMPLATES);
    expect(ids).toEqual(expect.arrayContaining([DEMO_ACCOUNTS.admin.id, DEMO_ACCOUNTS.admin2.id]));
    expect(ids).not.toContain(DEMO_ACCOUNTS.helpdesk.id);
    expect(await gw.usersWithRoles([ROLE_TEMPLATE_IDS.helpdeskAdministrator])).toContain(DEMO_ACCOUNTS.helpdesk.id);
  });

  it('rides out Conditional Access 429s (no Retry-After) without failing the read', async () => {
    g.sim.failNext({ method: 'GET', pathPattern: 'conditionalAccess/policies/', status: 429, count: 1 });
    expect((await gw.getPolicy(policyId))!.id).toBe(policyId);
    expect(g.graph.traffic.throttled).toBeGreaterThanOrEqual(1);
  });
});
