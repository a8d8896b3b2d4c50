import type { ComplianceDecision } from '../compliance/evaluate.js';
import { evaluateMember, rulesOf } from '../compliance/member-evaluation.js';
import { readFido2Methods, type PasskeyView } from '../compliance/passkeys.js';
import type { Campaign, Cohort, DirectoryUserRecord } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { DirectoryUser } from '../ports/directory.js';
import type { Store } from '../ports/store.js';
import type { GraphMethod, SignInRecord, UserAuthReader } from '../ports/user-auth.js';

/**
 * One person's authentication picture for helpdesk (`methods <user>`) and for themselves
 * (`my status`): live methods and passkeys from Graph, their cohorts and compliance, recent sign-ins
 * with the campaign policies' results, and the next step (issue 3.6).
 */
export interface MethodLine {
  type: string;
  detail: string;
}

export interface MembershipView {
  cohort: Cohort;
  campaign: Campaign;
  isBreakGlass: boolean;
  decision: ComplianceDecision;
}

export interface SignInLine {
  at: string;
  app: string;
  outcome: string;
  campaignResults: string;
}

export interface UserLookup {
  user: DirectoryUser;
  methods: MethodLine[] | null;
  passkeys: PasskeyView[];
  memberships: MembershipView[];
  signIns: SignInLine[] | null;
  nextStep: string;
}

export interface UserLookupDeps {
  store: Store;
  auth: UserAuthReader;
  clock: Clock;
}

const METHOD_TYPES: Record<string, string> = {
  '#microsoft.graph.fido2AuthenticationMethod': 'Passkey',
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'Windows Hello for Business',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'Microsoft Authenticator',
  '#microsoft.graph.phoneAuthenticationMethod': 'Phone',
  '#microsoft.graph.passwordAuthenticationMethod': 'Password',
  '#microsoft.graph.emailAuthenticationMethod': 'Email',
  '#microsoft.graph.softwareOathAuthenticationMethod': 'Authenticator app code (OATH)',
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'Temporary Access Pass',
  '#microsoft.graph.platformCredentialAuthenticationMethod': 'Platform credential (macOS)',
  '#microsoft.graph.qrCodePinAuthenticationMethod': 'QR code + PIN',
};

export function describeMethod(m: GraphMethod): MethodLine {
  const odata = String(m['@odata.type'] ?? (m as Record<string, unknown>)['odata.type'] ?? '');
  const type = METHOD_TYPES[odata] ?? (odata.replace('#microsoft.graph.', '').replace(/AuthenticationMethod$/, '') || 'Unknown method');
  const s = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : '');
  let detail = '';
  switch (odata) {
    case '#microsoft.graph.fido2AuthenticationMethod':
      detail = [s('displayName'), s('model')].filter(Boolean).join(' · ');
      break;
    case '#microsoft.graph.phoneAuthenticationMethod': {
      // Helpdesk sees enough to recognise the number, not enough to copy it.
      const n = s('phoneNumber');
      detail = `${s('phoneType') || 'phone'} ending ${n.replace(/\D/g, '').slice(-4) || '?'}`;
      break;
    }
    case '#microsoft.graph.emailAuthenticationMethod': {
      const e = s('emailAddress');
      detail = e ? `${e.slice(0, 2)}…@${e.split('@')[1] ?? ''}` : '';
      break;
    }
    case '#microsoft.graph.temporaryAccessPassAuthenticationMethod':
      detail = `${m.isUsable ? 'usable' : `not usable (${s('methodUsabilityReason') || 'unknown'})`}, ${m.lifetimeInMinutes ?? '?'} min${m.isUsableOnce ? ', once' : ''}`;
      break;
    default:
      detail = [s('displayName'), s('deviceTag')].filter(Boolean).join(' · ');
  }
  const created = s('createdDateTime') || s('creationDateTime');
  return { type, detail: created ? `${detail}${detail ? ' · ' : ''}added ${created.slice(0, 10)}` : detail };
}

