import { lookupAaguid, ZERO_AAGUID, type AaguidCategory } from '../passkeys/aaguids.js';

/**
 * What the bot knows about one person's passkeys: coarse, from the registration details report
 * (`methodsRegistered`, an open list of strings), or exact, from their `fido2Methods`.
 */

export type PasskeyKind = 'device-bound' | 'synced' | 'unknown';
export type Attestation = 'attested' | 'notAttested' | 'unknown';

export interface PasskeyView {
  /** The fido2 method id (detail only). */
  id: string | null;
  kind: PasskeyKind;
  aaguid: string | null;
  /** Provider in words: from the AAGUID table, or what the report value says. */
  provider: string;
  category: AaguidCategory | 'unknown';
  attestation: Attestation;
  /** The provider is a password manager that itself signs in with Entra (lockout trap when it is the only one). */
  signsInWithEntra: boolean;
  displayName: string | null;
  model: string | null;
  createdAt: string | null;
  lastUsedAt: string | null;
  source: 'report' | 'detail';
}

/** `fido2AuthenticationMethod` as Graph returns it (v1.0); every field may be missing or null. */
export interface Fido2MethodRecord {
  id?: string | null;
  displayName?: string | null;
  aaGuid?: string | null;
  model?: string | null;
  passkeyType?: string | null;
  attestationLevel?: string | null;
  createdDateTime?: string | null;
  /** Older documentation examples spell it this way. */
  creationDateTime?: string | null;
  lastUsedDateTime?: string | null;
}

/** Report values that name a passkey, with what each tells (graph-facts §3). */
const REPORT_PASSKEY_VALUES: Record<string, { kind: PasskeyKind; provider: string; category: AaguidCategory | 'unknown' }> = {
  passkeydevicebound: { kind: 'device-bound', provider: 'Security key (device-bound passkey)', category: 'security-key' },
  passkeydeviceboundauthenticator: { kind: 'device-bound', provider: 'Microsoft Authenticator', category: 'authenticator-app' },
  passkeydeviceboundwindowshello: { kind: 'device-bound', provider: 'Windows Hello', category: 'platform' },
  passkeysynced: { kind: 'synced', provider: 'Synced passkey (provider not yet read)', category: 'unknown' },
  // The old documentation's `fido2` and the value seen in the wild `fido2SecurityKey` do not tell
  // device-bound from synced.
  fido2securitykey: { kind: 'unknown', provider: 'Passkey (kind not reported)', category: 'unknown' },
  fido2: { kind: 'unknown', provider: 'Passkey (kind not reported)', category: 'unknown' },
};

export interface ReportReading {
  /** Passkeys the report names, one per value (it does not count them). */
  passkeys: PasskeyView[];
  hasWindowsHelloForBusiness: boolean;
  /** Values that are not passkeys, kept as they came. */
  otherMethods: string[];
  /** Values the bot does not know; kept, never fatal. */
  unknownValues: string[];
}

/** Reads `methodsRegistered` tolerantly: unknown strings are kept as unknown, never a crash. */
export function readRegistrationReport(methodsRegistered: unknown): ReportReading {
  const values = Array.isArray(methodsRegistered) ? methodsRegistered.filter((v): v is string => typeof v === 'string') : [];
  const passkeys: PasskeyView[] = [];
  const otherMethods: string[] = [];
  const unknownValues: string[] = [];
  let whfb = false;
  for (const value of values) {
    const key = value.toLowerCase();
    const known = REPORT_PASSKEY_VALUES[key];
    if (known) {
      passkeys.push({ id: null, kind: known.kind, aaguid: null, provider: known.provider, category: known.category, attestation: 'unknown', signsInWithEntra: false, displayName: null, model: null, createdAt: null, lastUsedAt: null, source: 'report' });
    } else if (key === 'windowshelloforbusiness') {
      whfb = true;
      otherMethods.push(value);
    } else if (/passkey|fido/i.test(value)) {
      // A passkey value this bot has not seen yet: a passkey of unknown kind.
      passkeys.push({ id: null, kind: 'unknown', aaguid: null, provider: `Passkey ("${value}")`, category: 'unknown', attestation: 'unknown', signsInWithEntra: false, displayName: null, model: null, createdAt: null, lastUsedAt: null, source: 'report' });
      unknownValues.push(value);
    } else {
      otherMethods.push(value);
      if (!KNOWN_OTHER_METHODS.has(key)) unknownValues.push(value);
    }
  }
  return { passkeys, hasWindowsHelloForBusiness: whfb, otherMethods, unknownValues };
}

const KNOWN_OTHER_METHODS = new Set(
  [
    'email', 'mobilePhone', 'alternateMobilePhone', 'officePhone', 'microsoftAuthenticatorPush', 'microsoftAuthenticatorPasswordless',
    'softwareOneTimePasscode', 'hardwareOneTimePasscode', 'macOsSecureEnclaveKey', 'temporaryAccessPass', 'securityQuestion',
    'certificateBasedAuthentication', 'windowsHelloForBusiness', 'password', 'sms', 'voiceMobile', 'voiceAlternateMobile', 'voiceOffice', 'appPassword',
    'microsoftAuthenticatorPhoneSignIn', 'qrCode', 'none',
  ].map((s) => s.toLowerCase()),
);

/** Exact passkeys from `fido2Methods`. */
export function readFido2Methods(methods: Fido2MethodRecord[]): PasskeyView[] {
  return methods.map((m) => {
    const aaguid = typeof m.aaGuid === 'string' && m.aaGuid.trim() !== '' ? m.aaGuid.trim().toLowerCase() : null;
    const info = lookupAaguid(aaguid);
    const kind: PasskeyKind = m.passkeyType === 'deviceBound' ? 'device-bound' : m.passkeyType === 'synced' ? 'synced' : 'unknown';
    const attestation: Attestation = m.attestationLevel === 'attested' ? 'attested' : m.attestationLevel === 'notAttested' ? 'notAttested' : 'unknown';
    let provider: string;
    if (info) provider = info.name;
    else if (!aaguid || aaguid === ZERO_AAGUID) provider = m.model ? `${m.model} (provider not identified)` : 'Provider not identified';
    else provider = `Unknown provider (${aaguid})`;
    return {
      id: m.id ?? null,
      kind,
      aaguid,
      provider,
      category: info?.category ?? 'unknown',
      attestation,
      signsInWithEntra: info?.signsInWithEntra ?? false,
      displayName: m.displayName ?? null,
      model: m.model ?? null,
      createdAt: m.createdDateTime ?? m.creationDateTime ?? null,
      lastUsedAt: m.lastUsedDateTime ?? null,
      source: 'detail',
    };
  });
}
