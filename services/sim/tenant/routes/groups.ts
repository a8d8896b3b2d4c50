import { badRequest } from '../graph-http.js';
import { compileFilter, disjuncts, parseFilter, type FilterSchema, type PropSpec } from '../odata-filter.js';
import { decodeToken, encodeToken, project } from '../odata-query.js';
import {
  collection,
  contextUrl,
  created,
  hasEventualConsistency,
  noContent,
  ok,
  pageIds,
  parseSearch,
  requireObjectBody,
  wantCount,
  type RouteContext,
  type Router,
} from '../route-kit.js';
import { directoryObject, GROUP_PROPS, groupFull, groupSelected, USER_PROPS } from '../serializers.js';
import type { SimGroup } from '../model.js';
import { idFromReference } from '../tenant-state.js';

const PAGE_DEFAULT = 100;
const PAGE_MAX = 999;

const gstr = (get: (g: SimGroup) => unknown, ops: PropSpec<SimGroup>['ops'] = ['eq', 'startsWith', 'in']): PropSpec<SimGroup> => ({
  ops,
  get,
  type: 'string',
  ci: true,
});

export const GROUP_FILTER: FilterSchema<SimGroup> = {
  resource: 'Group',
  allowOr: true,
  props: {
    id: { ops: ['eq', 'in'], get: (g) => g.id, type: 'string', ci: true },
    displayName: gstr((g) => g.displayName),
    mailNickname: gstr((g) => g.mailNickname),
    securityEnabled: { ops: ['eq'], get: (g) => g.securityEnabled, type: 'bool' },
    mailEnabled: { ops: ['eq'], get: (g) => g.mailEnabled, type: 'bool' },
    isAssignableToRole: { ops: ['eq'], get: (g) => g.isAssignableToRole, type: 'bool' },
  },
  lambdas: {
    groupTypes: { items: (g) => g.groupTypes, self: { ops: ['eq'], get: (x) => x, type: 'string', ci: true } },
  },
};

/** Members can be filtered only with advanced queries (ConsistencyLevel: eventual). */
const MEMBER_FILTER: FilterSchema<Record<string, unknown>> = {
  resource: 'DirectoryObject',
  allowOr: true,
  props: {
    id: { ops: ['eq', 'in'], get: (o) => o.id, type: 'string', ci: true },
    displayName: { ops: ['eq', 'startsWith', 'in'], get: (o) => o.displayName, type: 'string', ci: true },
    userPrincipalName: { ops: ['eq', 'startsWith', 'in'], get: (o) => o.userPrincipalName, type: 'string', ci: true },
    mail: { ops: ['eq', 'startsWith', 'in'], get: (o) => o.mail, type: 'string', ci: true },
    accountEnabled: { ops: ['eq'], get: (o) => o.accountEnabled, type: 'bool' },
    userType: { ops: ['eq'], get: (o) => o.userType, type: 'string', ci: true },
  },
};

function nextFor(ctx: RouteContext, token: string): string {
  return `${ctx.baseUrl}/${ctx.version}${ctx.req.path}?${ctx.query.nextQuery('$skiptoken', token)}`;
}

function listGroups(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$top', '$select', '$filter', '$count', '$search', '$skiptoken']);
  const top = q.top(PAGE_MAX) ?? PAGE_DEFAULT;
  const select = q.select();
  project({}, select, GROUP_PROPS, 'group');
  const filterSrc = q.get('$filter');
  const pred = filterSrc ? compileFilter(parseFilter(filterSrc), GROUP_FILTER) : undefined;
  const search = parseSearch(ctx, ['displayName', 'description', 'mail', 'mailNickname']);
  const count = wantCount(ctx);
  const matches = (id: string) => {
    const g = ctx.state.groups.get(id)!;
    if (pred && !pred(g)) return false;
    if (search && !search(g as unknown as Record<string, unknown>)) return false;
    return true;
  };
  const ids = ctx.state.groupIdsSorted();
  const { page, next } = pageIds(ids, matches, top, q.get('$skiptoken'));
  return collection(
    ctx,
    select ? `groups(${select.join(',')})` : 'groups',
    page.map((id) => groupSelected(ctx.state.groups.get(id)!, ctx.state, select)),
    { next: next ? nextFor(ctx, next) : undefined, count: count ? ids.filter(matches).length : undefined },
  );
}

