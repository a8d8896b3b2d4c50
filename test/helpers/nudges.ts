import { randomUUID } from 'node:crypto';
import type { Campaign, Cohort } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';

/**
 * A campaign with one nudging cohort whose members are known non-compliant, written straight to the
 * store (no sync): sender tests start from a known outbox instead of a synced tenant.
 */
export async function seedNudgingCohort(
  store: Store,
  o: { userIds: string[]; now: Date; name?: string; createdBy?: string; deadlineDays?: number; settings?: Record<string, unknown> },
): Promise<{ campaign: Campaign; cohort: Cohort }> {
  const id = randomUUID();
  const name = o.name ?? `Fan-out ${id.slice(0, 6)}`;
  const deadline = new Date(o.now.getTime() + (o.deadlineDays ?? 30) * 86_400_000).toISOString().slice(0, 10);
  const campaign: Campaign = {
    id,
    name,
    strengthKind: 'phishing-resistant',
    strengthId: '00000000-0000-0000-0000-000000000004',
    deadline,
    thresholdPct: 95,
    aaguidAllow: [],
    aaguidBlock: [],
    // All day, every day, one zone: delivery does not depend on when the test runs.
    settings: { workStartHour: 0, workEndHour: 24, weekendsOff: false, fallbackTimeZone: 'UTC', ...o.settings },
    nudgesPaused: false,
    reportOnlyPolicyId: null,
    enforcedPolicyId: null,
    exemptionsGroupId: null,
    createdBy: o.createdBy ?? randomUUID(),
    createdAt: o.now,
    updatedAt: o.now,
    version: 1,
  };
  if ((await store.campaigns.create(campaign)) !== 'ok') throw new Error('campaign name taken');
  const cohort: Cohort = {
    id: randomUUID(),
    campaignId: id,
    name: `${name} cohort`,
    groupId: randomUUID(),
    groupName: `${name} group`,
    tier: 'workforce',
    stage: 'nudging',
    paused: false,
    stageChangedAt: o.now,
    membersSyncedAt: o.now,
    memberCount: o.userIds.length,
    createdBy: campaign.createdBy,
    createdAt: o.now,
    updatedAt: o.now,
    version: 1,
  };
  if ((await store.cohorts.create(cohort)) !== 'ok') throw new Error('cohort not created');
  const ids = o.userIds.map((u) => u.toLowerCase());
  await store.members.replaceMembership(cohort.id, ids, o.now);
  await store.members.saveEvaluations(
    cohort.id,
    ids.map((userId) => ({ userId, isBreakGlass: false, state: 'no_passkey', reason: 'No passkey registered.', advice: '', kind: 'none', provider: null, passkeyCount: null, needsDetail: false })),
    o.now,
  );
  return { campaign, cohort };
}

/** Drains until nothing is planned or in flight for the campaign (rows waiting on Retry-After included). */
export async function drainUntilSettled(sender: { drain(): Promise<boolean> }, store: Store, campaignId: string | null, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await sender.drain();
    const c = await store.nudges.outbox.deliveryCounts(campaignId ? { campaignId } : {});
    if (c.planned + c.sending === 0) return;
    if (Date.now() > until) throw new Error(`outbox not settled: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
