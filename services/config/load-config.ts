/**
 * The bot's configuration: one pure function of the environment. Every missing or invalid setting is
 * reported at once, each naming its variable, so a deployment is fixed in one pass.
 */

export type BotType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';
export type GraphAuthMode = 'managed-identity' | 'certificate' | 'secret' | 'static-token';

export interface Config {
  port: number;
  host: string;
  /** Microsoft 365 Agents Toolkit names for the bot identity. Empty `botId` = unauthenticated (loopback only). */
  bot: { id: string | null; password: string | null; tenantId: string | null; type: BotType; openIdMetadataUrl: string | null };
  /** The Entra tenant the bot manages (Graph calls, proactive conversations). */
  tenantId: string;
  graph: {
    baseUrl: string;
    auth: GraphAuthMode;
    clientId: string | null;
    clientSecret: string | null;
    certificatePath: string | null;
    staticToken: string | null;
    caFile: string | null;
  };
  teams: { serviceUrl: string; appId: string | null };
  database: { url: string | null; dataDir: string };
  roles: { adminGroupIds: string[]; helpdeskGroupIds: string[] };
  budgetScale: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  scheduler: { enabled: boolean; fullSyncEveryHours: number; incrementalSyncEveryMinutes: number; leaseSeconds: number };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
/** Public Teams Bot Connector for first contact (a user who never wrote to the bot). */
export const DEFAULT_TEAMS_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const BOT_TYPES: BotType[] = ['MultiTenant', 'SingleTenant', 'UserAssignedMsi'];
const GRAPH_AUTH_MODES: GraphAuthMode[] = ['managed-identity', 'certificate', 'secret', 'static-token'];

/** Every variable the bot reads, with what it is for (the README's configuration table comes from here). */
export const CONFIG_VARIABLES: { name: string; required: string; description: string }[] = [
  { name: 'PORT', required: 'no (3978)', description: 'HTTP port of the bot endpoint `/api/messages`, `/healthz`, `/readyz`.' },
  { name: 'HOST', required: 'no', description: 'Interface to bind. Default `0.0.0.0` when `BOT_ID` is set, else `127.0.0.1`; without `BOT_ID` only loopback addresses are accepted.' },
  { name: 'BOT_ID', required: 'in production', description: 'The bot\'s Microsoft App ID (Agents Toolkit name). When set, every request to `/api/messages` must carry a valid Bot Framework token (401 otherwise). Unset: no authentication, loopback only (demo, tests).' },
  { name: 'BOT_PASSWORD', required: 'with BOT_TYPE MultiTenant/SingleTenant', description: 'Client secret of the bot\'s app registration. Not used with `UserAssignedMsi`.' },
  { name: 'BOT_TENANT_ID', required: 'with SingleTenant/UserAssignedMsi', description: 'Tenant of the bot\'s app registration / managed identity.' },
  { name: 'BOT_TYPE', required: 'no (UserAssignedMsi when BOT_PASSWORD is unset, else SingleTenant)', description: '`MultiTenant`, `SingleTenant` or `UserAssignedMsi`.' },
  { name: 'BOT_OPENID_METADATA_URL', required: 'no', description: 'Overrides where the bot reads the Bot Framework channel\'s OpenID metadata (token signing keys): sovereign clouds, or a local signer in tests. https, or http on loopback.' },
  { name: 'TENANT_ID', required: 'yes, unless BOT_TENANT_ID is set', description: 'The Entra tenant the bot manages (Graph token audience, proactive conversations). Defaults to `BOT_TENANT_ID`.' },
  { name: 'GRAPH_BASE_URL', required: 'no (https://graph.microsoft.com)', description: 'Microsoft Graph root. Point it at the simulated tenant for demos and tests.' },
  { name: 'GRAPH_AUTH', required: 'no', description: '`managed-identity`, `certificate`, `secret` or `static-token`. Default: `static-token` when `GRAPH_STATIC_TOKEN` is set, `managed-identity` when `BOT_TYPE=UserAssignedMsi`, else `secret`.' },
  { name: 'GRAPH_CLIENT_ID', required: 'no (BOT_ID)', description: 'Client id of the app registration or user-assigned managed identity used for Graph.' },
  { name: 'GRAPH_CLIENT_SECRET', required: 'with GRAPH_AUTH=secret (defaults to BOT_PASSWORD)', description: 'Client secret for Graph.' },
  { name: 'GRAPH_CLIENT_CERTIFICATE_PATH', required: 'with GRAPH_AUTH=certificate', description: 'PEM file with the certificate and private key for Graph.' },
  { name: 'GRAPH_STATIC_TOKEN', required: 'no', description: 'A fixed bearer token instead of a credential. Accepted only when `GRAPH_BASE_URL` is a loopback address (simulated tenant).' },
  { name: 'GRAPH_CA_FILE', required: 'no', description: 'Extra PEM CA certificate to trust for Graph (the simulated tenant\'s self-signed certificate).' },
  { name: 'TEAMS_SERVICE_URL', required: 'no (https://smba.trafficmanager.net/teams/)', description: 'Bot Connector URL for first contact with users who never wrote to the bot (the channel emulator in demo and tests).' },
  { name: 'TEAMS_APP_ID', required: 'for nudges', description: 'The Teams app manifest id; the catalog id is looked up through Graph for proactive installs.' },
  { name: 'DATABASE_URL', required: 'no', description: 'PostgreSQL connection string. Unset: embedded PostgreSQL (PGlite) in `DATA_DIR` — one bot process per data folder.' },
  { name: 'DATA_DIR', required: 'no (./.data)', description: 'Folder for the embedded database and demo files (simulated tenant, certificate).' },
  { name: 'ADMIN_GROUP_IDS', required: 'no', description: 'Comma-separated Entra group ids whose members are bot admins, in addition to the admin directory roles.' },
  { name: 'HELPDESK_GROUP_IDS', required: 'no', description: 'Comma-separated Entra group ids whose members are helpdesk, in addition to the helpdesk directory roles.' },
  { name: 'BUDGET_SCALE', required: 'no (1)', description: 'Multiplies every Graph/Teams budget (benchmarks against the simulators only).' },
  { name: 'LOG_LEVEL', required: 'no (info)', description: '`trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`.' },
  { name: 'SCHEDULER', required: 'no (on)', description: '`on` or `off`: whether this process may take the scheduler lease (sync, reminders, drift watch).' },
  { name: 'SCHEDULER_LEASE_SECONDS', required: 'no (30)', description: 'How long the scheduler lease lasts without renewal: when the replica running background work dies, another takes over within this time (plus a few seconds).' },
  { name: 'SYNC_FULL_HOURS', required: 'no (24)', description: 'Hours between scheduled full syncs (members, the whole registration report, changed passkeys).' },
  { name: 'SYNC_INCREMENTAL_MINUTES', required: 'no (30)', description: 'Minutes between incremental syncs (members, and only the people whose security info changed, from the directory audit log).' },
];

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const errors: string[] = [];
  const get = (name: string): string | null => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? null : v.trim();
  };

  const port = parsePort(get('PORT') ?? '3978', 'PORT', errors);

  const botId = get('BOT_ID');
  if (botId !== null && !GUID.test(botId)) errors.push(`BOT_ID must be the bot's app id (a GUID), got "${botId}"`);
  const botPassword = get('BOT_PASSWORD');
  const botTenantId = get('BOT_TENANT_ID');
  if (botTenantId !== null && !GUID.test(botTenantId)) errors.push(`BOT_TENANT_ID must be a tenant id (GUID), got "${botTenantId}"`);
  const rawBotType = get('BOT_TYPE');
  let botType: BotType = botPassword === null ? 'UserAssignedMsi' : 'SingleTenant';
  if (rawBotType !== null) {
    const match = BOT_TYPES.find((t) => t.toLowerCase() === rawBotType.toLowerCase());
    if (!match) errors.push(`BOT_TYPE must be one of ${BOT_TYPES.join(', ')}, got "${rawBotType}"`);
    else botType = match;
  }
  if (botId !== null) {
    if (botType !== 'UserAssignedMsi' && botPassword === null) errors.push(`BOT_PASSWORD is required when BOT_ID is set and BOT_TYPE is ${botType}`);
    if (botType !== 'MultiTenant' && botTenantId === null) errors.push(`BOT_TENANT_ID is required when BOT_ID is set and BOT_TYPE is ${botType}`);
  } else if (botPassword !== null) {
    errors.push('BOT_PASSWORD is set but BOT_ID is not: set both, or neither for a local unauthenticated bot');
  }

  const openIdMetadataUrl = get('BOT_OPENID_METADATA_URL');
  if (openIdMetadataUrl !== null) {
    try {
      const u = new URL(openIdMetadataUrl);
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) errors.push(`BOT_OPENID_METADATA_URL must be https (http only on loopback), got "${openIdMetadataUrl}"`);
    } catch {
      errors.push(`BOT_OPENID_METADATA_URL is not a URL: "${openIdMetadataUrl}"`);
    }
  }

  const host = get('HOST') ?? (botId === null ? '127.0.0.1' : '0.0.0.0');
  if (botId === null && !isLoopbackHost(host)) {
    errors.push(`HOST "${host}" is not a loopback address: without BOT_ID the bot endpoint is unauthenticated and may only listen on 127.0.0.1/::1/localhost`);
  }

  const tenantId = get('TENANT_ID') ?? botTenantId;
  if (tenantId === null) errors.push('TENANT_ID is required (the Entra tenant the bot manages), or set BOT_TENANT_ID');
  else if (!GUID.test(tenantId)) errors.push(`TENANT_ID must be a tenant id (GUID), got "${tenantId}"`);

  const graphBaseUrl = (get('GRAPH_BASE_URL') ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
  let graphHost: string | null = null;
  try {
    const u = new URL(graphBaseUrl);
    if (u.protocol !== 'https:') errors.push(`GRAPH_BASE_URL must use https (Graph and the simulated tenant both serve TLS), got "${graphBaseUrl}"`);
    if (u.pathname !== '/' && u.pathname !== '') errors.push(`GRAPH_BASE_URL must be a root URL without a path (the version is added by the client), got "${graphBaseUrl}"`);
    graphHost = u.hostname;
  } catch {
    errors.push(`GRAPH_BASE_URL is not a URL: "${graphBaseUrl}"`);
  }
  const staticToken = get('GRAPH_STATIC_TOKEN');
  if (staticToken !== null && graphHost !== null && !isLoopbackHost(graphHost)) {
    errors.push(`GRAPH_STATIC_TOKEN is only accepted when GRAPH_BASE_URL is a loopback address (a simulated tenant), but GRAPH_BASE_URL is "${graphBaseUrl}"`);
  }
  const rawAuth = get('GRAPH_AUTH');
  let graphAuth: GraphAuthMode = staticToken !== null ? 'static-token' : botType === 'UserAssignedMsi' ? 'managed-identity' : 'secret';
  if (rawAuth !== null) {
    const match = GRAPH_AUTH_MODES.find((m) => m === rawAuth.toLowerCase());
    if (!match) errors.push(`GRAPH_AUTH must be one of ${GRAPH_AUTH_MODES.join(', ')}, got "${rawAuth}"`);
    else graphAuth = match;
  }
  const graphClientId = get('GRAPH_CLIENT_ID') ?? botId;
  const graphSecret = get('GRAPH_CLIENT_SECRET') ?? (graphAuth === 'secret' ? botPassword : null);
  const certPath = get('GRAPH_CLIENT_CERTIFICATE_PATH');
  switch (graphAuth) {
    case 'static-token':
      if (staticToken === null) errors.push('GRAPH_STATIC_TOKEN is required when GRAPH_AUTH=static-token');
      break;
    case 'secret':
      if (graphClientId === null) errors.push('GRAPH_CLIENT_ID (or BOT_ID) is required for GRAPH_AUTH=secret');
      if (graphSecret === null) errors.push('GRAPH_CLIENT_SECRET (or BOT_PASSWORD) is required for GRAPH_AUTH=secret');
      break;
    case 'certificate':
      if (graphClientId === null) errors.push('GRAPH_CLIENT_ID (or BOT_ID) is required for GRAPH_AUTH=certificate');
      if (certPath === null) errors.push('GRAPH_CLIENT_CERTIFICATE_PATH is required for GRAPH_AUTH=certificate');
      break;
    case 'managed-identity':
      break;
  }
  if (graphClientId !== null && !GUID.test(graphClientId)) errors.push(`GRAPH_CLIENT_ID must be a GUID, got "${graphClientId}"`);

  const teamsServiceUrl = get('TEAMS_SERVICE_URL') ?? DEFAULT_TEAMS_SERVICE_URL;
  try {
    const u = new URL(teamsServiceUrl);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
      errors.push(`TEAMS_SERVICE_URL must be https (http is accepted only for a loopback channel emulator), got "${teamsServiceUrl}"`);
    }
  } catch {
    errors.push(`TEAMS_SERVICE_URL is not a URL: "${teamsServiceUrl}"`);
  }
  const teamsAppId = get('TEAMS_APP_ID');
  if (teamsAppId !== null && !GUID.test(teamsAppId)) errors.push(`TEAMS_APP_ID must be the manifest id (a GUID), got "${teamsAppId}"`);

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    errors.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  const dataDir = get('DATA_DIR') ?? './.data';

  const adminGroupIds = parseGuidList(get('ADMIN_GROUP_IDS'), 'ADMIN_GROUP_IDS', errors);
  const helpdeskGroupIds = parseGuidList(get('HELPDESK_GROUP_IDS'), 'HELPDESK_GROUP_IDS', errors);

  const rawScale = get('BUDGET_SCALE') ?? '1';
  const budgetScale = Number(rawScale);
  if (!Number.isFinite(budgetScale) || budgetScale <= 0) errors.push(`BUDGET_SCALE must be a positive number, got "${rawScale}"`);
  else if (budgetScale !== 1 && graphHost !== null && !isLoopbackHost(graphHost)) {
    errors.push('BUDGET_SCALE other than 1 is only accepted against a loopback (simulated) Graph: the real limits cannot be changed');
  }

  const rawLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(rawLevel)) errors.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${rawLevel}"`);

  const rawScheduler = (get('SCHEDULER') ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(rawScheduler)) errors.push(`SCHEDULER must be on or off, got "${rawScheduler}"`);

  const fullHours = parsePositive(get('SYNC_FULL_HOURS') ?? '24', 'SYNC_FULL_HOURS', errors, 24 * 30);
  const leaseSeconds = parsePositive(get('SCHEDULER_LEASE_SECONDS') ?? '30', 'SCHEDULER_LEASE_SECONDS', errors, 3600);
  const incrementalMinutes = parsePositive(get('SYNC_INCREMENTAL_MINUTES') ?? '30', 'SYNC_INCREMENTAL_MINUTES', errors, 24 * 60);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      port: port!,
      host,
      bot: { id: botId, password: botPassword, tenantId: botTenantId, type: botType, openIdMetadataUrl },
      tenantId: tenantId!,
      graph: {
        baseUrl: graphBaseUrl,
        auth: graphAuth,
        clientId: graphClientId,
        clientSecret: graphSecret,
        certificatePath: certPath,
        staticToken,
        caFile: get('GRAPH_CA_FILE'),
      },
      teams: { serviceUrl: teamsServiceUrl.endsWith('/') ? teamsServiceUrl : `${teamsServiceUrl}/`, appId: teamsAppId },
      database: { url: databaseUrl, dataDir },
      roles: { adminGroupIds, helpdeskGroupIds },
      budgetScale,
      logLevel: rawLevel as Config['logLevel'],
      scheduler: { enabled: ['on', 'true', '1'].includes(rawScheduler), fullSyncEveryHours: fullHours!, incrementalSyncEveryMinutes: incrementalMinutes!, leaseSeconds: leaseSeconds! },
    },
  };
}

function parsePort(raw: string, name: string, errors: string[]): number | null {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    errors.push(`${name} must be a port number (0–65535), got "${raw}"`);
    return null;
  }
  return n;
}

function parsePositive(raw: string, name: string, errors: string[], max: number): number | null {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    errors.push(`${name} must be a number above 0 and at most ${max}, got "${raw}"`);
    return null;
  }
  return n;
}

function parseGuidList(raw: string | null, name: string, errors: string[]): string[] {
  if (raw === null) return [];
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.filter((id) => !GUID.test(id));
  if (bad.length > 0) errors.push(`${name} must be comma-separated group ids (GUIDs); not GUIDs: ${bad.join(', ')}`);
  return ids.map((id) => id.toLowerCase());
}

/** A one-paragraph start-up error listing every problem. */
export function formatConfigErrors(errors: string[]): string {
  return `Configuration is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  - ${e}`).join('\n')}\nSee README.md "Configuration" for every setting.`;
}
