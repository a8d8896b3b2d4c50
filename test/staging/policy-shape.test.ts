import { describe, expect, it } from 'vitest';
import type { CaPolicy, CaUsers } from '../../services/ports/policy-gateway.js';
import {
  adoptProblems,
  applyUsersIntent,
  diffPasskeyPolicySnapshots,
  diffPolicySnapshots,
  intentSatisfied,
  missingBreakGlass,
  newPolicyBody,
  passkeyPolicySnapshot,
  patchForIntent,
  policySnapshot,
  type DriftContext,
} from '../../services/staging/policy-shape.js';
import { backMove, forwardMove } from '../../services/staging/stages.js';

const users = (over: Partial<CaUsers> = {}): CaUsers => ({ includeUsers: ['None'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [], ...over });

function policy(over: Partial<CaPolicy> = {}): CaPolicy {
  return {
    id: 'p1',
    displayName: 'P',
    state: 'enabled',
    createdDateTime: '2026-01-01T00:00:00Z',
    modifiedDateTime: '2026-01-02T00:00:00Z',
    users: users(),
    strengthId: '00000000-0000-0000-0000-000000000004',
    builtInControls: [],
    grantOperator: 'OR',
    includeApplications: ['All'],
    excludeApplications: [],
    clientAppTypes: ['all'],
    ...over,
  };
}

describe('stage moves', () => {
  it.each([
    ['planned', 'nudging', null, null, false],
    ['nudging', 'report-only', 'report-only', null, false],
    ['report-only', 'enforced', 'enforced', 'report-only', true],
  ] as const)('forward from %s → %s writes the target (%s) before the source (%s); approval %s', (from, to, addTo, removeFrom, approval) => {
    expect(forwardMove(from)).toMatchObject({ to, addTo, removeFrom, needsApproval: approval });
  });

  it('enforced has no forward move; rollback goes one step back, target first', () => {
    expect(forwardMove('enforced')).toBeNull();
    expect(backMove('enforced')).toMatchObject({ to: 'report-only', addTo: 'report-only', removeFrom: 'enforced' });
    expect(backMove('report-only')).toMatchObject({ to: 'nudging', addTo: null, removeFrom: 'report-only' });
    expect(backMove('nudging')).toBeNull();
    expect(backMove('planned')).toBeNull();
  });
});

describe('conditions.users read → modify → write', () => {
  it('adds a group, drops the None placeholder, keeps everything else as found', () => {
    const before = users({ excludeUsers: ['bg1', 'portal-added'], excludeGroups: ['bgg'], includeGuestsOrExternalUsers: null });
    const after = applyUsersIntent(before, { include: ['G1'], excludeGroups: ['ex'] });
    expect(after).toEqual({ ...before, includeUsers: [], includeGroups: ['G1'], excludeGroups: ['bgg', 'ex'] });
  });

  it('removing the last group puts None back; removing one of two keeps the other; case-insensitive', () => {
    const two = users({ includeUsers: [], includeGroups: ['g1', 'G2'] });
    expect(applyUsersIntent(two, { remove: ['G1'] })).toMatchObject({ includeUsers: [], includeGroups: ['G2'] });
    expect(applyUsersIntent(users({ includeUsers: [], includeGroups: ['g1'] }), { remove: ['g1'] })).toMatchObject({ includeUsers: ['None'], includeGroups: [] });
  });

  it('an intent already in place needs no write; the patch carries the whole users object and only changed state/strength', () => {
    const p = policy({ users: users({ includeUsers: [], includeGroups: ['g1'], excludeGroups: ['ex'] }) });
    expect(intentSatisfied(p, { users: { include: ['G1'], excludeGroups: ['EX'] } })).toBe(true);
    expect(intentSatisfied(p, { users: { remove: ['g1'] } })).toBe(false);
    expect(intentSatisfied(p, { users: {}, state: 'disabled' })).toBe(false);
    const patch = patchForIntent(p, { users: { include: ['g2'] }, state: 'enabled', strengthId: 'S' });
    expect(patch).toEqual({
      conditions: { users: { ...p.users, includeGroups: ['g1', 'g2'] } },
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: 'S' } },
    });
  });

  it('a new policy includes nobody, excludes break-glass and exemptions, requires the strength on all apps', () => {
    const body = newPolicyBody({ displayName: 'X', role: 'report-only', strengthId: 'S', exclusions: { users: ['u'], groups: ['g', 'ex'] } });
    expect(body).toMatchObject({
      state: 'enabledForReportingButNotEnforced',
      conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users: { includeUsers: ['None'], excludeUsers: ['u'], excludeGroups: ['g', 'ex'] } },
      grantControls: { authenticationStrength: { id: 'S' } },
    });
  });
});

