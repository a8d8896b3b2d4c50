import { badRequest, notFound } from '../graph-http.js';
import { compileFilter, conjuncts, parseFilter, type Expr, type FilterSchema } from '../odata-filter.js';
import { decodeToken, encodeToken, project } from '../odata-query.js';
import { collection, contextUrl, ok, type RouteContext, type Router } from '../route-kit.js';
import { compareDesc, SIGN_IN_RETENTION_MS, type EventKey, type SignInRecord } from '../sign-in-engine.js';
import { DAY_MS } from '../time-zones.js';

const MAX_TOP = 1000;

interface SignInCursor {
  /** The instant the listing is anchored at (the first page's now). */
  a: number;
  /** Last event served (exclusive), absent on a fresh anchor. */
  t?: number;
  u?: number;
  k?: number;
}

function filterSchema(policyFilter: boolean): FilterSchema<SignInRecord> {
  return {
    resource: 'signIn',
    allowOr: false,
    props: {
      createdDateTime: { ops: ['eq', 'ge', 'gt', 'le', 'lt'], get: (r) => r.key.t, type: 'datetime' },
      userId: { ops: ['eq'], get: (r) => r.user.id, type: 'string', ci: true },
      userPrincipalName: { ops: ['eq', 'startsWith'], get: (r) => r.user.userPrincipalName, type: 'string', ci: true },
      userDisplayName: { ops: ['eq', 'startsWith'], get: (r) => r.user.displayName, type: 'string', ci: true },
      appId: { ops: ['eq'], get: (r) => r.app.appId, type: 'string', ci: true },
      appDisplayName: { ops: ['eq', 'startsWith'], get: (r) => r.app.appDisplayName, type: 'string', ci: true },
      conditionalAccessStatus: {
        ops: ['eq'],
        get: (r) => r.conditionalAccessStatus,
        type: 'enum',
        values: ['success', 'failure', 'notApplied', 'unknownFutureValue'],
      },
      'status/errorCode': { ops: ['eq'], get: (r) => r.errorCode, type: 'number' },
    },
    lambdas: policyFilter
      ? {
          appliedConditionalAccessPolicies: {
            items: (r) => r.applied.map((a) => a.policy),
            props: { id: { ops: ['eq'], get: (p) => (p as { id: string }).id, type: 'string', ci: true } },
          },
        }
      : undefined,
  };
}

/** Time bounds and user restriction read from the top-level `and` terms, to skip work early. */
function hints(e: Expr | undefined): { lower: number; upper: number; userIds?: string[]; upns?: string[] } {
  let lower = -Infinity;
  let upper = Infinity;
  let userIds: string[] | undefined;
  let upns: string[] | undefined;
  for (const term of e ? conjuncts(e) : []) {
    if (term.kind !== 'cmp' || term.left.kind !== 'prop' || term.right.kind !== 'lit') continue;
    const prop = term.left.path.toLowerCase();
    if (prop === 'createddatetime' && term.right.type === 'datetime') {
      const ms = Date.parse(String(term.right.value));
      if (term.op === 'ge' || term.op === 'gt') lower = Math.max(lower, ms);
      if (term.op === 'le' || term.op === 'lt') upper = Math.min(upper, ms);
      if (term.op === 'eq') {
        lower = Math.max(lower, ms);
        upper = Math.min(upper, ms);
      }
    } else if (prop === 'userid' && term.op === 'eq') userIds = [String(term.right.value)];
    else if (prop === 'userprincipalname' && term.op === 'eq') upns = [String(term.right.value)];
  }
  return { lower, upper, userIds, upns };
}

function includeUnknownEnums(ctx: RouteContext): boolean {
  return (ctx.req.headers['prefer'] ?? '').toLowerCase().includes('include-unknown-enum-members');
}

function listSignIns(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$top', '$filter', '$skiptoken', '$select', '$orderby']);
  if (q.has('$orderby') && !/^createdDateTime\s+desc$/i.test(q.get('$orderby')!.trim())) {
    throw badRequest(`Unsupported $orderby '${q.get('$orderby')}'.`, 'BadRequest');
  }
  const top = q.top(MAX_TOP, `Invalid page size specified: '${q.get('$top')}'. Must be between 1 and ${MAX_TOP} inclusive.`) ?? MAX_TOP;
  const select = q.select();
  const src = q.get('$filter');
  const expr = src ? parseFilter(src) : undefined;
  const pred = expr ? compileFilter(expr, filterSchema(ctx.state.file.behaviour.signInsPolicyFilterSupported)) : () => true;
  const h = hints(expr);
  const engine = ctx.signIns;
  const token = q.get('$skiptoken');
  const cursor: SignInCursor = token ? decodeToken<SignInCursor>(token) : { a: ctx.now.getTime() };
  if (typeof cursor.a !== 'number') throw badRequest('The specified page token value has expired or is invalid.', 'BadRequest');
  const anchor = cursor.a;
  const after: EventKey | undefined = cursor.t !== undefined ? { t: cursor.t, u: cursor.u!, k: cursor.k!, d: 0 } : undefined;

  let only: number[] | undefined;
  if (h.userIds || h.upns) {
    only = [];
    for (const id of h.userIds ?? []) {
      const i = engine.userIndex(id) ?? engine.userIndex(ctx.state.findUser(id)?.id ?? '');
      if (i !== undefined) only.push(i);
    }
    for (const upn of h.upns ?? []) {
      const u = ctx.state.findUser(upn);
      const i = u ? engine.userIndex(u.id) : undefined;
      if (i !== undefined) only.push(i);
    }
  }
  const upper = Math.min(anchor, h.upper);
  const lower = Math.max(ctx.state.generatedAtMs, h.lower, anchor - SIGN_IN_RETENTION_MS);
  const found: SignInRecord[] = [];
  if (!only || only.length) {
    outer: for (let day = Math.floor(Math.min(upper, after?.t ?? upper) / DAY_MS); day >= Math.floor(lower / DAY_MS); day--) {
      for (const key of engine.eventsForUtcDay(day, only)) {
        if (key.t > upper || key.t < lower) continue;
        if (after && compareDesc(key, after) <= 0) continue;
        const rec = engine.evaluate(key);
        if (!pred(rec)) continue;
        found.push(rec);
        if (found.length > top) break outer;
      }
    }
  }
  const page = found.slice(0, top);
  const more = found.length > top;
  const unknown = includeUnknownEnums(ctx);
  const value = page.map((r) => {
    engine.remember(r.id, r.key);
    return project(engine.render(r, ctx.version, unknown), select);
  });
  const last = page[page.length - 1];
  const next = more && last ? encodeToken({ a: anchor, t: last.key.t, u: last.key.u, k: last.key.k } satisfies SignInCursor) : undefined;
  return collection(ctx, 'auditLogs/signIns', value, {
    next: next ? `${ctx.baseUrl}/${ctx.version}/auditLogs/signIns?${q.nextQuery('$skiptoken', next)}` : undefined,
  });
}

function getSignIn(ctx: RouteContext) {
  const key = ctx.signIns.lookup(ctx.params.signInId!);
  if (!key) throw notFound(`Sign-in '${ctx.params.signInId}' was not found.`, 'ResourceNotFound');
  const rec = ctx.signIns.evaluate(key);
  return ok({ '@odata.context': contextUrl(ctx, 'auditLogs/signIns/$entity'), ...ctx.signIns.render(rec, ctx.version, includeUnknownEnums(ctx)) });
}

export function registerSignInRoutes(r: Router): void {
  r.add('GET', '/auditLogs/signIns', listSignIns).add('GET', '/auditLogs/signIns/{signInId}', getSignIn);
}
