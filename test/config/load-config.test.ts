import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, formatConfigErrors, loadConfig } from '../../services/config/load-config.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const BOT = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';

describe('loadConfig', () => {
  it('accepts a minimal local setup: simulated Graph with a static token, no bot id', () => {
    const r = loadConfig({ TENANT_ID: TENANT, GRAPH_BASE_URL: 'https://127.0.0.1:8443', GRAPH_STATIC_TOKEN: 'x' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.port).toBe(3978);
    expect(r.config.host).toBe('127.0.0.1');
    expect(r.config.bot.id).toBeNull();
    expect(r.config.graph.auth).toBe('static-token');
    expect(r.config.database.dataDir).toBe('./.data');
    expect(r.config.teams.serviceUrl).toBe('https://smba.trafficmanager.net/teams/');
  });

  it('lists every problem at once, each naming its variable', () => {
    const r = loadConfig({ PORT: 'abc', BOT_ID: 'not-a-guid', BOT_TYPE: 'Weird', GRAPH_BASE_URL: 'http://graph.example', LOG_LEVEL: 'loud', BUDGET_SCALE: '-2', ADMIN_GROUP_IDS: 'x,y' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    for (const name of ['PORT', 'BOT_ID', 'BOT_TYPE', 'TENANT_ID', 'GRAPH_BASE_URL', 'LOG_LEVEL', 'BUDGET_SCALE', 'ADMIN_GROUP_IDS']) {
      expect(text).toContain(name);
    }
    expect(formatConfigErrors(r.errors)).toMatch(/Configuration is invalid \(\d+ problems\)/);
  });

  it('refuses a static Graph token against a non-loopback Graph', () => {
    const r = loadConfig({ TENANT_ID: TENANT, GRAPH_BASE_URL: 'https://graph.microsoft.com', GRAPH_STATIC_TOKEN: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/GRAPH_STATIC_TOKEN is only accepted when GRAPH_BASE_URL is a loopback/);
  });

  it('refuses a non-loopback HOST without BOT_ID (the endpoint would be unauthenticated)', () => {
    const r = loadConfig({ TENANT_ID: TENANT, HOST: '0.0.0.0', GRAPH_STATIC_TOKEN: 'x', GRAPH_BASE_URL: 'https://localhost:1' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/HOST "0.0.0.0" is not a loopback address/);
  });

  it('a production bot with a managed identity needs no secret and binds all interfaces', () => {
    const r = loadConfig({ BOT_ID: BOT, BOT_TENANT_ID: TENANT, BOT_TYPE: 'UserAssignedMsi' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.host).toBe('0.0.0.0');
    expect(r.config.tenantId).toBe(TENANT);
    expect(r.config.graph.auth).toBe('managed-identity');
    expect(r.config.graph.clientId).toBe(BOT);
  });

  it('needs BOT_PASSWORD for a secret-based bot and BOT_TENANT_ID for single tenant', () => {
    const r = loadConfig({ BOT_ID: BOT, BOT_TYPE: 'SingleTenant', TENANT_ID: TENANT });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join()).toMatch(/BOT_PASSWORD is required/);
      expect(r.errors.join()).toMatch(/BOT_TENANT_ID is required/);
    }
  });

  it('certificate auth needs the certificate path', () => {
    const r = loadConfig({ TENANT_ID: TENANT, GRAPH_AUTH: 'certificate', GRAPH_CLIENT_ID: BOT });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual(['GRAPH_CLIENT_CERTIFICATE_PATH is required for GRAPH_AUTH=certificate']);
  });

  it('budget scaling only against a simulated Graph', () => {
    const r = loadConfig({ BOT_ID: BOT, BOT_TENANT_ID: TENANT, BUDGET_SCALE: '10' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/BUDGET_SCALE other than 1/);
  });

  it('accepts http TEAMS_SERVICE_URL only on loopback', () => {
    const base = { TENANT_ID: TENANT, GRAPH_BASE_URL: 'https://127.0.0.1:9', GRAPH_STATIC_TOKEN: 't' };
    expect(loadConfig({ ...base, TEAMS_SERVICE_URL: 'http://127.0.0.1:5555' }).ok).toBe(true);
    expect(loadConfig({ ...base, TEAMS_SERVICE_URL: 'http://smba.example.com/' }).ok).toBe(false);
  });

  it('documents every variable it reads', () => {
    const src = loadConfig.toString();
    const read = new Set([...src.matchAll(/get\('([A-Z_]+)'\)/g)].map((m) => m[1]));
    const documented = new Set(CONFIG_VARIABLES.map((v) => v.name));
    for (const name of read) expect(documented.has(name!), `${name} is read but not documented`).toBe(true);
  });
});

describe('README', () => {
  it('documents every configuration variable', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of CONFIG_VARIABLES) expect(readme, v.name).toContain(`| \`${v.name}\` |`);
  });
});
