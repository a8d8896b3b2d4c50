import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BudgetTable } from '../../budgets.js';
import type { Clock, Random } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { SeededRandom } from '../../system/clock.js';
import { silentLogger } from '../../system/logger.js';
import { defaultAuditApp, DirectoryAuditLog, type AuditApp } from './audit-log.js';
import { BudgetMeter, emptyCounters, type SimCounters } from './budget-meter.js';
import { FaultInjector, type FailNextRule, type FaultPlan } from './faults.js';
import { errorBody, GraphError, JSON_CONTENT_TYPE, type GraphVersion, type SimResponse } from './graph-http.js';
import { GraphService } from './graph-service.js';
import { hashString } from './hash.js';
import type { GraphConditionalAccessPolicy, GraphFido2Configuration, GraphFido2Method, TenantFile } from './model.js';
import { Router } from './route-kit.js';
import { registerAuthMethodRoutes } from './routes/auth-methods.js';
import { registerChatRoutes, type SimChatSource } from './routes/chats.js';
import { registerConditionalAccessRoutes } from './routes/conditional-access.js';
import { registerDirectoryAuditRoutes } from './routes/directory-audits.js';
import { registerDirectoryRoleRoutes } from './routes/directory-roles.js';
import { registerGroupRoutes } from './routes/groups.js';
import { registerMethodPolicyRoutes } from './routes/method-policies.js';
import { registerOrganizationRoutes } from './routes/organization.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerSignInRoutes } from './routes/sign-ins.js';
import { registerTeamsRoutes } from './routes/teams.js';
import { registerUserRoutes } from './routes/users.js';
import { SignInEngine } from './sign-in-engine.js';
import { TenantState, type MethodActor, type PasskeyRegistration } from './tenant-state.js';
import type { Version } from './versioned.js';

export { ensureCertificate, type SimCertificate } from './certificate.js';
export { loadTenantFile } from './load-tenant-file.js';
export type { SimCounters, BudgetCounters } from './budget-meter.js';
export type { FaultPlan, FailNextRule } from './faults.js';
export type { MethodActor, PasskeyRegistration } from './tenant-state.js';
export type { AuditApp } from './audit-log.js';
export { TenantState } from './tenant-state.js';
export { chatIdFor } from './routes/teams.js';
export type { SimChatMessage, SimChatSource } from './routes/chats.js';

export interface AppInstalledEvent {
  userId: string;
  /** Catalog id of the app (not the manifest id). */
  teamsAppId: string;
  /** Manifest id. */
  externalId: string;
  installationId: string;
  /** The 1:1 chat id `GET …/installedApps/{id}/chat` answers for this installation. */
  chatId: string;
}

export interface SimTenantOptions {
  /** Already loaded (validation is done elsewhere). */
  tenant: TenantFile;
  /** All timestamps and budget windows come from it. */
  clock: Clock;
  /** Fault-injection sampling; default SeededRandom(1). */
  random?: Random;
  /** Already scaled by the caller. */
  budgets: BudgetTable;
  /** PEM. */
  tls: { key: string; cert: string };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** When set, every Graph request must carry `Authorization: Bearer <token>`. */
  staticToken?: string;
  logger?: Logger;
  /** Fired after a Teams app install succeeds (as Teams then sends the bot a conversationUpdate). */
  onAppInstalled?: (e: AppInstalledEvent) => void;
  /**
   * The messages of a chat (`GET /chats/{id}/messages`), from whoever plays Teams (the channel
   * emulator, wired in services/sim/world.ts); null when there is no such chat.
   */
  chatMessages?: (chatId: string) => SimChatSource | null;
  /** Return `$batch` responses in a shuffled (deterministic) order, as Graph may. Default false. */
  shuffleBatchResponses?: boolean;
  /**
   * The app Graph callers are taken to be: `initiatedBy.app` of audit entries for changes made
   * through Graph. Default: the organisation's Teams app of the catalog (`appId` = its manifest id).
   */
  callerApp?: { appId: string; displayName: string; servicePrincipalId?: string };
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The simulated Entra tenant: an HTTPS server that speaks the Microsoft Graph endpoints the bot
 * uses (under `/v1.0` and `/beta`), enforces the documented budgets, injects faults on request, and
 * exposes a small admin API under `/_sim/` for changes made "outside the bot".
 */
export class SimTenant {
  readonly state: TenantState;
  readonly baseUrl: string;
  private readonly faults: FaultInjector;
  private countersValue: SimCounters = emptyCounters();
  private shuffle: boolean;
  /** Whether the bot's app was granted a chat-message read permission (tests withhold it). */
  chatReadGranted = true;
  private readonly service: GraphService;
  private readonly logger: Logger;

