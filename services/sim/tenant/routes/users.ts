import { badRequest, GraphError, notFound } from '../graph-http.js';
import { compileFilter, parseFilter, type FilterSchema, type PropSpec } from '../odata-filter.js';
import { project } from '../odata-query.js';
import {
  collection,
  contextUrl,
  ok,
  pageIds,
  parseSearch,
  requireObjectBody,
  wantCount,
  type RouteContext,
  type Router,
} from '../route-kit.js';
import { deviceObject, directoryObject, roleObject, USER_PROPS, userSelected } from '../serializers.js';
import type { SimUser } from '../model.js';

const str = (get: (u: SimUser) => unknown, ops: PropSpec<SimUser>['ops'] = ['eq', 'startsWith', 'in']): PropSpec<SimUser> => ({
  ops,
  get,
  type: 'string',
  ci: true,
});

/** `$filter` on /users as documented for the default (non-advanced) query set. */
export const USER_FILTER: FilterSchema<SimUser> = {
  resource: 'User',
  allowOr: true,
  props: {
    id: { ops: ['eq', 'in'], get: (u) => u.id, type: 'string', ci: true },
    displayName: str((u) => u.displayName),
    userPrincipalName: str((u) => u.userPrincipalName),
    mail: str((u) => u.mail),
    givenName: str((u) => u.givenName),
    surname: str((u) => u.surname),
    jobTitle: str((u) => u.jobTitle),
    department: str((u) => u.department),
    usageLocation: str((u) => u.usageLocation, ['eq', 'in']),
    accountEnabled: { ops: ['eq'], get: (u) => u.accountEnabled, type: 'bool' },
    userType: { ops: ['eq', 'in'], get: (u) => u.userType, type: 'string', ci: true },
  },
};

const PAGE_DEFAULT = 100;
const PAGE_MAX = 999;

function listUsers(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$top', '$select', '$filter', '$count', '$search', '$skiptoken', '$orderby']);
  if (q.has('$orderby')) {
    // Refused loudly rather than ignored: the simulator pages by object id only.
    throw badRequest(`$orderby is not supported by the simulated tenant ('${q.get('$orderby')}').`, 'Request_UnsupportedQuery');
  }
  const top = q.top(PAGE_MAX) ?? PAGE_DEFAULT;
  const select = q.select();
  project({}, select, USER_PROPS, 'user');
  const filterSrc = q.get('$filter');
  const pred = filterSrc ? compileFilter(parseFilter(filterSrc), USER_FILTER) : undefined;
  const search = parseSearch(ctx, ['displayName', 'mail', 'userPrincipalName', 'givenName', 'surname']);
  const count = wantCount(ctx);
  const matches = (id: string) => {
    const u = ctx.state.users.get(id)!;
    if (pred && !pred(u)) return false;
    if (search && !search(u as unknown as Record<string, unknown>)) return false;
    return true;
  };
  const ids = ctx.state.userIdsSorted;
  const { page, next } = pageIds(ids, matches, top, q.get('$skiptoken'));
  const value = page.map((id) => userSelected(ctx.state.users.get(id)!, ctx.state, select));
  return collection(ctx, select ? `users(${select.join(',')})` : 'users', value, {
    next: next ? nextFor(ctx, next) : undefined,
    count: count ? ids.filter(matches).length : undefined,
  });
}

function nextFor(ctx: RouteContext, token: string): string {
  return `${ctx.baseUrl}/${ctx.version}${ctx.req.path}?${ctx.query.nextQuery('$skiptoken', token)}`;
}

function getUser(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const select = ctx.query.select();
  project({}, select, USER_PROPS, 'user');
  return ok({ '@odata.context': contextUrl(ctx, select ? `users(${select.join(',')})/$entity` : 'users/$entity'), ...userSelected(u, ctx.state, select) });
}

function mailboxSettings(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  if (!u.mailboxSettings) {
    throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  }
  const tz = u.mailboxSettings.timeZone;
  const locale = u.preferredLanguage ?? 'en-US';
  return ok({
    '@odata.context': contextUrl(ctx, `users('${u.id}')/mailboxSettings`),
    archiveFolder: null,
    timeZone: tz,
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    userPurpose: 'user',
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: ctx.state.file.tenant.generatedAt.replace('Z', ''), timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: ctx.state.file.tenant.generatedAt.replace('Z', ''), timeZone: 'UTC' },
    },
    language: { locale, displayName: locale },
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: tz },
    },
  });
}

