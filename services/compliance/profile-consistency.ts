import type { Tier } from '../ports/campaign-store.js';
import type { PasskeyPolicy, PasskeyProfilePolicy } from '../ports/registration-source.js';

/**
 * Does the passkey (FIDO2) policy let a cohort's members register what their tier needs — no more,
 * no less? A user may use a passkey that satisfies any one of the profiles reaching them
 * (graph-facts §1), so what matters per member is the union of the profiles that reach them.
 */
export interface ProfileFinding {
  severity: 'blocking' | 'warning';
  /** How many active members it concerns. */
  members: number;
  message: string;
}

export interface ReachedBy {
  profiles: PasskeyProfilePolicy[];
  excluded: boolean;
}

/** Which profiles reach one user, given the groups they are in (transitively). */
export function profilesReaching(policy: PasskeyPolicy, userGroups: Set<string>): ReachedBy {
  if (policy.excludeTargets.some((g) => userGroups.has(g))) return { profiles: [], excluded: true };
  const ids = new Set<string>();
  for (const t of policy.includeTargets) {
    if (t.id === 'all_users' || userGroups.has(t.id)) {
      const allowed = t.allowedPasskeyProfiles.length > 0 ? t.allowedPasskeyProfiles : policy.defaultProfileId ? [policy.defaultProfileId] : [];
      for (const p of allowed) ids.add(p);
    }
  }
  if (policy.profiles.length === 0 && policy.legacy) {
    // Not migrated to profiles: the tenant-wide settings behave as one profile for everyone targeted.
    const targeted = policy.includeTargets.some((t) => t.id === 'all_users' || userGroups.has(t.id));
    return {
      profiles: targeted
        ? [{ id: 'legacy', name: 'tenant-wide passkey settings', passkeyTypes: policy.legacy.isAttestationEnforced ? 'deviceBound' : 'deviceBound,synced', attestationEnforcement: policy.legacy.isAttestationEnforced ? 'registrationOnly' : 'disabled', keyRestrictions: policy.legacy.keyRestrictions }]
        : [],
      excluded: false,
    };
  }
  return { profiles: policy.profiles.filter((p) => ids.has(p.id)), excluded: false };
}

function allows(p: PasskeyProfilePolicy, type: 'deviceBound' | 'synced'): boolean {
  const types = p.passkeyTypes.split(',').map((s) => s.trim());
  if (type === 'synced' && p.attestationEnforcement === 'registrationOnly') return false; // attestation rules out synced
  return types.includes(type);
}

export function checkProfiles(policy: PasskeyPolicy | null, tier: Tier, memberGroups: Map<string, Set<string>>): ProfileFinding[] {
  if (!policy) return [];
  if (policy.state !== 'enabled') {
    return [{ severity: 'blocking', members: memberGroups.size, message: 'Passkeys (FIDO2) are turned off in the authentication methods policy: nobody can register one.' }];
  }
  const counts = new Map<string, { members: number; severity: ProfileFinding['severity']; message: string }>();
  const add = (key: string, severity: ProfileFinding['severity'], message: string) => {
    const c = counts.get(key);
    if (c) c.members++;
    else counts.set(key, { members: 1, severity, message });
  };
  for (const groups of memberGroups.values()) {
    const reach = profilesReaching(policy, groups);
    if (reach.excluded) {
      add('excluded', 'blocking', 'excluded from the passkey policy: they cannot register any passkey');
      continue;
    }
    if (reach.profiles.length === 0) {
      add('none', 'blocking', 'not targeted by any passkey profile: they cannot register any passkey');
      continue;
    }
    const names = reach.profiles.map((p) => p.name).join(', ');
    const synced = reach.profiles.filter((p) => allows(p, 'synced'));
    const deviceBound = reach.profiles.some((p) => allows(p, 'deviceBound'));
    if (tier === 'tier0') {
      if (synced.length > 0) add(`t0-synced:${synced.map((p) => p.id).join()}`, 'warning', `may register synced passkeys through ${synced.map((p) => `"${p.name}"`).join(', ')}, which tier0 does not accept`);
      if (!reach.profiles.some((p) => p.attestationEnforcement === 'registrationOnly')) add(`t0-attest:${names}`, 'warning', `no profile reaching them enforces attestation (${names}), so unattested keys can be registered`);
      if (!deviceBound) add(`t0-nodb:${names}`, 'blocking', `cannot register a device-bound passkey (profiles: ${names})`);
    } else if (tier === 'tier1') {
      if (!deviceBound) add(`t1-nodb:${names}`, 'blocking', `cannot register a device-bound passkey (profiles: ${names})`);
      else if (synced.length > 0) add(`t1-synced:${synced.map((p) => p.id).join()}`, 'warning', `may register synced passkeys through ${synced.map((p) => `"${p.name}"`).join(', ')}, which tier1 does not accept`);
    } else if (synced.length === 0) {
      add(`wf-nosync:${names}`, 'warning', `can only register device-bound passkeys (profiles: ${names}); a phone's or password manager's passkey will be refused`);
    }
  }
  return [...counts.values()]
    .map((c) => ({ severity: c.severity, members: c.members, message: `${c.members} member${c.members === 1 ? '' : 's'} ${c.message}.` }))
    .sort((a, b) => (a.severity === b.severity ? b.members - a.members : a.severity === 'blocking' ? -1 : 1));
}
