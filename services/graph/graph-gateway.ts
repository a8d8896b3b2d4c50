import { AuthenticationHandler, Client, ResponseType, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { TokenCredential } from '@azure/identity';
import type { BudgetTable } from '../budgets.js';
import { GRAPH_PAGE } from '../budgets.js';
import { costOfGraphRequest } from '../graph-budget.js';
import type { Pacer, Priority } from '../pacing/pacer.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { GraphRequestError, kindOfStatus } from './graph-errors.js';
import { createRetryHandler, newTraffic, PacingMiddleware, PacingOptions, parseRetryAfterMs, RETRYABLE, UndiciFetchHandler, type GraphTraffic } from './graph-middleware.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphCallOptions {
  version?: GraphVersion;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Background work (sync, fan-out) yields the budget to people waiting in chat. Default interactive. */
  priority?: Priority;
}

export interface GraphResult<T> {
  status: number;
  body: T;
  requestId: string | null;
}

export interface BatchItem {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Relative to the version root, e.g. `/users/{id}/authentication/fido2Methods`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchOutcome<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

export interface GraphGatewayOptions {
  /** `https://graph.microsoft.com` or the simulated tenant's root. */
  baseUrl: string;
  auth: { kind: 'static-token'; token: string } | { kind: 'credential'; credential: TokenCredential };
  /** Extra CA certificate (PEM) to trust, for the simulated tenant's self-signed certificate. */
  caPem?: string | null;
  pacer: Pacer;
  budgets: BudgetTable;
  clock: Clock;
  logger: Logger;
  maxRetries?: number;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * The only module that talks to Microsoft Graph. Everything goes through the SDK client and its
 * middleware chain: authentication → retry (429/503/504, Retry-After) → pacing (the budget table)
 * → fetch. Paging follows the absolute `@odata.nextLink` Graph returns.
 */
export class GraphGateway {
  private readonly client: Client;
  private readonly fetchHandler: UndiciFetchHandler;
  readonly traffic: GraphTraffic = newTraffic();