export async function lookupUser(d: UserLookupDeps, user: DirectoryUser, opts: { signIns?: boolean; actorCanIssueTap?: boolean } = {}): Promise<UserLookup> {
  const userId = user.id.toLowerCase();
  const [methods, fido2, signIns] = await Promise.all([
    d.auth.methods(userId).catch(() => null),
    d.auth.fido2Methods(userId).catch(() => null),
    opts.signIns === false ? Promise.resolve(null) : d.auth.recentSignIns(userId, 8).catch(() => null),
  ]);
  const passkeys = fido2 ? readFido2Methods(fido2) : [];
  let record = await d.store.directoryUsers.get(userId);
  if (fido2 && record) {
    // A live read is fresher than the last sync: keep it.
    await d.store.directoryUsers.saveFido2(userId, passkeys, record.reportLastUpdated, d.clock.now());
    record = await d.store.directoryUsers.get(userId);
  }
  const memberships: MembershipView[] = [];
  const policyIds = new Map<string, string>();
  for (const m of await d.store.members.ofUser(userId)) {
    const cohort = await d.store.cohorts.get(m.cohortId);
    const campaign = cohort ? await d.store.campaigns.get(cohort.campaignId) : null;
    if (!cohort || !campaign) continue;
    const live: DirectoryUserRecord | null = record ? { ...record, accountEnabled: user.accountEnabled ?? record.accountEnabled } : null;
    const { decision } = evaluateMember(userId, live, cohort.tier, m.isBreakGlass, rulesOf(campaign));
    memberships.push({ cohort, campaign, isBreakGlass: m.isBreakGlass, decision });
    if (campaign.reportOnlyPolicyId) policyIds.set(campaign.reportOnlyPolicyId, `${campaign.name} (report-only)`);
    if (campaign.enforcedPolicyId) policyIds.set(campaign.enforcedPolicyId, `${campaign.name} (enforced)`);
  }
  return {
    user,
    methods: methods ? methods.map(describeMethod) : null,
    passkeys,
    memberships,
    signIns: signIns ? signIns.map((s) => signInLine(s, policyIds)) : null,
    nextStep: nextStep(memberships, opts.actorCanIssueTap ?? false),
  };
}

function signInLine(s: SignInRecord, policies: Map<string, string>): SignInLine {
  const ok = (s.status?.errorCode ?? 0) === 0;
  const mine = (s.appliedConditionalAccessPolicies ?? []).filter((p) => policies.has(p.id));
  return {
    at: s.createdDateTime.replace('T', ' ').slice(0, 16),
    app: s.appDisplayName ?? 'unknown app',
    outcome: ok ? 'signed in' : `failed (${s.status?.errorCode}${s.status?.failureReason ? `: ${s.status.failureReason}` : ''})`,
    campaignResults: mine.length === 0 ? (policies.size === 0 ? 'no campaign policy yet' : 'campaign policies not applied') : mine.map((p) => `${policies.get(p.id)}: ${p.result}`).join('; '),
  };
}

function nextStep(memberships: MembershipView[], canTap: boolean): string {
  if (memberships.length === 0) return 'Not in any campaign cohort: nothing is asked of them yet.';
  const worst = [...memberships].sort((a, b) => rank(a.decision.state) - rank(b.decision.state))[0]!;
  const d = worst.decision;
  const tap = canTap ? ' If they cannot sign in to register, issue a Temporary Access Pass: `tap <user>`.' : ' If they cannot sign in to register, someone with Authentication Administrator can issue a Temporary Access Pass.';
  switch (d.state) {
    case 'compliant':
      return d.advice ? `Ready for ${worst.cohort.name}. ${d.advice}` : `Ready for ${worst.cohort.name}: nothing to do.`;
    case 'break_glass':
      return 'Break-glass account: no action; it stays excluded from enforcement.';
    case 'account_disabled':
      return 'The account is disabled: nothing to do unless it is re-enabled.';
    case 'pending_detail':
      return 'Their passkey details are being read; look again in a minute.';
    default:
      return `${d.advice}${d.state === 'no_passkey' || d.state === 'wrong_kind' ? tap : ''}`.trim();
  }
}

function rank(state: string): number {
  return ['no_passkey', 'single_point_of_failure', 'wrong_kind', 'aaguid_not_allowed', 'pending_detail', 'compliant', 'account_disabled', 'break_glass'].indexOf(state);
}
