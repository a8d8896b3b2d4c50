import type { BudgetKey, BudgetTable, RateWindow } from '../budgets.js';
import type { Clock } from '../ports/clock.js';

/**
 * Keeps each documented budget from the one budget table, so 429s are rare rather than the pacing
 * mechanism. One sliding-window log per budget (and per scope, e.g. per conversation for the Bot
 * Connector's per-thread limits). Callers wait their turn: interactive before background, then in
 * arrival order.
 *
 * A slot is stamped when the request is sent and re-stamped when its response arrives: the service
 * counts a request on arrival, which lies between the two, so counting from the later time can never
 * put more in a window than the service sees. That makes full use of a budget without 429s when the
 * pacer and the service agree on the limits.
 */
export interface Permit {
  /** Call when the response (or error) arrived. */
  done(): void;
}

export interface PacerStats {
  acquired: number;
  units: number;
  waitedMs: number;
  penalties: number;
}

interface Entry {
  t: number;
  units: number;
}

/** Interactive work (a person waiting in chat) goes before background work (sync, fan-out). */
export type Priority = 'interactive' | 'background';

interface Waiter {
  units: number;
  priority: number;
  seq: number;
  start: number;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
}

interface Bucket {
  key: BudgetKey;
  windows: RateWindow[];
  entries: Entry[];
  queue: Waiter[];
  pumping: boolean;
  blockedUntil: number;
  /** Wakes the pump early when a higher-priority waiter arrives. */
  wake: AbortController | null;
}

export class Pacer {
  private readonly buckets = new Map<string, Bucket>();
  private readonly stats = new Map<BudgetKey, PacerStats>();
  private seq = 0;

  constructor(
    private readonly budgets: BudgetTable,
    private readonly clock: Clock,
  ) {}

  /**
   * Waits until `units` fit in every window of the budget (for `scope`, if the budget is scoped).
   * Waiters are served by priority, then in arrival order.
   */
  acquire(key: BudgetKey, units = 1, scope = '', signal?: AbortSignal, priority: Priority = 'interactive'): Promise<Permit> {
    const budget = this.budgets[key];
    const limit = Math.min(...budget.windows.map((w) => w.limit));
    // A request costlier than a whole window could never pass; charge it as a full window instead.
    const charge = Math.min(units, limit);
    const bucket = this.bucket(key, scope);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { units: charge, priority: priority === 'interactive' ? 0 : 1, seq: this.seq++, start: this.clock.nowMs(), resolve, reject };
      bucket.queue.push(waiter);
      bucket.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      signal?.addEventListener(
        'abort',
        () => {
          const i = bucket.queue.indexOf(waiter);
          if (i >= 0) {
            bucket.queue.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      if (bucket.queue[0] === waiter) bucket.wake?.abort();
      if (!bucket.pumping) void this.pump(bucket);
    });
  }

  private async pump(bucket: Bucket): Promise<void> {
    bucket.pumping = true;
    try {
      while (bucket.queue.length > 0) {
        const head = bucket.queue[0]!;
        const now = this.clock.nowMs();
        const wait = Math.max(bucket.blockedUntil - now, this.waitFor(bucket, head.units, now));
        if (wait > 0) {
          bucket.wake = new AbortController();
          await this.clock.sleep(wait, bucket.wake.signal).catch(() => undefined);
          bucket.wake = null;
          continue;
        }
        bucket.queue.shift();
        const entry: Entry = { t: this.clock.nowMs(), units: head.units };
        bucket.entries.push(entry);
        const s = this.statsFor(bucket.key);
        s.acquired++;
        s.units += head.units;
        s.waitedMs += this.clock.nowMs() - head.start;
        let finished = false;
        head.resolve({
          done: () => {
            if (finished) return;
            finished = true;
            entry.t = Math.max(entry.t, this.clock.nowMs());
          },
        });
      }
    } finally {
      bucket.pumping = false;
    }
  }

  /**
   * The service said "too many": hold the whole budget (scope) for `ms`. Used when a 429 arrives
   * anyway (another app sharing a tenant-wide budget, a replica, a restart that lost the log).
   */
  penalize(key: BudgetKey, ms: number, scope = ''): void {
    const bucket = this.bucket(key, scope);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, this.clock.nowMs() + Math.max(0, ms));
    this.statsFor(key).penalties++;
    bucket.wake?.abort();
  }

  /** Milliseconds until the budget (scope) next has room for one unit; 0 when it has room now. */
  delayUntilFree(key: BudgetKey, scope = ''): number {
    const bucket = this.bucket(key, scope);
    const now = this.clock.nowMs();
    return Math.max(0, bucket.blockedUntil - now, this.waitFor(bucket, 1, now));
  }

  snapshot(): Record<string, PacerStats> {
    return Object.fromEntries([...this.stats.entries()].map(([k, v]) => [k, { ...v }]));
  }

  private waitFor(bucket: Bucket, units: number, now: number): number {
    let wait = 0;
    const longest = Math.max(...bucket.windows.map((w) => w.windowMs));
    // Entries older than the longest window no longer matter.
    let drop = 0;
    while (drop < bucket.entries.length && bucket.entries[drop]!.t < now - longest) drop++;
    if (drop > 0) bucket.entries.splice(0, drop);
    for (const w of bucket.windows) {
      const from = now - w.windowMs;
      let used = 0;
      for (const e of bucket.entries) if (e.t >= from) used += e.units;
      if (used + units <= w.limit) continue;
      // Entries are in acquisition order but completion re-stamps them: look at times sorted.
      const inWindow = bucket.entries.filter((e) => e.t >= from).sort((a, b) => a.t - b.t);
      let excess = used + units - w.limit;
      for (const e of inWindow) {
        excess -= e.units;
        if (excess <= 0) {
          wait = Math.max(wait, e.t + w.windowMs - now + 1);
          break;
        }
      }
    }
    return wait;
  }

  private bucket(key: BudgetKey, scope: string): Bucket {
    const id = scope ? `${key}|${scope}` : key;
    let b = this.buckets.get(id);
    if (!b) {
      b = { key, windows: this.budgets[key].windows, entries: [], queue: [], pumping: false, blockedUntil: 0, wake: null };
      this.buckets.set(id, b);
      if (scope) this.collectIdleScopes(key);
    }
    return b;
  }

  /** Per-conversation buckets come and go with 100k users: drop idle ones whose log has expired. */
  private collectIdleScopes(key: BudgetKey): void {
    if (this.buckets.size % 1024 !== 0) return;
    const now = this.clock.nowMs();
    for (const [id, b] of this.buckets) {
      if (!id.startsWith(`${key}|`) || b.queue.length > 0 || b.pumping || b.blockedUntil > now) continue;
      const longest = Math.max(...b.windows.map((w) => w.windowMs));
      if (b.entries.every((e) => e.t <= now - longest)) this.buckets.delete(id);
    }
  }

  private statsFor(key: BudgetKey): PacerStats {
    let s = this.stats.get(key);
    if (!s) {
      s = { acquired: 0, units: 0, waitedMs: 0, penalties: 0 };
      this.stats.set(key, s);
    }
    return s;
  }
}