  private constructor(
    private readonly opts: SimTenantOptions,
    private readonly server: Server,
    baseUrl: string,
    parts: { state: TenantState; faults: FaultInjector; service: GraphService; logger: Logger },
  ) {
    this.baseUrl = baseUrl;
    this.state = parts.state;
    this.faults = parts.faults;
    this.service = parts.service;
    this.logger = parts.logger;
    this.shuffle = opts.shuffleBatchResponses ?? false;
  }

  static async start(opts: SimTenantOptions): Promise<SimTenant> {
    const logger = (opts.logger ?? silentLogger()).child({ component: 'sim-tenant' });
    const seed = hashString(opts.tenant.tenant.id) ^ (opts.tenant.tenant.seed ?? 0);
    const state = new TenantState(opts.tenant, new SeededRandom(seed ^ 0x5eed));
    const signIns = new SignInEngine(state);
    const fallbackApp = defaultAuditApp(opts.tenant);
    const app: AuditApp = opts.callerApp
      ? {
          appId: opts.callerApp.appId,
          displayName: opts.callerApp.displayName,
          servicePrincipalId: opts.callerApp.servicePrincipalId ?? fallbackApp.servicePrincipalId,
          servicePrincipalName: opts.callerApp.displayName,
        }
      : fallbackApp;
    const audits = new DirectoryAuditLog(state, app);
    const router = new Router();
    registerUserRoutes(router);
    registerGroupRoutes(router);
    registerDirectoryRoleRoutes(router);
    registerAuthMethodRoutes(router);
    registerReportRoutes(router);
    registerConditionalAccessRoutes(router);
    registerMethodPolicyRoutes(router);
    registerSignInRoutes(router);
    registerDirectoryAuditRoutes(router);
    registerOrganizationRoutes(router);
    registerTeamsRoutes(router);
    registerChatRoutes(router);
    const meter = new BudgetMeter(opts.budgets);
    const faults = new FaultInjector(opts.random ?? new SeededRandom(1));

    let self: SimTenant | undefined;
    let baseUrl = '';
    const service = new GraphService({
      state,
      signIns,
      audits,
      router,
      clock: opts.clock,
      meter,
      faults,
      counters: () => self!.countersValue,
      requestIds: new SeededRandom(seed ^ 0x7e9),
      batchOrder: new SeededRandom(seed ^ 0xba7),
      logger,
      hooks: {
        appInstalled: (e) => {
          const cb = opts.onAppInstalled;
          if (!cb) return;
          setImmediate(() => {
            try {
              cb(e);
            } catch (err) {
              logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'onAppInstalled callback failed');
            }
          });
        },
        chatMessages: (chatId) => opts.chatMessages?.(chatId) ?? null,
        chatReadGranted: () => self?.chatReadGranted ?? true,
      },
      baseUrl: () => baseUrl,
      beforeRequest: (target) => self?.runInterceptors(target),
      staticToken: opts.staticToken,
      shuffleBatchResponses: () => self!.shuffle,
    });
    const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
      void self!.onRequest(req, res);
    });
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    self = new SimTenant(opts, server, baseUrl, { state, faults, service, logger });
    logger.info({ baseUrl, users: state.users.size, groups: state.groups.size }, 'simulated tenant listening');
    return self;
  }

  // ---- counters, faults -----------------------------------------------------------------------

  counters(): SimCounters {
    return structuredClone(this.countersValue);
  }

  /** Clears the counters. Budget windows keep their history, so a reset never grants extra capacity. */
  resetCounters(): void {
    this.countersValue = emptyCounters();
  }

  setFaults(plan: FaultPlan | null): void {
    this.faults.setPlan(plan);
  }

  /** Fails the next `count` requests matching the rule (after letting `skip` of them pass). */
  failNext(rule: FailNextRule): void {
    this.faults.addRule(rule);
  }

  setShuffleBatchResponses(on: boolean): void {
    this.shuffle = on;
  }

  private interceptors: { method?: string; regex?: RegExp; skip: number; seen: number; fn: () => void }[] = [];

  /**
   * Runs `fn` once, just before the matching request is served, after letting `skip` matching
   * requests pass: e.g. an admin edits a policy in the portal between the bot's read and its write.
   */
  beforeRequest(rule: { method?: string; pathPattern?: string; skip?: number }, fn: () => void): void {
    this.interceptors.push({ method: rule.method?.toUpperCase(), regex: rule.pathPattern ? new RegExp(rule.pathPattern) : undefined, skip: rule.skip ?? 0, seen: 0, fn });
  }

  /** @internal */
  runInterceptors(target: { method: string; fullPath: string }): void {
    for (const i of [...this.interceptors]) {
      if (i.method && i.method !== target.method) continue;
      if (i.regex && !i.regex.test(target.fullPath)) continue;
      if (i.seen++ < i.skip) continue;
      this.interceptors = this.interceptors.filter((x) => x !== i);
      i.fn();
    }
  }

  /** Grants or withholds the chat-message read permission (Chat.Read.All): withheld, the chat routes answer 403. */
  setChatReadGranted(granted: boolean): void {
    this.chatReadGranted = granted;
  }

  // ---- changes made outside the bot -----------------------------------------------------------

  /**
   * The user registers a passkey in My Security Info (audited as "User registered security info");
   * `by: 'app'` makes it an admin registration through Graph instead.
   */
  registerPasskey(userId: string, p: PasskeyRegistration, by: MethodActor = 'user'): GraphFido2Method {
    return this.state.registerPasskey(userId, p, this.opts.clock.now(), by);
  }

  /** The user removes a method themselves (audited as "User deleted security info"), or an app does (`by: 'app'`). */
  removeAuthenticationMethod(userId: string, methodId: string, by: MethodActor = 'user'): void {
    this.state.removeMethod(this.state.requireUser(userId), methodId, this.opts.clock.now(), undefined, by);
  }

  addGroupMember(groupId: string, memberId: string): void {
    this.state.addGroupMember(groupId, memberId, this.opts.clock.now());
  }

  removeGroupMember(groupId: string, memberId: string): void {
    this.state.removeGroupMember(groupId, memberId, this.opts.clock.now());
  }

  /** As an admin editing in the Entra portal: merges the patch and bumps modifiedDateTime. */
  portalEditPolicy(policyId: string, patch: Record<string, unknown>): GraphConditionalAccessPolicy {
    return this.state.patchPolicy(policyId, patch, this.opts.clock.now());
  }

  setDirectoryRoles(userId: string, roleTemplateIds: string[]): void {
    this.state.setDirectoryRoles(userId, roleTemplateIds, this.opts.clock.now());
  }

  /** Every version of a CA policy with the time it took effect (-Infinity = from the tenant file). */
  policyHistory(policyId: string): readonly Version<GraphConditionalAccessPolicy>[] {
    return this.state.policies.get(policyId)?.history() ?? [];
  }

  fido2History(): readonly Version<GraphFido2Configuration>[] {
    return this.state.fido2.history();
  }

  /** Runs one Graph request in-process, exactly as over HTTPS (same budgets, faults and counters). */
  request(method: string, pathWithVersion: string, init: { headers?: Record<string, string>; body?: unknown } = {}): Promise<SimResponse> {
    const parsed = parseGraphPath(pathWithVersion);
    if (!parsed) throw new Error(`not a Graph path: ${pathWithVersion}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    return this.service.handle({ method: method.toUpperCase(), ...parsed, headers, body: init.body });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      let raw: Buffer;
      try {
        raw = await readBody(req);
      } catch {
        const id = typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : '00000000-0000-0000-0000-000000000000';
        send(res, graphErrorResponse(new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.'), { 'client-request-id': id }, this.opts.clock.now()));
        return;
      }
      const url = req.url ?? '/';
      const path = url.split('?', 1)[0]!;
      if (/^\/_sim(\/|$)/.test(path)) {
        await this.onAdmin(req.method ?? 'GET', path, raw, res);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const parsed = parseGraphPath(url);
      let body: unknown;
      if (raw.length) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          send(res, graphErrorResponse(new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), headers, this.opts.clock.now()));
          return;
        }
      }
      if (!parsed) {
        send(res, graphErrorResponse(new GraphError(400, 'BadRequest', `Invalid version: the path must start with /v1.0 or /beta.`), headers, this.opts.clock.now()));
        return;
      }
      const out = await this.service.handle({ method: (req.method ?? 'GET').toUpperCase(), ...parsed, headers, body });
      send(res, out);
    } catch (e) {
      this.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'sim tenant request failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: { code: 'InternalServerError', message: 'The simulated tenant failed.' } } });
    }
  }

  private async onAdmin(method: string, path: string, raw: Buffer, res: ServerResponse): Promise<void> {
    const now = this.opts.clock.now();
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      send(res, { status: 400, body: { error: { code: 'bad_json', message: 'Body is not JSON.' } } });
      return;
    }
    const seg = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const b = (body ?? {}) as Record<string, unknown>;
    const reply = (status: number, out?: unknown) => send(res, { status, body: out });
    try {
      const route = `${method} /${seg.slice(1).map((s, i) => (isParam(seg.slice(1), i) ? '*' : s)).join('/')}`;
      switch (route) {
        case 'GET /health':
          return reply(200, { status: 'ok', baseUrl: this.baseUrl, tenantId: this.state.tenantId, users: this.state.users.size, now: now.toISOString() });
        case 'GET /counters':
          return reply(200, this.counters());
        case 'POST /counters/reset':
          this.resetCounters();
          return reply(204);
        case 'POST /faults':
          this.setFaults((body ?? null) as FaultPlan | null);
          return reply(204);
        case 'POST /faults/next':
          this.failNext(body as FailNextRule);
          return reply(204);
        case 'POST /chat-read':
          this.setChatReadGranted(b.granted !== false);
          return reply(204);
        case 'POST /batch-order':
          this.setShuffleBatchResponses(b.shuffle === true);
          return reply(204);
        case 'POST /users/*/passkeys':
          return reply(201, this.registerPasskey(seg[2]!, body as PasskeyRegistration, b.initiatedBy === 'app' ? 'app' : 'user'));
        case 'DELETE /users/*/methods/*':
          this.removeAuthenticationMethod(seg[2]!, seg[4]!);
          return reply(204);
        case 'PUT /users/*/roles':
          if (!Array.isArray(b.roleTemplateIds)) return reply(400, { error: { code: 'bad_request', message: 'roleTemplateIds must be an array' } });
          this.setDirectoryRoles(seg[2]!, b.roleTemplateIds as string[]);
          return reply(204);
        case 'POST /groups/*/members':
          if (typeof b.id !== 'string') return reply(400, { error: { code: 'bad_request', message: 'id is required' } });
          this.addGroupMember(seg[2]!, b.id);
          return reply(204);
        case 'DELETE /groups/*/members/*':
          this.removeGroupMember(seg[2]!, seg[4]!);
          return reply(204);
        case 'POST /policies/*/portal-edit':
          return reply(200, this.portalEditPolicy(seg[2]!, b));
        case 'GET /policies/*/history':
          return reply(200, { value: this.policyHistory(seg[2]!).map((v) => ({ at: Number.isFinite(v.atMs) ? new Date(v.atMs).toISOString() : null, snapshot: v.value })) });
        default:
          return reply(404, { error: { code: 'not_found', message: `no admin route ${method} ${path}` } });
      }
    } catch (e) {
      if (e instanceof GraphError) return reply(e.status, { error: { code: e.code, message: e.message } });
      if (e instanceof RangeError || e instanceof SyntaxError) return reply(400, { error: { code: 'bad_request', message: e.message } });
      throw e;
    }
  }
}

/** Which admin path segments are ids (the rest are literal words). */
function isParam(rest: string[], i: number): boolean {
  const head = rest[0];
  if (head === 'users' || head === 'groups' || head === 'policies') return i === 1 || (i === 3 && rest.length === 4);
  return false;
}

function parseGraphPath(url: string): { path: string; rawQuery: string; version: GraphVersion } | undefined {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(rawPath);
  if (!m) return undefined;
  return { version: m[1]!.toLowerCase() === 'beta' ? 'beta' : 'v1.0', path: m[2] && m[2] !== '/' ? m[2].replace(/\/+$/, '') : '/', rawQuery };
}

function graphErrorResponse(e: GraphError, headers: Record<string, string>, now: Date): SimResponse {
  const id = headers['client-request-id'] ?? '00000000-0000-0000-0000-000000000000';
  return { status: e.status, headers: { 'request-id': id, 'client-request-id': id }, body: errorBody(e.code, e.message, now, id, id) };
}

function send(res: ServerResponse, out: SimResponse): void {
  const headers: Record<string, string> = { 'Cache-Control': 'no-cache', ...(out.headers ?? {}) };
  let payload: string | undefined;
  if (out.text !== undefined) {
    payload = out.text;
    headers['Content-Type'] ??= 'text/plain';
  } else if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    headers['Content-Type'] = JSON_CONTENT_TYPE;
    headers['OData-Version'] = '4.0';
  }
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  else headers['Content-Length'] = '0';
  res.writeHead(out.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
