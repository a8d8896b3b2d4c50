import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../services/config/load-config.js';
import { bracketProblems, codeOnly, evaluate, memberAccessHeads, objectEntries, parseBicep, usesOf, type BicepFile } from './bicep-lite.js';

/**
 * Offline checks of infra/main.bicep. There is no Bicep compiler here (no `bicep` binary, no npm
 * package that compiles Bicep without downloading one), so these tests read the file structurally:
 * declarations, references, API versions, parameters, outputs and the app settings, and run the
 * resulting bot environment through the bot's own loadConfig. They cannot tell whether a property
 * name or value is valid for a resource provider, whether an API version exists, or whether a
 * deployment succeeds.
 */
const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const bicep: BicepFile = parseBicep(read('infra/main.bicep'));
const parameters = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
const resource = (type: string) => {
  const found = bicep.resources.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

const BICEP_FUNCTIONS = new Set(['resourceGroup', 'subscription', 'tenant', 'subscriptionResourceId', 'uniqueString', 'take', 'toLower', 'empty', 'guid', 'union', 'items', 'uriComponent']);

describe('infra/main.bicep, read structurally', () => {
  it('reads as declarations with balanced brackets', () => {
    expect(bracketProblems(bicep.codeOnly)).toEqual([]);
    expect(bicep.params.length).toBeGreaterThan(5);
    expect(bicep.resources.length).toBeGreaterThan(8);
  });

  it('the reader notices broken files (so the checks below can fail)', () => {
    expect(bracketProblems(codeOnly("var a = {\n  b: 'x'\n"))).toHaveLength(1);
    expect(() => parseBicep("var a = {\n  b: 'x'\n")).toThrow();
    expect(() => parseBicep('resource x Microsoft.Web/sites = {}')).toThrow();
    expect(() => parseBicep("var a = 'unterminated")).toThrow();
  });

  it('pins an API version on every resource', () => {
    for (const r of bicep.resources) expect(r.apiVersion, r.symbol).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
  });

  it('declares the resources the bot needs', () => {
    for (const type of [
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.BotService/botServices',
      'Microsoft.BotService/botServices/channels',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
      'Microsoft.DBforPostgreSQL/flexibleServers',
      'Microsoft.DBforPostgreSQL/flexibleServers/databases',
      'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules',
      'Microsoft.KeyVault/vaults',
      'Microsoft.KeyVault/vaults/secrets',
      'Microsoft.Authorization/roleAssignments',
    ]) {
      resource(type);
    }
  });

  it('uses every parameter and variable it declares', () => {
    for (const p of bicep.params) expect(usesOf(bicep.codeOnly, p.name), `param ${p.name}`).toBeGreaterThan(0);
    for (const v of bicep.vars.keys()) expect(usesOf(bicep.codeOnly, v), `var ${v}`).toBeGreaterThan(0);
  });

  it('refers only to declared symbols (member access heads, parent:)', () => {
    const loopVars = new Set([...bicep.codeOnly.matchAll(/\bfor\s+(\w+)\s+in\b/g)].map((m) => m[1]!));
    const declared = new Set([...bicep.params.map((p) => p.name), ...bicep.vars.keys(), ...bicep.resources.map((r) => r.symbol), ...loopVars]);
    const unknown = [...memberAccessHeads(bicep.codeOnly)].filter((h) => !declared.has(h) && !BICEP_FUNCTIONS.has(h));
    expect(unknown).toEqual([]);
    for (const r of bicep.resources) {
      const parent = /\bparent:\s*(\w+)/.exec(r.body);
      if (parent) expect(declared.has(parent[1]!), `${r.symbol}.parent`).toBe(true);
      if (r.type.split('/').length > 2) expect(parent, `${r.symbol} is a child resource: give it a parent`).not.toBeNull();
    }
  });

  it('takes from main.parameters.json only declared parameters, and every parameter without a default is given', () => {
    const declared = new Map(bicep.params.map((p) => [p.name, p]));
    for (const name of Object.keys(parameters.parameters)) expect(declared.has(name), name).toBe(true);
    for (const p of bicep.params.filter((x) => x.defaultExpr === null)) expect(parameters.parameters[p.name], `parameter ${p.name} needs a value`).toBeDefined();
  });

  it('has one secret input (the PostgreSQL password), marked @secure and never output', () => {
    const secure = bicep.params.filter((p) => p.decorators.some((d) => d.startsWith('@secure')));
    expect(secure.map((p) => p.name)).toEqual(['postgresAdminPassword']);
    for (const { expr } of bicep.outputs.values()) expect(expr).not.toMatch(/postgresAdminPassword|databaseUrlSecret|listKeys|listSecrets/);
    expect(parameters.parameters.postgresAdminPassword!.value).toBe('${{SECRET_POSTGRES_ADMIN_PASSWORD}}');
  });

  it('outputs what the toolkit and the operator need', () => {
    for (const name of ['BOT_ID', 'BOT_TENANT_ID', 'BOT_DOMAIN', 'BOT_AZURE_APP_SERVICE_RESOURCE_ID', 'BOT_MANAGED_IDENTITY_PRINCIPAL_ID']) {
      expect(bicep.outputs.has(name), name).toBe(true);
    }
    expect(bicep.outputs.get('BOT_ID')!.expr).toBe('identity.properties.clientId');
    expect(bicep.outputs.get('BOT_MANAGED_IDENTITY_PRINCIPAL_ID')!.expr).toBe('identity.properties.principalId');
  });

  it('makes the Azure Bot authenticate as the user-assigned managed identity, with the Teams channel on', () => {
    const bot = objectEntries(objectEntries(resource('Microsoft.BotService/botServices').body).get('properties')!);
    expect(bot.get('msaAppType')).toBe("'UserAssignedMSI'");
    expect(bot.get('msaAppId')).toBe('identity.properties.clientId');
    expect(bot.get('msaAppMSIResourceId')).toBe('identity.id');
    expect(bot.get('msaAppTenantId')).toBe('identity.properties.tenantId');
    expect(bot.get('endpoint')).toBe("'https://${webApp.properties.defaultHostName}/api/messages'");
    const channel = resource('Microsoft.BotService/botServices/channels').body;
    expect(channel).toMatch(/name:\s*'MsTeamsChannel'/);
    expect(channel).toMatch(/isEnabled:\s*true/);
  });

  it('runs the web app on Linux Node 20 with `npm run serve`, the identity for Key Vault references, and the health endpoint', () => {
    const site = objectEntries(objectEntries(resource('Microsoft.Web/sites').body).get('properties')!);
    const siteConfig = objectEntries(site.get('siteConfig')!);
    expect(siteConfig.get('linuxFxVersion')).toBe("'NODE|20-lts'");
    expect(siteConfig.get('appCommandLine')).toBe("'npm run serve'");
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.serve).toMatch(/bot\/main\.ts/);
    expect(siteConfig.get('healthCheckPath')).toBe("'/healthz'");
    expect(read('bot/http-server.ts')).toContain("'/healthz'");
    expect(site.get('keyVaultReferenceIdentity')).toBe('identity.id');
    expect(site.get('httpsOnly')).toBe('true');
    expect(resource('Microsoft.Web/sites').body).toMatch(/'\$\{identity\.id\}':\s*\{\}/);
  });

  it('grants the identity only "Key Vault Secrets User" on the vault', () => {
    const ra = resource('Microsoft.Authorization/roleAssignments');
    expect(ra.body).toMatch(/scope:\s*keyVault\b/);
    expect(ra.body).toMatch(/principalId:\s*identity\.properties\.principalId/);
    expect(bicep.vars.get('keyVaultSecretsUserRoleId')).toBe("'4633458b-17de-408a-b874-0445c86b69e6'");
    expect(objectEntries(objectEntries(resource('Microsoft.KeyVault/vaults').body).get('properties')!).get('enableRbacAuthorization')).toBe('true');
  });

  describe('app settings', () => {
    const botSettings = objectEntries(bicep.vars.get('botSettings')!);
    const platformSettings = objectEntries(bicep.vars.get('platformSettings')!);
    const names = new Set(CONFIG_VARIABLES.map((v) => v.name));

    it('passes both setting groups to the web app', () => {
      expect(resource('Microsoft.Web/sites').body).toMatch(/items\(union\(platformSettings, botSettings\)\)/);
    });

    it('sets only variables the bot reads (and App Service settings that are not bot variables)', () => {
      expect([...botSettings.keys()].filter((k) => !names.has(k))).toEqual([]);
      expect([...platformSettings.keys()].filter((k) => names.has(k))).toEqual([]);
      for (const k of platformSettings.keys()) expect(k).toMatch(/^(WEBSITES?_|SCM_)/);
    });

    it('uses no secret: managed identity for Bot Framework and Graph, the database URL through Key Vault', () => {
      for (const forbidden of ['BOT_PASSWORD', 'GRAPH_CLIENT_SECRET', 'GRAPH_STATIC_TOKEN', 'GRAPH_CLIENT_CERTIFICATE_PATH']) expect(botSettings.has(forbidden), forbidden).toBe(false);
      expect(botSettings.get('DATABASE_URL')).toBe("'@Microsoft.KeyVault(SecretUri=${databaseUrlSecret.properties.secretUri})'");
    });

    it('is an environment loadConfig accepts, as UserAssignedMsi with managed-identity Graph on all interfaces', () => {
      const testValues: Record<string, string> = {
        'identity.properties.clientId': '0f8fad5b-d9cb-469f-a165-70867728950e',
        'identity.properties.tenantId': '7c9e6679-7425-40de-944b-e07fc1f90ae7',
        'postgres.properties.fullyQualifiedDomainName': 'passkeybot-abc123-pg.postgres.database.azure.com',
        'databaseUrlSecret.properties.secretUri': 'https://kv-passkeybot-abc123.vault.azure.net/secrets/database-url',
        teamsAppId: '2c1f8a8e-4b0e-4b8e-9a43-1f3f0c6b7d11',
        adminGroupIds: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
        helpdeskGroupIds: '',
        logLevel: 'info',
        postgresAdminLogin: 'passkeybot',
        postgresAdminPassword: 'p@ss/word:with#chars',
        databaseName: evaluate(bicep.vars.get('databaseName')!, {}),
      };
      const env: Record<string, string> = {};
      for (const [k, expr] of botSettings) env[k] = evaluate(expr, testValues);
      expect(env.DATABASE_URL).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\)$/);

      // App Service resolves the Key Vault reference before the process starts: the bot sees the secret's value.
      const secret = objectEntries(objectEntries(resource('Microsoft.KeyVault/vaults/secrets').body).get('properties')!);
      env.DATABASE_URL = evaluate(secret.get('value')!, testValues);
      expect(env.DATABASE_URL).toBe('postgres://passkeybot:p%40ss%2Fword%3Awith%23chars@passkeybot-abc123-pg.postgres.database.azure.com:5432/passkeybot?sslmode=verify-full');
      expect(new URL(env.DATABASE_URL).password).toBe(encodeURIComponent('p@ss/word:with#chars'));

      const result = loadConfig(env);
      expect(result.ok ? [] : result.errors).toEqual([]);
      if (!result.ok) return;
      expect(result.config.bot).toMatchObject({ id: testValues['identity.properties.clientId'], type: 'UserAssignedMsi', password: null });
      expect(result.config.graph).toMatchObject({ auth: 'managed-identity', clientId: testValues['identity.properties.clientId'], clientSecret: null });
      expect(result.config.tenantId).toBe(testValues['identity.properties.tenantId']);
      expect(result.config.host).toBe('0.0.0.0');
      expect(result.config.port).toBe(Number(platformSettings.get('WEBSITES_PORT')!.replace(/'/g, '')));
      expect(result.config.teams.appId).toBe(testValues.teamsAppId);
      expect(result.config.database.url).toBe(env.DATABASE_URL);
      expect(result.config.roles.adminGroupIds).toEqual([testValues.adminGroupIds]);
    });
  });
});
