import { describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../services/budgets.js';
import { Pacer } from '../../services/pacing/pacer.js';
import { FakeClock } from '../../services/system/clock.js';

/** Starts `n` acquisitions and records when each was granted (fake time), completing each at once. */
async function grantTimes(pacer: Pacer, clock: FakeClock, key: Parameters<Pacer['acquire']>[0], n: number, opts: { units?: number; scope?: string; stepMs?: number; horizonMs: number }) {
  const t0 = clock.nowMs();
  const times: number[] = [];
  const all = Array.from({ length: n }, async () => {
    const p = await pacer.acquire(key, opts.units ?? 1, opts.scope ?? '');
    times.push(clock.nowMs() - t0);
    p.done();
  });
  const step = opts.stepMs ?? 100;
  await clock.advance(0);
  for (let t = 0; t <= opts.horizonMs && times.length < n; t += step) await clock.advance(step);
  await Promise.all(all);
  return times.sort((a, b) => a - b);
}

describe('Pacer', () => {
  it('keeps the reports budget: never more than 5 requests in any 10 s window', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const times = await grantTimes(pacer, clock, 'graph.reports', 16, { horizonMs: 40_000 });
    expect(times).toHaveLength(16);
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThan(10_000);
    // and uses the budget: 16 requests need three full windows, not more
    expect(times[15]!).toBeLessThanOrEqual(30_200);
  });

  it('counts a slot from the response, not the send, so a slow response pushes the next window back', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const first = await pacer.acquire('graph.conditionalAccess');
    await clock.advance(400); // response takes 400 ms
    first.done();
    let granted = -1;
    const t0 = clock.nowMs();
    const second = pacer.acquire('graph.conditionalAccess').then((p) => {
      granted = clock.nowMs() - t0;
      p.done();
    });
    await clock.advance(700);
    expect(granted).toBe(-1); // 1,100 ms after the send, but only 700 ms after the response
    await clock.advance(400);
    await second;
    expect(granted).toBeGreaterThan(1_000 - 400 + 0);
  });

  it('enforces every window of a multi-window budget (Bot Connector per conversation)', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const times = await grantTimes(pacer, clock, 'connector.conversation', 20, { scope: 'a:conv1', stepMs: 50, horizonMs: 60_000 });
    for (let i = 7; i < times.length; i++) expect(times[i]! - times[i - 7]!).toBeGreaterThan(1_000);
    for (let i = 8; i < times.length; i++) expect(times[i]! - times[i - 8]!).toBeGreaterThan(2_000);
  });

  it('keeps scopes apart: two conversations do not share the per-conversation limit', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const a = await grantTimes(pacer, clock, 'connector.conversation', 7, { scope: 'a', horizonMs: 100 });
    const b = await grantTimes(pacer, clock, 'connector.conversation', 7, { scope: 'b', horizonMs: 100 });
    expect(a.every((t) => t === 0)).toBe(true);
    expect(b.every((t) => t === 0)).toBe(true);
  });

  it('charges resource units for the identity budget', async () => {
    const clock = new FakeClock();
    const small = scaleBudgets(DOCUMENTED_BUDGETS, 0.001); // identity: 8 RU per 10 s
    const pacer = new Pacer(small, clock);
    const times = await grantTimes(pacer, clock, 'graph.identity', 3, { units: 5, horizonMs: 40_000 });
    expect(times[0]).toBe(0);
    expect(times[1]!).toBeGreaterThan(10_000); // 5 + 5 > 8
    expect(times[2]!).toBeGreaterThan(20_000);
  });

  it('holds the budget after a 429 for the time the service asked', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    pacer.penalize('graph.identity', 3_000);
    expect(pacer.delayUntilFree('graph.identity')).toBe(3_000);
    const times = await grantTimes(pacer, clock, 'graph.identity', 1, { horizonMs: 5_000 });
    expect(times[0]!).toBeGreaterThanOrEqual(3_000);
  });

  it('grants in arrival order', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const order: number[] = [];
    const all = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => pacer.acquire('graph.conditionalAccess').then((p) => { order.push(i); p.done(); }));
    for (let i = 0; i < 20; i++) await clock.advance(500);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops waiting when aborted', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    (await pacer.acquire('graph.conditionalAccess')).done();
    const ctl = new AbortController();
    const waiting = pacer.acquire('graph.conditionalAccess', 1, '', ctl.signal);
    ctl.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});

describe('Pacer priorities', () => {
  it('serves an interactive request before queued background ones', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer(DOCUMENTED_BUDGETS, clock);
    const order: string[] = [];
    const background = Array.from({ length: 8 }, (_, i) =>
      pacer.acquire('graph.reports', 1, '', undefined, 'background').then((p) => {
        order.push(`b${i}`);
        p.done();
      }),
    );
    await clock.advance(0);
    expect(order).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']); // the first window's worth
    const interactive = pacer.acquire('graph.reports', 1, '', undefined, 'interactive').then((p) => {
      order.push('i');
      p.done();
    });
    for (let i = 0; i < 30; i++) await clock.advance(1_000);
    await Promise.all([...background, interactive]);
    expect(order.slice(5, 6)).toEqual(['i']);
    expect(order).toHaveLength(9);
  });
});