function getGroup(ctx: RouteContext) {
  const g = ctx.state.requireGroup(ctx.params.groupId!);
  const select = ctx.query.select();
  project({}, select, GROUP_PROPS, 'group');
  return ok({ '@odata.context': contextUrl(ctx, 'groups/$entity'), ...groupSelected(g, ctx.state, select) });
}

function createGroup(ctx: RouteContext) {
  const g = ctx.state.createGroup(requireObjectBody(ctx), ctx.now);
  return created({ '@odata.context': contextUrl(ctx, 'groups/$entity'), ...groupFull(g, ctx.state) });
}

type Cast = 'user' | 'group' | undefined;

function listMembers(transitive: boolean, cast: Cast) {
  return (ctx: RouteContext) => {
    const g = ctx.state.requireGroup(ctx.params.groupId!);
    const q = ctx.query;
    q.allowOnly(['$top', '$select', '$filter', '$count', '$search', '$skiptoken']);
    const top = q.top(PAGE_MAX) ?? PAGE_DEFAULT;
    const select = q.select();
    if (select) project({}, select, new Set([...USER_PROPS, ...GROUP_PROPS]), 'directoryObject');
    const count = wantCount(ctx);
    const filterSrc = q.get('$filter');
    if (filterSrc && !hasEventualConsistency(ctx)) {
      throw badRequest("$filter on members requires the 'ConsistencyLevel: eventual' header and $count=true.", 'Request_UnsupportedQuery');
    }
    const pred = filterSrc ? compileFilter(parseFilter(filterSrc), MEMBER_FILTER) : undefined;
    const search = parseSearch(ctx, ['displayName', 'mail', 'userPrincipalName']);
    const ids = transitive ? ctx.state.transitiveMemberIds(g.id) : [...ctx.state.membership.members(g.id)].sort();
    const matches = (id: string) => {
      const kind = ctx.state.objectKind(id);
      if (cast && kind !== cast) return false;
      if (!pred && !search) return true;
      const o = (kind === 'user' ? ctx.state.users.get(id) : ctx.state.groups.get(id)) as unknown as Record<string, unknown>;
      return (!pred || pred(o)) && (!search || search(o));
    };
    const { page, next } = pageIds(ids, matches, top, q.get('$skiptoken'));
    const value = page.map((id) => {
      const obj = directoryObject(id, ctx.state, select)!;
      if (!cast) return obj;
      // OData casts return typed collections: no @odata.type, an @odata.id per object (documented example).
      const { '@odata.type': _t, ...rest } = obj;
      return { '@odata.id': `${ctx.baseUrl}/v2/${ctx.state.tenantId}/directoryObjects/${id}/Microsoft.DirectoryServices.${cast === 'user' ? 'User' : 'Group'}`, ...rest };
    });
    return collection(ctx, cast === 'user' ? 'users' : cast === 'group' ? 'groups' : 'directoryObjects', value, {
      next: next ? nextFor(ctx, next) : undefined,
      count: count ? ids.filter(matches).length : undefined,
    });
  };
}

function countMembers(transitive: boolean, cast: Cast) {
  return (ctx: RouteContext) => {
    const g = ctx.state.requireGroup(ctx.params.groupId!);
    if (!hasEventualConsistency(ctx)) {
      throw badRequest("Count is not supported without the 'ConsistencyLevel: eventual' header.", 'Request_BadRequest');
    }
    const ids = transitive ? ctx.state.transitiveMemberIds(g.id) : [...ctx.state.membership.members(g.id)];
    const n = cast ? ids.filter((id) => ctx.state.objectKind(id) === cast).length : ids.length;
    return { status: 200, headers: { 'Content-Type': 'text/plain' }, text: String(n) };
  };
}

