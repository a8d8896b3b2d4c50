import { AUDIT_RETENTION_MS } from '../audit-log.js';
import { badRequest, notFound } from '../graph-http.js';
import { compileFilter, conjuncts, parseFilter, type Expr, type FilterSchema } from '../odata-filter.js';
import { decodeToken, encodeToken, project } from '../odata-query.js';
import { collection, contextUrl, ok, type RouteContext, type Router } from '../route-kit.js';
import type { MethodChange } from '../tenant-state.js';

/** Page size when `$top` is absent, and the largest `$top` accepted (the docs give none; as sign-ins). */
const MAX_TOP = 1000;

type Row = Record<string, unknown>;

interface AuditCursor {
  /** The instant the listing is anchored at (the first page's now). */
  a: number;
  /** The last change sequence number that existed then: later changes never join this listing. */
  q: number;
  /** Order: `d` newest first (the default), `a` oldest first. */
  o: 'd' | 'a';
  /** Last entry served (time and sequence), absent on the first page. */
  t?: number;
  s?: number;
}

const str = (get: (r: Row) => unknown, ops: ('eq' | 'startsWith')[] = ['eq']) => ({ ops, get, type: 'string' as const, ci: true });
const initiatorUser = (r: Row) => (r.initiatedBy as { user: Record<string, unknown> | null }).user;
const initiatorApp = (r: Row) => (r.initiatedBy as { app: Record<string, unknown> | null }).app;

/** The filters `directoryaudit.md` documents (`category` and `result` as Entra PowerShell examples use them). */
const FILTER: FilterSchema<Row> = {
  resource: 'directoryAudit',
  allowOr: false,
  props: {
    activityDateTime: { ops: ['eq', 'ge', 'gt', 'le', 'lt'], get: (r) => r.activityDateTime, type: 'datetime' },
    activityDisplayName: str((r) => r.activityDisplayName, ['eq', 'startsWith']),
    category: str((r) => r.category),
    correlationId: str((r) => r.correlationId),
    id: str((r) => r.id),
    loggedByService: str((r) => r.loggedByService),
    result: { ops: ['eq'], get: (r) => r.result, type: 'enum', values: ['success', 'failure', 'timeout', 'unknownFutureValue'] },
    'initiatedBy/user/id': str((r) => initiatorUser(r)?.id),
    'initiatedBy/user/displayName': str((r) => initiatorUser(r)?.displayName),
    'initiatedBy/user/userPrincipalName': str((r) => initiatorUser(r)?.userPrincipalName, ['eq', 'startsWith']),
    'initiatedBy/app/appId': str((r) => initiatorApp(r)?.appId),
    'initiatedBy/app/displayName': str((r) => initiatorApp(r)?.displayName),
  },
  lambdas: {
    targetResources: {
      items: (r) => r.targetResources as unknown[],
      props: {
        id: { ops: ['eq'], get: (t) => (t as Row).id, type: 'string', ci: true },
        displayName: { ops: ['eq', 'startsWith'], get: (t) => (t as Row).displayName, type: 'string', ci: true },
        type: { ops: ['eq'], get: (t) => (t as Row).type, type: 'string', ci: true },
      },
    },
  },
};

const KNOWN = new Set([
  'activityDateTime',
  'activityDisplayName',
  'additionalDetails',
  'category',
  'correlationId',
  'id',
  'initiatedBy',
  'loggedByService',
  'operationType',
  'result',
  'resultReason',
  'targetResources',
]);

/** Time bounds from the top-level `and` terms on activityDateTime, to skip work early (the predicate stays exact). */
function timeBounds(e: Expr | undefined): { lower: number; upper: number } {
  let lower = -Infinity;
  let upper = Infinity;
  for (const term of e ? conjuncts(e) : []) {
    if (term.kind !== 'cmp' || term.left.kind !== 'prop' || term.right.kind !== 'lit' || term.right.type !== 'datetime') continue;
    if (term.left.path.toLowerCase() !== 'activitydatetime') continue;
    const ms = Date.parse(String(term.right.value));
    if (Number.isNaN(ms)) continue;
    if (term.op === 'ge' || term.op === 'gt' || term.op === 'eq') lower = Math.max(lower, ms);
    if (term.op === 'le' || term.op === 'lt' || term.op === 'eq') upper = Math.min(upper, ms);
  }
  return { lower, upper };
}

function parseOrder(raw: string | undefined): 'd' | 'a' {
  if (raw === undefined) return 'd';
  const m = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m) throw badRequest(`Unsupported $orderby '${raw}'. Only activityDateTime (asc or desc) is supported.`, 'BadRequest');
  return (m[1] ?? 'asc').toLowerCase() === 'desc' ? 'd' : 'a';
}

