import { badRequest, GraphError, notFound } from '../graph-http.js';
import { compileFilter, parseFilter, type FilterSchema } from '../odata-filter.js';
import { collection, contextUrl, created, ok, requireObjectBody, type RouteContext, type Router } from '../route-kit.js';
import type { SimTeamsCatalogApp } from '../model.js';
import type { Installation } from '../tenant-state.js';

/**
 * The 1:1 chat between a user and a bot. Teams ids it `19:{userAadId}_{botId}@unq.gbl.spaces`; the
 * simulated catalog has no bot id, so the manifest id (usually the bot's app id) stands in.
 */
export function chatIdFor(userId: string, app: SimTeamsCatalogApp): string {
  return `19:${userId}_${app.externalId}@unq.gbl.spaces`;
}

const CATALOG_FILTER: FilterSchema<SimTeamsCatalogApp> = {
  resource: 'teamsApp',
  allowOr: false,
  props: {
    id: { ops: ['eq'], get: (a) => a.id, type: 'string', ci: true },
    externalId: { ops: ['eq'], get: (a) => a.externalId, type: 'string', ci: true },
    displayName: { ops: ['eq'], get: (a) => a.displayName, type: 'string', ci: true },
    distributionMethod: { ops: ['eq'], get: (a) => a.distributionMethod, type: 'enum', values: ['organization', 'store', 'sideloaded'] },
  },
};

function catalogApp(a: SimTeamsCatalogApp): Record<string, unknown> {
  return { id: a.id, externalId: a.externalId, displayName: a.displayName, distributionMethod: a.distributionMethod };
}

function listCatalog(ctx: RouteContext) {
  ctx.query.allowOnly(['$filter', '$expand', '$select']);
  const src = ctx.query.get('$filter');
  const pred = src ? compileFilter(parseFilter(src), CATALOG_FILTER) : () => true;
  return collection(ctx, 'appCatalogs/teamsApps', ctx.state.catalog.filter(pred).map(catalogApp));
}

function definitionOf(app: SimTeamsCatalogApp): Record<string, unknown> {
  return {
    id: Buffer.from(`${app.id}##1.0.0`, 'utf8').toString('base64'),
    teamsAppId: app.id,
    azureADAppId: app.externalId,
    displayName: app.displayName,
    version: '1.0.0',
    requiredResourceSpecificApplicationPermissions: [],
    publishingState: 'published',
    shortDescription: app.displayName,
    description: app.displayName,
    lastModifiedDateTime: null,
    createdBy: null,
  };
}

interface InstalledView {
  inst: Installation;
  app: SimTeamsCatalogApp;
}

const INSTALLED_FILTER: FilterSchema<InstalledView> = {
  resource: 'userScopeTeamsAppInstallation',
  allowOr: false,
  props: {
    'teamsApp/id': { ops: ['eq'], get: (v) => v.app.id, type: 'string', ci: true },
    'teamsApp/externalId': { ops: ['eq'], get: (v) => v.app.externalId, type: 'string', ci: true },
    'teamsApp/displayName': { ops: ['eq'], get: (v) => v.app.displayName, type: 'string', ci: true },
    'teamsAppDefinition/teamsAppId': { ops: ['eq'], get: (v) => v.app.id, type: 'string', ci: true },
  },
};

function installedViews(ctx: RouteContext, userId: string): InstalledView[] {
  return ctx.state
    .installationsOf(userId)
    .map((inst) => ({ inst, app: ctx.state.findCatalogApp(inst.teamsAppId)! }))
    .filter((v) => v.app);
}

function renderInstalled(v: InstalledView, expand: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: v.inst.installationId };
  if (expand.includes('teamsApp')) out.teamsApp = catalogApp(v.app);
  if (expand.includes('teamsAppDefinition')) out.teamsAppDefinition = definitionOf(v.app);
  return out;
}

