import { describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS } from '../../services/budgets.js';
import { percentile, shortestSpanMs, utilization } from '../../scripts/bench/measure.js';
import { runBench } from '../../scripts/bench/run.js';
import { table } from '../../scripts/bench/table.js';

describe('benchmark arithmetic', () => {
  it('the shortest span is set by the tightest window: n requests need ⌊(n − 1) / L⌋ windows', () => {
    const reports = DOCUMENTED_BUDGETS['graph.reports'].windows; // 5 / 10 s
    expect(shortestSpanMs(1, reports)).toBe(0);
    expect(shortestSpanMs(5, reports)).toBe(0);
    expect(shortestSpanMs(6, reports)).toBe(10_000);
    expect(shortestSpanMs(11, reports)).toBe(20_000);
    // Per-conversation limits: 7/1 s, 8/2 s, 60/30 s — the 30 s window dominates at 61 requests.
    expect(shortestSpanMs(61, DOCUMENTED_BUDGETS['connector.conversation'].windows)).toBe(30_000);
    expect(utilization(11, 25_000, reports)).toBe(0.8);
    // Fewer than one window's worth: the plain rate, 2 gaps in 8 s against 5 per 10 s.
    expect(utilization(3, 8_000, reports)).toBe(0.5);
    expect(utilization(1, 8_000, reports)).toBeNull();
    expect(utilization(3, 0, reports)).toBeNull();
    expect(utilization(101, 10_000, DOCUMENTED_BUDGETS['connector.global'].windows)).toBe(0.2);
  });

  it('percentiles are nearest-rank', () => {
    const v = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(v, 50)).toBe(10);
    expect(percentile(v, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
  });
});

describe('npm run bench at a tiny size', () => {
  it('produces the documented JSON shape with counters that agree with each other', async () => {
    const lines: string[] = [];
    const r = await runBench({ sizes: [300], scale: 500, fanoutScale: 20, fanout: 120, statusSamples: 3, naiveUsers: 300, log: (l) => lines.push(l) });
    expect(Object.keys(r).sort()).toEqual(['naive', 'scale', 'sizes']);
    expect(r.scale).toBe(500);
    expect(r.sizes).toHaveLength(1);
    const s = r.sizes[0]!;
    expect(Object.keys(s).sort()).toEqual(['fanout', 'incremental', 'peakRssMB', 'status', 'sync', 'users']);
    expect(Object.keys(s.sync).sort()).toEqual(['budgetUtilization', 'callerVisible429', 'fido2Requests', 'minimumRequests', 'reportRequests', 'requests', 'seconds']);
    expect(Object.keys(s.incremental).sort()).toEqual(['requestFraction', 'requests']);
    expect(Object.keys(s.fanout).sort()).toEqual(['ceilingUtilization', 'duplicates', 'lost', 'operations', 'scale', 'seconds']);
    expect(s.fanout.scale).toBe(20);
    expect(Object.keys(s.status).sort()).toEqual(['p50ms', 'p95ms']);
    expect(Object.keys(r.naive!).sort()).toEqual(['requestRatio', 'requests', 'users']);

    expect(s.users).toBe(300);
    // One report page holds 999 rows: the product reads the report once, plus passkey detail where needed.
    expect(s.sync.minimumRequests).toBe(1);
    expect(s.sync.reportRequests).toBeGreaterThanOrEqual(s.sync.minimumRequests);
    expect(s.sync.fido2Requests).toBeGreaterThan(0);
    expect(s.sync.requests).toBeGreaterThanOrEqual(s.sync.reportRequests + s.sync.fido2Requests);
    expect(s.sync.callerVisible429).toBe(0);
    expect(s.sync.seconds).toBeGreaterThan(0);
    // Three people changed: the incremental run costs less than the full one but is not free (audit log, report).
    expect(s.incremental.requests).toBeGreaterThan(0);
    expect(s.incremental.requests).toBeLessThan(s.sync.requests);
    expect(s.incremental.requestFraction).toBeCloseTo(s.incremental.requests / s.sync.requests, 2);
    // Everyone reachable in the 120-person cohort got exactly one reminder: at least one send each.
    expect(s.fanout.duplicates).toBe(0);
    expect(s.fanout.lost).toBe(0);
    expect(s.fanout.operations).toBeGreaterThanOrEqual(100);
    expect(s.fanout.ceilingUtilization).toBeGreaterThan(0);
    expect(s.fanout.ceilingUtilization).toBeLessThanOrEqual(1);
    expect(s.status.p50ms).toBeGreaterThan(0);
    expect(s.status.p95ms).toBeGreaterThanOrEqual(s.status.p50ms);
    expect(s.peakRssMB).toBeGreaterThan(50);
    // The naive way: one methods call per user of the tenant.
    expect(r.naive!.users).toBe(300);
    expect(r.naive!.requests).toBe(300);
    expect(r.naive!.requestRatio).toBeCloseTo(300 / s.sync.requests, 1);
    expect(table(r)).toContain('| 300 ');
    expect(lines.some((l) => l.includes('fan-out'))).toBe(true);
  }, 120_000);
});
