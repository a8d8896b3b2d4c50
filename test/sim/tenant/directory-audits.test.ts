import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../services/system/clock.js';
import { allPages, shapeDiff, startSim, type Harness } from './helpers.js';
import { AAGUID, T } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));
const LIST = '/v1.0/auditLogs/directoryAudits';
const f = (s: string, extra = '') => `${LIST}?$filter=${encodeURIComponent(s)}${extra}`;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface Audit {
  id: string;
  category: string;
  correlationId: string;
  result: string;
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: { app: Record<string, unknown> | null; user: Record<string, unknown> | null };
  targetResources: Record<string, unknown>[];
  additionalDetails: { key: string; value: string }[];
}

/** A FakeClock that can also be wound back (to check entries never show before their time). */
class RewindableClock extends FakeClock {
  private back = 0;
  rewind(ms: number): void {
    this.back += ms;
  }
  override now(): Date {
    return new Date(this.nowMs());
  }
  override nowMs(): number {
    return super.nowMs() - this.back;
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tap = (userId: string, body: unknown = { lifetimeInMinutes: 60 }) =>
  h!.call('POST', `/v1.0/users/${userId}/authentication/temporaryAccessPassMethods`, { body });

describe('directory audit log (authentication methods)', () => {
  it('has no entries for the methods of the tenant file', async () => {
    h = await startSim();
    const r = await h.get(LIST);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${h.sim.baseUrl}/v1.0/$metadata#auditLogs/directoryAudits`);
    expect(r.body.value).toEqual([]);
    expect(r.body['@odata.nextLink']).toBeUndefined();
  });

  it('logs a self-service passkey registration as "User registered security info"', async () => {
    h = await startSim();
    await h.clock.advance(HOUR);
    const pk = h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const { value } = (await h.get(LIST)).body as { value: Audit[] };
    expect(value).toHaveLength(1);
    const e = value[0]!;
    expect(e).toMatchObject({
      category: 'UserManagement',
      result: 'success',
      resultReason: 'User registered Fido2 Authentication Method',
      activityDisplayName: 'User registered security info',
      activityDateTime: pk.createdDateTime,
      loggedByService: 'Authentication Methods',
      operationType: 'Add',
      initiatedBy: { app: null, user: { id: T.bob, displayName: 'Bob Builder', userPrincipalName: 'bob@contoso.example', userType: 'Member' } },
      targetResources: [{ id: T.bob, displayName: 'Bob Builder', type: 'User', userPrincipalName: 'bob@contoso.example', groupType: null, modifiedProperties: [] }],
      additionalDetails: [{ key: 'Method', value: 'Passkey (device-bound)' }],
    });
    expect(e.id).toMatch(/^Authentication Methods_[0-9a-f-]{36}$/);
    expect(e.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.initiatedBy.user!.ipAddress).toMatch(/^198\.51\.100\.\d+$/);
  });

  it('logs registrations made through the /_sim/ API, and synced passkeys as such', async () => {
    h = await startSim();
    const res = await h.call('POST', `/_sim/users/${T.gina}/passkeys`, { body: { aaGuid: AAGUID.icloud, passkeyType: 'synced' } });
    expect(res.status).toBe(201);
    const { value } = (await h.get(LIST)).body as { value: Audit[] };
    expect(value.map((e) => [e.activityDisplayName, e.targetResources[0]!.id, e.additionalDetails[0]!.value])).toEqual([
      ['User registered security info', T.gina, 'Passkey (synced)'],
    ]);
    expect(value[0]!.initiatedBy.user!.id).toBe(T.gina);
    await h.clock.advance(1000);
    await h.call('POST', `/_sim/users/${T.glass}/passkeys`, { body: { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound', initiatedBy: 'app' } });
    const admin = (await h.get(LIST)).body.value[0] as Audit;
    expect(admin).toMatchObject({ activityDisplayName: 'Admin registered security info', initiatedBy: { user: null, app: { appId: T.manifestId } } });
    expect(admin.targetResources[0]!.id).toBe(T.glass);
  });

  it('logs a TAP created through Graph as an admin registration by the app, and its replacement as a delete', async () => {
    h = await startSim();
    const first = await tap(T.bob);
    expect(first.status).toBe(201);
    await h.clock.advance(60_000);
    const second = await tap(T.bob);
    const { value } = (await h.get(LIST)).body as { value: Audit[] };
    expect(value.map((e) => [e.activityDisplayName, e.operationType, e.resultReason, e.activityDateTime])).toEqual([
      ['Admin registered security info', 'Add', 'Admin registered temporary access pass method for user', h.clock.now().toISOString()],
      ['Admin deleted security info', 'Delete', 'Admin deleted temporary access pass method for user', h.clock.now().toISOString()],
      ['Admin registered security info', 'Add', 'Admin registered temporary access pass method for user', new Date(h.clock.nowMs() - 60_000).toISOString()],
    ]);
    const app = { appId: T.manifestId, displayName: 'Passkey Rollout' };
    for (const e of value) {
      expect(e.initiatedBy.user).toBeNull();
      expect(e.initiatedBy.app).toMatchObject({ ...app, servicePrincipalName: 'Passkey Rollout' });
      expect(e.initiatedBy.app!.servicePrincipalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.targetResources[0]!.id).toBe(T.bob);
      expect(e.additionalDetails).toEqual([{ key: 'Method', value: 'Temporary Access Pass' }]);
    }
    // The replacement's delete and add came from one Graph call: one correlation id, two entries.
    expect(value[0]!.correlationId).toBe(value[1]!.correlationId);
    expect(value[0]!.id).not.toBe(value[1]!.id);
    expect(value[2]!.correlationId).not.toBe(value[0]!.correlationId);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('logs a method deleted through Graph as "Admin deleted security info" (file methods still have no add entry)', async () => {
    h = await startSim();
    await h.clock.advance(HOUR);
    expect((await h.call('DELETE', `/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`)).status).toBe(204);
    await h.clock.advance(HOUR);
    h.sim.removeAuthenticationMethod(T.dave, 'd1');
    const { value } = (await h.get(LIST)).body as { value: Audit[] };
    expect(value.map((e) => [e.activityDisplayName, e.targetResources[0]!.id, e.additionalDetails[0]!.value, e.resultReason])).toEqual([
      ['User deleted security info', T.dave, 'Microsoft Authenticator', 'User deleted Authenticator App with Notification and Code'],
      ['Admin deleted security info', T.alice, 'Passkey (device-bound)', 'Admin deleted Fido2 Authentication Method for user'],
    ]);
    expect(value[1]!.initiatedBy.app).toMatchObject({ appId: T.manifestId });
    expect(value[0]!.initiatedBy.user).toMatchObject({ id: T.dave });
  });

  it('takes the caller app from the options when given', async () => {
    h = await startSim({ callerApp: { appId: 'bbbbbbbb-bbbb-4bbb-8bbb-00000000000f', displayName: 'Rollout Bot' } });
    await tap(T.carol);
    const e = (await h.get(LIST)).body.value[0] as Audit;
    expect(e.initiatedBy.app).toMatchObject({ appId: 'bbbbbbbb-bbbb-4bbb-8bbb-00000000000f', displayName: 'Rollout Bot', servicePrincipalName: 'Rollout Bot' });
  });

  it('serves the documented v1.0 and beta shapes, key by key', async () => {
    h = await startSim();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    await tap(T.bob);
    const v1 = (await h.get(LIST)).body;
    const doc = fixture('directory-audits-list-filter-initiatedby-v1.json');
    const user = v1.value.find((e: Audit) => e.initiatedBy.user);
    const app = v1.value.find((e: Audit) => e.initiatedBy.app);
    for (const e of [user, app]) {
      expect(Object.keys(e)).toEqual(Object.keys(doc.value[0]));
      expect(shapeDiff(doc.value[0], e)).toEqual([]);
      expect(Object.keys(e.initiatedBy)).toEqual(Object.keys(doc.value[0].initiatedBy));
      expect(Object.keys(e.targetResources[0])).toEqual(Object.keys(doc.value[0].targetResources[0]));
      expect(shapeDiff(doc.value[0].targetResources[0], e.targetResources[0])).toEqual([]);
    }
    expect(Object.keys(user.initiatedBy.user)).toEqual(Object.keys(doc.value[0].initiatedBy.user));
    expect(shapeDiff(doc.value[0].initiatedBy.user, user.initiatedBy.user)).toEqual([]);
    // appIdentity (api-reference/v1.0/resources/appidentity.md).
    expect(Object.keys(app.initiatedBy.app)).toEqual(['appId', 'displayName', 'servicePrincipalId', 'servicePrincipalName']);
    // Example 1 of the same page (older; spells the target type "Type", which the resource page and live data spell "type").
    const ex1 = fixture('directory-audits-list-v1.json').value[0];
    expect(shapeDiff(ex1, user)).toEqual([]);
    expect(shapeDiff(ex1.targetResources[1], user.targetResources[0], ['Type'])).toEqual([]);
    expect(user.targetResources[0].type).toBe(ex1.targetResources[1].Type);
    expect(shapeDiff(ex1.additionalDetails[0], user.additionalDetails[0])).toEqual([]);

    const beta = (await h.get('/beta/auditLogs/directoryAudits')).body;
    const betaDoc = fixture('directory-audits-list-filter-initiatedby-beta.json');
    expect(beta['@odata.context']).toBe(`${h.sim.baseUrl}/beta/$metadata#auditLogs/directoryAudits`);
    for (const e of beta.value) {
      expect(Object.keys(e)).toEqual(Object.keys(betaDoc.value[0]));
      expect(shapeDiff(betaDoc.value[0], e)).toEqual([]);
    }
    expect(Object.keys(v1.value[0])).not.toContain('userAgent');
  });

  it('gets one entry by id, the same as listed, and 404 for an unknown id', async () => {
    h = await startSim();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const listed = (await h.get(LIST)).body.value[0] as Audit;
    const one = await h.get(`${LIST}/${encodeURIComponent(listed.id)}`);
    expect(one.status).toBe(200);
    expect(one.body['@odata.context']).toBe(`${h.sim.baseUrl}/v1.0/$metadata#auditLogs/directoryAudits/$entity`);
    const { ['@odata.context']: _ctx, ...rest } = one.body;
    expect(rest).toEqual(listed);
    const byFilter = (await h.get(f(`id eq '${listed.id}'`))).body.value as Audit[];
    expect(byFilter.map((e) => e.id)).toEqual([listed.id]);
    expect((await h.get(`${LIST}/${encodeURIComponent('Authentication Methods_00000000-0000-4000-8000-000000000000')}`)).status).toBe(404);
  });

  it('keeps ids stable across listings and across runs of the same history', async () => {
    const run = async () => {
      const sim = await startSim({ clock: new FakeClock(Date.UTC(2026, 0, 5, 19, 0, 0)) });
      sim.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
      await sim.clock.advance(60_000);
      await sim.call('DELETE', `/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`);
      const a = (await sim.get(LIST)).body.value as Audit[];
      const b = (await sim.get(LIST)).body.value as Audit[];
      await sim.close();
      expect(b).toEqual(a);
      return a;
    };
    const first = await run();
    const second = await run();
    expect(second.map((e) => [e.id, e.correlationId])).toEqual(first.map((e) => [e.id, e.correlationId]));
    expect(new Set(first.map((e) => e.id)).size).toBe(2);
  });

  it('supports the documented filters', async () => {
    h = await startSim();
    const t0 = h.clock.nowMs();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' }); // t0
    await h.clock.advance(HOUR);
    await tap(T.carol); // t0 + 1h
    await h.clock.advance(HOUR);
    await h.call('DELETE', `/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`); // t0 + 2h
    await h.clock.advance(HOUR);
    h.sim.removeAuthenticationMethod(T.bob, (await h.get(`/v1.0/users/${T.bob}/authentication/fido2Methods`)).body.value[0].id); // t0 + 3h
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: [string, [string, string][]][] = [
      [`activityDateTime ge ${iso(t0 + HOUR)} and activityDateTime le ${iso(t0 + 2 * HOUR)}`, [['Admin deleted security info', T.alice], ['Admin registered security info', T.carol]]],
      [`activityDateTime gt ${iso(t0 + HOUR)} and activityDateTime lt ${iso(t0 + 3 * HOUR)}`, [['Admin deleted security info', T.alice]]],
      [`activityDateTime eq ${iso(t0)}`, [['User registered security info', T.bob]]],
      ["activityDisplayName eq 'User registered security info'", [['User registered security info', T.bob]]],
      ["startswith(activityDisplayName,'Admin')", [['Admin deleted security info', T.alice], ['Admin registered security info', T.carol]]],
      [`targetResources/any(t:t/id eq '${T.bob}')`, [['User deleted security info', T.bob], ['User registered security info', T.bob]]],
      [`initiatedBy/user/id eq '${T.bob}'`, [['User deleted security info', T.bob], ['User registered security info', T.bob]]],
      [`initiatedBy/app/appId eq '${T.manifestId}' and targetResources/any(t:t/id eq '${T.carol}')`, [['Admin registered security info', T.carol]]],
      [
        `category eq 'UserManagement' and loggedByService eq 'Authentication Methods' and targetResources/any(r:r/id eq '${T.alice}')`,
        [['Admin deleted security info', T.alice]],
      ],
      ["loggedByService eq 'Core Directory'", []],
      ["targetResources/any(t:t/type eq 'User') and result eq 'success' and startswith(initiatedBy/user/userPrincipalName,'bob')", [['User deleted security info', T.bob], ['User registered security info', T.bob]]],
    ];
    for (const [filter, want] of cases) {
      const r = await h.get(f(filter));
      expect(r.status, filter).toBe(200);
      expect(r.body.value.map((e: Audit) => [e.activityDisplayName, e.targetResources[0]!.id]), filter).toEqual(want);
    }
  });

  it('refuses unsupported filters and query options with 400', async () => {
    h = await startSim();
    const bad = [
      "operationType eq 'Add'",
      "activityDisplayName eq 'User registered security info' or activityDisplayName eq 'User deleted security info'",
      'activityDateTime ge yesterday',
      "endswith(activityDisplayName,'info')",
      "resultReason eq 'x'",
      "targetResources/any(t:t/userPrincipalName eq 'bob@contoso.example')",
    ];
    for (const b of bad) {
      const r = await h.get(f(b));
      expect(r.status, b).toBe(400);
      expect(r.body.error.code, b).toMatch(/BadRequest|Request_UnsupportedQuery/);
    }
    for (const q of ['$top=1001', '$top=0', '$count=true', '$orderby=resultReason', '$search=foo', '$select=nope']) {
      expect((await h.get(`${LIST}?${q}`)).status, q).toBe(400);
    }
    expect((await h.get(`${LIST}?$top=1000`)).status).toBe(200);
    expect((await h.get(`${LIST}?$select=userAgent`)).status).toBe(400);
    expect((await h.get('/beta/auditLogs/directoryAudits?$select=userAgent')).status).toBe(200);
  });

  it('orders newest first by default, oldest first on request, and honours $select', async () => {
    h = await startSim();
    for (const u of [T.alice, T.bob, T.carol]) {
      h.sim.registerPasskey(u, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
      await h.clock.advance(60_000);
    }
    const desc = (await h.get(LIST)).body.value as Audit[];
    const explicit = (await h.get(`${LIST}?$orderby=activityDateTime desc`)).body.value as Audit[];
    const asc = (await h.get(`${LIST}?$orderby=activityDateTime asc`)).body.value as Audit[];
    const bare = (await h.get(`${LIST}?$orderby=activityDateTime`)).body.value as Audit[];
    expect(desc.map((e) => e.targetResources[0]!.id)).toEqual([T.carol, T.bob, T.alice]);
    expect(explicit).toEqual(desc);
    expect(asc).toEqual([...desc].reverse());
    expect(bare).toEqual(asc);
    const sel = await h.get(`${LIST}?$select=activityDateTime,activityDisplayName`);
    expect(sel.body['@odata.context']).toBe(`${h.sim.baseUrl}/v1.0/$metadata#auditLogs/directoryAudits(activityDateTime,activityDisplayName)`);
    expect(sel.body.value.map((e: Record<string, unknown>) => Object.keys(e).sort())).toEqual(Array(3).fill(['activityDateTime', 'activityDisplayName', 'id']));
  });

  it('pages exactly in both orders, anchored at the first page while new changes happen', async () => {
    h = await startSim();
    const users = [T.alice, T.bob, T.carol, T.dave, T.gina, T.glass];
    // 18 registrations, several at the same instant (ties are ordered too), then 6 deletions.
    const made: string[] = [];
    for (let i = 0; i < 18; i++) {
      made.push(h.sim.registerPasskey(users[i % users.length]!, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' }).id);
      if (i % 3 === 2) await h.clock.advance(10 * 60_000);
    }
    for (let i = 0; i < 6; i++) h.sim.removeAuthenticationMethod(users[i]!, made[i]!);
    const whole = (await h.get(LIST)).body.value as Audit[];
    expect(whole).toHaveLength(24);
    const times = whole.map((e) => Date.parse(e.activityDateTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    for (const top of [1, 4, 5, 7, 24, 25]) {
      const { items, pages } = await allPages(h, `${LIST}?$top=${top}`);
      expect(items.map((e: Audit) => e.id), `top=${top}`).toEqual(whole.map((e) => e.id));
      expect(pages.length).toBe(Math.max(1, Math.ceil(24 / top)));
      const asc = await allPages(h, `${LIST}?$top=${top}&$orderby=activityDateTime asc`);
      expect(asc.items.map((e: Audit) => e.id), `asc top=${top}`).toEqual(whole.map((e) => e.id).reverse());
    }
    const first = await h.get(`${LIST}?$top=5&$orderby=activityDateTime asc`);
    expect(first.body['@odata.nextLink']).toMatch(
      new RegExp(`^${h.sim.baseUrl}/v1\\.0/auditLogs/directoryAudits\\?\\$top=5&\\$orderby=activityDateTime%20asc&\\$skiptoken=`),
    );
    // Changes made while paging (now and later) never join the listing that already started.
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.icloud, passkeyType: 'synced' });
    await h.clock.advance(HOUR);
    await tap(T.carol);
    const rest: Audit[] = [];
    let next: string | undefined = first.body['@odata.nextLink'];
    while (next) {
      const r = await h.follow(next);
      rest.push(...r.body.value);
      next = r.body['@odata.nextLink'];
    }
    expect([...first.body.value, ...rest].map((e: Audit) => e.id)).toEqual(whole.map((e) => e.id).reverse());
    expect((await allPages(h, LIST)).items).toHaveLength(26);
    // A next link whose $orderby was changed is refused.
    const tampered = first.body['@odata.nextLink'].replace('activityDateTime%20asc', 'activityDateTime%20desc');
    expect((await h.follow(tampered)).status).toBe(400);
  });

  it('pages a time window filter exactly', async () => {
    h = await startSim();
    const start = h.clock.nowMs();
    for (let i = 0; i < 12; i++) {
      h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
      await h.clock.advance(HOUR);
    }
    const since = `activityDateTime ge ${new Date(start + 4 * HOUR).toISOString()} and activityDisplayName eq 'User registered security info'`;
    const { items, pages } = await allPages(h, f(since, '&$top=3'));
    expect(pages).toHaveLength(3);
    expect(items.map((e: Audit) => e.activityDateTime)).toEqual(Array.from({ length: 8 }, (_, i) => new Date(start + (11 - i) * HOUR).toISOString()));
  });

  it('keeps entries 30 days, then drops them from lists and gets', async () => {
    h = await startSim();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const id = ((await h.get(LIST)).body.value[0] as Audit).id;
    await h.clock.advance(10 * DAY);
    await tap(T.carol);
    await h.clock.advance(20 * DAY);
    // Exactly 30 days old: still there.
    expect((await h.get(LIST)).body.value.map((e: Audit) => e.targetResources[0]!.id)).toEqual([T.carol, T.bob]);
    expect((await h.get(`${LIST}/${encodeURIComponent(id)}`)).status).toBe(200);
    await h.clock.advance(1);
    expect((await h.get(LIST)).body.value.map((e: Audit) => e.targetResources[0]!.id)).toEqual([T.carol]);
    expect((await h.get(`${LIST}/${encodeURIComponent(id)}`)).status).toBe(404);
    // A filter reaching further back does not bring it back.
    expect((await h.get(f('activityDateTime ge 2025-01-01T00:00:00Z'))).body.value).toHaveLength(1);
  });

  it('never shows an entry before its time', async () => {
    const clock = new RewindableClock(Date.UTC(2026, 0, 5, 19, 0, 0));
    h = await startSim({ clock });
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const id = ((await h.get(LIST)).body.value[0] as Audit).id;
    clock.rewind(60_000);
    expect((await h.get(LIST)).body.value).toEqual([]);
    expect((await h.get(`${LIST}/${encodeURIComponent(id)}`)).status).toBe(404);
    // A change made at the earlier instant sorts before the later one.
    h.sim.registerPasskey(T.carol, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    await clock.advance(120_000);
    expect((await h.get(LIST)).body.value.map((e: Audit) => e.targetResources[0]!.id)).toEqual([T.bob, T.carol]);
  });

  it('is charged to the reports budget, on both versions and inside $batch', async () => {
    h = await startSim();
    h.sim.resetCounters();
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.yubikey, passkeyType: 'deviceBound' });
    const id = ((await h.get(LIST)).body.value[0] as Audit).id;
    await h.get('/beta/auditLogs/directoryAudits?$top=1');
    await h.get(`${LIST}/${encodeURIComponent(id)}`);
    const batch = await h.call('POST', '/v1.0/$batch', { body: { requests: [{ id: '1', method: 'GET', url: '/auditLogs/directoryAudits?$top=1' }] } });
    expect(batch.body.responses[0].status).toBe(200);
    expect(batch.body.responses[0].body.value).toHaveLength(1);
    const c = h.sim.counters();
    expect(c.budgets['graph.reports'].requests).toBe(4);
    expect(c.budgets['graph.identity'].requests).toBe(0);
    expect(c.routes['GET /auditLogs/directoryAudits']).toBe(3);
    expect(c.routes['GET /auditLogs/directoryAudits/{auditId}']).toBe(1);
  });

  it('is throttled with the reports budget (5 requests per 10 s)', async () => {
    const { DOCUMENTED_BUDGETS } = await import('../../../services/budgets.js');
    h = await startSim({ budgets: structuredClone(DOCUMENTED_BUDGETS) });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.get(`${LIST}?$top=1`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(h.sim.counters().budgets['graph.reports'].throttled).toBe(1);
  });
});

describe('organization', () => {
  it('serves the tenant as the documented organization object', async () => {
    h = await startSim();
    const r = await h.get('/v1.0/organization');
    expect(r.status).toBe(200);
    const doc = fixture('organization-list-v1.json');
    expect(r.body['@odata.context']).toBe(`${h.sim.baseUrl}/v1.0/$metadata#organization`);
    expect(r.body.value).toHaveLength(1);
    const org = r.body.value[0];
    expect(Object.keys(org)).toEqual(Object.keys(doc.value[0]));
    expect(shapeDiff(doc.value[0], org)).toEqual([]);
    expect(shapeDiff(doc.value[0].verifiedDomains[0], org.verifiedDomains[0])).toEqual([]);
    expect(shapeDiff(doc.value[0].assignedPlans[0], org.assignedPlans[0])).toEqual([]);
    expect(shapeDiff(doc.value[0].provisionedPlans[0], org.provisionedPlans[0])).toEqual([]);
    expect(org).toMatchObject({ id: T.tenantId, displayName: 'Contoso', tenantType: 'AAD', deletedDateTime: null });
    expect(org.verifiedDomains).toEqual([
      { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: false, name: 'contoso.example', type: 'Managed' },
      { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: false, isInitial: true, name: 'contoso.onmicrosoft.com', type: 'Managed' },
    ]);
    expect(Date.parse(org.createdDateTime)).toBeLessThan(Date.parse('2025-06-01T00:00:00Z'));
    expect(org.technicalNotificationMails).toEqual(['alice@contoso.example']);
    expect(org.assignedPlans.map((p: { servicePlanId: string }) => p.servicePlanId)).toContain('eec0eb4f-6444-4f95-aba0-50c24d67f998');
    const beta = await h.get('/beta/organization');
    expect(beta.body.value[0].id).toBe(T.tenantId);
  });

  it('honours $select (the readiness check reads only the id) and gets by id', async () => {
    h = await startSim();
    const r = await h.get('/v1.0/organization?$select=id');
    expect(r.body).toEqual({ '@odata.context': `${h.sim.baseUrl}/v1.0/$metadata#organization(id)`, value: [{ id: T.tenantId }] });
    const two = await h.get('/v1.0/organization?$select=displayName,verifiedDomains');
    expect(Object.keys(two.body.value[0])).toEqual(['id', 'displayName', 'verifiedDomains']);
    expect((await h.get('/v1.0/organization?$select=nope')).status).toBe(400);
    expect((await h.get('/v1.0/organization?$top=1')).status).toBe(400);
    const one = await h.get(`/v1.0/organization/${T.tenantId}?$select=id,tenantType`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ '@odata.context': `${h.sim.baseUrl}/v1.0/$metadata#organization(id,tenantType)/$entity`, id: T.tenantId, tenantType: 'AAD' });
    expect((await h.get('/v1.0/organization/22222222-2222-4222-8222-222222222222')).status).toBe(404);
    h.sim.resetCounters();
    await h.get('/v1.0/organization?$select=id');
    expect(h.sim.counters().budgets['graph.identity'].requests).toBe(1);
    expect(h.sim.counters().budgets['graph.reports'].requests).toBe(0);
  });
});