function parseExpand(ctx: RouteContext): string[] {
  const e = ctx.query.expand() ?? [];
  for (const x of e) if (x !== 'teamsApp' && x !== 'teamsAppDefinition') throw badRequest(`Could not find a property named '${x}' on type 'microsoft.graph.userScopeTeamsAppInstallation'.`, 'BadRequest');
  return e;
}

function listInstalled(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  ctx.query.allowOnly(['$filter', '$expand', '$select']);
  const expand = parseExpand(ctx);
  const src = ctx.query.get('$filter');
  const pred = src ? compileFilter(parseFilter(src), INSTALLED_FILTER) : () => true;
  const views = installedViews(ctx, u.id).filter(pred);
  // The documented filtered example carries @odata.count (user-installed-apps-list-filter-externalid.json).
  return collection(ctx, `users('${u.id}')/teamwork/installedApps`, views.map((v) => renderInstalled(v, expand)), {
    count: src ? views.length : undefined,
  });
}

function getInstalled(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const v = installedViews(ctx, u.id).find((x) => x.inst.installationId === ctx.params.installationId);
  if (!v) throw notFound(`The installation '${ctx.params.installationId}' was not found.`, 'NotFound');
  return ok({ '@odata.context': contextUrl(ctx, `users('${u.id}')/teamwork/installedApps/$entity`), ...renderInstalled(v, parseExpand(ctx)) });
}

function installApp(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const body = requireObjectBody(ctx);
  const bind = body['teamsApp@odata.bind'];
  if (typeof bind !== 'string') throw badRequest("The request body must carry 'teamsApp@odata.bind'.", 'BadRequest');
  const m = /\/appCatalogs\/teamsApps\/([^/?#]+)\/?$/i.exec(bind.trim());
  if (!m) throw badRequest(`Invalid 'teamsApp@odata.bind' value '${bind}'.`, 'BadRequest');
  const appId = decodeURIComponent(m[1]!);
  const { installation, existing } = ctx.state.installApp(u, appId, ctx.now);
  if (existing) {
    if (ctx.state.file.behaviour.duplicateInstallAnswer === 409) {
      throw new GraphError(409, 'Conflict', 'App is already installed for this user.');
    }
    return created();
  }
  const app = ctx.state.findCatalogApp(appId)!;
  ctx.hooks.appInstalled({
    userId: u.id,
    teamsAppId: app.id,
    externalId: app.externalId,
    installationId: installation.installationId,
    chatId: chatIdFor(u.id, app),
  });
  return created();
}

function installationChat(ctx: RouteContext) {
  const u = ctx.state.requireUser(ctx.params.userId!);
  const v = installedViews(ctx, u.id).find((x) => x.inst.installationId === ctx.params.installationId);
  if (!v) throw notFound(`The installation '${ctx.params.installationId}' was not found.`, 'NotFound');
  const when = Number.isFinite(v.inst.installedMs) ? new Date(v.inst.installedMs).toISOString() : ctx.state.file.tenant.generatedAt;
  const id = chatIdFor(u.id, v.app);
  return ok({
    '@odata.context': contextUrl(ctx, 'chats/$entity'),
    id,
    topic: null,
    createdDateTime: when,
    lastUpdatedDateTime: when,
    chatType: 'oneOnOne',
    webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(id)}/0?tenantId=${ctx.state.tenantId}`,
    tenantId: ctx.state.tenantId,
    onlineMeetingInfo: null,
    viewpoint: null,
  });
}

export function registerTeamsRoutes(r: Router): void {
  r.add('GET', '/appCatalogs/teamsApps', listCatalog)
    .add('GET', '/users/{userId}/teamwork/installedApps', listInstalled)
    .add('POST', '/users/{userId}/teamwork/installedApps', installApp)
    .add('GET', '/users/{userId}/teamwork/installedApps/{installationId}', getInstalled)
    .add('GET', '/users/{userId}/teamwork/installedApps/{installationId}/chat', installationChat);
}
