import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { buildStatus } from '../status/status-service.js';

/** Stores today's counts of every cohort (one row per cohort and UTC day, replaced during the day), so trends exist. */
export async function takeSnapshots(store: Store, clock: Clock): Promise<number> {
  const report = await buildStatus(store, { kind: 'all' });
  const day = clock.now().toISOString().slice(0, 10);
  for (const c of report.cohorts) {
    if (c.total === 0) continue;
    await store.snapshots.save({
      day,
      cohortId: c.cohort.id,
      total: c.total,
      counted: c.counted,
      compliant: c.compliant,
      states: Object.fromEntries(c.states.map((s) => [s.state, s.count])),
      takenAt: clock.now(),
    });
  }
  return report.cohorts.length;
}
