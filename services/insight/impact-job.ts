import { effectiveSettings } from '../campaigns/campaign-settings.js';
import type { Clock } from '../ports/clock.js';
import type { SignInLog } from '../ports/policy-gateway.js';
import type { Store } from '../ports/store.js';
import { summarizeImpact, type ImpactSummary } from './impact.js';

export const IMPACT_KEY = 'report-only-impact';
const DAY_MS = 24 * 3600_000;

/**
 * Refreshes the stored report-only impact of every cohort in report-only (background priority), so
 * `status` shows it from the database. Cohorts no longer in report-only keep their last summary.
 */
export async function refreshImpact(store: Store, signIns: SignInLog, clock: Clock): Promise<number> {
  const stored = (await store.settings.get<Record<string, ImpactSummary>>(IMPACT_KEY)) ?? {};
  const campaigns = new Map((await store.campaigns.list()).map((c) => [c.id, c]));
  let refreshed = 0;
  for (const cohort of await store.cohorts.list()) {
    const campaign = campaigns.get(cohort.campaignId);
    if (!campaign?.reportOnlyPolicyId || cohort.stage !== 'report-only') continue;
    const now = clock.now();
    const soak = effectiveSettings(campaign.settings).soakDays;
    const from = new Date(Math.max(cohort.stageChangedAt.getTime(), now.getTime() - soak * DAY_MS));
    const members = new Set(await store.members.activeUserIds(cohort.id));
    const events = [];
    for await (const page of signIns.signInsForPolicy(campaign.reportOnlyPolicyId, from, now, 'background')) events.push(...page);
    stored[cohort.id] = summarizeImpact(cohort.id, campaign.reportOnlyPolicyId, events, members, from, now, now);
    refreshed++;
  }
  await store.settings.set(IMPACT_KEY, stored);
  return refreshed;
}
