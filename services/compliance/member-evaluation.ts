import { effectiveSettings } from '../campaigns/campaign-settings.js';
import type { Campaign, DirectoryUserRecord, MemberEvaluation, Tier } from '../ports/campaign-store.js';
import { evaluateCompliance, needsFido2Detail, type CampaignRules, type ComplianceDecision, type MemberEvidence } from './evaluate.js';
import { readRegistrationReport, type PasskeyView } from './passkeys.js';

export function rulesOf(campaign: Campaign): CampaignRules {
  return {
    aaguidAllow: campaign.aaguidAllow,
    // A passkeys-only campaign's own strength carries the list in Entra, so it binds every cohort.
    allowListEveryTier: campaign.strengthKind === 'passkeys-only',
    aaguidBlock: campaign.aaguidBlock,
    // The built-in Phishing-resistant MFA strength allows windowsHelloForBusiness; passkeys-only does not.
    windowsHelloForBusinessCounts: campaign.strengthKind === 'phishing-resistant',
    detectLockout: effectiveSettings(campaign.settings).detectPasswordManagerLockout,
  };
}

/** Whether the stored fido2 detail still belongs to the current report row. */
export function detailIsCurrent(record: DirectoryUserRecord): boolean {
  if (record.fido2 === null) return false;
  const a = record.fido2ForReport?.getTime() ?? null;
  const b = record.reportLastUpdated?.getTime() ?? null;
  return a === b;
}

export function evidenceOf(record: DirectoryUserRecord | null, tier: Tier, isBreakGlass: boolean, opts: { useDetail?: boolean } = {}): MemberEvidence {
  const report = record?.methodsRegistered ? readRegistrationReport(record.methodsRegistered) : null;
  const detail = record && (opts.useDetail ?? true) && detailIsCurrent(record) ? (record.fido2 as PasskeyView[]) : null;
  return { tier, isBreakGlass, accountEnabled: record?.accountEnabled ?? null, report, passwordlessCapable: record?.passwordlessCapable ?? null, detail };
}

export function decide(record: DirectoryUserRecord | null, tier: Tier, isBreakGlass: boolean, rules: CampaignRules): ComplianceDecision {
  const e = evidenceOf(record, tier, isBreakGlass);
  if (record !== null && record.methodsRegistered === null && !isBreakGlass && record.accountEnabled !== false) {
    return { state: 'no_passkey', reason: 'Not in the registration details report yet (new or never signed in).', advice: 'Register a passkey at https://aka.ms/mysecurityinfo.', passkeys: [], qualifying: [], needsDetail: false };
  }
  return evaluateCompliance(e, rules);
}

export function needsDetail(record: DirectoryUserRecord | null, tier: Tier, isBreakGlass: boolean, rules: CampaignRules): boolean {
  if (!record || record.accountEnabled === false) return false;
  return needsFido2Detail(evidenceOf(record, tier, isBreakGlass, { useDetail: false }), rules);
}

const KIND_RANK: Record<string, number> = { 'device-bound': 0, synced: 1, unknown: 2 };

/** The row a decision becomes in `cohort_members` (what status counts group by). */
export function toEvaluation(userId: string, isBreakGlass: boolean, d: ComplianceDecision, countKnown: boolean, whfb: boolean): MemberEvaluation {
  const pool = d.qualifying.length > 0 ? d.qualifying : d.passkeys;
  const best = [...pool].sort((a, b) => (KIND_RANK[a.kind] ?? 3) - (KIND_RANK[b.kind] ?? 3))[0];
  return {
    userId,
    isBreakGlass,
    state: d.state,
    reason: d.reason,
    advice: d.advice,
    kind: best ? best.kind : whfb ? 'windows-hello-for-business' : 'none',
    provider: best ? best.provider : whfb ? 'Windows Hello for Business' : null,
    passkeyCount: countKnown ? d.passkeys.length : null,
    needsDetail: d.needsDetail,
  };
}

export function evaluateMember(userId: string, record: DirectoryUserRecord | null, tier: Tier, isBreakGlass: boolean, rules: CampaignRules): { decision: ComplianceDecision; evaluation: MemberEvaluation } {
  const decision = decide(record, tier, isBreakGlass, rules);
  const whfb = record?.methodsRegistered?.some((m) => m.toLowerCase() === 'windowshelloforbusiness') ?? false;
  const countKnown = record !== null && detailIsCurrent(record);
  return { decision, evaluation: toEvaluation(userId, isBreakGlass, decision, countKnown, whfb) };
}
