import type { Fido2MethodRecord } from '../compliance/passkeys.js';

/** Where the registration picture comes from (Graph reports and per-user methods). */

export interface RegistrationRow {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  userType: string | null;
  isAdmin: boolean | null;
  isPasswordlessCapable: boolean | null;
  methodsRegistered: unknown;
  lastUpdatedDateTime: string | null;
}

export interface PasskeyProfilePolicy {
  id: string;
  name: string;
  /** Flags as Graph sends them: 'deviceBound', 'synced' or 'deviceBound,synced'. */
  passkeyTypes: string;
  attestationEnforcement: string;
  keyRestrictions: { isEnforced: boolean; enforcementType: string; aaGuids: string[] } | null;
}

export interface PasskeyPolicy {
  state: string;
  /** Null when the tenant has not moved to passkey profiles (the old tenant-wide settings apply). */
  defaultProfileId: string | null;
  profiles: PasskeyProfilePolicy[];
  /** Group targets ('all_users' or a group id) and the profiles each allows. */
  includeTargets: { id: string; allowedPasskeyProfiles: string[] }[];
  excludeTargets: string[];
  /** Pre-profile tenants: attestation and key restrictions applied to everyone. */
  legacy: { isAttestationEnforced: boolean; keyRestrictions: PasskeyProfilePolicy['keyRestrictions'] } | null;
}

export interface SecurityInfoChanges {
  /** Users whose authentication methods changed in the window. */
  userIds: string[];
  /** False when the log could not be read (no permission, retention exceeded): fall back to a sweep. */
  complete: boolean;
}

export interface RegistrationSource {
  /** The whole registration details report, page by page. */
  reportPages(signal?: AbortSignal): AsyncIterable<RegistrationRow[]>;
  /** One user's row; null when the report has none (disabled accounts are not in it). */
  reportFor(userId: string): Promise<RegistrationRow | null>;
  /** One user's passkeys; null when the user no longer exists. */
  fido2Methods(userId: string): Promise<Fido2MethodRecord[] | null>;
  /** Directory audit log: who registered or deleted security info since `since`. */
  securityInfoChangesSince(since: Date): Promise<SecurityInfoChanges>;
  passkeyPolicy(): Promise<PasskeyPolicy | null>;
}
