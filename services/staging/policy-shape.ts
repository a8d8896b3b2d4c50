import type { BreakGlassEntry } from '../ports/campaign-store.js';
import type { AuthStrength, CaPolicy, CaUsers } from '../ports/policy-gateway.js';
import type { PasskeyPolicy } from '../ports/registration-source.js';
import type { DriftChange } from '../ports/staging-store.js';
import { canonical, sameJson } from './canonical.js';
import type { PolicyRole } from './stages.js';

/**
 * The shapes of the campaign's Conditional Access policies, pure: what a move changes in
 * `conditions.users` (read → modify → write of the whole object, never a partial array), what the
 * bot creates, how a policy is snapshotted for drift watch, and how two snapshots differ in words.
 */

export const REPORT_ONLY_STATE = 'enabledForReportingButNotEnforced';
export const ENFORCED_STATE = 'enabled';
export const stateOfRole = (role: PolicyRole): string => (role === 'report-only' ? REPORT_ONLY_STATE : ENFORCED_STATE);

/** What the bot needs `conditions.users` to say; everything else in it is left as found. */
export interface UsersIntent {
  /** Groups that must be in includeGroups. */
  include?: string[];
  /** Groups that must not be in includeGroups. */
  remove?: string[];
  excludeUsers?: string[];
  excludeGroups?: string[];
}

export interface PolicyIntent {
  users: UsersIntent;
  state?: string;
  strengthId?: string;
}

const lc = (s: string) => s.toLowerCase();
const has = (list: string[], id: string) => list.some((x) => lc(x) === lc(id));

/**
 * The new `conditions.users`: the intent applied to what was read. Order is kept and additions go
 * at the end. A policy must include someone, so with no group left it includes `None` (and `None`
 * goes away when a group comes in).
 */
export function applyUsersIntent(users: CaUsers, intent: UsersIntent): CaUsers {
  let includeGroups = users.includeGroups.filter((g) => !(intent.remove ?? []).some((r) => lc(r) === lc(g)));
  for (const g of intent.include ?? []) if (!has(includeGroups, g)) includeGroups = [...includeGroups, g];
  let excludeUsers = [...users.excludeUsers];
  for (const u of intent.excludeUsers ?? []) if (!has(excludeUsers, u)) excludeUsers = [...excludeUsers, u];
  let excludeGroups = [...users.excludeGroups];
  for (const g of intent.excludeGroups ?? []) if (!has(excludeGroups, g)) excludeGroups = [...excludeGroups, g];
  let includeUsers = users.includeUsers.filter((u) => u !== 'None');
  const guests = users.includeGuestsOrExternalUsers;
  const includesSomeone = includeGroups.length > 0 || includeUsers.length > 0 || users.includeRoles.length > 0 || (guests !== null && guests !== undefined);
  if (!includesSomeone) includeUsers = ['None'];
  return { ...users, includeUsers, excludeUsers, includeGroups, excludeGroups };
}

export function usersIntentSatisfied(users: CaUsers, intent: UsersIntent): boolean {
  return (
    (intent.include ?? []).every((g) => has(users.includeGroups, g)) &&
    (intent.remove ?? []).every((g) => !has(users.includeGroups, g)) &&
    (intent.excludeUsers ?? []).every((u) => has(users.excludeUsers, u)) &&
    (intent.excludeGroups ?? []).every((g) => has(users.excludeGroups, g))
  );
}

export function intentSatisfied(p: CaPolicy, intent: PolicyIntent): boolean {
  if (intent.state !== undefined && p.state !== intent.state) return false;
  if (intent.strengthId !== undefined && lc(p.strengthId ?? '') !== lc(intent.strengthId)) return false;
  return usersIntentSatisfied(p.users, intent.users);
}

