import { notFound } from '../graph-http.js';
import { project } from '../odata-query.js';
import { collection, contextUrl, ok, pageIds, type RouteContext, type Router } from '../route-kit.js';
import { directoryObject, roleObject } from '../serializers.js';
import type { SimDirectoryRole } from '../model.js';

function listRoles(ctx: RouteContext) {
  const select = ctx.query.select();
  const roles = [...ctx.state.roles.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return collection(ctx, 'directoryRoles', roles.map((r) => project(roleObject(r), select)));
}

function roleById(ctx: RouteContext): SimDirectoryRole {
  const r = ctx.state.roles.get(ctx.params.roleId!);
  if (!r) throw notFound(`Resource '${ctx.params.roleId}' does not exist or one of its queried reference-property objects are not present.`);
  return r;
}

function roleByTemplate(ctx: RouteContext): SimDirectoryRole {
  const t = ctx.params.templateId!;
  const r = ctx.state.findRoleByTemplate(t);
  if (!r) throw notFound(`Resource 'roleTemplateId=${t}' does not exist or one of its queried reference-property objects are not present.`);
  return r;
}

function getRole(find: (ctx: RouteContext) => SimDirectoryRole) {
  return (ctx: RouteContext) => ok({ '@odata.context': contextUrl(ctx, 'directoryRoles/$entity'), ...roleObject(find(ctx)) });
}

function roleMembers(find: (ctx: RouteContext) => SimDirectoryRole) {
  return (ctx: RouteContext) => {
    const r = find(ctx);
    const top = ctx.query.top(999) ?? 100;
    const select = ctx.query.select();
    const ids = [...ctx.state.roleMembership.members(r.id)].filter((id) => ctx.state.objectKind(id)).sort();
    const { page, next } = pageIds(ids, () => true, top, ctx.query.get('$skiptoken'));
    return collection(
      ctx,
      'directoryObjects',
      page.map((id) => directoryObject(id, ctx.state, select)!),
      { next: next ? `${ctx.baseUrl}/${ctx.version}${ctx.req.path}?${ctx.query.nextQuery('$skiptoken', next)}` : undefined },
    );
  };
}

export function registerDirectoryRoleRoutes(r: Router): void {
  r.add('GET', '/directoryRoles', listRoles)
    .add('GET', "/directoryRoles(roleTemplateId='{templateId}')", getRole(roleByTemplate))
    .add('GET', "/directoryRoles(roleTemplateId='{templateId}')/members", roleMembers(roleByTemplate))
    .add('GET', '/directoryRoles/roleTemplateId={templateId}/members', roleMembers(roleByTemplate))
    .add('GET', '/directoryRoles/{roleId}', getRole(roleById))
    .add('GET', '/directoryRoles/{roleId}/members', roleMembers(roleById));
}
