import { describe, expect, it } from 'vitest';
import { evaluateCompliance, needsFido2Detail, type CampaignRules, type MemberEvidence } from '../../services/compliance/evaluate.js';
import { readFido2Methods, readRegistrationReport, type Fido2MethodRecord } from '../../services/compliance/passkeys.js';
import { KNOWN_AAGUIDS } from '../../services/passkeys/aaguids.js';

const RULES: CampaignRules = { aaguidAllow: [], aaguidBlock: [], windowsHelloForBusinessCounts: true };
const key = (aaGuid: string, passkeyType: string, attestationLevel = passkeyType === 'deviceBound' ? 'attested' : 'notAttested'): Fido2MethodRecord => ({ id: `${aaGuid}-${passkeyType}`, aaGuid, passkeyType, attestationLevel, displayName: 'k', createdDateTime: '2026-01-01T00:00:00Z' });

function ev(tier: MemberEvidence['tier'], methods: string[], detail: Fido2MethodRecord[] | null, extra: Partial<MemberEvidence> = {}): MemberEvidence {
  return { tier, isBreakGlass: false, accountEnabled: true, report: readRegistrationReport(methods), passwordlessCapable: methods.length > 0, detail: detail ? readFido2Methods(detail) : null, ...extra };
}

describe('readRegistrationReport', () => {
  it('keeps unknown strings as unknown and never throws on junk', () => {
    const r = readRegistrationReport(['passKeyDeviceBound', 'passKeySynced', 'passKeyQuantumEntangled', 'futureMethod', 42, null]);
    expect(r.passkeys.map((p) => p.kind)).toEqual(['device-bound', 'synced', 'unknown']);
    expect(r.unknownValues).toEqual(['passKeyQuantumEntangled', 'futureMethod']);
    expect(readRegistrationReport('not an array').passkeys).toEqual([]);
    expect(readRegistrationReport(undefined).passkeys).toEqual([]);
  });

  it('reads the legacy spellings as passkeys of unknown kind', () => {
    expect(readRegistrationReport(['fido2SecurityKey']).passkeys[0]!.kind).toBe('unknown');
    expect(readRegistrationReport(['fido2']).passkeys[0]!.kind).toBe('unknown');
  });
});

describe('readFido2Methods', () => {
  it('names providers from the AAGUID table, and says so when it cannot', () => {
    const ps = readFido2Methods([key(KNOWN_AAGUIDS.onePassword, 'synced'), key('11111111-2222-3333-4444-555555555555', 'deviceBound'), { ...key('00000000-0000-0000-0000-000000000000', 'synced'), model: 'Some Key' }, { passkeyType: 'weird', aaGuid: null }]);
    expect(ps.map((p) => p.provider)).toEqual(['1Password', 'Unknown provider (11111111-2222-3333-4444-555555555555)', 'Some Key (provider not identified)', 'Provider not identified']);
    expect(ps.map((p) => p.kind)).toEqual(['synced', 'device-bound', 'synced', 'unknown']);
    expect(ps[0]!.signsInWithEntra).toBe(true);
  });
});