function addMemberRef(ctx: RouteContext) {
  const body = requireObjectBody(ctx);
  const ref = body['@odata.id'];
  if (typeof ref !== 'string') throw badRequest("The request body must carry '@odata.id'.", 'Request_BadRequest');
  const id = idFromReference(ref);
  if (!id) throw badRequest(`Invalid object reference '${ref}'.`, 'Request_BadRequest');
  ctx.state.addGroupMember(ctx.params.groupId!, id, ctx.now);
  return noContent();
}

function removeMemberRef(ctx: RouteContext) {
  ctx.state.removeGroupMember(ctx.params.groupId!, ctx.params.memberId!, ctx.now);
  return noContent();
}

// ---- delta -----------------------------------------------------------------------------------

interface DeltaPosition {
  /** Phase: initial sync or changes since a token. */
  m: 'i' | 'c';
  /** Change-log sequence the round is anchored at (its deltaLink). */
  a: number;
  /** For changes: the sequence the previous deltaLink held. */
  f: number;
  /** Id of the group entry to continue from (inclusive), and the member offset inside it. */
  k: string;
  o: number;
}

interface DeltaToken {
  s: number;
}

const DELTA_GROUPS_PER_PAGE = 100;
const DELTA_MEMBERS_PER_PAGE = 1000;

interface DeltaEntry {
  id: string;
  members: { id: string; removed: boolean }[];
}

function deltaFilterIds(ctx: RouteContext): Set<string> | undefined {
  const src = ctx.query.get('$filter');
  if (!src) return undefined;
  const ids = new Set<string>();
  for (const term of disjuncts(parseFilter(src))) {
    if (term.kind !== 'cmp' || term.op !== 'eq' || term.left.kind !== 'prop' || term.left.path !== 'id' || term.right.kind !== 'lit' || term.right.type !== 'string') {
      throw badRequest("Delta queries on groups support only $filter=id eq '…' or id eq '…'.", 'Request_UnsupportedQuery');
    }
    ids.add(String(term.right.value));
  }
  if (ids.size > 50) throw badRequest('The number of ids in a delta $filter cannot exceed 50.', 'Request_BadRequest');
  return ids;
}

function deltaEntries(ctx: RouteContext, pos: DeltaPosition, only: Set<string> | undefined, withMembers: boolean): DeltaEntry[] {
  const s = ctx.state;
  const tracked = (id: string) => !only || only.has(id);
  if (pos.m === 'i') {
    return s
      .groupIdsSorted()
      .filter(tracked)
      .map((id) => ({ id, members: withMembers ? [...s.membership.members(id)].sort().map((m) => ({ id: m, removed: false })) : [] }));
  }
  const byGroup = new Map<string, Map<string, boolean>>();
  for (const c of s.changes) {
    if (c.seq <= pos.f || c.seq > pos.a || !tracked(c.groupId)) continue;
    let m = byGroup.get(c.groupId);
    if (!m) byGroup.set(c.groupId, (m = new Map()));
    if (c.kind !== 'groupCreated') m.set(c.memberId!, c.kind === 'memberRemoved');
  }
  return [...byGroup.keys()]
    .sort()
    .filter((id) => s.groups.has(id))
    .map((id) => ({
      id,
      members: withMembers
        ? [...byGroup.get(id)!.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, removed]) => ({ id: m, removed }))
        : [],
    }));
}

