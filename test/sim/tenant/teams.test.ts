import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppInstalledEvent } from '../../../services/sim/tenant/sim-tenant.js';
import { shapeDiff, startSim, type Harness } from './helpers.js';
import { T, tinyTenant } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));
const bind = (id: string) => ({ 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${id}` });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Teams app catalog and installations', () => {
  it('finds the catalog app by manifest id', async () => {
    h = await startSim();
    const r = await h.get(`/v1.0/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${T.manifestId}'`)}`);
    expect(r.body.value).toEqual([{ id: T.app, externalId: T.manifestId, displayName: 'Passkey Rollout', distributionMethod: 'organization' }]);
    const both = await h.get(`/v1.0/appCatalogs/teamsApps?$filter=${encodeURIComponent(`distributionMethod eq 'organization' and externalId eq 'other-manifest'`)}`);
    expect(both.body.value).toEqual([]);
    expect((await h.get(`/v1.0/appCatalogs/teamsApps?$filter=${encodeURIComponent("startsWith(displayName,'P')")}`)).status).toBe(400);
  });

  it('lists a user’s installations in the documented shapes', async () => {
    h = await startSim();
    const filtered = await h.get(
      `/v1.0/users/${T.alice}/teamwork/installedApps?$expand=teamsApp,teamsAppDefinition&$filter=${encodeURIComponent(`teamsApp/externalId eq '${T.manifestId}'`)}`,
    );
    const doc = fixture('user-installed-apps-list-filter-externalid.json');
    expect(shapeDiff(doc, filtered.body)).toEqual([]);
    expect(shapeDiff(doc.value[0], filtered.body.value[0])).toEqual([]);
    expect(shapeDiff(doc.value[0].teamsApp, filtered.body.value[0].teamsApp)).toEqual([]);
    expect(shapeDiff(doc.value[0].teamsAppDefinition, filtered.body.value[0].teamsAppDefinition)).toEqual([]);
    expect(filtered.body.value[0].id).toBe(T.aliceInstall);
    const def = await h.get(`/v1.0/users/${T.alice}/teamwork/installedApps?$expand=teamsAppDefinition`);
    expect(shapeDiff(fixture('user-installed-apps-list-expand-definition.json').value[0], def.body.value[0])).toEqual([]);
    const byId = await h.get(`/v1.0/users/${T.alice}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/id eq '${T.app}'`)}`);
    expect(byId.body.value).toHaveLength(1);
    expect((await h.get(`/v1.0/users/${T.bob}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/id eq '${T.app}'`)}`)).body.value).toEqual([]);
  });

  it('installs the app (201, no body), tells the channel emulator, and answers the chat id', async () => {
    const events: AppInstalledEvent[] = [];
    h = await startSim({ onAppInstalled: (e) => events.push(e) });
    const r = await h.call('POST', `/v1.0/users/${T.bob}/teamwork/installedApps`, { body: bind(T.app) });
    expect(r.status).toBe(201);
    expect(r.body).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: T.bob, teamsAppId: T.app, externalId: T.manifestId });
    const installationId = events[0]!.installationId;
    expect(Buffer.from(installationId, 'base64').toString('utf8')).toMatch(new RegExp(`^[0-9a-f-]{36}##${T.app}$`));
    const listed = await h.get(`/v1.0/users/${T.bob}/teamwork/installedApps?$expand=teamsApp`);
    expect(listed.body.value.map((i: { id: string }) => i.id)).toEqual([installationId]);
    const chat = await h.get(`/v1.0/users/${T.bob}/teamwork/installedApps/${encodeURIComponent(installationId)}/chat`);
    expect(chat.status).toBe(200);
    expect(chat.body.id).toMatch(/^19:.+@unq\.gbl\.spaces$/);
    expect(chat.body.id).toBe(events[0]!.chatId);
  });

  it('answers a repeated install as the tenant behaviour says', async () => {
    h = await startSim();
    const again = await h.call('POST', `/v1.0/users/${T.alice}/teamwork/installedApps`, { body: bind(T.app) });
    expect(again.status).toBe(409);
    await h.close();
    const events: AppInstalledEvent[] = [];
    h = await startSim({ tenant: tinyTenant({ duplicateInstallAnswer: 201 }), onAppInstalled: (e) => events.push(e) });
    expect((await h.call('POST', `/v1.0/users/${T.alice}/teamwork/installedApps`, { body: bind(T.app) })).status).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    expect((await h.get(`/v1.0/users/${T.alice}/teamwork/installedApps`)).body.value).toHaveLength(1);
  });

  it('refuses blocked and disabled users, and unknown apps', async () => {
    h = await startSim();
    expect((await h.call('POST', `/v1.0/users/${T.gina}/teamwork/installedApps`, { body: bind(T.app) })).status).toBe(403);
    expect((await h.call('POST', `/v1.0/users/${T.erin}/teamwork/installedApps`, { body: bind(T.app) })).status).toBe(403);
    expect((await h.call('POST', `/v1.0/users/${T.bob}/teamwork/installedApps`, { body: bind('00000000-0000-4000-8000-000000000000') })).status).toBe(404);
    expect((await h.call('POST', `/v1.0/users/${T.bob}/teamwork/installedApps`, { body: {} })).status).toBe(400);
  });
});
