import { describe, expect, it } from 'vitest';
import { checkProfiles, profilesReaching } from '../../services/compliance/profile-consistency.js';
import type { PasskeyPolicy } from '../../services/ports/registration-source.js';

const DEFAULT = '00000000-0000-0000-0000-000000000001';
const ADMINS = 'a1111111-1111-4111-8111-111111111111';
const policy = (over: Partial<PasskeyPolicy> = {}): PasskeyPolicy => ({
  state: 'enabled',
  defaultProfileId: DEFAULT,
  profiles: [
    { id: DEFAULT, name: 'Default passkey profile', passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled', keyRestrictions: null },
    { id: 'p-admin', name: 'Administrators - hardware keys', passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly', keyRestrictions: null },
  ],
  includeTargets: [
    { id: 'all_users', allowedPasskeyProfiles: [DEFAULT] },
    { id: 'g-admins', allowedPasskeyProfiles: ['p-admin'] },
  ],
  excludeTargets: [],
  legacy: null,
  ...over,
});
const members = (entries: [string, string[]][]) => new Map(entries.map(([u, gs]) => [u, new Set(gs)]));

describe('passkey profile consistency', () => {
  it('a user may use any profile reaching them', () => {
    expect(profilesReaching(policy(), new Set(['g-admins'])).profiles.map((p) => p.id).sort()).toEqual([DEFAULT, 'p-admin'].sort());
    expect(profilesReaching(policy({ excludeTargets: ['g-x'] }), new Set(['g-x']))).toEqual({ profiles: [], excluded: true });
  });

  it('warns when a tier0 cohort can still register synced passkeys through the default profile', () => {
    const f = checkProfiles(policy(), 'tier0', members([['u1', ['g-admins']], ['u2', ['g-admins']]]));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'warning', members: 2 });
    expect(f[0]!.message).toMatch(/synced passkeys through "Default passkey profile"/);
  });

  it('is quiet when tier0 members are reached only by an attested device-bound profile', () => {
    const p = policy({ includeTargets: [{ id: 'g-admins', allowedPasskeyProfiles: ['p-admin'] }] });
    expect(checkProfiles(p, 'tier0', members([['u1', ['g-admins']]]))).toEqual([]);
  });

  it('warns when a workforce cohort can only register device-bound passkeys', () => {
    const p = policy({ includeTargets: [{ id: 'all_users', allowedPasskeyProfiles: ['p-admin'] }] });
    const f = checkProfiles(p, 'workforce', members([['u1', []]]));
    expect(f[0]!.message).toMatch(/can only register device-bound passkeys/);
  });

  it('blocks when members are excluded or untargeted, or passkeys are off', () => {
    const f = checkProfiles(policy({ includeTargets: [{ id: 'g-admins', allowedPasskeyProfiles: ['p-admin'] }], excludeTargets: ['g-contractors'] }), 'workforce', members([['u1', ['g-contractors']], ['u2', []]]));
    expect(f.map((x) => x.severity)).toEqual(['blocking', 'blocking']);
    expect(f.map((x) => x.message).join()).toMatch(/excluded from the passkey policy/);
    expect(f.map((x) => x.message).join()).toMatch(/not targeted by any passkey profile/);
    expect(checkProfiles(policy({ state: 'disabled' }), 'workforce', members([['u1', []]]))[0]!.message).toMatch(/turned off/);
  });

  it('treats a tenant not yet on passkey profiles as one tenant-wide profile', () => {
    const legacy = policy({ profiles: [], defaultProfileId: null, includeTargets: [{ id: 'all_users', allowedPasskeyProfiles: [] }], legacy: { isAttestationEnforced: false, keyRestrictions: null } });
    const f = checkProfiles(legacy, 'tier0', members([['u1', []]]));
    expect(f.map((x) => x.message).join()).toMatch(/tenant-wide passkey settings/);
  });
});
