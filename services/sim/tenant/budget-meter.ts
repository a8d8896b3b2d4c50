import type { Budget, BudgetKey, BudgetTable } from '../../budgets.js';
import { BUDGET_KEYS } from '../../budgets.js';

/**
 * Sliding-window admission for the documented Graph budgets. A request is admitted when every
 * window of its budget has room for its units; throttled requests consume nothing, as in Graph.
 */

interface Entry {
  atMs: number;
  units: number;
}

export interface Admission {
  admitted: boolean;
  /** Seconds until the windows have room again (only when not admitted; at least 1). */
  retryAfterSeconds?: number;
}

interface Ledger {
  entries: Entry[];
  /** Per window: index of the first entry still inside it, and the units inside. */
  starts: number[];
  sums: number[];
}

export class BudgetMeter {
  private readonly ledgers = new Map<BudgetKey, Ledger>();

  constructor(private readonly budgets: BudgetTable) {}

  budget(key: BudgetKey): Budget {
    return this.budgets[key];
  }

  private ledger(key: BudgetKey): Ledger {
    let l = this.ledgers.get(key);
    if (!l) {
      const n = this.budgets[key].windows.length;
      l = { entries: [], starts: new Array<number>(n).fill(0), sums: new Array<number>(n).fill(0) };
      this.ledgers.set(key, l);
    }
    return l;
  }

  tryAdmit(key: BudgetKey, units: number, nowMs: number): Admission {
    const windows = this.budgets[key].windows;
    const l = this.ledger(key);
    let waitMs = 0;
    windows.forEach((w, i) => {
      while (l.starts[i]! < l.entries.length && l.entries[l.starts[i]!]!.atMs <= nowMs - w.windowMs) {
        l.sums[i]! -= l.entries[l.starts[i]!]!.units;
        l.starts[i]!++;
      }
      const used = l.sums[i]!;
      // A request dearer than the whole window still passes once the window is empty.
      if (used + units <= w.limit || used === 0) return;
      let freed = used;
      for (let j = l.starts[i]!; j < l.entries.length; j++) {
        const e = l.entries[j]!;
        freed -= e.units;
        if (freed + units <= w.limit || freed === 0) {
          waitMs = Math.max(waitMs, e.atMs + w.windowMs - nowMs);
          break;
        }
      }
    });
    if (waitMs > 0) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    l.entries.push({ atMs: nowMs, units });
    for (let i = 0; i < windows.length; i++) l.sums[i]! += units;
    const oldest = Math.min(...l.starts);
    if (oldest > 4096) {
      l.entries.splice(0, oldest);
      for (let i = 0; i < windows.length; i++) l.starts[i]! -= oldest;
    }
    return { admitted: true };
  }
}

export interface BudgetCounters {
  /** Requests admitted against this budget. */
  requests: number;
  /** Units admitted (resource units for graph.identity, else requests). */
  admittedUnits: number;
  /** Requests answered 429 because the budget was spent (faults not included). */
  throttled: number;
  /** Clock time of the first and last admitted request (ISO), null before any. */
  firstAt: string | null;
  lastAt: string | null;
}

export interface SimCounters {
  budgets: Record<BudgetKey, BudgetCounters>;
  /** `METHOD /route/{param}` → requests (inner `$batch` requests counted under their own route). */
  routes: Record<string, number>;
  /** HTTP status → responses (inner `$batch` responses included; the `$batch` envelope too). */
  statuses: Record<string, number>;
  /** Responses produced by fault injection. */
  faultsInjected: number;
  /** Fault responses by status. */
  faultsByStatus: Record<string, number>;
  /** Every 429 sent (budget and fault). */
  throttled429: number;
  /** Graph requests handled (top-level and inner `$batch`; the envelope not included). */
  graphRequests: number;
}

export function emptyCounters(): SimCounters {
  const budgets = {} as Record<BudgetKey, BudgetCounters>;
  for (const k of BUDGET_KEYS) budgets[k] = { requests: 0, admittedUnits: 0, throttled: 0, firstAt: null, lastAt: null };
  return { budgets, routes: {}, statuses: {}, faultsInjected: 0, faultsByStatus: {}, throttled429: 0, graphRequests: 0 };
}