describe('adoption and break-glass checks', () => {
  const bg = [
    { campaignId: 'c', principalId: 'bg-user', kind: 'user' as const, displayName: 'Break Glass 01', addedBy: 'a', addedAt: new Date(0) },
    { campaignId: 'c', principalId: 'bg-group', kind: 'group' as const, displayName: 'Emergency', addedBy: 'a', addedAt: new Date(0) },
  ];

  it('names the break-glass entries a policy does not exclude', () => {
    expect(missingBreakGlass(policy({ users: users({ excludeUsers: ['BG-USER'] }) }), bg).map((b) => b.displayName)).toEqual(['Emergency']);
    expect(missingBreakGlass(policy({ users: users({ excludeUsers: ['bg-user'], excludeGroups: ['bg-group'] }) }), bg)).toEqual([]);
  });

  it('adopts only a policy of the right shape', () => {
    const ok = policy({ state: 'enabledForReportingButNotEnforced', users: users({ includeUsers: [], includeGroups: ['cohort-g'] }) });
    expect(adoptProblems(ok, 'report-only', { strengthId: ok.strengthId, cohortGroupIds: ['cohort-g'] })).toEqual([]);
    const bad = policy({ state: 'enabled', strengthId: null, builtInControls: ['block'], includeApplications: ['app'], users: users({ includeUsers: ['All'], includeGroups: ['other'], includeRoles: ['r'] }) });
    const problems = adoptProblems(bad, 'report-only', { strengthId: 'S', cohortGroupIds: [] });
    expect(problems.join(' | ')).toMatch(/state is enabled.*no(?:t)? require.*blocks.*all cloud apps.*includes users.*directory roles.*not cohorts/);
  });
});

describe('drift in words', () => {
  const ctx: DriftContext = { breakGlassUsers: ['bg-user'], breakGlassGroups: ['bg-group'], exemptionsGroupId: 'ex', cohortGroups: new Map([['cohort-g', 'Pilot']]), names: new Map([['bg-group', 'Emergency Access Accounts']]) };
  const base = policy({ users: users({ includeUsers: [], includeGroups: ['cohort-g'], excludeUsers: ['bg-user'], excludeGroups: ['bg-group', 'ex'] }) });

  it('nothing changed → nothing to say', () => {
    expect(diffPolicySnapshots(policySnapshot(base), policySnapshot({ ...base, modifiedDateTime: 'later', displayName: 'renamed' }), ctx)).toEqual([]);
  });

  it('says what a portal edit took away, serious first', () => {
    const edited = policy({ ...base, state: 'disabled', strengthId: 'other', users: users({ includeUsers: [], includeGroups: ['someone-else'], excludeUsers: [], excludeGroups: ['ex'] }) });
    const changes = diffPolicySnapshots(policySnapshot(base), policySnapshot(edited), ctx);
    const words = changes.map((c) => c.words);
    expect(words).toEqual(expect.arrayContaining([
      'its state was changed from enabled to disabled',
      expect.stringMatching(/now requires the authentication strength other/),
      'the break-glass account bg-user is no longer excluded',
      'the break-glass group Emergency Access Accounts is no longer excluded',
      'the cohort group Pilot was removed from it',
      expect.stringMatching(/someone-else was added to includeGroups/),
    ]));
    expect(changes.every((c) => c.serious)).toBe(true);
    // an extra exclusion added in the portal is drift, but not serious
    const extra = diffPolicySnapshots(policySnapshot(base), policySnapshot({ ...base, users: { ...base.users, excludeUsers: ['bg-user', 'vip'] } }), ctx);
    expect(extra).toEqual([expect.objectContaining({ serious: false, words: 'vip was added to excludeUsers' })]);
  });

  it('passkey profiles: a change reaching one cohort concerns that cohort only; a state change concerns all', () => {
    const pol = (adminTypes: string, state = 'enabled') =>
      passkeyPolicySnapshot({
        state,
        defaultProfileId: 'd',
        profiles: [
          { id: 'd', name: 'Default', passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled', keyRestrictions: null },
          { id: 'a', name: 'Admins', passkeyTypes: adminTypes, attestationEnforcement: 'registrationOnly', keyRestrictions: null },
        ],
        includeTargets: [
          { id: 'all_users', allowedPasskeyProfiles: ['d'] },
          { id: 'admins-g', allowedPasskeyProfiles: ['a'] },
        ],
        excludeTargets: [],
        legacy: null,
      });
    const cohorts = [{ id: 'c-admins', groupId: 'admins-g' }, { id: 'c-all', groupId: 'all-g' }];
    const r = diffPasskeyPolicySnapshots(pol('deviceBound'), pol('deviceBound,synced'), cohorts);
    expect(r.affects).toEqual(['c-admins']);
    expect(r.changes[0]!.words).toMatch(/"Admins" changed: passkey types deviceBound → deviceBound,synced/);
    expect(diffPasskeyPolicySnapshots(pol('deviceBound'), pol('deviceBound', 'disabled'), cohorts).affects).toEqual(['*']);
    expect(diffPasskeyPolicySnapshots(pol('deviceBound'), pol('deviceBound'), cohorts)).toEqual({ changes: [], affects: [] });
    // a snapshot read back from jsonb has its keys in another order: still no change
    const reorder = (v: unknown): unknown => (Array.isArray(v) ? v.map(reorder) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v);
    expect(diffPasskeyPolicySnapshots(reorder(pol('deviceBound')) as Record<string, unknown>, pol('deviceBound'), cohorts).changes).toEqual([]);
  });
});
