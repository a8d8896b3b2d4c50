import { randomUUID } from 'node:crypto';
import type { Campaign, Cohort, Tier } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';

/** A campaign row, reminding all day every day in UTC (delivery does not depend on when a test or the benchmark runs). */
export function campaignRow(o: { name: string; now: Date; id?: string; createdBy?: string; deadlineDays?: number; settings?: Record<string, unknown>; nudgesPaused?: boolean }): Campaign {
  return {
    id: o.id ?? randomUUID(),
    name: o.name,
    strengthKind: 'phishing-resistant',
    strengthId: '00000000-0000-0000-0000-000000000004',
    deadline: new Date(o.now.getTime() + (o.deadlineDays ?? 30) * 86_400_000).toISOString().slice(0, 10),
    thresholdPct: 95,
    aaguidAllow: [],
    aaguidBlock: [],
    settings: { workStartHour: 0, workEndHour: 24, weekendsOff: false, fallbackTimeZone: 'UTC', ...o.settings },
    nudgesPaused: o.nudgesPaused ?? false,
    reportOnlyPolicyId: null,
    enforcedPolicyId: null,
    exemptionsGroupId: null,
    createdBy: o.createdBy ?? randomUUID(),
    createdAt: o.now,
    updatedAt: o.now,
    version: 1,
  };
}

/** A cohort row of `campaign`; `memberCount` null = members never synced. */
export function cohortRow(campaign: Campaign, o: { name: string; now: Date; group: { id: string; name: string }; tier?: Tier; stage?: Cohort['stage']; memberCount: number | null }): Cohort {
  return {
    id: randomUUID(),
    campaignId: campaign.id,
    name: o.name,
    groupId: o.group.id,
    groupName: o.group.name,
    tier: o.tier ?? 'workforce',
    stage: o.stage ?? 'nudging',
    paused: false,
    stageChangedAt: o.now,
    membersSyncedAt: o.memberCount === null ? null : o.now,
    memberCount: o.memberCount ?? 0,
    createdBy: campaign.createdBy,
    createdAt: o.now,
    updatedAt: o.now,
    version: 1,
  };
}

/** Makes `userIds` the cohort's members, each known to have no passkey (no sync needed). */
export async function seedNonCompliantMembers(store: Store, cohortId: string, userIds: string[], now: Date): Promise<void> {
  const ids = userIds.map((u) => u.toLowerCase());
  await store.members.replaceMembership(cohortId, ids, now);
  await store.members.saveEvaluations(
    cohortId,
    ids.map((userId) => ({ userId, isBreakGlass: false, state: 'no_passkey', reason: 'No passkey registered.', advice: '', kind: 'none', provider: null, passkeyCount: null, needsDetail: false })),
    now,
  );
}

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
  const campaign = campaignRow({ id, name, now: o.now, createdBy: o.createdBy, deadlineDays: o.deadlineDays, settings: o.settings });
  if ((await store.campaigns.create(campaign)) !== 'ok') throw new Error('campaign name taken');
  const cohort = cohortRow(campaign, { name: `${name} cohort`, now: o.now, group: { id: randomUUID(), name: `${name} group` }, memberCount: o.userIds.length });
  if ((await store.cohorts.create(cohort)) !== 'ok') throw new Error('cohort not created');
  await seedNonCompliantMembers(store, cohort.id, o.userIds, o.now);
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
