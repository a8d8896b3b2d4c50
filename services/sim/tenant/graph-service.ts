import { costOfGraphRequest } from '../../graph-budget.js';
import type { Clock, Random } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { DirectoryAuditLog } from './audit-log.js';
import type { BudgetMeter, SimCounters } from './budget-meter.js';
import type { FaultInjector } from './faults.js';
import { badRequest, errorBody, GraphError, type SimRequest, type SimResponse } from './graph-http.js';
import { ODataQuery } from './odata-query.js';
import type { RouteContext, RouteHooks, Router } from './route-kit.js';
import type { SignInEngine } from './sign-in-engine.js';
import type { TenantState } from './tenant-state.js';

export interface GraphServiceDeps {
  state: TenantState;
  signIns: SignInEngine;
  audits: DirectoryAuditLog;
  router: Router;
  clock: Clock;
  meter: BudgetMeter;
  faults: FaultInjector;
  counters: () => SimCounters;
  /** Request ids (kept apart from object ids so traffic does not change the tenant's ids). */
  requestIds: Random;
  /** Shuffles $batch responses when a test asks for it. */
  batchOrder: Random;
  logger: Logger;
  hooks: RouteHooks;
  baseUrl: () => string;
  staticToken?: string;
  shuffleBatchResponses: () => boolean;
  /** Runs before a request is served (tests: "the portal edits the policy between the bot's read and write"). */
  beforeRequest?: (target: { method: string; fullPath: string }) => void;
}

const BATCH_MAX = 20;

/**
 * One Graph request through the same steps the real service takes: authentication, fault
 * injection, the throttling budget it is charged to, then the route. `$batch` runs each inner
 * request through the same pipeline, so each is charged and throttled on its own.
 */
export class GraphService {
  constructor(private readonly d: GraphServiceDeps) {}