/** The PATCH body for an intent over what was read: the whole `conditions.users`, and state/strength when they must change. */
export function patchForIntent(p: CaPolicy, intent: PolicyIntent): Record<string, unknown> {
  const body: Record<string, unknown> = { conditions: { users: applyUsersIntent(p.users, intent.users) } };
  if (intent.state !== undefined && p.state !== intent.state) body.state = intent.state;
  if (intent.strengthId !== undefined && lc(p.strengthId ?? '') !== lc(intent.strengthId)) {
    body.grantControls = { operator: p.grantOperator ?? 'OR', builtInControls: p.builtInControls.filter((c) => c !== 'mfa'), authenticationStrength: { id: intent.strengthId } };
  }
  return body;
}

export function policyDisplayName(campaignName: string, role: PolicyRole): string {
  return `Passkey rollout: ${campaignName} (${role === 'report-only' ? 'report-only' : 'enforced'})`;
}

export function strengthDisplayName(campaignName: string): string {
  return `Passkeys only: ${campaignName}`.slice(0, 100);
}

export function exemptionsGroupName(campaignName: string): string {
  return `Passkey rollout exemptions: ${campaignName}`.slice(0, 120);
}

export function mailNicknameFor(campaignName: string, suffix: string): string {
  const base = campaignName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'campaign';
  return `passkey-exemptions-${base}-${suffix}`.slice(0, 64);
}

export interface ExclusionSet {
  users: string[];
  groups: string[];
}

/** Break-glass accounts and groups, plus the exemptions group: what both policies must exclude. */
export function exclusionsOf(breakGlass: BreakGlassEntry[], exemptionsGroupId: string | null): ExclusionSet {
  return {
    users: breakGlass.filter((b) => b.kind === 'user').map((b) => b.principalId),
    groups: [...breakGlass.filter((b) => b.kind === 'group').map((b) => b.principalId), ...(exemptionsGroupId ? [exemptionsGroupId] : [])],
  };
}

/** The body the bot POSTs for a new campaign policy: all cloud apps, all client apps, nobody yet. */
export function newPolicyBody(o: { displayName: string; role: PolicyRole; strengthId: string; exclusions: ExclusionSet }): Record<string, unknown> {
  return {
    displayName: o.displayName,
    state: stateOfRole(o.role),
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'], excludeApplications: [] },
      users: {
        includeUsers: ['None'],
        excludeUsers: [...o.exclusions.users],
        includeGroups: [],
        excludeGroups: [...o.exclusions.groups],
        includeRoles: [],
        excludeRoles: [],
      },
    },
    grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: o.strengthId } },
  };
}

/** Break-glass entries the policy does not exclude (a hard stop: no override). */
export function missingBreakGlass(p: CaPolicy, breakGlass: BreakGlassEntry[]): BreakGlassEntry[] {
  return breakGlass.filter((b) => !has(b.kind === 'user' ? p.users.excludeUsers : p.users.excludeGroups, b.principalId));
}

/**
 * Why an existing policy cannot be adopted for `role` (empty: it can). The bot adopts only a policy
 * that already does what it would have created: right state, the campaign's strength, every cloud
 * app, and nobody included but the campaign's own cohorts.
 */
export function adoptProblems(p: CaPolicy, role: PolicyRole, o: { strengthId: string | null; cohortGroupIds: string[] }): string[] {
  const out: string[] = [];
  const want = stateOfRole(role);
  if (p.state !== want) out.push(`its state is ${p.state}, not ${want}`);
  if (!p.strengthId) out.push('it does not require an authentication strength');
  else if (o.strengthId && lc(p.strengthId) !== lc(o.strengthId)) out.push(`it requires the authentication strength ${p.strengthId}, not the campaign's ${o.strengthId}`);
  if (p.builtInControls.includes('block')) out.push('it blocks access');
  if (!p.includeApplications.includes('All')) out.push('it does not cover all cloud apps');
  if (p.clientAppTypes.length > 0 && !p.clientAppTypes.includes('all')) out.push(`it covers only the client apps ${p.clientAppTypes.join(', ')}`);
  const others = p.users.includeUsers.filter((u) => u !== 'None');
  if (others.length > 0) out.push(`it includes users directly (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`);
  if (p.users.includeRoles.length > 0) out.push('it includes directory roles');
  const foreign = p.users.includeGroups.filter((g) => !o.cohortGroupIds.some((c) => lc(c) === lc(g)));
  if (foreign.length > 0) out.push(`it includes groups that are not cohorts of this campaign (${foreign.slice(0, 3).join(', ')})`);
  return out;
}