function groupsDelta(ctx: RouteContext) {
  const q = ctx.query;
  q.allowOnly(['$select', '$filter', '$expand', '$skiptoken', '$deltatoken', '$top']);
  const select = q.select();
  if (select) project({}, select, GROUP_PROPS, 'group');
  const expand = q.expand();
  if (expand && !(expand.length === 1 && expand[0] === 'members')) throw badRequest("Delta supports only $expand=members.", 'Request_UnsupportedQuery');
  const withMembers = (select?.includes('members') ?? false) || !!expand;
  const only = deltaFilterIds(ctx);
  let pos: DeltaPosition;
  const skip = q.get('$skiptoken');
  const delta = q.get('$deltatoken');
  if (skip) pos = decodeToken<DeltaPosition>(skip);
  else if (delta === 'latest') {
    const token = encodeToken({ s: ctx.state.currentSeq() } satisfies DeltaToken);
    return ok({
      '@odata.context': contextUrl(ctx, 'groups'),
      '@odata.deltaLink': `${ctx.baseUrl}/${ctx.version}/groups/delta?${q.nextQuery('$deltatoken', token)}`,
      value: [],
    });
  } else if (delta) {
    const t = decodeToken<DeltaToken>(delta);
    if (typeof t?.s !== 'number' || t.s > ctx.state.currentSeq()) {
      throw badRequest('The specified delta token value has expired or is invalid.', 'Directory_ExpiredPageToken');
    }
    pos = { m: 'c', a: ctx.state.currentSeq(), f: t.s, k: '', o: 0 };
  } else pos = { m: 'i', a: ctx.state.currentSeq(), f: 0, k: '', o: 0 };

  const entries = deltaEntries(ctx, pos, only, withMembers);
  const value: Record<string, unknown>[] = [];
  let members = 0;
  let g = entries.findIndex((e) => e.id >= pos.k);
  if (g === -1) g = entries.length;
  let o = entries[g]?.id === pos.k ? pos.o : 0;
  while (g < entries.length && value.length < DELTA_GROUPS_PER_PAGE && members < DELTA_MEMBERS_PER_PAGE) {
    const e = entries[g]!;
    const group = ctx.state.groups.get(e.id)!;
    const obj: Record<string, unknown> = select
      ? groupSelected(group, ctx.state, select.filter((x) => x !== 'members'))
      : groupFull(group, ctx.state);
    const room = DELTA_MEMBERS_PER_PAGE - members;
    const chunk = e.members.slice(o, o + room);
    if (withMembers) {
      obj['members@delta'] = chunk.map((m) => {
        const kind = ctx.state.objectKind(m.id) ?? 'user';
        const item: Record<string, unknown> = { '@odata.type': `#microsoft.graph.${kind}`, id: m.id };
        if (m.removed) item['@removed'] = { reason: 'deleted' };
        return item;
      });
    }
    value.push(obj);
    members += chunk.length;
    if (o + chunk.length < e.members.length) {
      o += chunk.length;
      break;
    }
    g++;
    o = 0;
  }
  const body: Record<string, unknown> = { '@odata.context': contextUrl(ctx, 'groups') };
  if (g < entries.length) {
    body['@odata.nextLink'] = `${ctx.baseUrl}/${ctx.version}/groups/delta?${q.nextQuery('$skiptoken', encodeToken({ ...pos, k: entries[g]!.id, o }), ['$deltatoken'])}`;
  } else {
    body['@odata.deltaLink'] = `${ctx.baseUrl}/${ctx.version}/groups/delta?${q.nextQuery('$deltatoken', encodeToken({ s: pos.a } satisfies DeltaToken), ['$skiptoken'])}`;
  }
  body.value = value;
  return ok(body);
}

export function registerGroupRoutes(r: Router): void {
  r.add('GET', '/groups', listGroups)
    .add('POST', '/groups', createGroup)
    .add('GET', '/groups/delta', groupsDelta)
    .add('GET', '/groups/delta()', groupsDelta)
    .add('GET', '/groups/{groupId}', getGroup)
    .add('GET', '/groups/{groupId}/members', listMembers(false, undefined))
    .add('GET', '/groups/{groupId}/members/microsoft.graph.user', listMembers(false, 'user'))
    .add('GET', '/groups/{groupId}/members/microsoft.graph.group', listMembers(false, 'group'))
    .add('GET', '/groups/{groupId}/members/$count', countMembers(false, undefined))
    .add('GET', '/groups/{groupId}/transitiveMembers', listMembers(true, undefined))
    .add('GET', '/groups/{groupId}/transitiveMembers/microsoft.graph.user', listMembers(true, 'user'))
    .add('GET', '/groups/{groupId}/transitiveMembers/microsoft.graph.group', listMembers(true, 'group'))
    .add('GET', '/groups/{groupId}/transitiveMembers/$count', countMembers(true, undefined))
    .add('GET', '/groups/{groupId}/transitiveMembers/microsoft.graph.user/$count', countMembers(true, 'user'))
    .add('POST', '/groups/{groupId}/members/$ref', addMemberRef)
    .add('DELETE', '/groups/{groupId}/members/{memberId}/$ref', removeMemberRef);
}

