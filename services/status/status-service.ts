import type { ProfileFinding } from '../compliance/profile-consistency.js';
import { EXCLUDED_FROM_READINESS } from '../compliance/evaluate.js';
import type { Campaign, Cohort, KindProviderCount, StateCount, SyncRun } from '../ports/campaign-store.js';
import type { DeliveryCounts } from '../ports/nudge-store.js';
import type { Store } from '../ports/store.js';
import { PROFILE_FINDINGS_KEY } from '../sync/sync-engine.js';
import type { CohortSnapshot } from '../ports/campaign-store.js';
import type { ImpactSummary } from '../insight/impact.js';
import { IMPACT_KEY } from '../insight/impact-job.js';

/** Days of daily snapshots the adoption trend shows. */
export const TREND_DAYS = 30;

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
  /** Reminder delivery for this cohort (issue 4.9). */
  delivery: DeliveryCounts;
  /** Report-only impact over the soak window, as last computed (issue 6.3). */
  impact: ImpactSummary | null;
  /** Daily snapshots, oldest first (issue 6.2). */
  trend: CohortSnapshot[];
}

export interface StatusReport {
  title: string;
  cohorts: CohortStatus[];
  /** Reminder delivery for the whole target (help requests included). */
  delivery: DeliveryCounts;
  lastSync: SyncRun | null;
  runningSync: SyncRun | null;
}

export type StatusTarget = { kind: 'all' } | { kind: 'campaign'; campaign: Campaign } | { kind: 'cohort'; cohort: Cohort };

export async function buildStatus(store: Store, target: StatusTarget): Promise<StatusReport> {
  const campaigns = new Map((await store.campaigns.list()).map((c) => [c.id, c]));
  const cohorts =
    target.kind === 'cohort' ? [target.cohort] : target.kind === 'campaign' ? await store.cohorts.list(target.campaign.id) : await store.cohorts.list();
  const findings = (await store.settings.get<Record<string, ProfileFinding[]>>(PROFILE_FINDINGS_KEY)) ?? {};
  const impacts = (await store.settings.get<Record<string, ImpactSummary>>(IMPACT_KEY)) ?? {};
  const snapshots = cohorts.length > 0 ? await store.snapshots.recent(cohorts.map((c) => c.id), TREND_DAYS) : [];
  const out: CohortStatus[] = [];
  for (const cohort of cohorts) {
    const campaign = campaigns.get(cohort.campaignId);
    if (!campaign) continue;
    const [states, kinds, delivery] = await Promise.all([store.members.countsByState([cohort.id]), store.members.countsByKindProvider([cohort.id]), store.nudges.outbox.deliveryCounts({ cohortId: cohort.id })]);
    const total = states.reduce((a, s) => a + s.count, 0);
    const excluded = states.filter((s) => (EXCLUDED_FROM_READINESS as string[]).includes(s.state)).reduce((a, s) => a + s.count, 0);
    const compliant = states.find((s) => s.state === 'compliant')?.count ?? 0;
    const counted = total - excluded;
    out.push({
      cohort,
      campaign,
      total,
      counted,
      compliant,
      readyPct: counted === 0 ? 0 : Math.floor((compliant / counted) * 1000) / 10,
      states,
      kinds,
      findings: findings[cohort.id] ?? [],
      delivery,
      impact: impacts[cohort.id] ?? null,
      trend: snapshots.filter((x) => x.cohortId === cohort.id),
    });
  }
  const title = target.kind === 'cohort' ? `Cohort ${target.cohort.name}` : target.kind === 'campaign' ? `Campaign ${target.campaign.name}` : 'All campaigns';
  const [lastSync, running, delivery] = await Promise.all([
    store.syncRuns.latest({ status: 'done' }),
    store.syncRuns.running(),
    store.nudges.outbox.deliveryCounts(target.kind === 'cohort' ? { cohortId: target.cohort.id } : target.kind === 'campaign' ? { campaignId: target.campaign.id } : {}),
  ]);
  return { title, cohorts: out, lastSync, runningSync: running.at(-1) ?? null, delivery };
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

/** Words for permanent delivery failures, as admins read them. */
export const FAILURE_LABELS: Record<string, string> = {
  app_blocked: 'app blocked by policy',
  user_disabled: 'user disabled',
  user_not_found: 'user gone',
  not_reachable: 'no chat opened',
  refused: 'refused by Teams',
  gave_up: 'gave up after retries',
  channel_gone: 'helpdesk channel gone',
};

/** One line of reminder delivery counts (empty when nothing was ever planned). */
export function deliveryLine(d: DeliveryCounts, label = 'Reminders'): string {
  const total = d.planned + d.sending + d.sent + d.failed;
  if (total === 0) return '';
  const parts = [`${d.sent} sent`];
  if (d.planned > 0) parts.push(`${d.planned} planned${d.waiting > 0 ? ` (${d.waiting} waiting to retry)` : ''}`);
  if (d.sending > 0) parts.push(`${d.sending} being sent`);
  parts.push(`${d.failed} failed`);
  if (d.possibleDuplicates > 0) parts.push(`${d.possibleDuplicates} re-sent after a crash without the chat check (possible duplicates)`);
  return `${label}: ${parts.join(' · ')}.`;
}
