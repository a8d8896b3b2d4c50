import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../services/ports/store.js';
import { Scheduler } from '../../services/scheduler/scheduler.js';
import { openStore } from '../../services/store/index.js';
import { FakeClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';

let store: Store;
beforeAll(async () => {
  store = await openStore({ memory: true, logger: silentLogger() });
});
afterAll(async () => {
  await store?.close();
});

async function advance(clock: FakeClock, ms: number, step = 1_000) {
  for (let t = 0; t < ms; t += step) await clock.advance(step);
}

describe('Scheduler', () => {
  it('runs jobs on exactly one replica; when it dies the other takes over within the lease time', async () => {
    const clock = new FakeClock();
    const runs: string[] = [];
    const job = (who: string) => ({ name: 'tick', everyMs: 10_000, run: async () => void runs.push(who) });
    const a = new Scheduler({ store, clock, logger: silentLogger(), holder: 'replica-a', tickMs: 1_000, leaseTtlMs: 15_000 });
    const b = new Scheduler({ store, clock, logger: silentLogger(), holder: 'replica-b', tickMs: 1_000, leaseTtlMs: 15_000 });
    a.start([job('a')]);
    await advance(clock, 2_000);
    b.start([job('b')]);
    await advance(clock, 60_000);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(new Set(runs)).toEqual(new Set(['a']));

    await a.close({ release: false }); // a crashes, still "holding" the lease
    const crashedAt = clock.nowMs();
    runs.length = 0;
    while (!b.isLeader() && clock.nowMs() - crashedAt < 60_000) await clock.advance(1_000);
    expect(b.isLeader()).toBe(true);
    expect(clock.nowMs() - crashedAt).toBeLessThanOrEqual(16_000);
    await advance(clock, 30_000);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs)).toEqual(new Set(['b']));
    await b.close();
  });

  it('remembers when a job last ran, so a new leader does not repeat it at once', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1));
    let count = 0;
    const job = { name: 'daily', everyMs: 24 * 3600_000, run: async () => void count++ };
    const a = new Scheduler({ store, clock, logger: silentLogger(), holder: 'x', tickMs: 1_000, leaseTtlMs: 5_000 });
    a.start([job]);
    await advance(clock, 3_000);
    await a.close();
    const b = new Scheduler({ store, clock, logger: silentLogger(), holder: 'y', tickMs: 1_000, leaseTtlMs: 5_000 });
    b.start([job]);
    await advance(clock, 10_000);
    await b.close();
    expect(count).toBe(1);
  });
});
