import { randomUUID } from 'node:crypto';
import type { Campaign, Cohort, Tier } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';

/**
 * What the benchmark writes to the bot's database before the bot starts (the bot process owns the
 * embedded database afterwards): the campaign whose cohorts the sync reads, and a paused campaign
 * whose one cohort is the fan-out population, every member known non-compliant, so the people who
 * must get exactly one reminder are known without asking the bot. Nothing is synced here.
 */
export const SYNC_CAMPAIGN = 'Bench sync';
export const FANOUT_CAMPAIGN = 'Bench fanout';

/** Background jobs kept quiet while measuring (they would spend the budgets being measured). */
const QUIET_JOBS = ['sync.full', 'sync.incremental', 'snapshots.daily', 'impact.refresh', 'staging.drift', 'staging.guard', 'staging.expiry'];

function campaign(name: string, now: Date, nudgesPaused: boolean): Campaign {
  const deadline = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  return {
    id: randomUUID(),
    name,
    strengthKind: 'phishing-resistant',
    strengthId: '00000000-0000-0000-0000-000000000004',
    deadline,
    thresholdPct: 95,
    aaguidAllow: [],
    aaguidBlock: [],
    // All day, every day, one zone: delivery does not depend on when the benchmark runs.
    settings: { workStartHour: 0, workEndHour: 24, weekendsOff: false, fallbackTimeZone: 'UTC' },
    nudgesPaused,
    reportOnlyPolicyId: null,
    enforcedPolicyId: null,
    exemptionsGroupId: null,
    createdBy: randomUUID(),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

function cohort(c: Campaign, name: string, group: { id: string; name: string }, tier: Tier, stage: Cohort['stage'], now: Date, members: number | null): Cohort {
  return {
    id: randomUUID(),
    campaignId: c.id,
    name,
    groupId: group.id,
    groupName: group.name,
    tier,
    stage,
    paused: false,
    stageChangedAt: now,
    membersSyncedAt: members === null ? null : now,
    memberCount: members ?? 0,
    createdBy: c.createdBy,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export interface BenchSeed {
  /** The sync campaign's cohorts, largest first. */
  syncCohorts: Cohort[];
  fanoutCohort: Cohort;
}

export async function seedBench(
  store: Store,
  o: { now: Date; allStaff: { id: string; name: string }; tier0: { id: string; name: string }; fanoutUserIds: string[] },
): Promise<BenchSeed> {
  const sync = campaign(SYNC_CAMPAIGN, o.now, true);
  if ((await store.campaigns.create(sync)) !== 'ok') throw new Error('sync campaign not created');
  const everyone = cohort(sync, 'Bench everyone', o.allStaff, 'workforce', 'planned', o.now, null);
  const admins = cohort(sync, 'Bench tier 0', o.tier0, 'tier0', 'planned', o.now, null);
  for (const c of [everyone, admins]) if ((await store.cohorts.create(c)) !== 'ok') throw new Error(`cohort ${c.name} not created`);

  const fan = campaign(FANOUT_CAMPAIGN, o.now, true);
  if ((await store.campaigns.create(fan)) !== 'ok') throw new Error('fan-out campaign not created');
  const fanCohort = cohort(fan, 'Bench fanout cohort', o.allStaff, 'workforce', 'nudging', o.now, o.fanoutUserIds.length);
  if ((await store.cohorts.create(fanCohort)) !== 'ok') throw new Error('fan-out cohort not created');
  const ids = o.fanoutUserIds.map((u) => u.toLowerCase());
  await store.members.replaceMembership(fanCohort.id, ids, o.now);
  await store.members.saveEvaluations(
    fanCohort.id,
    ids.map((userId) => ({ userId, isBreakGlass: false, state: 'no_passkey', reason: 'No passkey registered.', advice: '', kind: 'none', provider: null, passkeyCount: null, needsDetail: false })),
    o.now,
  );
  const never = new Date(o.now.getTime() + 365 * 86_400_000).toISOString();
  await store.settings.set('scheduler:last-run', Object.fromEntries(QUIET_JOBS.map((j) => [j, never])));
  return { syncCohorts: [everyone, admins], fanoutCohort: fanCohort };
}
