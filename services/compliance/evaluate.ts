import type { Tier } from '../commands/parse-command.js';
import type { PasskeyView, ReportReading } from './passkeys.js';

/**
 * Whether a cohort member satisfies what their tier requires (DESIGN.md "Tiering", "Lockout traps"),
 * with the reason in words. Pure: data in, decision out.
 */

export type ComplianceState =
  | 'compliant'
  | 'no_passkey'
  | 'wrong_kind'
  | 'aaguid_not_allowed'
  | 'single_point_of_failure'
  | 'break_glass'
  | 'account_disabled'
  | 'pending_detail';

export const COMPLIANCE_STATES: ComplianceState[] = ['compliant', 'no_passkey', 'wrong_kind', 'aaguid_not_allowed', 'single_point_of_failure', 'break_glass', 'account_disabled', 'pending_detail'];

/** States of people who are neither reminded nor counted in a cohort's readiness share. */
export const EXCLUDED_FROM_READINESS: ComplianceState[] = ['break_glass', 'account_disabled'];

/** States that count as "ready for enforcement" in gates and that stop reminders. */
export function isCompliant(state: ComplianceState): boolean {
  return state === 'compliant';
}

export interface CampaignRules {
  /** AAGUIDs allowed for tier0 (empty = any attested device-bound key); for every tier when `allowListEveryTier`. */
  aaguidAllow: string[];
  /**
   * The allow list binds every cohort, not only tier0: true when the campaign's own passkey-only
   * strength carries it in Entra (its fido2 combination configuration), because Entra then refuses
   * other models for everyone the policies include, whatever their tier.
   */
  allowListEveryTier?: boolean;
  /** AAGUIDs refused in every tier. */
  aaguidBlock: string[];
  /** The campaign's strength lets Windows Hello for Business satisfy it (the built-in phishing-resistant one does; passkeys-only does not). */
  windowsHelloForBusinessCounts: boolean;
  /** Read synced-only people in detail to catch a lone passkey in an Entra-SSO password manager (default on). */
  detectLockout?: boolean;
}

export interface MemberEvidence {
  tier: Tier;
  isBreakGlass: boolean;
  /** False for disabled accounts: they cannot sign in at all, so they are neither reminded nor counted. */
  accountEnabled?: boolean | null;
  report: ReportReading | null;
  /** `isPasswordlessCapable` from the report: a passkey the report did not name may exist. */
  passwordlessCapable: boolean | null;
  /** Exact passkeys from fido2Methods, when read and still current; null when not read. */
  detail: PasskeyView[] | null;
}

export interface ComplianceDecision {
  state: ComplianceState;
  /** One sentence for admins and helpdesk. */
  reason: string;
  /** What the person should do next (empty when nothing). */
  advice: string;
  /** The passkeys the decision looked at. */
  passkeys: PasskeyView[];
  /** The passkeys that satisfy the tier. */
  qualifying: PasskeyView[];
  /** fido2Methods must be read before this decision is final (or better). */
  needsDetail: boolean;
}

const TIER_NEEDS: Record<Tier, string> = {
  tier0: 'a device-bound, attested passkey (a security key or Microsoft Authenticator)',
  tier1: 'a device-bound passkey (a security key, Microsoft Authenticator or Windows Hello)',
  workforce: 'a passkey (synced passkeys in a phone or password manager are fine)',
};

/** Whether this member's passkeys must be read from fido2Methods to decide (the budget rule of issue 3). */
export function needsFido2Detail(e: MemberEvidence, rules: CampaignRules): boolean {
  if (e.isBreakGlass) return false;
  const passkeys = e.report?.passkeys ?? [];
  if (passkeys.length === 0) {
    // The report lists no passkey but says the user is passwordless-capable without WHfB: a synced
    // passkey the report does not name ([unconfirmed] `passKeySynced`).
    return e.passwordlessCapable === true && !(e.report?.hasWindowsHelloForBusiness ?? false);
  }
  if (e.tier === 'tier0') return true; // attestation and the AAGUID allow list need detail
  if (rules.aaguidBlock.length > 0) return true;
  if (rules.allowListEveryTier && rules.aaguidAllow.length > 0) return true; // the model decides, in every tier
  const knownDeviceBound = passkeys.some((p) => p.kind === 'device-bound');
  if (knownDeviceBound) return false;
  // tier1 needs the kind when the report does not tell it; workforce needs the provider of a synced
  // passkey, to catch the only passkey living in a password manager that signs in with Entra.
  if (e.tier === 'tier1') return passkeys.some((p) => p.kind === 'unknown');
  return rules.detectLockout !== false || passkeys.some((p) => p.kind === 'unknown');
}

