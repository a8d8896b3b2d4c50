import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages, shapeDiff, startSim, type Harness } from './helpers.js';
import { T, tenantWithCohort } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));
const EVENTUAL = { ConsistencyLevel: 'eventual' };
const BIG = 'cccccccc-0000-4000-8000-0000000000ff';

describe('users', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSim({ tenant: tenantWithCohort(250) });
  });
  afterAll(() => h.close());

  it('serves the documented default user shape with @odata.context', async () => {
    const r = await h.get('/v1.0/users?$top=2');
    expect(r.status).toBe(200);
    const doc = fixture('users-list.json');
    expect(Object.keys(r.body)).toEqual(['@odata.context', '@odata.nextLink', 'value']);
    expect(Object.keys(r.body.value[0])).toEqual(Object.keys(doc.value[0]));
    expect(shapeDiff(doc.value[1], r.body.value[0])).toEqual([]);
  });

  it('pages with absolute https next links until the end, without duplicates', async () => {
    const { pages, items } = await allPages(h, '/v1.0/users?$top=100');
    expect(pages.length).toBe(3);
    for (const p of pages.slice(0, -1)) expect(p.body['@odata.nextLink']).toMatch(new RegExp(`^${h.sim.baseUrl}/v1\\.0/users\\?\\$top=100&\\$skiptoken=`));
    expect(pages.at(-1)!.body['@odata.nextLink']).toBeUndefined();
    const ids = items.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(258);
  });

  it('defaults to pages of 100 and refuses $top outside 1..999', async () => {
    expect((await h.get('/v1.0/users')).body.value).toHaveLength(100);
    for (const top of ['0', '1000']) {
      const r = await h.get(`/v1.0/users?$top=${top}`);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('Must be between 1 and 999 inclusive');
    }
  });

  it('projects $select and keeps id', async () => {
    const r = await h.get('/v1.0/users?$select=displayName,accountEnabled&$top=1');
    expect(r.body['@odata.context']).toContain('users(displayName,accountEnabled)');
    expect(Object.keys(r.body.value[0]).sort()).toEqual(['accountEnabled', 'displayName', 'id']);
    expect((await h.get('/v1.0/users?$select=nope')).status).toBe(400);
  });

  it.each([
    ["startsWith(displayName,'Carol')", [T.carol]],
    ["startsWith(userPrincipalName,'bob@')", [T.bob]],
    ["userPrincipalName eq 'ALICE@contoso.example'", [T.alice]],
    ["mail eq 'dave@contoso.example'", [T.dave]],
    [`id in ('${T.alice}','${T.gina}')`, [T.alice, T.gina]],
    ["accountEnabled eq false", [T.erin]],
  ])('filters %s', async (filter, expected) => {
    const r = await h.get(`/v1.0/users?$filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(200);
    expect(r.body.value.map((u: { id: string }) => u.id)).toEqual(expected);
  });

  it('answers 400 for a filter it does not support, instead of ignoring it', async () => {
    const r = await h.get(`/v1.0/users?$filter=${encodeURIComponent("endsWith(mail,'.example')")}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('Request_UnsupportedQuery');
    expect((await h.get(`/v1.0/users?$filter=${encodeURIComponent('city eq null')}`)).status).toBe(400);
    expect((await h.get('/v1.0/users?$orderby=displayName')).status).toBe(400);
  });

  it('accepts + for spaces in the query string, as Graph decodes it', async () => {
    const r = await h.get(`/v1.0/users?$filter=userPrincipalName+eq+'bob%40contoso.example'`);
    expect(r.body.value.map((u: { id: string }) => u.id)).toEqual([T.bob]);
  });

  it('counts and searches only with ConsistencyLevel: eventual', async () => {
    expect((await h.get('/v1.0/users?$count=true')).status).toBe(400);
    const c = await h.get(`/v1.0/users?$count=true&$top=5&$filter=${encodeURIComponent("startsWith(displayName,'Cohort')")}`, EVENTUAL);
    expect(c.body['@odata.count']).toBe(250);
    expect(c.body.value).toHaveLength(5);
    expect((await h.get('/v1.0/users?$search="displayName:synced"')).status).toBe(400);
    const s = await h.get(`/v1.0/users?$search=${encodeURIComponent('"displayName:synced"')}`, EVENTUAL);
    expect(s.body.value.map((u: { id: string }) => u.id)).toEqual([T.carol]);
  });

  it('gets a user by id or UPN, and 404 for unknown ones', async () => {
    const byUpn = await h.get('/v1.0/users/carol%40contoso.example');
    expect(byUpn.body.id).toBe(T.carol);
    expect(shapeDiff(fixture('user-get.json'), byUpn.body)).toEqual([]);
    const missing = await h.get('/v1.0/users/nobody@contoso.example');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('Request_ResourceNotFound');
    expect(Object.keys(missing.body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  });

  it('serves mailbox settings, or MailboxNotEnabledForRESTAPI without a mailbox', async () => {
    const ok = await h.get(`/v1.0/users/${T.alice}/mailboxSettings`);
    expect(ok.body.timeZone).toBe('UTC');
    expect(ok.body.workingHours.timeZone.name).toBe('UTC');
    const none = await h.get(`/v1.0/users/${T.bob}/mailboxSettings`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('MailboxNotEnabledForRESTAPI');
  });

  it('serves manager and registered devices', async () => {
    expect((await h.get(`/v1.0/users/${T.bob}/manager`)).body.id).toBe(T.alice);
    expect((await h.get(`/v1.0/users/${T.alice}/manager`)).status).toBe(404);
    const d = await h.get(`/v1.0/users/${T.alice}/registeredDevices`);
    expect(d.body.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.device', operatingSystem: 'Windows', operatingSystemVersion: '10.0.22631' });
  });

  it('lists transitive memberships with casts, and checks member groups', async () => {
    const all = await h.get(`/v1.0/users/${T.alice}/transitiveMemberOf`);
    const types = all.body.value.map((o: { '@odata.type': string; id: string }) => `${o['@odata.type']}:${o.id}`);
    expect(types).toEqual(
      expect.arrayContaining([
        `#microsoft.graph.group:${T.nested}`,
        `#microsoft.graph.group:${T.wave1}`,
        `#microsoft.graph.directoryRole:${T.globalAdminRole}`,
      ]),
    );
    const roles = await h.get(`/v1.0/users/${T.alice}/transitiveMemberOf/microsoft.graph.directoryRole`);
    expect(roles.body.value.map((r: { roleTemplateId: string }) => r.roleTemplateId)).toEqual(['62e90394-69f5-4237-9190-012177145e10']);
    const groups = await h.get(`/v1.0/users/${T.carol}/transitiveMemberOf/microsoft.graph.group`);
    expect(groups.body.value.map((g: { id: string }) => g.id).sort()).toEqual([T.pilot, T.wave1, T.nested].sort());
    const check = await h.call('POST', `/v1.0/users/${T.carol}/checkMemberGroups`, { body: { groupIds: [T.wave1, T.exempt] } });
    expect(check.body.value).toEqual([T.wave1]);
  });
});

describe('groups', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSim({ tenant: tenantWithCohort(1203) });
  });
  afterAll(() => h.close());

  it('filters groups by name and refuses unsupported filters', async () => {
    const eq = await h.get(`/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'Passkey Pilot'")}`);
    expect(eq.body.value.map((g: { id: string }) => g.id)).toEqual([T.pilot]);
    const sw = await h.get(`/v1.0/groups?$filter=${encodeURIComponent("startsWith(displayName,'passkey')")}&$select=displayName`);
    expect(sw.body.value.map((g: { displayName: string }) => g.displayName).sort()).toEqual(['Passkey Exemptions', 'Passkey Pilot', 'Passkey Wave 1']);
    expect(Object.keys(sw.body.value[0]).sort()).toEqual(['displayName', 'id']);
    const search = await h.get(`/v1.0/groups?$search=${encodeURIComponent('"displayName:wave"')}`, EVENTUAL);
    expect(search.body.value.map((g: { id: string }) => g.id).sort()).toEqual([T.wave1, T.nested].sort());
    expect((await h.get(`/v1.0/groups?$filter=${encodeURIComponent("description eq 'x'")}`)).status).toBe(400);
    expect((await h.get('/v1.0/groups?$top=1000')).status).toBe(400);
  });

  it('flattens nested groups in transitiveMembers without duplicates', async () => {
    const r = await h.get(`/v1.0/groups/${T.wave1}/transitiveMembers`);
    const ids = r.body.value.map((o: { id: string }) => o.id).sort();
    expect(ids).toEqual([T.alice, T.carol, T.dave, T.nested].sort());
    const users = await h.get(`/v1.0/groups/${T.wave1}/transitiveMembers/microsoft.graph.user?$count=true`, EVENTUAL);
    expect(users.body['@odata.count']).toBe(3);
    expect(users.body['@odata.context']).toMatch(/\$metadata#users$/);
    expect(users.body.value.every((u: Record<string, unknown>) => !('@odata.type' in u) && typeof u['@odata.id'] === 'string')).toBe(true);
    const doc = fixture('group-transitive-members-list.json');
    expect(shapeDiff(doc.value[0], r.body.value.find((o: { id: string }) => o.id === T.alice))).toEqual([]);
    const groups = await h.get(`/v1.0/groups/${T.wave1}/transitiveMembers/microsoft.graph.group?$count=true`, EVENTUAL);
    const cast = fixture('group-transitive-members-groups-cast.json');
    expect(shapeDiff(cast, groups.body)).toEqual([]);
    expect(shapeDiff(cast.value[0], groups.body.value[0], ['organizationId'])).toEqual([]);
  });

  it('pages members at 999 with the documented bounds and default 100', async () => {
    expect((await h.get(`/v1.0/groups/${BIG}/members`)).body.value).toHaveLength(100);
    const bad = await h.get(`/v1.0/groups/${BIG}/transitiveMembers?$top=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('Must be between 1 and 999 inclusive');
    const { pages, items } = await allPages(h, `/v1.0/groups/${BIG}/transitiveMembers?$top=999&$select=id,userPrincipalName`);
    expect(pages.map((p) => p.body.value.length)).toEqual([999, 204]);
    expect(new Set(items.map((i) => i.id)).size).toBe(1203);
    expect((await h.get(`/v1.0/groups/${BIG}/transitiveMembers/$count`, EVENTUAL)).body).toBe(1203);
  });

  it('adds and removes members by reference, with the documented errors', async () => {
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${T.gina}` };
    const add = await h.call('POST', `/v1.0/groups/${T.exempt}/members/$ref`, { body: ref });
    expect(add.status).toBe(204);
    const dup = await h.call('POST', `/v1.0/groups/${T.exempt}/members/$ref`, { body: ref });
    expect(dup.status).toBe(400);
    expect(dup.body.error.message).toContain('One or more added object references already exist');
    const unknown = await h.call('POST', `/v1.0/groups/${T.exempt}/members/$ref`, {
      body: { '@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/00000000-dead-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    expect((await h.get(`/v1.0/groups/${T.exempt}/members`)).body.value.map((m: { id: string }) => m.id)).toEqual([T.gina]);
    expect((await h.call('DELETE', `/v1.0/groups/${T.exempt}/members/${T.gina}/$ref`)).status).toBe(204);
    expect((await h.call('DELETE', `/v1.0/groups/${T.exempt}/members/${T.gina}/$ref`)).status).toBe(404);
  });

  it('creates a security group (201 with the object)', async () => {
    const r = await h.call('POST', '/v1.0/groups', {
      body: {
        displayName: 'Passkey Wave 2',
        mailEnabled: false,
        mailNickname: 'passkeywave2',
        securityEnabled: true,
        'members@odata.bind': [`https://graph.microsoft.com/v1.0/directoryObjects/${T.bob}`],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ displayName: 'Passkey Wave 2', securityEnabled: true, mailEnabled: false, groupTypes: [] });
    expect((await h.get(`/v1.0/groups/${r.body.id}/members`)).body.value.map((m: { id: string }) => m.id)).toEqual([T.bob]);
    expect((await h.call('POST', '/v1.0/groups', { body: { displayName: 'x' } })).status).toBe(400);
  });
});

describe('groups delta', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSim({ tenant: tenantWithCohort(1500) });
  });
  afterAll(() => h.close());

  it('syncs, then returns only joiners and leavers since the delta link', async () => {
    const first = await allPages(h, '/v1.0/groups/delta?$select=displayName,members');
    const last = first.pages.at(-1)!.body;
    expect(last['@odata.deltaLink']).toMatch(new RegExp(`^${h.sim.baseUrl}/v1\\.0/groups/delta\\?.*\\$deltatoken=`));
    for (const p of first.pages.slice(0, -1)) expect(p.body['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/groups\/delta\?/);
    // A large group spans pages and appears more than once: merge by id.
    const merged = new Map<string, Set<string>>();
    for (const g of first.items) {
      const s = merged.get(g.id) ?? new Set<string>();
      for (const m of g['members@delta'] ?? []) s.add(m.id);
      merged.set(g.id, s);
    }
    expect(merged.get(BIG)!.size).toBe(1500);
    expect(first.items.filter((g) => g.id === BIG).length).toBeGreaterThan(1);
    expect([...merged.get(T.wave1)!].sort()).toEqual([T.dave, T.nested].sort());

    h.sim.addGroupMember(T.pilot, T.gina);
    h.sim.removeGroupMember(T.pilot, T.bob);
    await h.clock.advance(60_000);
    h.sim.removeGroupMember(T.wave1, T.dave);

    const second = await allPages(h, last['@odata.deltaLink'].slice(h.sim.baseUrl.length));
    const changed = second.items;
    expect(changed.map((g) => g.id).sort()).toEqual([T.pilot, T.wave1].sort());
    const pilot = changed.find((g) => g.id === T.pilot);
    expect(pilot.displayName).toBe('Passkey Pilot');
    expect(pilot['members@delta']).toEqual(
      expect.arrayContaining([
        { '@odata.type': '#microsoft.graph.user', id: T.gina },
        { '@odata.type': '#microsoft.graph.user', id: T.bob, '@removed': { reason: 'deleted' } },
      ]),
    );
    expect(changed.find((g) => g.id === T.wave1)['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: T.dave, '@removed': { reason: 'deleted' } },
    ]);

    const third = await allPages(h, second.pages.at(-1)!.body['@odata.deltaLink'].slice(h.sim.baseUrl.length));
    expect(third.items).toEqual([]);
  });

  it('tracks only the groups named in $filter=id eq … or id eq …, at most 50', async () => {
    const f = encodeURIComponent(`id eq '${T.exempt}' or id eq '${T.breakglass}'`);
    const r = await allPages(h, `/v1.0/groups/delta?$select=displayName,members&$filter=${f}`);
    expect(r.items.map((g) => g.id).sort()).toEqual([T.exempt, T.breakglass].sort());
    const many = Array.from({ length: 51 }, (_, i) => `id eq '${String(i).padStart(8, '0')}-0000-4000-8000-000000000000'`).join(' or ');
    expect((await h.get(`/v1.0/groups/delta?$filter=${encodeURIComponent(many)}`)).status).toBe(400);
    expect((await h.get(`/v1.0/groups/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`)).status).toBe(400);
  });
});

describe('directory roles', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSim();
  });
  afterAll(() => h.close());

  it('lists roles and members by id and by roleTemplateId', async () => {
    const roles = await h.get('/v1.0/directoryRoles');
    expect(roles.body.value.map((r: { displayName: string }) => r.displayName).sort()).toEqual(['Global Administrator', 'Helpdesk Administrator']);
    const byTemplate = await h.get("/v1.0/directoryRoles(roleTemplateId='729827e3-9c14-49f7-bb1b-9608f156bbb8')/members");
    expect(byTemplate.body.value.map((m: { id: string }) => m.id)).toEqual([T.gina]);
    const byId = await h.get(`/v1.0/directoryRoles/${T.globalAdminRole}/members`);
    expect(byId.body.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: T.alice });
  });

  it('reflects roles set outside the bot', async () => {
    h.sim.setDirectoryRoles(T.bob, ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9']);
    const r = await h.get("/v1.0/directoryRoles(roleTemplateId='b1be1c3e-b65d-4f19-8427-f6fa0d97feb9')/members");
    expect(r.body.value.map((m: { id: string }) => m.id)).toEqual([T.bob]);
    h.sim.setDirectoryRoles(T.bob, []);
    expect((await h.get("/v1.0/directoryRoles(roleTemplateId='b1be1c3e-b65d-4f19-8427-f6fa0d97feb9')/members")).body.value).toEqual([]);
  });
});