/** (atMs, seq) comparison: the log's sort key. */
function cmpKey(c: MethodChange, t: number, s: number): number {
  return c.atMs !== t ? c.atMs - t : c.seq - s;
}

/** First index whose change is not before (t, s) in the log's ascending order. */
function lowerBound(log: readonly MethodChange[], t: number, s: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmpKey(log[mid]!, t, s) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function selectList(ctx: RouteContext): string[] | undefined {
  const select = ctx.query.select();
  if (!select) return undefined;
  const known = new Set(KNOWN);
  if (ctx.version === 'beta') known.add('userAgent');
  for (const s of select) {
    if (s !== '*' && !known.has(s)) throw badRequest(`Could not find a property named '${s}' on type 'microsoft.graph.directoryAudit'.`, 'BadRequest');
  }
  return select;
}

function listAudits(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$top', '$filter', '$skiptoken', '$select', '$orderby']);
  const top = q.top(MAX_TOP, `Invalid page size specified: '${q.get('$top')}'. Must be between 1 and ${MAX_TOP} inclusive.`) ?? MAX_TOP;
  const select = selectList(ctx);
  const order = parseOrder(q.get('$orderby'));
  const src = q.get('$filter');
  const expr = src ? parseFilter(src) : undefined;
  const pred = expr ? compileFilter(expr, FILTER) : () => true;
  const token = q.get('$skiptoken');
  const cursor: AuditCursor = token ? decodeToken<AuditCursor>(token) : { a: ctx.now.getTime(), q: ctx.state.methodChangeSeq(), o: order };
  if (typeof cursor.a !== 'number' || typeof cursor.q !== 'number' || (cursor.o !== 'd' && cursor.o !== 'a')) {
    throw badRequest('The specified page token value has expired or is invalid.', 'BadRequest');
  }
  if (cursor.o !== order) throw badRequest('The $orderby of a next page must be that of the first page.', 'BadRequest');

  const log = ctx.state.methodChanges;
  const h = timeBounds(expr);
  const lower = Math.max(cursor.a - AUDIT_RETENTION_MS, h.lower);
  const upper = Math.min(cursor.a, h.upper);
  const audits = ctx.audits;
  const found: { c: MethodChange; row: Row }[] = [];
  const consider = (c: MethodChange): boolean => {
    if (c.seq > cursor.q) return false;
    const row = audits.render(c, ctx.version);
    if (!pred(row)) return false;
    found.push({ c, row });
    return found.length > top;
  };
  if (lower <= upper) {
    const first = lowerBound(log, lower, -Infinity);
    const end = lowerBound(log, upper, Infinity);
    if (order === 'd') {
      let i = cursor.t !== undefined ? Math.min(end, lowerBound(log, cursor.t, cursor.s!)) : end;
      for (i--; i >= first; i--) if (consider(log[i]!)) break;
    } else {
      let i = cursor.t !== undefined ? Math.max(first, lowerBound(log, cursor.t, cursor.s! + 1)) : first;
      for (; i < end; i++) if (consider(log[i]!)) break;
    }
  }
  const page = found.slice(0, top);
  const last = page[page.length - 1];
  const next =
    found.length > top && last
      ? encodeToken({ a: cursor.a, q: cursor.q, o: order, t: last.c.atMs, s: last.c.seq } satisfies AuditCursor)
      : undefined;
  const fragment = `auditLogs/directoryAudits${select ? `(${select.join(',')})` : ''}`;
  return collection(
    ctx,
    fragment,
    page.map((p) => project(p.row, select)),
    { next: next ? `${ctx.baseUrl}/${ctx.version}/auditLogs/directoryAudits?${q.nextQuery('$skiptoken', next)}` : undefined },
  );
}

function getAudit(ctx: RouteContext) {
  ctx.query.allowOnly(['$select']);
  const select = selectList(ctx);
  const id = ctx.params.auditId!;
  const c = ctx.audits.find(id);
  const nowMs = ctx.now.getTime();
  if (!c || c.atMs > nowMs || c.atMs < nowMs - AUDIT_RETENTION_MS) {
    throw notFound(`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`, 'Request_ResourceNotFound');
  }
  return ok({ '@odata.context': contextUrl(ctx, 'auditLogs/directoryAudits/$entity'), ...project(ctx.audits.render(c, ctx.version), select) });
}

export function registerDirectoryAuditRoutes(r: Router): void {
  r.add('GET', '/auditLogs/directoryAudits', listAudits).add('GET', '/auditLogs/directoryAudits/{auditId}', getAudit);
}