export function evaluateCompliance(e: MemberEvidence, rules: CampaignRules): ComplianceDecision {
  const needsDetail = e.detail === null && needsFido2Detail(e, rules);
  const passkeys = e.detail ?? e.report?.passkeys ?? [];
  const whfb = (e.report?.hasWindowsHelloForBusiness ?? false) && rules.windowsHelloForBusinessCounts && e.tier !== 'tier0';
  const base = { passkeys, needsDetail };

  if (e.isBreakGlass) {
    return { ...base, needsDetail: false, qualifying: [], state: 'break_glass', reason: 'Emergency access (break-glass) account: excluded from every enforced policy and never reminded.', advice: '' };
  }
  if (e.accountEnabled === false) {
    return { ...base, needsDetail: false, qualifying: [], state: 'account_disabled', reason: 'The account is disabled: it cannot sign in, so it is neither reminded nor counted.', advice: '' };
  }
  if (passkeys.length === 0 && !whfb) {
    if (needsDetail) {
      return { ...base, qualifying: [], state: 'pending_detail', reason: 'The registration report says this user can sign in without a password, but names no passkey; their passkeys are being read.', advice: '' };
    }
    return { ...base, qualifying: [], state: 'no_passkey', reason: `No passkey registered; this cohort needs ${TIER_NEEDS[e.tier]}.`, advice: `Register ${TIER_NEEDS[e.tier]} at https://aka.ms/mysecurityinfo.` };
  }

  const blocked = new Set(rules.aaguidBlock.map((a) => a.toLowerCase()));
  const allowed = new Set(rules.aaguidAllow.map((a) => a.toLowerCase()));
  const notBlocked = (p: PasskeyView) => p.aaguid === null || !blocked.has(p.aaguid);
  const listBinds = allowed.size > 0 && (e.tier === 'tier0' || rules.allowListEveryTier === true);
  const onList = (p: PasskeyView) => p.aaguid !== null && allowed.has(p.aaguid);
  const qualifies = (p: PasskeyView): boolean => {
    if (!notBlocked(p)) return false;
    if (listBinds && !onList(p)) return false;
    switch (e.tier) {
      case 'tier0':
        return p.kind === 'device-bound' && p.attestation === 'attested';
      case 'tier1':
        return p.kind === 'device-bound';
      case 'workforce':
        return true;
    }
  };
  const qualifying = passkeys.filter(qualifies);

  if (qualifying.length === 0 && !whfb) {
    if (needsDetail) {
      return { ...base, qualifying, state: 'pending_detail', reason: `The report does not tell whether these passkeys satisfy ${e.tier}; their details are being read.`, advice: '' };
    }
    const blockedOnes = passkeys.filter((p) => !notBlocked(p));
    // Passkeys of the right kind that only the model list refuses.
    const rightKind = (p: PasskeyView) => (e.tier === 'tier0' ? p.kind === 'device-bound' && p.attestation === 'attested' : e.tier === 'tier1' ? p.kind === 'device-bound' : true);
    const outsideAllow = listBinds && passkeys.some((p) => notBlocked(p) && rightKind(p) && !onList(p));
    if (blockedOnes.length > 0 || outsideAllow) {
      const names = [...new Set((blockedOnes.length > 0 ? blockedOnes : passkeys).map((p) => p.provider))].join(', ');
      return { ...base, qualifying, state: 'aaguid_not_allowed', reason: `Passkey model not allowed by this campaign (${names}).`, advice: `Register ${TIER_NEEDS[e.tier]} of an allowed model.` };
    }
    const kinds = describeKinds(passkeys);
    return { ...base, qualifying, state: 'wrong_kind', reason: `Has ${kinds}, but ${e.tier} needs ${TIER_NEEDS[e.tier]}.`, advice: `Register ${TIER_NEEDS[e.tier]}.` };
  }

  // Lockout trap: every qualifying passkey sits in a password manager that signs in with Entra.
  if (!whfb && qualifying.length > 0 && qualifying.every((p) => p.signsInWithEntra)) {
    const names = [...new Set(qualifying.map((p) => p.provider))].join(', ');
    return {
      ...base,
      qualifying,
      state: 'single_point_of_failure',
      reason: `Only passkey is in ${names}, which itself signs in with the work account: once passkeys are required, it cannot be opened to get the passkey.`,
      advice: 'Add a second passkey outside that password manager: Microsoft Authenticator, a security key, Windows Hello, or your phone\'s own passkeys.',
    };
  }

  const countKnown = e.detail !== null;
  const single = countKnown && qualifying.length + (whfb ? 1 : 0) === 1;
  return {
    ...base,
    qualifying,
    state: 'compliant',
    reason: whfb && qualifying.length === 0 ? 'Signs in with Windows Hello for Business, which the campaign\'s strength accepts.' : `Has ${describeKinds(qualifying)} that satisfies ${e.tier}.`,
    advice: single ? 'Add a second passkey on another device, so losing this one does not lock you out.' : '',
  };
}

function describeKinds(passkeys: PasskeyView[]): string {
  const parts = passkeys.map((p) => {
    const kind = p.kind === 'device-bound' ? 'device-bound' : p.kind === 'synced' ? 'synced' : 'passkey of unreported kind';
    const att = p.attestation === 'notAttested' && p.kind === 'device-bound' ? ', not attested' : '';
    return `${kind === 'passkey of unreported kind' ? 'a passkey of unreported kind' : `a ${kind} passkey`} (${p.provider}${att})`;
  });
  return [...new Set(parts)].join(' and ');
}