// ---- snapshots and drift -------------------------------------------------------------------------

const sorted = (a: string[]) => [...a].map(lc).sort();

export function policySnapshot(p: CaPolicy): Record<string, unknown> {
  return {
    state: p.state,
    strengthId: p.strengthId ? lc(p.strengthId) : null,
    grantOperator: p.grantOperator,
    builtInControls: sorted(p.builtInControls),
    includeApplications: sorted(p.includeApplications),
    excludeApplications: sorted(p.excludeApplications),
    clientAppTypes: sorted(p.clientAppTypes),
    users: {
      includeUsers: sorted(p.users.includeUsers),
      excludeUsers: sorted(p.users.excludeUsers),
      includeGroups: sorted(p.users.includeGroups),
      excludeGroups: sorted(p.users.excludeGroups),
      includeRoles: sorted(p.users.includeRoles),
      excludeRoles: sorted(p.users.excludeRoles),
    },
  };
}

export interface DriftContext {
  breakGlassUsers: string[];
  breakGlassGroups: string[];
  exemptionsGroupId: string | null;
  /** Group id → cohort name, for this campaign's cohorts. */
  cohortGroups: Map<string, string>;
  /** Id → display name, where known. */
  names: Map<string, string>;
}

function arr(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : [];
}

/** What changed between the snapshot the bot took and the live policy, in words, serious first. */
export function diffPolicySnapshots(before: Record<string, unknown>, after: Record<string, unknown>, ctx: DriftContext): DriftChange[] {
  const out: DriftChange[] = [];
  const name = (id: string) => ctx.names.get(lc(id)) ?? ctx.cohortGroups.get(lc(id)) ?? id;
  if (before.state !== after.state) out.push({ field: 'state', before: before.state, after: after.state, words: `its state was changed from ${String(before.state)} to ${String(after.state)}`, serious: true });
  if ((before.strengthId ?? null) !== (after.strengthId ?? null)) {
    out.push({ field: 'grantControls.authenticationStrength', before: before.strengthId, after: after.strengthId, words: `it now requires ${after.strengthId ? `the authentication strength ${String(after.strengthId)}` : 'no authentication strength'} instead of ${String(before.strengthId)}`, serious: true });
  }
  for (const k of ['builtInControls', 'includeApplications', 'excludeApplications', 'clientAppTypes'] as const) {
    if (!sameJson(arr(before[k]), arr(after[k]))) out.push({ field: k, before: before[k], after: after[k], words: `${k} changed from [${arr(before[k]).join(', ')}] to [${arr(after[k]).join(', ')}]`, serious: k !== 'excludeApplications' });
  }
  const bu = (before.users ?? {}) as Record<string, unknown>;
  const au = (after.users ?? {}) as Record<string, unknown>;
  for (const k of ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'] as const) {
    const b = arr(bu[k]);
    const a = arr(au[k]);
    const removed = b.filter((x) => !a.includes(x));
    const added = a.filter((x) => !b.includes(x));
    for (const id of removed) {
      const isBreakGlass = (k === 'excludeUsers' && ctx.breakGlassUsers.some((x) => lc(x) === id)) || (k === 'excludeGroups' && ctx.breakGlassGroups.some((x) => lc(x) === id));
      const isExemptions = k === 'excludeGroups' && ctx.exemptionsGroupId !== null && lc(ctx.exemptionsGroupId) === id;
      const isCohort = k === 'includeGroups' && ctx.cohortGroups.has(id);
      const words = isBreakGlass
        ? `the break-glass ${k === 'excludeUsers' ? 'account' : 'group'} ${name(id)} is no longer excluded`
        : isExemptions
          ? `the exemptions group ${name(id)} is no longer excluded`
          : isCohort
            ? `the cohort group ${name(id)} was removed from it`
            : `${name(id)} was removed from ${k}`;
      out.push({ field: `conditions.users.${k}`, before: id, after: null, words, serious: isBreakGlass || isExemptions || isCohort });
    }
    for (const id of added) {
      const words = k === 'includeGroups' || k === 'includeUsers' || k === 'includeRoles' ? `${name(id)} was added to ${k} (more people are covered)` : `${name(id)} was added to ${k}`;
      out.push({ field: `conditions.users.${k}`, before: null, after: id, words, serious: k === 'includeGroups' || k === 'includeUsers' || k === 'includeRoles' });
    }
  }
  if (before.grantOperator !== after.grantOperator) out.push({ field: 'grantControls.operator', before: before.grantOperator, after: after.grantOperator, words: `the grant operator changed from ${String(before.grantOperator)} to ${String(after.grantOperator)}`, serious: true });
  return out.sort((x, y) => Number(y.serious) - Number(x.serious));
}

