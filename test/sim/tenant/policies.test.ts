import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { shapeDiff, startSim, type Harness } from './helpers.js';
import { AAGUID, T } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));
const CA = '/v1.0/identity/conditionalAccess/policies';
const FIDO2 = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('conditional access policies', () => {
  it('serves the documented shape with the authentication strength inline', async () => {
    h = await startSim();
    const r = await h.get(`${CA}/${T.enforcedPolicy}`);
    expect(r.status).toBe(200);
    const doc = fixture('conditional-access-policy-get-beta.json');
    expect(shapeDiff(doc, r.body, ['sessionControls'])).toEqual([]);
    expect(shapeDiff(doc.conditions.users, r.body.conditions.users)).toEqual([]);
    expect(Object.keys(r.body.grantControls)).toEqual(Object.keys(doc.grantControls));
    const s = r.body.grantControls.authenticationStrength;
    const builtIn = fixture('authentication-strength-policies-list.json').value[2];
    expect(Object.keys(s)).toEqual(Object.keys(builtIn));
    expect(s.allowedCombinations).toEqual(builtIn.allowedCombinations);
    const disabled = await h.get(`${CA}/${T.disabledPolicy}`);
    expect(disabled.body.grantControls.authenticationStrength).toBeNull();
    expect(disabled.body.grantControls['authenticationStrength@odata.context']).toContain('/$metadata#');
    const list = await h.get(CA);
    expect(list.body.value).toHaveLength(3);
    expect((await h.get(`${CA}/00000000-0000-4000-8000-00000000dead`)).status).toBe(404);
  });

  it('PATCH replaces arrays whole, merges objects, bumps modifiedDateTime and keeps history', async () => {
    h = await startSim();
    const before = (await h.get(`${CA}/${T.enforcedPolicy}`)).body;
    await h.clock.advance(5_000);
    const r = await h.call('PATCH', `${CA}/${T.enforcedPolicy}`, { body: { conditions: { users: { includeGroups: [T.pilot] } } } });
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    const after = (await h.get(`${CA}/${T.enforcedPolicy}`)).body;
    expect(after.conditions.users.includeGroups).toEqual([T.pilot]);
    expect(after.conditions.users.excludeGroups).toEqual([T.exempt, T.breakglass]);
    expect(after.conditions.applications).toEqual(before.conditions.applications);
    expect(after.modifiedDateTime).toBe(h.clock.now().toISOString());
    expect(after.modifiedDateTime).not.toBe(before.modifiedDateTime);
    await h.clock.advance(5_000);
    h.sim.portalEditPolicy(T.enforcedPolicy, { state: 'enabledForReportingButNotEnforced' });
    const history = h.sim.policyHistory(T.enforcedPolicy);
    expect(history.map((v) => v.value?.state)).toEqual(['enabled', 'enabled', 'enabledForReportingButNotEnforced']);
    expect(history.map((v) => v.value?.conditions.users.includeGroups)).toEqual([[T.wave1], [T.pilot], [T.pilot]]);
    expect(history[2]!.atMs).toBe(h.clock.nowMs());
    expect((await h.get(`${CA}/${T.enforcedPolicy}`)).body.modifiedDateTime).toBe(h.clock.now().toISOString());
  });

  it('accepts a read-modify-write PATCH of the whole object it served', async () => {
    h = await startSim();
    const served = (await h.get(`${CA}/${T.enforcedPolicy}`)).body;
    served.conditions.users.excludeUsers = [T.glass];
    const r = await h.call('PATCH', `${CA}/${T.enforcedPolicy}`, { body: served });
    expect(r.status).toBe(204);
    const after = (await h.get(`${CA}/${T.enforcedPolicy}`)).body;
    expect(after.conditions.users.excludeUsers).toEqual([T.glass]);
    expect(after.grantControls.authenticationStrength.id).toBe('00000000-0000-0000-0000-000000000004');
    expect(h.sim.policyHistory(T.enforcedPolicy).at(-1)!.value!.grantControls!.authenticationStrength).toEqual({ id: '00000000-0000-0000-0000-000000000004' });
    const strength = (await h.get(`/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}`)).body;
    const patched = await h.call('PATCH', `/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}`, { body: { ...strength, description: 'Hardware only' } });
    expect(patched.status).toBe(204);
    const changed = await h.call('PATCH', `/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}`, { body: { allowedCombinations: ['windowsHelloForBusiness'] } });
    expect(changed.status).toBe(400);
  });

  it('answers 400 for nonsense', async () => {
    h = await startSim();
    const bad = [
      { state: 'sometimes' },
      { grantControls: { operator: 'OR', authenticationStrength: { id: '00000000-0000-0000-0000-000000000099' } } },
      { conditions: { users: { includeGroups: ['not-a-group'] } } },
    ];
    for (const body of bad) {
      const r = await h.call('PATCH', `${CA}/${T.enforcedPolicy}`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(h.sim.policyHistory(T.enforcedPolicy)).toHaveLength(1);
  });

  it('creates (201 with the object) and deletes policies', async () => {
    h = await startSim();
    const body = {
      displayName: 'Require phishing-resistant MFA - wave 2',
      state: 'enabledForReportingButNotEnforced',
      conditions: {
        clientAppTypes: ['all'],
        applications: { includeApplications: ['All'] },
        users: { includeGroups: [T.pilot], excludeGroups: [T.breakglass], excludeUsers: [] },
      },
      grantControls: { operator: 'OR', authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } },
    };
    const r = await h.call('POST', CA, { body });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ displayName: body.displayName, state: body.state, modifiedDateTime: null });
    expect(r.body.grantControls.authenticationStrength.displayName).toBe('Phishing resistant MFA');
    expect(r.body.conditions.users.includeRoles).toEqual([]);
    expect((await h.call('DELETE', `${CA}/${r.body.id}`)).status).toBe(204);
    expect((await h.get(`${CA}/${r.body.id}`)).status).toBe(404);
  });
});

