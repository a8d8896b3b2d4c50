import type { RateWindow } from '../../budgets.js';

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Sliding-window counters keyed by scope (the app, or a conversation id), on caller-supplied time.
 * `check` never consumes: only `commit` does, so refused calls do not eat into the budget.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly longestMs: number;

  constructor(private readonly windows: readonly RateWindow[]) {
    this.longestMs = windows.reduce((m, w) => Math.max(m, w.windowMs), 0);
  }

  check(key: string, nowMs: number): RateDecision {
    const list = this.prune(key, nowMs);
    let waitMs = 0;
    for (const w of this.windows) {
      const from = nowMs - w.windowMs;
      const inWindow = countAfter(list, from);
      if (inWindow >= w.limit) {
        // The call fits once the hit `limit` places from the newest has aged out of the window.
        const oldestBlocking = list[list.length - w.limit]!;
        waitMs = Math.max(waitMs, oldestBlocking + w.windowMs - nowMs);
      }
    }
    return waitMs > 0 ? { ok: false, retryAfterMs: waitMs } : { ok: true };
  }

  commit(key: string, nowMs: number): void {
    let list = this.hits.get(key);
    if (!list) {
      list = [];
      this.hits.set(key, list);
    }
    // Keep the list sorted even if the injected clock is moved backwards.
    let i = list.length;
    while (i > 0 && list[i - 1]! > nowMs) i--;
    list.splice(i, 0, nowMs);
  }

  reset(): void {
    this.hits.clear();
  }

  private prune(key: string, nowMs: number): number[] {
    const list = this.hits.get(key);
    if (!list) return [];
    const from = nowMs - this.longestMs;
    let drop = 0;
    while (drop < list.length && list[drop]! <= from) drop++;
    if (drop > 0) list.splice(0, drop);
    if (list.length === 0) this.hits.delete(key);
    return list;
  }
}

/** Hits strictly after `from` (the list is sorted ascending). */
function countAfter(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= from) lo = mid + 1;
    else hi = mid;
  }
  return list.length - lo;
}