export function strengthSnapshot(s: AuthStrength): Record<string, unknown> {
  return {
    allowedCombinations: sorted(s.allowedCombinations),
    combinationConfigurations: s.combinationConfigurations
      .map((c) => ({ appliesToCombinations: sorted(c.appliesToCombinations), allowedAAGUIDs: sorted(c.allowedAAGUIDs) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

export function diffStrengthSnapshots(before: Record<string, unknown>, after: Record<string, unknown>): DriftChange[] {
  const out: DriftChange[] = [];
  if (!sameJson(before.allowedCombinations, after.allowedCombinations)) {
    out.push({ field: 'allowedCombinations', before: before.allowedCombinations, after: after.allowedCombinations, words: `the strength now allows [${arr(after.allowedCombinations).join('; ')}] instead of [${arr(before.allowedCombinations).join('; ')}]`, serious: true });
  }
  if (!sameJson(before.combinationConfigurations, after.combinationConfigurations)) {
    out.push({ field: 'combinationConfigurations', before: before.combinationConfigurations, after: after.combinationConfigurations, words: 'the passkey models (AAGUIDs) the strength accepts were changed', serious: true });
  }
  return out;
}

export function passkeyPolicySnapshot(p: PasskeyPolicy): Record<string, unknown> {
  return {
    state: p.state,
    defaultProfileId: p.defaultProfileId,
    profiles: [...p.profiles]
      .map((x) => ({ id: lc(x.id), name: x.name, passkeyTypes: x.passkeyTypes.split(',').map((t) => t.trim()).sort().join(','), attestationEnforcement: x.attestationEnforcement, keyRestrictions: x.keyRestrictions ? { isEnforced: x.keyRestrictions.isEnforced, enforcementType: x.keyRestrictions.enforcementType, aaGuids: sorted(x.keyRestrictions.aaGuids) } : null }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    includeTargets: [...p.includeTargets].map((t) => ({ id: lc(t.id), allowedPasskeyProfiles: sorted(t.allowedPasskeyProfiles) })).sort((a, b) => a.id.localeCompare(b.id)),
    excludeTargets: sorted(p.excludeTargets),
    legacy: p.legacy ? { isAttestationEnforced: p.legacy.isAttestationEnforced, keyRestrictions: p.legacy.keyRestrictions } : null,
  };
}

interface ProfileSnap {
  id: string;
  name: string;
  passkeyTypes: string;
  attestationEnforcement: string;
  keyRestrictions: unknown;
}

/** Profiles reaching a group directly or through `all_users` (nested target groups are not followed). */
function profileIdsReaching(snap: Record<string, unknown>, groupId: string): Set<string> {
  const targets = (snap.includeTargets ?? []) as { id: string; allowedPasskeyProfiles: string[] }[];
  const ids = new Set<string>();
  for (const t of targets) {
    if (t.id !== 'all_users' && t.id !== lc(groupId)) continue;
    const allowed = t.allowedPasskeyProfiles.length > 0 ? t.allowedPasskeyProfiles : snap.defaultProfileId ? [lc(String(snap.defaultProfileId))] : [];
    for (const a of allowed) ids.add(a);
  }
  return ids;
}

/**
 * How the passkey policy changed, and which cohorts it concerns: a cohort is affected when the
 * profiles reaching its group (directly or through all users) differ in content, or when the
 * policy's state or exclusions changed (everyone).
 */
export function diffPasskeyPolicySnapshots(before: Record<string, unknown>, after: Record<string, unknown>, cohorts: { id: string; groupId: string }[]): { changes: DriftChange[]; affects: string[] } {
  const changes: DriftChange[] = [];
  let all = false;
  if (before.state !== after.state) {
    changes.push({ field: 'state', before: before.state, after: after.state, words: `passkeys (FIDO2) were turned ${String(after.state) === 'enabled' ? 'on' : 'off'} in the authentication methods policy`, serious: true });
    all = true;
  }
  if (!sameJson(before.excludeTargets, after.excludeTargets)) {
    changes.push({ field: 'excludeTargets', before: before.excludeTargets, after: after.excludeTargets, words: 'the groups excluded from passkeys changed', serious: true });
    all = true;
  }
  const bp = new Map(((before.profiles ?? []) as ProfileSnap[]).map((p) => [p.id, p]));
  const ap = new Map(((after.profiles ?? []) as ProfileSnap[]).map((p) => [p.id, p]));
  for (const [id, p] of bp) {
    const q = ap.get(id);
    if (!q) changes.push({ field: `passkeyProfiles.${id}`, before: p, after: null, words: `the passkey profile "${p.name}" was deleted`, serious: true });
    else if (!sameJson(p, q)) {
      const what: string[] = [];
      if (p.passkeyTypes !== q.passkeyTypes) what.push(`passkey types ${p.passkeyTypes} → ${q.passkeyTypes}`);
      if (p.attestationEnforcement !== q.attestationEnforcement) what.push(`attestation ${p.attestationEnforcement} → ${q.attestationEnforcement}`);
      if (!sameJson(p.keyRestrictions, q.keyRestrictions)) what.push('key restrictions (AAGUIDs)');
      if (p.name !== q.name) what.push(`name "${p.name}" → "${q.name}"`);
      changes.push({ field: `passkeyProfiles.${id}`, before: p, after: q, words: `the passkey profile "${q.name}" changed: ${what.join(', ')}`, serious: what.some((w) => !w.startsWith('name')) });
    }
  }
  for (const [id, q] of ap) if (!bp.has(id)) changes.push({ field: `passkeyProfiles.${id}`, before: null, after: q, words: `a passkey profile "${q.name}" was added`, serious: false });
  if (!sameJson(before.includeTargets, after.includeTargets)) changes.push({ field: 'includeTargets', before: before.includeTargets, after: after.includeTargets, words: 'which groups the passkey profiles are targeted at changed', serious: true });
  if (changes.length === 0) return { changes, affects: [] };
  if (all) return { changes, affects: ['*'] };
  const profileContent = (snap: Record<string, unknown>, ids: Set<string>) =>
    canonical(((snap.profiles ?? []) as ProfileSnap[]).filter((p) => ids.has(p.id)).map((p) => ({ ...p, name: '' })));
  const affects = cohorts
    .filter((c) => profileContent(before, profileIdsReaching(before, c.groupId)) !== profileContent(after, profileIdsReaching(after, c.groupId)))
    .map((c) => c.id);
  return { changes, affects };
}
