import type { BudgetKey } from '../../budgets.js';
import type { Random } from '../../ports/clock.js';

/**
 * Fault injection. A plan samples failures with the injected Random; `next` rules fail the next N
 * matching requests deterministically (e.g. "fail the second CA PATCH with 503").
 */
export interface FaultPlan {
  /** Share of matching requests that fail, 0–1. */
  rate: number;
  /** Statuses to answer with, picked at random (e.g. [429, 503, 504]). */
  statuses: number[];
  /** Retry-After sent with faulted 429/503 (default 1 s for 429; none for 5xx unless set). */
  retryAfterSeconds?: number;
  /** Extra latency for matching requests, ms (applied through the clock). */
  latencyMs?: number;
  /** Regex tested against the request path including the version, e.g. `^/v1\.0/users`. */
  pathPattern?: string;
  /** Only requests charged to this budget. */
  budget?: BudgetKey;
  /** Only writes (POST/PATCH/PUT/DELETE). */
  failWrites?: boolean;
  /** Deterministic rules, consumed in order. */
  next?: FailNextRule[];
}

export interface FailNextRule {
  /** How many matching requests fail. */
  count: number;
  status: number;
  /** Let this many matching requests pass first (e.g. 1 = fail from the second on). */
  skip?: number;
  method?: string;
  pathPattern?: string;
  budget?: BudgetKey;
  retryAfterSeconds?: number;
  /**
   * The request is carried out and only its answer is lost (a gateway timeout after the write
   * landed): the caller cannot tell whether it happened. Default: refused before anything happens.
   */
  afterApply?: boolean;
}

export interface FaultDecision {
  status: number;
  retryAfterSeconds?: number;
  /** Carry the request out, then answer with the fault (see `FailNextRule.afterApply`). */
  afterApply?: boolean;
}

export interface FaultTarget {
  method: string;
  /** Path including the version segment. */
  fullPath: string;
  budget: BudgetKey;
}

interface LiveRule extends FailNextRule {
  regex?: RegExp;
  seen: number;
  failed: number;
}

export class FaultInjector {
  private plan: (FaultPlan & { regex?: RegExp }) | null = null;
  private rules: LiveRule[] = [];

  constructor(private readonly random: Random) {}

  setPlan(plan: FaultPlan | null): void {
    if (!plan) {
      this.plan = null;
      this.rules = [];
      return;
    }
    if (!(plan.rate >= 0 && plan.rate <= 1)) throw new RangeError('fault rate must be within 0..1');
    if (plan.rate > 0 && !plan.statuses?.length) throw new RangeError('fault plan needs statuses');
    this.plan = { ...plan, statuses: plan.statuses ?? [], regex: plan.pathPattern ? new RegExp(plan.pathPattern) : undefined };
    this.rules = [];
    for (const r of plan.next ?? []) this.addRule(r);
  }

  addRule(rule: FailNextRule): void {
    if (!(rule.count > 0)) throw new RangeError('rule count must be positive');
    this.rules.push({ ...rule, regex: rule.pathPattern ? new RegExp(rule.pathPattern) : undefined, seen: 0, failed: 0 });
  }

  latencyFor(target: FaultTarget): number {
    const p = this.plan;
    if (!p?.latencyMs || !this.planMatches(target)) return 0;
    return p.latencyMs;
  }

  private planMatches(target: FaultTarget): boolean {
    const p = this.plan!;
    if (p.regex && !p.regex.test(target.fullPath)) return false;
    if (p.budget && p.budget !== target.budget) return false;
    if (p.failWrites && target.method === 'GET') return false;
    return true;
  }

  decide(target: FaultTarget): FaultDecision | null {
    for (const r of this.rules) {
      if (r.failed >= r.count) continue;
      if (r.method && r.method.toUpperCase() !== target.method) continue;
      if (r.regex && !r.regex.test(target.fullPath)) continue;
      if (r.budget && r.budget !== target.budget) continue;
      r.seen++;
      if (r.seen <= (r.skip ?? 0)) continue;
      r.failed++;
      this.rules = this.rules.filter((x) => x.failed < x.count || x !== r);
      return { status: r.status, retryAfterSeconds: r.retryAfterSeconds, ...(r.afterApply ? { afterApply: true } : {}) };
    }
    const p = this.plan;
    if (!p || p.rate <= 0 || !this.planMatches(target)) return null;
    if (this.random.next() >= p.rate) return null;
    const status = p.statuses[Math.floor(this.random.next() * p.statuses.length)]!;
    return { status, retryAfterSeconds: p.retryAfterSeconds };
  }
}