describe('authentication strengths', () => {
  it('lists built-ins as documented and filters by policyType', async () => {
    h = await startSim();
    const all = await h.get('/v1.0/policies/authenticationStrengthPolicies');
    const doc = fixture('authentication-strength-policies-list.json');
    expect(all.body.value.slice(0, 3).map((p: { id: string }) => p.id)).toEqual(doc.value.map((p: { id: string }) => p.id));
    expect(shapeDiff(doc.value[0], all.body.value[0])).toEqual([]);
    expect(Object.keys(all.body.value[0])).toEqual(Object.keys(doc.value[0]));
    const custom = await h.get(`/v1.0/policies/authenticationStrengthPolicies?$filter=${encodeURIComponent("policyType eq 'custom'")}`);
    expect(custom.body.value.map((p: { id: string }) => p.id)).toEqual([T.deviceBoundStrength]);
    expect((await h.get(`/v1.0/policies/authenticationStrengthPolicies?$filter=${encodeURIComponent("policyType eq 'weird'")}`)).status).toBe(400);
  });

  it('keeps built-ins read-only and custom ones editable', async () => {
    h = await startSim();
    const builtIn = '/v1.0/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004';
    expect((await h.call('PATCH', builtIn, { body: { displayName: 'x' } })).status).toBe(400);
    expect((await h.call('DELETE', builtIn)).status).toBe(400);
    const created = await h.call('POST', '/v1.0/policies/authenticationStrengthPolicies', {
      body: { displayName: 'Synced passkeys too', allowedCombinations: ['fido2', 'windowsHelloForBusiness'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ policyType: 'custom', requirementsSatisfied: 'mfa', combinationConfigurations: [] });
    expect((await h.call('POST', '/v1.0/policies/authenticationStrengthPolicies', { body: { displayName: 'Bad', allowedCombinations: ['magic'] } })).status).toBe(400);
    const cfgPath = `/v1.0/identity/conditionalAccess/authenticationStrength/policies/${created.body.id}/combinationConfigurations`;
    const cfg = await h.call('POST', cfgPath, {
      body: { '@odata.type': '#microsoft.graph.fido2CombinationConfiguration', allowedAAGUIDs: [AAGUID.yubikey], appliesToCombinations: ['fido2'] },
    });
    expect(cfg.status).toBe(201);
    expect(cfg.body).toMatchObject({ '@odata.type': '#microsoft.graph.fido2CombinationConfiguration', allowedAAGUIDs: [AAGUID.yubikey] });
    const listed = await h.get(`/v1.0/policies/authenticationStrengthPolicies/${created.body.id}/combinationConfigurations`);
    expect(listed.body.value.map((c: { id: string }) => c.id)).toEqual([cfg.body.id]);
    const onBuiltIn = await h.call('POST', '/v1.0/identity/conditionalAccess/authenticationStrength/policies/00000000-0000-0000-0000-000000000004/combinationConfigurations', {
      body: { '@odata.type': '#microsoft.graph.fido2CombinationConfiguration', allowedAAGUIDs: [AAGUID.yubikey], appliesToCombinations: ['fido2'] },
    });
    expect(onBuiltIn.status).toBe(400);
    expect((await h.call('DELETE', `/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}`)).status).toBe(204);
  });

  it('refuses to delete a strength a CA policy uses, and reports usage in the documented shape', async () => {
    h = await startSim();
    await h.call('PATCH', `${CA}/${T.reportOnlyPolicy}`, { body: { grantControls: { authenticationStrength: { id: T.deviceBoundStrength } } } });
    expect((await h.call('DELETE', `/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}`)).status).toBe(400);
    const usage = await h.get(`/v1.0/policies/authenticationStrengthPolicies/${T.deviceBoundStrength}/usage`);
    const doc = fixture('authentication-strength-policy-usage.json');
    expect(shapeDiff(doc, usage.body)).toEqual([]);
    expect(shapeDiff(doc.mfa[0], usage.body.mfa[0])).toEqual([]);
    expect(usage.body.mfa.map((p: { id: string }) => p.id)).toEqual([T.reportOnlyPolicy]);
    expect(usage.body.mfa[0].grantControls.authenticationStrength).toEqual({ id: T.deviceBoundStrength });
  });
});

describe('passkey (FIDO2) policy', () => {
  const profile = (id: string, name: string, passkeyTypes: string, attestationEnforcement = 'disabled') => ({
    id,
    name,
    passkeyTypes,
    attestationEnforcement,
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
  });
  const DEFAULT = '00000000-0000-0000-0000-000000000001';
  const TIER0 = '22222222-0000-4000-8000-000000000001';

  it('GET matches the documented shape; PATCH replaces profiles and targets whole and keeps history', async () => {
    h = await startSim();
    const got = await h.get(FIDO2);
    expect(shapeDiff(fixture('fido2-method-configuration-get.json'), got.body)).toEqual([]);
    const patch = fixture('fido2-method-configuration-update-passkey-profiles-request.json');
    patch.state = 'enabled';
    patch.passkeyProfiles.push(profile(TIER0, 'Tier 0', 'deviceBound', 'registrationOnly'));
    patch.includeTargets.push({ targetType: 'group', id: T.wave1, isRegistrationRequired: false, allowedPasskeyProfiles: [TIER0] });
    await h.clock.advance(1_000);
    const r = await h.call('PATCH', FIDO2, { body: patch });
    expect(r.status).toBe(204);
    const after = (await h.get(FIDO2)).body;
    expect(after.passkeyProfiles.map((p: { id: string }) => p.id)).toEqual([DEFAULT, TIER0]);
    expect(after.includeTargets.map((t: { id: string }) => t.id)).toEqual(['all_users', T.wave1]);
    const history = h.sim.fido2History();
    expect(history).toHaveLength(2);
    expect(history[1]!.atMs).toBe(h.clock.nowMs());
    const onlyTargets = await h.call('PATCH', FIDO2, {
      body: { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', includeTargets: [patch.includeTargets[0]] },
    });
    expect(onlyTargets.status).toBe(204);
    expect((await h.get(FIDO2)).body.includeTargets).toHaveLength(1);
    expect((await h.get(FIDO2)).body.passkeyProfiles).toHaveLength(2);
  });

  it('refuses the documented invalid changes with a clear 400', async () => {
    h = await startSim();
    const type = { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration' };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['missing @odata.type', { state: 'enabled' }, /@odata\.type/],
      [
        'eleven profiles',
        { ...type, passkeyProfiles: [profile(DEFAULT, 'Default', 'deviceBound,synced'), ...Array.from({ length: 10 }, (_, i) => profile(`33333333-0000-4000-8000-${String(i).padStart(12, '0')}`, `P${i}`, 'deviceBound'))] },
        /at most 10/,
      ],
      ['default profile removed', { ...type, passkeyProfiles: [profile(TIER0, 'Tier 0', 'deviceBound')] }, /default passkey profile/],
      ['attestation with only synced', { ...type, passkeyProfiles: [profile(DEFAULT, 'Default', 'synced', 'registrationOnly')] }, /attestation/i],
      [
        'profile still targeted',
        {
          ...type,
          passkeyProfiles: [profile(DEFAULT, 'Default', 'deviceBound,synced')],
          includeTargets: [{ targetType: 'group', id: T.wave1, isRegistrationRequired: false, allowedPasskeyProfiles: [TIER0] }],
        },
        /unknown passkey profile|still targeted/,
      ],
      [
        'over 20 KB',
        {
          ...type,
          passkeyProfiles: [
            {
              ...profile(DEFAULT, 'Default', 'deviceBound'),
              keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: Array.from({ length: 600 }, (_, i) => `44444444-0000-4000-8000-${String(i).padStart(12, '0')}`) },
            },
          ],
        },
        /20 KB/,
      ],
    ];
    for (const [name, body, message] of cases) {
      const r = await h.call('PATCH', FIDO2, { body });
      expect(r.status, name).toBe(400);
      expect(r.body.error.message, name).toMatch(message);
    }
    // Removing a profile that a target still uses.
    await h.call('PATCH', FIDO2, {
      body: {
        ...type,
        passkeyProfiles: [profile(DEFAULT, 'Default', 'deviceBound,synced'), profile(TIER0, 'Tier 0', 'deviceBound')],
        includeTargets: [{ targetType: 'group', id: T.wave1, isRegistrationRequired: false, allowedPasskeyProfiles: [TIER0] }],
      },
    });
    const removing = await h.call('PATCH', FIDO2, { body: { ...type, passkeyProfiles: [profile(DEFAULT, 'Default', 'deviceBound,synced')] } });
    expect(removing.status).toBe(400);
    expect(removing.body.error.message).toMatch(/still targeted/);
  });

  it('serves the authentication methods policy with the fido2 entry inline, and the TAP configuration', async () => {
    h = await startSim();
    const r = await h.get('/v1.0/policies/authenticationMethodsPolicy');
    const doc = fixture('authentication-methods-policy-get.json');
    expect(shapeDiff(doc, r.body, ['@microsoft.graph.tips'])).toEqual([]);
    const fido2 = r.body.authenticationMethodConfigurations.find((c: { id: string }) => c.id === 'Fido2');
    expect(shapeDiff(doc.authenticationMethodConfigurations[0], fido2)).toEqual([]);
    expect(fido2.passkeyProfiles).toHaveLength(1);
    const tapDoc = doc.authenticationMethodConfigurations.find((c: { id: string }) => c.id === 'TemporaryAccessPass');
    const tap = await h.get('/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass');
    expect(shapeDiff(tapDoc, tap.body, ['includeTargets@odata.context'])).toEqual([]);
    expect(tap.body).toMatchObject({ state: 'enabled', minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480 });
  });
});