  async handle(req: SimRequest): Promise<SimResponse> {
    const clientRequestId = req.headers['client-request-id'];
    const requestId = this.d.requestIds.uuid();
    const ids = { requestId, clientRequestId: clientRequestId ?? requestId };
    if (this.d.staticToken !== undefined) {
      const auth = req.headers['authorization'] ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
      if (!m) return this.finish(this.error(new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'), ids), ids);
      if (m[1] !== this.d.staticToken) {
        return this.finish(this.error(new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'), ids), ids);
      }
    }
    if (req.method === 'POST' && /^\/\$batch\/?$/i.test(req.path)) return this.batch(req, ids);
    return this.single(req, ids);
  }

  private finish(res: SimResponse, ids: { requestId: string; clientRequestId: string }): SimResponse {
    const c = this.d.counters();
    c.statuses[String(res.status)] = (c.statuses[String(res.status)] ?? 0) + 1;
    res.headers = { ...(res.headers ?? {}), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId };
    return res;
  }

  private error(e: GraphError, ids: { requestId: string; clientRequestId: string }): SimResponse {
    return {
      status: e.status,
      headers: { ...e.headers },
      body: errorBody(e.code, e.message, this.d.clock.now(), ids.requestId, ids.clientRequestId),
    };
  }

  private async single(req: SimRequest, ids: { requestId: string; clientRequestId: string }): Promise<SimResponse> {
    const c = this.d.counters();
    c.graphRequests++;
    const match = this.d.router.match(req.method, req.path);
    const routeKey = `${req.method} ${match.kind === 'found' ? match.route.pattern : match.kind === 'methodNotAllowed' ? match.pattern : '(unmatched)'}`;
    c.routes[routeKey] = (c.routes[routeKey] ?? 0) + 1;
    const fullPath = `/${req.version}${req.path}`;
    const cost = costOfGraphRequest(req.method, req.rawQuery ? `${fullPath}?${req.rawQuery}` : fullPath);
    const budget = this.d.meter.budget(cost.budget);

    this.d.beforeRequest?.({ method: req.method, fullPath });
    const target = { method: req.method, fullPath, budget: cost.budget };
    const latency = this.d.faults.latencyFor(target);
    if (latency > 0) await this.d.clock.sleep(latency);
    const fault = this.d.faults.decide(target);
    const faultResponse = (f: NonNullable<typeof fault>) => {
      c.faultsInjected++;
      c.faultsByStatus[String(f.status)] = (c.faultsByStatus[String(f.status)] ?? 0) + 1;
      if (f.status === 429) c.throttled429++;
      const headers: Record<string, string> = {};
      const retry = f.retryAfterSeconds ?? (f.status === 429 ? 1 : undefined);
      if (retry !== undefined && (f.status !== 429 || budget.retryAfterOn429)) headers['Retry-After'] = String(Math.max(0, Math.ceil(retry)));
      return this.finish(this.error(new GraphError(f.status, faultCode(f.status), faultMessage(f.status), headers), ids), ids);
    };
    if (fault && !fault.afterApply) return faultResponse(fault);

    const nowMs = this.d.clock.nowMs();
    const admission = this.d.meter.tryAdmit(cost.budget, cost.units, nowMs);
    const bc = c.budgets[cost.budget];
    if (!admission.admitted) {
      bc.throttled++;
      c.throttled429++;
      const headers: Record<string, string> = {};
      if (budget.retryAfterOn429) headers['Retry-After'] = String(admission.retryAfterSeconds ?? 1);
      return this.finish(
        this.error(new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry after the time specified in the Retry-After header, if any.', headers), ids),
        ids,
      );
    }
    bc.requests++;
    bc.admittedUnits += cost.units;
    const iso = new Date(nowMs).toISOString();
    bc.firstAt ??= iso;
    bc.lastAt = iso;

    let res: SimResponse;
    try {
      if (match.kind === 'notFound') {
        const seg = req.path.split('/').filter(Boolean).pop() ?? '';
        throw new GraphError(404, 'Request_ResourceNotFound', `Resource not found for the segment '${seg}'.`);
      }
      if (match.kind === 'methodNotAllowed') {
        throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
      }
      const ctx: RouteContext = {
        req,
        params: match.params,
        query: new ODataQuery(req.rawQuery),
        state: this.d.state,
        signIns: this.d.signIns,
        audits: this.d.audits,
        clock: this.d.clock,
        now: new Date(nowMs),
        version: req.version,
        baseUrl: this.d.baseUrl(),
        logger: this.d.logger,
        hooks: this.d.hooks,
      };
      res = await match.route.handler(ctx);
    } catch (e) {
      if (e instanceof GraphError) res = this.error(e, ids);
      else {
        this.d.logger.error({ err: e instanceof Error ? e.message : String(e), route: routeKey }, 'sim tenant handler failed');
        res = this.error(new GraphError(500, 'InternalServerError', 'The simulated tenant failed to handle the request.'), ids);
      }
    }
    // The write landed; only its answer is lost.
    if (fault?.afterApply) return faultResponse(fault);
    if (cost.budget === 'graph.identity') res.headers = { ...(res.headers ?? {}), 'x-ms-resource-unit': String(cost.units) };
    return this.finish(res, ids);
  }

  private async batch(req: SimRequest, ids: { requestId: string; clientRequestId: string }): Promise<SimResponse> {
    const c = this.d.counters();
    const key = 'POST /$batch';
    c.routes[key] = (c.routes[key] ?? 0) + 1;
    let parsed: BatchItem[];
    try {
      parsed = parseBatch(req.body);
    } catch (e) {
      if (e instanceof GraphError) return this.finish(this.error(e, ids), ids);
      throw e;
    }
    const results = new Map<string, { status: number; headers: Record<string, string>; body?: unknown }>();
    for (const item of parsed) {
      const failedDep = (item.dependsOn ?? []).find((dep) => {
        const r = results.get(dep);
        return !r || r.status >= 400;
      });
      if (failedDep !== undefined) {
        const innerIds = { requestId: this.d.requestIds.uuid(), clientRequestId: ids.clientRequestId };
        c.statuses['424'] = (c.statuses['424'] ?? 0) + 1;
        results.set(item.id, {
          status: 424,
          headers: { 'Content-Type': 'application/json' },
          body: errorBody('FailedDependency', `The request depends on request '${failedDep}', which failed.`, this.d.clock.now(), innerIds.requestId, innerIds.clientRequestId),
        });
        continue;
      }
      const { path, rawQuery } = splitUrl(item.url);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = String(v);
      if (req.headers['authorization']) headers['authorization'] = req.headers['authorization'];
      if (!headers['client-request-id']) headers['client-request-id'] = ids.clientRequestId;
      const inner: SimRequest = { method: item.method, path, rawQuery, version: req.version, headers, body: item.body };
      const innerIds = { requestId: this.d.requestIds.uuid(), clientRequestId: headers['client-request-id']! };
      const res = /^\/\$batch\/?$/i.test(path)
        ? this.finish(this.error(badRequest('Nested $batch requests are not supported.', 'BadRequest'), innerIds), innerIds)
        : await this.single(inner, innerIds);
      const outHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers ?? {})) {
        if (k === 'request-id' || k === 'client-request-id') continue;
        outHeaders[k] = v;
      }
      if (res.body !== undefined) outHeaders['Content-Type'] ??= 'application/json';
      results.set(item.id, { status: res.status, headers: outHeaders, body: res.text !== undefined ? res.text : res.body });
    }
    let order = parsed.map((p) => p.id);
    if (this.d.shuffleBatchResponses()) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.d.batchOrder.next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const responses = order.map((id) => {
      const r = results.get(id)!;
      const out: Record<string, unknown> = { id, status: r.status, headers: r.headers };
      if (r.body !== undefined) out.body = r.body;
      return out;
    });
    c.statuses['200'] = (c.statuses['200'] ?? 0) + 1;
    return {
      status: 200,
      headers: { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
      body: { responses },
    };
  }
}

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  dependsOn?: string[];
}

function parseBatch(body: unknown): BatchItem[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { requests?: unknown }).requests)) {
    throw badRequest("Invalid batch payload: a 'requests' array is required.", 'BadRequest');
  }
  const requests = (body as { requests: unknown[] }).requests;
  if (requests.length === 0) throw badRequest('Invalid batch payload: the requests array is empty.', 'BadRequest');
  if (requests.length > BATCH_MAX) throw badRequest(`Invalid batch payload: the number of requests exceeds the limit of ${BATCH_MAX}.`, 'BadRequest');
  const seen = new Set<string>();
  const items: BatchItem[] = [];
  for (const raw of requests) {
    if (typeof raw !== 'object' || raw === null) throw badRequest('Invalid batch payload: each request must be an object.', 'BadRequest');
    const r = raw as Record<string, unknown>;
    const id = r.id === undefined ? undefined : String(r.id);
    if (!id) throw badRequest("Invalid batch payload: every request needs an 'id'.", 'BadRequest');
    if (seen.has(id)) throw badRequest(`Invalid batch payload: duplicate request id '${id}'.`, 'BadRequest');
    if (typeof r.method !== 'string' || typeof r.url !== 'string') throw badRequest(`Invalid batch payload: request '${id}' needs 'method' and 'url'.`, 'BadRequest');
    if (/^https?:/i.test(r.url)) throw badRequest(`Invalid batch payload: request '${id}' must use a relative url.`, 'BadRequest');
    const dependsOn = r.dependsOn === undefined ? undefined : (r.dependsOn as unknown[]).map(String);
    for (const dep of dependsOn ?? []) {
      if (!seen.has(dep)) throw badRequest(`Invalid batch payload: request '${id}' depends on unknown or later request '${dep}'.`, 'BadRequest');
    }
    if (['POST', 'PATCH', 'PUT'].includes(r.method.toUpperCase()) && r.body !== undefined) {
      const headers = (r.headers ?? {}) as Record<string, string>;
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
        throw badRequest(`Invalid batch payload: request '${id}' has a body but no Content-Type header.`, 'BadRequest');
      }
    }
    seen.add(id);
    items.push({ id, method: r.method.toUpperCase(), url: r.url, headers: r.headers as Record<string, unknown> | undefined, body: r.body, dependsOn });
  }
  return items;
}

function splitUrl(url: string): { path: string; rawQuery: string } {
  let u = url.trim();
  if (!u.startsWith('/')) u = `/${u}`;
  const q = u.indexOf('?');
  const path = q === -1 ? u : u.slice(0, q);
  return { path: path.replace(/^\/(v1\.0|beta)(?=\/)/i, ''), rawQuery: q === -1 ? '' : u.slice(q + 1) };
}

function faultCode(status: number): string {
  switch (status) {
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'GatewayTimeout';
    case 500:
      return 'InternalServerError';
    case 502:
      return 'BadGateway';
    default:
      return 'UnknownError';
  }
}

function faultMessage(status: number): string {
  switch (status) {
    case 429:
      return 'Too many requests. Please retry after the time specified in the Retry-After header, if any.';
    case 503:
      return 'The service is temporarily unavailable. Please retry later.';
    case 504:
      return 'The gateway timed out waiting for the service.';
    default:
      return 'An injected fault occurred.';
  }
}

