import { RetryHandler, RetryHandlerOptions, type Middleware } from '@microsoft/microsoft-graph-client';
import type { Context } from '@microsoft/microsoft-graph-client/lib/src/IContext.js';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { rootCertificates } from 'node:tls';
import type { BudgetTable } from '../budgets.js';
import { GRAPH_RETRYABLE_STATUSES } from '../budgets.js';
import { costOfGraphRequest } from '../graph-budget.js';
import type { Pacer, Priority } from '../pacing/pacer.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';

/** Per-request pacing priority, carried to the pacing middleware as an SDK middleware option. */
export class PacingOptions {
  constructor(readonly priority: Priority) {}
}

/** What the gateway learns about each request (counted for benchmarks and tests). */
export interface GraphTraffic {
  requests: number;
  throttled: number;
  retried: number;
  byBudget: Record<string, { requests: number; throttled: number }>;
}

export function newTraffic(): GraphTraffic {
  return { requests: 0, throttled: 0, retried: 0, byBudget: {} };
}

function requestUrl(context: Context): URL {
  const r = context.request as unknown;
  return new URL(typeof r === 'string' ? r : (r as { url: string }).url);
}

function requestMethod(context: Context): string {
  return (context.options?.method ?? 'GET').toUpperCase();
}

/**
 * Waits for room in the request's budget before sending, and re-stamps the slot when the response
 * arrives. A 429 that gets through anyway holds the whole budget for the Retry-After (or one window
 * when the service sends none, as Conditional Access does) so concurrent callers back off together.
 */
export class PacingMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly pacer: Pacer,
    private readonly budgets: BudgetTable,
    private readonly traffic: GraphTraffic,
    private readonly logger: Logger,
  ) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const url = requestUrl(context);
    const method = requestMethod(context);
    // `$batch` envelopes are free; the gateway paces each inner request itself.
    const isBatch = url.pathname.endsWith('/$batch');
    const cost = costOfGraphRequest(method, url.pathname + url.search);
    const options = context.middlewareControl?.getMiddlewareOptions(PacingOptions) as PacingOptions | undefined;
    const permit = isBatch ? null : await this.pacer.acquire(cost.budget, cost.units, '', undefined, options?.priority ?? 'interactive');
    this.traffic.requests++;
    const b = (this.traffic.byBudget[cost.budget] ??= { requests: 0, throttled: 0 });
    b.requests++;
    try {
      await this.next!.execute(context);
    } finally {
      permit?.done();
    }
    const status = context.response?.status ?? 0;
    if (status === 429) {
      this.traffic.throttled++;
      b.throttled++;
      const retryAfterMs = parseRetryAfterMs(context.response!.headers.get('retry-after'));
      const holdMs = retryAfterMs ?? Math.max(...this.budgets[cost.budget].windows.map((w) => w.windowMs));
      this.pacer.penalize(cost.budget, holdMs);
      this.logger.warn({ budget: cost.budget, method, path: url.pathname, retryAfterMs }, 'graph throttled');
    }
  }
}

/**
 * The SDK's retry middleware (429/503/504, Retry-After honoured, exponential backoff with jitter when
 * absent), sleeping on the injected clock. Non-idempotent POSTs are retried only after a 429, which
 * guarantees the service did not act on them; a 503/504 on a POST may have created something.
 */
export function createRetryHandler(clock: Clock, traffic: GraphTraffic, maxRetries: number): RetryHandler {
  const handler = new RetryHandler(
    new RetryHandlerOptions(1, maxRetries, (_delay, _attempt, request, options, response) => {
      const method = (options?.method ?? 'GET').toUpperCase();
      if (response.status === 429) return true;
      if (method !== 'POST') return true;
      const url = typeof request === 'string' ? request : (request as { url: string }).url;
      return /\/\$batch$|\/checkMemberGroups$|\/checkMemberObjects$|\/getByIds$/i.test(new URL(url).pathname);
    }),
  );
  // `sleep` is private in the SDK's typings; replacing it is the seam that puts retries on our clock.
  Object.assign(handler, {
    sleep: async (delaySeconds: number) => {
      traffic.retried++;
      await clock.sleep(Math.max(0, delaySeconds * 1000));
    },
  });
  return handler;
}

/** Sends the request with undici, trusting an extra CA when one is configured (simulated tenant). */
export class UndiciFetchHandler implements Middleware {
  private readonly dispatcher: Dispatcher;
  constructor(caPem: string | null, connections = 64) {
    this.dispatcher = new Agent({
      connections,
      keepAliveTimeout: 30_000,
      ...(caPem ? { connect: { ca: [...rootCertificates, caPem] } } : {}),
    });
  }
  async execute(context: Context): Promise<void> {
    const url = requestUrl(context).toString();
    const o = context.options ?? {};
    const res = await undiciFetch(url, {
      method: o.method,
      headers: o.headers as Record<string, string> | undefined,
      body: o.body as string | undefined,
      signal: o.signal ?? undefined,
      dispatcher: this.dispatcher,
    } as Parameters<typeof undiciFetch>[1]);
    context.response = res as unknown as Response;
  }
  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

export function parseRetryAfterMs(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  return null;
}

export const RETRYABLE = new Set<number>(GRAPH_RETRYABLE_STATUSES);
