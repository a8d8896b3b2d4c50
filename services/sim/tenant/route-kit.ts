import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { DirectoryAuditLog } from './audit-log.js';
import { badRequest, type GraphVersion, type SimRequest, type SimResponse } from './graph-http.js';
import { decodeToken, encodeToken, type ODataQuery } from './odata-query.js';
import type { SignInEngine } from './sign-in-engine.js';
import type { TenantState } from './tenant-state.js';
import type { SimChatSource } from './routes/chats.js';

/** What a route handler sees. */
export interface RouteContext {
  req: SimRequest;
  params: Record<string, string>;
  query: ODataQuery;
  state: TenantState;
  signIns: SignInEngine;
  /** The directory audit log (derived from the method change log). */
  audits: DirectoryAuditLog;
  clock: Clock;
  now: Date;
  version: GraphVersion;
  baseUrl: string;
  logger: Logger;
  hooks: RouteHooks;
}

export interface RouteHooks {
  /** Called (after the response) when a Teams app was installed for a user. */
  appInstalled(e: { userId: string; teamsAppId: string; externalId: string; installationId: string; chatId: string }): void;
  /** The messages of a chat, as the Teams service recorded them (null: no such chat). */
  chatMessages?(chatId: string): SimChatSource | null;
  /** Whether the caller was granted a permission that reads chat messages (false: 403). */
  chatReadGranted?(): boolean;
}

export type Handler = (ctx: RouteContext) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

export type RouteMatch =
  | { kind: 'found'; route: { method: string; pattern: string; handler: Handler }; params: Record<string, string> }
  | { kind: 'methodNotAllowed'; pattern: string }
  | { kind: 'notFound' };

/** Graph paths are case-insensitive; `{name}` captures one segment (or the inside of a key segment). */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    let src = '';
    let last = 0;
    for (const m of pattern.matchAll(/\{(\w+)\}/g)) {
      src += escapeRegex(pattern.slice(last, m.index));
      src += "([^/]+?)";
      keys.push(m[1]!);
      last = m.index! + m[0].length;
    }
    src += escapeRegex(pattern.slice(last));
    this.routes.push({ method: method.toUpperCase(), pattern, regex: new RegExp(`^${src}/?$`, 'i'), keys, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    let samePath: string | undefined;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.method !== method.toUpperCase()) {
        samePath ??= r.pattern;
        continue;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = safeDecode(m[i + 1]!);
      });
      return { kind: 'found', route: r, params };
    }
    return samePath ? { kind: 'methodNotAllowed', pattern: samePath } : { kind: 'notFound' };
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---- response helpers --------------------------------------------------------------------------

export function ok(body: unknown, headers?: Record<string, string>): SimResponse {
  return { status: 200, body, headers };
}
export function created(body?: unknown): SimResponse {
  return { status: 201, body };
}
export function noContent(): SimResponse {
  return { status: 204 };
}

export function contextUrl(ctx: RouteContext, fragment: string): string {
  return `${ctx.baseUrl}/${ctx.version}/$metadata#${fragment}`;
}

/** An absolute next link for the current path (the Graph client only follows absolute https links). */
export function nextLink(ctx: RouteContext, tokenKey: '$skiptoken' | '$deltatoken', token: string, path?: string, drop?: string[]): string {
  return `${ctx.baseUrl}/${ctx.version}${path ?? ctx.req.path}?${ctx.query.nextQuery(tokenKey, token, drop)}`;
}

export function hasEventualConsistency(ctx: RouteContext): boolean {
  return (ctx.req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
}

/** `$count=true` → the total, when the request may ask for it (directory objects need ConsistencyLevel). */
export function wantCount(ctx: RouteContext, requireEventual = true): boolean {
  if (!ctx.query.count()) return false;
  if (requireEventual && !hasEventualConsistency(ctx)) {
    throw badRequest("$count is not currently supported without the 'ConsistencyLevel: eventual' header.", 'Request_BadRequest');
  }
  return true;
}

interface KeyCursor {
  /** The last id served. */
  k: string;
}

/**
 * Keyset paging over ids sorted ascending: the token holds the last id served, so objects added
 * or removed between pages neither repeat nor shift the rest.
 */
export function pageIds(
  ids: readonly string[],
  matches: (id: string) => boolean,
  top: number,
  skiptoken: string | undefined,
): { page: string[]; next?: string } {
  let start = 0;
  if (skiptoken) {
    const cursor = decodeToken<KeyCursor>(skiptoken);
    if (typeof cursor?.k !== 'string') throw badRequest('The specified page token value has expired or is invalid.', 'Directory_ExpiredPageToken');
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! <= cursor.k) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page: string[] = [];
  let i = start;
  for (; i < ids.length && page.length < top; i++) if (matches(ids[i]!)) page.push(ids[i]!);
  let more = false;
  for (; i < ids.length; i++) {
    if (matches(ids[i]!)) {
      more = true;
      break;
    }
  }
  return { page, next: more ? encodeToken({ k: page[page.length - 1] }) : undefined };
}

/** `{ @odata.context, @odata.count?, @odata.nextLink?, value }` in Graph's key order. */
export function collection(
  ctx: RouteContext,
  fragment: string,
  value: unknown[],
  opts: { next?: string; count?: number; extra?: Record<string, unknown> } = {},
): SimResponse {
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx, fragment) };
  if (opts.count !== undefined) body['@odata.count'] = opts.count;
  if (opts.next) body['@odata.nextLink'] = opts.next;
  if (opts.extra) Object.assign(body, opts.extra);
  body.value = value;
  return ok(body);
}

/** `"displayName:foo" OR "mail:bar"` → a predicate over an object's string properties. */
export function parseSearch(ctx: RouteContext, searchable: string[]): ((o: Record<string, unknown>) => boolean) | undefined {
  const raw = ctx.query.get('$search');
  if (raw === undefined) return undefined;
  if (!hasEventualConsistency(ctx)) {
    throw badRequest(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      'Request_BadRequest',
    );
  }
  const clauses: { prop: string; term: string }[] = [];
  const ops: string[] = [];
  const re = /\s*"([^":]+):([^"]*)"\s*(AND|OR)?/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(raw))) {
    clauses.push({ prop: m[1]!.trim(), term: m[2]!.trim().toLowerCase() });
    if (m[3]) ops.push(m[3]);
    consumed = re.lastIndex;
  }
  if (!clauses.length || consumed !== raw.length || ops.length !== clauses.length - 1) {
    throw badRequest(`Syntax error: the $search expression '${raw}' is not valid. Use "property:value".`, 'Request_UnsupportedQuery');
  }
  for (const c of clauses) {
    if (!searchable.includes(c.prop)) throw badRequest(`Unsupported $search property '${c.prop}'.`, 'Request_UnsupportedQuery');
  }
  const test = (o: Record<string, unknown>, c: { prop: string; term: string }) => {
    const v = o[c.prop];
    if (typeof v !== 'string') return false;
    const s = v.toLowerCase();
    if (s.startsWith(c.term)) return true;
    return s.split(/[\s._@-]+/).some((w) => w.startsWith(c.term));
  };
  return (o) => {
    let acc = test(o, clauses[0]!);
    for (let i = 1; i < clauses.length; i++) {
      const v = test(o, clauses[i]!);
      acc = ops[i - 1] === 'AND' ? acc && v : acc || v;
    }
    return acc;
  };
}

export function requireObjectBody(ctx: RouteContext): Record<string, unknown> {
  const b = ctx.req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  }
  return b as Record<string, unknown>;
}
