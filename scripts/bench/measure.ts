import type { RateWindow } from '../../services/budgets.js';

/**
 * The arithmetic of the benchmark, kept apart so the test can check it.
 *
 * Utilization compares the time a run took with the shortest time the enforced sliding windows
 * admit for the same number of requests: with a window of L requests per W ms, request k (0-based)
 * can go at the earliest ⌊k / L⌋ × W after the first, so n requests need at least ⌊(n − 1) / L⌋ × W
 * (the largest such bound over all the budget's windows). 1.0 means not a millisecond of the budget
 * was left unused between the first and the last request; the window's first burst is allowed, so a
 * run cannot score above 1.0 without the emulator having admitted more than the limit.
 */
export function shortestSpanMs(requests: number, windows: readonly RateWindow[]): number {
  if (requests <= 1) return 0;
  return Math.max(0, ...windows.map((w) => Math.floor((requests - 1) / w.limit) * w.windowMs));
}

/**
 * shortest span ÷ actual span. When all the requests fit in one window (the budget never had to hold
 * one back), the plain rate instead: (requests − 1) / span ÷ the tightest window's rate. null when
 * there is nothing to measure (one request, or no time between the first and the last).
 */
export function utilization(requests: number, spanMs: number, windows: readonly RateWindow[]): number | null {
  const shortest = shortestSpanMs(requests, windows);
  if (shortest > 0) return round(shortest / Math.max(spanMs, 1), 3);
  if (requests <= 1 || spanMs <= 0) return null;
  const perMs = Math.min(...windows.map((w) => w.limit / w.windowMs));
  return round((requests - 1) / spanMs / perMs, 3);
}

/** Nearest-rank percentile of a list of numbers (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