  constructor(private readonly o: GraphGatewayOptions) {
    const authProvider: AuthenticationProvider =
      o.auth.kind === 'static-token'
        ? { getAccessToken: staticToken(o.auth.token) }
        : new TokenCredentialAuthenticationProvider(o.auth.credential, { scopes: [GRAPH_SCOPE] });
    const auth = new AuthenticationHandler(authProvider);
    const retry = createRetryHandler(o.clock, this.traffic, o.maxRetries ?? 6);
    const pacing = new PacingMiddleware(o.pacer, o.budgets, this.traffic, o.logger);
    this.fetchHandler = new UndiciFetchHandler(o.caPem ?? null);
    auth.setNext(retry);
    retry.setNext(pacing);
    pacing.setNext(this.fetchHandler);
    const base = new URL(o.baseUrl);
    this.client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${base.origin}/`,
      defaultVersion: 'v1.0',
      // The SDK adds the Authorization header only for Graph hosts and these (hostname, no port).
      customHosts: new Set([base.hostname]),
    });
  }

  get<T = unknown>(path: string, opts: GraphCallOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, opts).then((r) => r.body);
  }

  /** GET that answers `null` for 404 instead of throwing. */
  async getOrNull<T = unknown>(path: string, opts: GraphCallOptions = {}): Promise<T | null> {
    try {
      return await this.get<T>(path, opts);
    } catch (e) {
      if (e instanceof GraphRequestError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  post<T = unknown>(path: string, body: unknown, opts: GraphCallOptions = {}): Promise<GraphResult<T>> {
    return this.request<T>('POST', path, body, opts);
  }

  patch<T = unknown>(path: string, body: unknown, opts: GraphCallOptions = {}): Promise<GraphResult<T>> {
    return this.request<T>('PATCH', path, body, opts);
  }

  delete(path: string, opts: GraphCallOptions = {}): Promise<GraphResult<unknown>> {
    return this.request('DELETE', path, undefined, opts);
  }

  /** Every page of a collection, following `@odata.nextLink` to the end. */
  async *pages<T = unknown>(path: string, opts: GraphCallOptions = {}): AsyncGenerator<{ value: T[]; page: number; raw: Record<string, unknown> }> {
    let next: string | null = path;
    let page = 0;
    while (next) {
      const body: Record<string, unknown> = await this.get<Record<string, unknown>>(next, opts);
      const value = Array.isArray(body.value) ? (body.value as T[]) : [];
      yield { value, page: page++, raw: body };
      const link = body['@odata.nextLink'];
      next = typeof link === 'string' && link.length > 0 ? link : null;
    }
  }

  /** All items of a collection (for collections known to be small). */
  async all<T = unknown>(path: string, opts: GraphCallOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const p of this.pages<T>(path, opts)) out.push(...p.value);
    return out;
  }

  /**
   * JSON batching: at most 20 requests per envelope; each inner request is paced against its own
   * budget (batching saves round trips, not budget), and inner 429/503/504 are retried.
   * Outcomes come back in the order of `items`.
   */
  async batch<T = unknown>(items: BatchItem[], opts: GraphCallOptions = {}): Promise<BatchOutcome<T>[]> {
    const results: (BatchOutcome<T> | undefined)[] = new Array(items.length);
    for (let start = 0; start < items.length; start += GRAPH_PAGE.batch) {
      const chunk = items.slice(start, start + GRAPH_PAGE.batch).map((item, i) => ({ item, index: start + i }));
      let pending = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const permits = [];
        for (const p of pending) {
          const cost = costOfGraphRequest(p.item.method, p.item.url);
          permits.push(await this.o.pacer.acquire(cost.budget, cost.units, '', opts.signal, opts.priority ?? 'interactive'));
        }
        let response: GraphResult<{ responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] }>;
        try {
          response = await this.request('POST', '/$batch', {
            requests: pending.map((p) => ({
              id: String(p.index),
              method: p.item.method,
              url: p.item.url,
              ...(p.item.headers ? { headers: p.item.headers } : {}),
              ...(p.item.body !== undefined ? { body: p.item.body, headers: { 'Content-Type': 'application/json', ...(p.item.headers ?? {}) } } : {}),
            })),
          }, opts);
        } finally {
          for (const permit of permits) permit.done();
        }
        const retry: typeof pending = [];
        let waitMs = 0;
        for (const r of response.body.responses ?? []) {
          const index = Number(r.id);
          const entry = pending.find((p) => p.index === index);
          if (!entry) continue;
          const headers = lowerKeys(r.headers ?? {});
          if (RETRYABLE.has(r.status) && attempt < (this.o.maxRetries ?? 6) && entry.item.method !== 'POST') {
            const ra = parseRetryAfterMs(headers['retry-after']);
            const cost = costOfGraphRequest(entry.item.method, entry.item.url);
            if (r.status === 429) {
              this.traffic.throttled++;
              this.o.pacer.penalize(cost.budget, ra ?? Math.max(...this.o.budgets[cost.budget].windows.map((w) => w.windowMs)));
            }
            waitMs = Math.max(waitMs, ra ?? 1000 * 2 ** attempt);
            retry.push(entry);
            continue;
          }
          results[index] = { status: r.status, body: r.body as T, headers };
        }
        for (const p of pending) {
          if (results[p.index] === undefined && !retry.includes(p)) {
            results[p.index] = { status: 500, body: { error: { code: 'missingBatchResponse', message: 'no response for this request in the batch' } } as T, headers: {} };
          }
        }
        pending = retry;
        if (pending.length > 0) {
          this.traffic.retried += pending.length;
          await this.o.clock.sleep(waitMs, opts.signal);
        }
      }
    }
    return results as BatchOutcome<T>[];
  }

  async close(): Promise<void> {
    await this.fetchHandler.close();
  }

  private async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, opts: GraphCallOptions): Promise<GraphResult<T>> {
    let req = this.client.api(path).responseType(ResponseType.RAW);
    if (opts.version && !/^https:\/\//.test(path)) req = req.version(opts.version);
    if (opts.headers) req = req.headers(opts.headers);
    if (opts.signal) req = req.option('signal', opts.signal);
    if (opts.priority) req = req.middlewareOptions([new PacingOptions(opts.priority)]);
    let raw: Response;
    try {
      raw = (method === 'GET'
        ? await req.get()
        : method === 'POST'
          ? await req.post(body)
          : method === 'PATCH'
            ? await req.patch(body)
            : await req.delete()) as Response;
    } catch (e) {
      if (e instanceof GraphRequestError) throw e;
      const err = e as { code?: string; message?: string; statusCode?: number };
      throw new GraphRequestError('network', err.statusCode ?? 0, err.code ?? 'network_error', err.message ?? String(e), method, safePath(path), null);
    }
    const requestId = raw.headers.get('request-id');
    const text = await raw.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!raw.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new GraphRequestError(
        kindOfStatus(raw.status),
        raw.status,
        error?.code ?? `http_${raw.status}`,
        error?.message ?? raw.statusText,
        method,
        safePath(path),
        requestId,
        parseRetryAfterMs(raw.headers.get('retry-after')),
      );
    }
    return { status: raw.status, body: parsed as T, requestId };
  }
}

function staticToken(token: string): () => Promise<string> {
  return async () => token;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Path without scheme, host or query string, for errors and logs. */
function safePath(path: string): string {
  const noHost = path.replace(/^https:\/\/[^/]+/, '');
  return noHost.split('?')[0] ?? noHost;
}
