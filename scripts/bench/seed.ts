import type { Cohort } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';
import { campaignRow, cohortRow, seedNonCompliantMembers } from '../../test/helpers/nudges.js';

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

export interface BenchSeed {
  /** The sync campaign's cohorts, largest first. */
  syncCohorts: Cohort[];
  fanoutCohort: Cohort;
}

export async function seedBench(
  store: Store,
  o: { now: Date; allStaff: { id: string; name: string }; tier0: { id: string; name: string }; fanoutUserIds: string[] },
): Promise<BenchSeed> {
  const sync = campaignRow({ name: SYNC_CAMPAIGN, now: o.now, nudgesPaused: true });
  if ((await store.campaigns.create(sync)) !== 'ok') throw new Error('sync campaign not created');
  const everyone = cohortRow(sync, { name: 'Bench everyone', group: o.allStaff, tier: 'workforce', stage: 'planned', now: o.now, memberCount: null });
  const admins = cohortRow(sync, { name: 'Bench tier 0', group: o.tier0, tier: 'tier0', stage: 'planned', now: o.now, memberCount: null });
  for (const c of [everyone, admins]) if ((await store.cohorts.create(c)) !== 'ok') throw new Error(`cohort ${c.name} not created`);

  const fan = campaignRow({ name: FANOUT_CAMPAIGN, now: o.now, nudgesPaused: true });
  if ((await store.campaigns.create(fan)) !== 'ok') throw new Error('fan-out campaign not created');
  const fanCohort = cohortRow(fan, { name: 'Bench fanout cohort', group: o.allStaff, tier: 'workforce', stage: 'nudging', now: o.now, memberCount: o.fanoutUserIds.length });
  if ((await store.cohorts.create(fanCohort)) !== 'ok') throw new Error('fan-out cohort not created');
  await seedNonCompliantMembers(store, fanCohort.id, o.fanoutUserIds, o.now);
  const never = new Date(o.now.getTime() + 365 * 86_400_000).toISOString();
  await store.settings.set('scheduler:last-run', Object.fromEntries(QUIET_JOBS.map((j) => [j, never])));
  return { syncCohorts: [everyone, admins], fanoutCohort: fanCohort };
}
