import type { Random } from '../../ports/clock.js';
import { CHARGED_KINDS, type ChargedKind, type FaultPlan } from './types.js';

export interface InjectedFault {
  status: number;
  /** Seconds for the Retry-After header, when one is sent. */
  retryAfterSeconds?: number;
}

interface Pending {
  remaining: number;
  status: number;
  kinds: readonly ChargedKind[];
  retryAfterSeconds?: number;
}

/** Statuses the Bot Connector documents as transient (rate-limit.md) plus 429 itself. */
const FAULT_STATUSES = new Set([412, 429, 500, 502, 503, 504]);

/**
 * Decides whether a Bot Connector call fails on purpose: first the deterministic `failNext`
 * queue, then the random plan. Sampling uses the injected Random so runs repeat.
 */
export class FaultInjector {
  private plan: FaultPlan | null = null;
  private queue: Pending[] = [];

  constructor(private readonly random: Random) {}

  setPlan(plan: FaultPlan | null): void {
    if (plan) validatePlan(plan);
    this.plan = plan ? { ...plan, statuses: [...plan.statuses], kinds: plan.kinds ? [...plan.kinds] : undefined } : null;
  }

  getPlan(): FaultPlan | null {
    return this.plan;
  }

  failNext(n: number, status: number, kinds?: readonly ChargedKind[], retryAfterSeconds?: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`failNext count must be a non-negative integer, got ${n}`);
    checkStatus(status);
    if (n === 0) return;
    this.queue.push({ remaining: n, status, kinds: kinds?.length ? [...kinds] : CHARGED_KINDS, retryAfterSeconds });
  }

  clear(): void {
    this.plan = null;
    this.queue = [];
  }

  /** Returns the fault for this call, or null to let it through. Consumes a queued fault when one applies. */
  decide(kind: ChargedKind): InjectedFault | null {
    const queued = this.queue.find((p) => p.kinds.includes(kind));
    if (queued) {
      queued.remaining--;
      if (queued.remaining === 0) this.queue = this.queue.filter((p) => p !== queued);
      return withRetryAfter(queued.status, queued.retryAfterSeconds);
    }
    const plan = this.plan;
    if (!plan || plan.rate <= 0 || plan.statuses.length === 0) return null;
    if (plan.kinds && !plan.kinds.includes(kind)) return null;
    if (this.random.next() >= plan.rate) return null;
    const status = plan.statuses[Math.min(plan.statuses.length - 1, Math.floor(this.random.next() * plan.statuses.length))]!;
    return withRetryAfter(status, plan.retryAfterSeconds);
  }
}

function withRetryAfter(status: number, retryAfterSeconds: number | undefined): InjectedFault {
  if (status === 429) return { status, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds ?? 1)) };
  return retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds: Math.max(0, Math.ceil(retryAfterSeconds)) };
}

function validatePlan(plan: FaultPlan): void {
  if (!(plan.rate >= 0 && plan.rate <= 1)) throw new RangeError(`fault rate must be within [0, 1], got ${plan.rate}`);
  if (!Array.isArray(plan.statuses)) throw new TypeError('fault statuses must be an array');
  plan.statuses.forEach(checkStatus);
  for (const k of plan.kinds ?? []) {
    if (!CHARGED_KINDS.includes(k)) throw new RangeError(`unknown fault kind '${String(k)}'`);
  }
}

function checkStatus(status: number): void {
  if (!FAULT_STATUSES.has(status)) {
    throw new RangeError(`fault status must be one of ${[...FAULT_STATUSES].join(', ')}, got ${status}`);
  }
}