function manager(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const m = u.managerId ? ctx.state.users.get(u.managerId) : undefined;
  if (!m) throw notFound("Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
  const select = ctx.query.select();
  return ok({
    '@odata.context': contextUrl(ctx, 'directoryObjects/$entity'),
    '@odata.type': '#microsoft.graph.user',
    ...userSelected(m, ctx.state, select),
  });
}

function registeredDevices(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const top = ctx.query.top(PAGE_MAX) ?? PAGE_DEFAULT;
  const select = ctx.query.select();
  const byId = new Map(u.devices.map((d) => [d.id, d]));
  const ids = [...byId.keys()].sort();
  const { page, next } = pageIds(ids, () => true, top, ctx.query.get('$skiptoken'));
  return collection(
    ctx,
    'directoryObjects',
    page.map((id) => project(deviceObject(byId.get(id)!, ctx.state), select)),
    { next: next ? nextFor(ctx, next) : undefined },
  );
}

/** Groups (transitively) and directory roles (directly or through a role-assignable group). */
function memberOfIds(ctx: RouteContext, userId: string, cast: 'group' | 'directoryRole' | undefined): string[] {
  const groups = ctx.state.transitiveGroupsOf(userId);
  const out: string[] = [];
  if (cast !== 'directoryRole') out.push(...groups);
  if (cast !== 'group') {
    const holders = new Set([userId, ...groups]);
    for (const r of ctx.state.roles.values()) {
      if ([...ctx.state.roleMembership.members(r.id)].some((m) => holders.has(m))) out.push(r.id);
    }
  }
  return out.sort();
}

function transitiveMemberOf(cast: 'group' | 'directoryRole' | undefined) {
  return (ctx: RouteContext) => {
    const u = ctx.state.requireUser(ctx.params.userId!);
    ctx.query.allowOnly(['$top', '$select', '$count', '$skiptoken', '$filter', '$search']);
    if (ctx.query.has('$filter') || ctx.query.has('$search')) {
      throw badRequest('$filter and $search are not supported on transitiveMemberOf by the simulated tenant.', 'Request_UnsupportedQuery');
    }
    const top = ctx.query.top(PAGE_MAX) ?? PAGE_DEFAULT;
    const select = ctx.query.select();
    const count = wantCount(ctx);
    const ids = memberOfIds(ctx, u.id, cast);
    const { page, next } = pageIds(ids, () => true, top, ctx.query.get('$skiptoken'));
    const value = page.map((id) => {
      const role = ctx.state.roles.get(id);
      const obj = role ? { '@odata.type': '#microsoft.graph.directoryRole', ...roleObject(role) } : directoryObject(id, ctx.state, undefined)!;
      const projected = project(obj, select);
      if (cast) delete projected['@odata.type'];
      return projected;
    });
    const fragment = cast === 'group' ? 'groups' : cast === 'directoryRole' ? 'directoryRoles' : 'directoryObjects';
    return collection(ctx, fragment, value, { next: next ? nextFor(ctx, next) : undefined, count: count ? ids.length : undefined });
  };
}

function checkMemberGroups(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const body = requireObjectBody(ctx);
  const ids = body.groupIds;
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badRequest("The property 'groupIds' must be a collection of strings.", 'Request_BadRequest');
  if (ids.length > 20) throw badRequest('The maximum number of groupIds in checkMemberGroups is 20.', 'Request_BadRequest');
  const groups = ctx.state.transitiveGroupsOf(u.id);
  return ok({ '@odata.context': contextUrl(ctx, 'Collection(Edm.String)'), value: (ids as string[]).filter((g) => groups.has(g)) });
}

export function registerUserRoutes(r: Router): void {
  r.add('GET', '/users', listUsers)
    .add('GET', '/users/{userId}', getUser)
    .add('GET', '/users/{userId}/mailboxSettings', mailboxSettings)
    .add('GET', '/users/{userId}/manager', manager)
    .add('GET', '/users/{userId}/registeredDevices', registeredDevices)
    .add('GET', '/users/{userId}/transitiveMemberOf', transitiveMemberOf(undefined))
    .add('GET', '/users/{userId}/transitiveMemberOf/microsoft.graph.group', transitiveMemberOf('group'))
    .add('GET', '/users/{userId}/transitiveMemberOf/microsoft.graph.directoryRole', transitiveMemberOf('directoryRole'))
    .add('POST', '/users/{userId}/checkMemberGroups', checkMemberGroups);
}

