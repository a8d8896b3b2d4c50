import type { ProfileFinding } from '../compliance/profile-consistency.js';
import { EXCLUDED_FROM_READINESS } from '../compliance/evaluate.js';
import type { Campaign, Cohort, KindProviderCount, StateCount, SyncRun } from '../ports/campaign-store.js';
import type { Store } from '../ports/store.js';
import { PROFILE_FINDINGS_KEY } from '../sync/sync-engine.js';

/**
 * Admin `status`: counts per compliance state and per passkey kind/provider, answered from the
 * database only (never live Graph), so it stays fast on a 100k-user cohort (issue 3.7).
 */
export interface CohortStatus {
  cohort: Cohort;
  campaign: Campaign;
  total: number;
  /** Members counted in the readiness share (break-glass and disabled accounts excluded). */
  counted: number;
  compliant: number;
  /** compliant / counted, 0–100 (0 when nobody is counted). */
  readyPct: number;
  states: StateCount[];
  kinds: KindProviderCount[];
  findings: ProfileFinding[];
}

export interface StatusReport {
  title: string;
  cohorts: CohortStatus[];
  lastSync: SyncRun | null;
  runningSync: SyncRun | null;
}

export type StatusTarget = { kind: 'all' } | { kind: 'campaign'; campaign: Campaign } | { kind: 'cohort'; cohort: Cohort };

export async function buildStatus(store: Store, target: StatusTarget): Promise<StatusReport> {
  const campaigns = new Map((await store.campaigns.list()).map((c) => [c.id, c]));
  const cohorts =
    target.kind === 'cohort' ? [target.cohort] : target.kind === 'campaign' ? await store.cohorts.list(target.campaign.id) : await store.cohorts.list();
  const findings = (await store.settings.get<Record<string, ProfileFinding[]>>(PROFILE_FINDINGS_KEY)) ?? {};
  const out: CohortStatus[] = [];
  for (const cohort of cohorts) {
    const campaign = campaigns.get(cohort.campaignId);
    if (!campaign) continue;
    const [states, kinds] = await Promise.all([store.members.countsByState([cohort.id]), store.members.countsByKindProvider([cohort.id])]);
    const total = states.reduce((a, s) => a + s.count, 0);
    const excluded = states.filter((s) => (EXCLUDED_FROM_READINESS as string[]).includes(s.state)).reduce((a, s) => a + s.count, 0);
    const compliant = states.find((s) => s.state === 'compliant')?.count ?? 0;
    const counted = total - excluded;
    out.push({ cohort, campaign, total, counted, compliant, readyPct: counted === 0 ? 0 : Math.floor((compliant / counted) * 1000) / 10, states, kinds, findings: findings[cohort.id] ?? [] });
  }
  const title = target.kind === 'cohort' ? `Cohort ${target.cohort.name}` : target.kind === 'campaign' ? `Campaign ${target.campaign.name}` : 'All campaigns';
  const [lastSync, running] = await Promise.all([store.syncRuns.latest({ status: 'done' }), store.syncRuns.running()]);
  return { title, cohorts: out, lastSync, runningSync: running.at(-1) ?? null };
}

/** Words for each state, as admins read them. */
export const STATE_LABELS: Record<string, string> = {
  compliant: 'ready (right passkey)',
  no_passkey: 'no passkey',
  wrong_kind: 'wrong kind for tier',
  aaguid_not_allowed: 'model not allowed',
  single_point_of_failure: 'lockout risk (only passkey in an Entra-SSO password manager)',
  break_glass: 'break-glass (excluded)',
  account_disabled: 'disabled account (excluded)',
  pending_detail: 'checking passkey details',
};