describe('evaluateCompliance', () => {
  const cases: [string, MemberEvidence, CampaignRules, string][] = [
    ['no passkey', ev('workforce', ['mobilePhone'], null, { passwordlessCapable: false }), RULES, 'no_passkey'],
    ['workforce, synced iCloud', ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.applePasswords, 'synced')]), RULES, 'compliant'],
    ['workforce, only passkey in 1Password (signs in with Entra)', ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.onePassword, 'synced')]), RULES, 'single_point_of_failure'],
    ['workforce, 1Password plus a YubiKey', ev('workforce', ['passKeySynced', 'passKeyDeviceBound'], [key(KNOWN_AAGUIDS.onePassword, 'synced'), key(KNOWN_AAGUIDS.yubiKey5Nfc, 'deviceBound')]), RULES, 'compliant'],
    ['workforce, Windows Hello for Business with the built-in strength', ev('workforce', ['windowsHelloForBusiness'], null), RULES, 'compliant'],
    ['workforce, WHfB only with passkeys-only strength', ev('workforce', ['windowsHelloForBusiness'], null), { ...RULES, windowsHelloForBusinessCounts: false }, 'no_passkey'],
    ['tier1, synced only', ev('tier1', ['passKeySynced'], null), RULES, 'wrong_kind'],
    ['tier1, Authenticator', ev('tier1', ['passKeyDeviceBoundAuthenticator'], null), RULES, 'compliant'],
    ['tier0, synced only (a synced passkey on an admin)', ev('tier0', ['passKeySynced'], [key(KNOWN_AAGUIDS.googlePasswordManager, 'synced')]), RULES, 'wrong_kind'],
    ['tier0, attested YubiKey', ev('tier0', ['passKeyDeviceBound'], [key(KNOWN_AAGUIDS.yubiKey5Nfc, 'deviceBound')]), RULES, 'compliant'],
    ['tier0, unattested device-bound key', ev('tier0', ['passKeyDeviceBound'], [key(KNOWN_AAGUIDS.yubiKey5Nfc, 'deviceBound', 'notAttested')]), RULES, 'wrong_kind'],
    ['tier0, key outside the allow list', ev('tier0', ['passKeyDeviceBound'], [key(KNOWN_AAGUIDS.feitianBioPass, 'deviceBound')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc] }, 'aaguid_not_allowed'],
    // The list is a tier0 rule under the built-in strength, which Entra cannot limit to models...
    ['workforce, synced passkey, allow list on a built-in strength', ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.googlePasswordManager, 'synced')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc] }, 'compliant'],
    // ...but a passkeys-only strength carries it in Entra, which then refuses other models for every cohort.
    ['workforce, synced passkey, allow list carried by the strength', ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.googlePasswordManager, 'synced')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc], allowListEveryTier: true }, 'aaguid_not_allowed'],
    ['workforce, listed key, allow list carried by the strength', ev('workforce', ['passKeyDeviceBound'], [key(KNOWN_AAGUIDS.yubiKey5Nfc, 'deviceBound')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc], allowListEveryTier: true }, 'compliant'],
    ['tier1, synced only, allow list carried by the strength (wrong kind first)', ev('tier1', ['passKeySynced'], [key(KNOWN_AAGUIDS.googlePasswordManager, 'synced')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc], allowListEveryTier: true }, 'wrong_kind'],
    ['tier1, unlisted device-bound key, allow list carried by the strength', ev('tier1', ['passKeyDeviceBound'], [key(KNOWN_AAGUIDS.feitianBioPass, 'deviceBound')]), { ...RULES, aaguidAllow: [KNOWN_AAGUIDS.yubiKey5Nfc], allowListEveryTier: true }, 'aaguid_not_allowed'],
    ['workforce, blocked AAGUID', ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.keeper, 'synced')]), { ...RULES, aaguidBlock: [KNOWN_AAGUIDS.keeper] }, 'aaguid_not_allowed'],
    ['tier0 before detail is read', ev('tier0', ['passKeyDeviceBound'], null), RULES, 'pending_detail'],
    ['report hides a synced passkey (isPasswordlessCapable only)', ev('workforce', [], null, { passwordlessCapable: true }), RULES, 'pending_detail'],
    ['break-glass', ev('tier0', [], null, { isBreakGlass: true }), RULES, 'break_glass'],
    ['disabled account', ev('workforce', [], null, { accountEnabled: false }), RULES, 'account_disabled'],
  ];
  it.each(cases)('%s', (_name, e, rules, state) => {
    const d = evaluateCompliance(e, rules);
    expect(d.state).toBe(state);
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('recommends a second passkey when exactly one is known', () => {
    const d = evaluateCompliance(ev('workforce', ['passKeySynced'], [key(KNOWN_AAGUIDS.applePasswords, 'synced')]), RULES);
    expect(d.advice).toMatch(/second passkey/);
    const two = evaluateCompliance(ev('workforce', ['passKeySynced', 'passKeyDeviceBound'], [key(KNOWN_AAGUIDS.applePasswords, 'synced'), key(KNOWN_AAGUIDS.yubiKey5Nfc, 'deviceBound')]), RULES);
    expect(two.advice).toBe('');
  });
});

describe('needsFido2Detail (the budget rule)', () => {
  const cases: [string, MemberEvidence, CampaignRules, boolean][] = [
    ['no passkey at all', ev('workforce', ['mobilePhone'], null, { passwordlessCapable: false }), RULES, false],
    ['workforce with a device-bound passkey the report names', ev('workforce', ['passKeyDeviceBoundAuthenticator'], null), RULES, false],
    ['workforce with only synced (provider matters: lockout trap)', ev('workforce', ['passKeySynced'], null), RULES, true],
    ['tier1 with only synced (wrong kind either way)', ev('tier1', ['passKeySynced'], null), RULES, false],
    ['tier1 with a legacy value that hides the kind', ev('tier1', ['fido2SecurityKey'], null), RULES, true],
    ['tier0 with any passkey (attestation, allow list)', ev('tier0', ['passKeyDeviceBound'], null), RULES, true],
    ['workforce when the strength carries an allow list (the model decides)', ev('workforce', ['passKeyDeviceBoundAuthenticator'], null), { ...RULES, aaguidAllow: ['x'], allowListEveryTier: true }, true],
    ['workforce when the allow list is only a tier0 rule', ev('workforce', ['passKeyDeviceBoundAuthenticator'], null), { ...RULES, aaguidAllow: ['x'] }, false],
    ['any tier when a block list exists', ev('workforce', ['passKeyDeviceBound'], null), { ...RULES, aaguidBlock: ['x'] }, true],
    ['passwordless-capable without a named passkey or WHfB', ev('workforce', ['mobilePhone'], null, { passwordlessCapable: true }), RULES, true],
    ['break-glass never', ev('tier0', ['passKeyDeviceBound'], null, { isBreakGlass: true }), RULES, false],
  ];
  it.each(cases)('%s', (_name, e, rules, expected) => {
    expect(needsFido2Detail(e, rules)).toBe(expected);
  });
});
