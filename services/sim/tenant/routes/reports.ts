import { badRequest, resourceNotFound } from '../graph-http.js';
import { compileFilter, parseFilter, type FilterSchema } from '../odata-filter.js';
import { project } from '../odata-query.js';
import { registrationRow } from '../registration-report.js';
import { collection, contextUrl, ok, pageIds, type RouteContext, type Router } from '../route-kit.js';

const REPORT_MAX_TOP = 999;

const bool = (k: string) => ({ ops: ['eq' as const], get: (r: Record<string, unknown>) => r[k], type: 'bool' as const });

/** Filters documented on userRegistrationDetails (graph-facts §3). */
const REPORT_FILTER: FilterSchema<Record<string, unknown>> = {
  resource: 'userRegistrationDetails',
  allowOr: false,
  props: {
    isAdmin: bool('isAdmin'),
    isMfaCapable: bool('isMfaCapable'),
    isMfaRegistered: bool('isMfaRegistered'),
    isPasswordlessCapable: bool('isPasswordlessCapable'),
    isSsprCapable: bool('isSsprCapable'),
    isSsprEnabled: bool('isSsprEnabled'),
    isSsprRegistered: bool('isSsprRegistered'),
    isSystemPreferredAuthenticationMethodEnabled: bool('isSystemPreferredAuthenticationMethodEnabled'),
    userPrincipalName: { ops: ['eq', 'startsWith'], get: (r) => r.userPrincipalName, type: 'string', ci: true },
    userDisplayName: { ops: ['eq', 'startsWith'], get: (r) => r.userDisplayName, type: 'string', ci: true },
    userType: { ops: ['eq'], get: (r) => r.userType, type: 'enum', values: ['member', 'guest'] },
  },
  lambdas: {
    methodsRegistered: { items: (r) => r.methodsRegistered as string[], self: { ops: ['eq'], get: (x) => x, type: 'string' } },
  },
};

function listReport(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$top', '$filter', '$skiptoken', '$select', '$orderby', '$count']);
  const b = ctx.state.file.behaviour;
  let top = b.registrationReportPageSize;
  if (q.has('$top')) {
    if (!b.registrationReportAcceptsTop) {
      throw badRequest("Query option '$top' is not allowed. Make sure that it is supported for this resource.", 'BadRequest');
    }
    top = q.top(REPORT_MAX_TOP)!;
  }
  if (q.has('$orderby')) {
    // Documented, but refused loudly rather than ignored: the simulator pages by user id only.
    throw badRequest(`$orderby is not supported by the simulated tenant ('${q.get('$orderby')}').`, 'BadRequest');
  }
  const select = q.select();
  const filterSrc = q.get('$filter');
  const pred = filterSrc ? compileFilter(parseFilter(filterSrc), REPORT_FILTER) : undefined;
  const nowMs = ctx.now.getTime();
  const rows = new Map<string, Record<string, unknown>>();
  const row = (id: string) => {
    let r = rows.get(id);
    if (!r) rows.set(id, (r = registrationRow(ctx.state.users.get(id)!, ctx.state, ctx.version, nowMs)));
    return r;
  };
  // The report "doesn't work for disabled accounts" (Entra PowerShell doc): they are left out.
  const matches = (id: string) => ctx.state.users.get(id)!.accountEnabled && (!pred || pred(row(id)));
  const { page, next } = pageIds(ctx.state.userIdsSorted, matches, top, q.get('$skiptoken'));
  return collection(
    ctx,
    'reports/authenticationMethods/userRegistrationDetails',
    page.map((id) => project(row(id), select)),
    { next: next ? `${ctx.baseUrl}/${ctx.version}${ctx.req.path}?${q.nextQuery('$skiptoken', next)}` : undefined },
  );
}

function getReportRow(ctx: RouteContext) {
  const u = ctx.state.users.get(ctx.params.userId!);
  if (!u || !u.accountEnabled) throw resourceNotFound(ctx.params.userId!);
  return ok({
    '@odata.context': contextUrl(ctx, 'reports/authenticationMethods/userRegistrationDetails/$entity'),
    ...registrationRow(u, ctx.state, ctx.version, ctx.now.getTime()),
  });
}

export function registerReportRoutes(r: Router): void {
  r.add('GET', '/reports/authenticationMethods/userRegistrationDetails', listReport).add(
    'GET',
    '/reports/authenticationMethods/userRegistrationDetails/{userId}',
    getReportRow,
  );
}
