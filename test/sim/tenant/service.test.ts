import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS } from '../../../services/budgets.js';
import { SeededRandom } from '../../../services/system/clock.js';
import { generousBudgets, shapeDiff, startSim, type Harness } from './helpers.js';
import { AAGUID, T } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The documented table with only the listed budgets tightened. */
function budgetsWith(overrides: Partial<Record<keyof typeof DOCUMENTED_BUDGETS, number>>) {
  const b = generousBudgets();
  for (const [k, limit] of Object.entries(overrides)) {
    const key = k as keyof typeof DOCUMENTED_BUDGETS;
    b[key] = { ...DOCUMENTED_BUDGETS[key], windows: DOCUMENTED_BUDGETS[key].windows.map((w) => ({ ...w, limit: limit! })) };
  }
  return b;
}

describe('envelope and errors', () => {
  it('sends request-id and echoes client-request-id, with the Graph error envelope', async () => {
    h = await startSim();
    const r = await h.get('/v1.0/users/none', { 'client-request-id': 'abc-123' });
    expect(r.headers.get('client-request-id')).toBe('abc-123');
    expect(r.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(shapeDiff(fixture('error-response-authorization-denied.json'), r.body)).toEqual([]);
    expect(r.body.error.innerError['client-request-id']).toBe('abc-123');
    expect(r.body.error.innerError['request-id']).toBe(r.headers.get('request-id'));
    const ok = await h.get('/v1.0/users?$top=1');
    expect(ok.headers.get('client-request-id')).toBe(ok.headers.get('request-id'));
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    h = await startSim();
    const r = await h.get('/v1.0/users/x/nonsense');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('Request_ResourceNotFound');
    expect((await h.call('PUT', '/v1.0/users')).status).toBe(405);
    expect((await h.get('/v2.0/users')).status).toBe(400);
  });

  it('requires the static bearer token when configured', async () => {
    h = await startSim({ staticToken: 's3cret' });
    const none = await h.get('/v1.0/users');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    expect((await h.get('/v1.0/users', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await h.get('/v1.0/users', { Authorization: 'Bearer s3cret' })).status).toBe(200);
    expect(h.sim.counters().budgets['graph.identity'].requests).toBe(1);
  });
});

describe('$batch', () => {
  it('runs inner requests with their headers and returns them in order', async () => {
    h = await startSim();
    const r = await h.call('POST', '/v1.0/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: `/users/${T.alice}?$select=displayName` },
          { id: '2', method: 'GET', url: `users?$count=true&$top=1&$filter=${encodeURIComponent("startsWith(displayName,'B')")}`, headers: { ConsistencyLevel: 'eventual' } },
          { id: '3', method: 'GET', url: '/users/nobody' },
          { id: '4', method: 'GET', url: `/users/${T.bob}`, dependsOn: ['3'] },
          { id: '5', method: 'POST', url: `/groups/${T.exempt}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${T.bob}` } },
          { id: '6', method: 'GET', url: `/groups/${T.exempt}/members`, dependsOn: ['5'] },
        ],
      },
    });
    expect(r.status).toBe(200);
    const doc = fixture('batch-response.json');
    expect(shapeDiff(doc.responses[0], r.body.responses[0])).toEqual([]);
    expect(r.body.responses.map((x: { id: string; status: number }) => `${x.id}:${x.status}`)).toEqual(['1:200', '2:200', '3:404', '4:424', '5:204', '6:200']);
    expect(r.body.responses[0].body.displayName).toBe('Alice Admin');
    expect(r.body.responses[1].body['@odata.count']).toBe(1);
    expect(r.body.responses[3].body.error.code).toBe('FailedDependency');
    expect(r.body.responses[4]).not.toHaveProperty('body');
    expect(r.body.responses[5].body.value.map((m: { id: string }) => m.id)).toEqual([T.bob]);
    expect(h.sim.counters().routes['POST /$batch']).toBe(1);
  });

  it('refuses more than 20 requests and can shuffle responses deterministically', async () => {
    h = await startSim();
    const reqs = (n: number) => ({ requests: Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${T.alice}` })) });
    expect((await h.call('POST', '/v1.0/$batch', { body: reqs(21) })).status).toBe(400);
    h.sim.setShuffleBatchResponses(true);
    const r = await h.call('POST', '/v1.0/$batch', { body: reqs(10) });
    const ids = r.body.responses.map((x: { id: string }) => x.id);
    expect([...ids].sort((a: string, b: string) => Number(a) - Number(b))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(ids).not.toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('charges each inner request to its own budget and may throttle some of them', async () => {
    h = await startSim({ budgets: budgetsWith({ 'graph.reports': 5 }) });
    const r = await h.call('POST', '/v1.0/$batch', {
      body: {
        requests: [
          ...[T.alice, T.bob, T.carol, T.dave, T.gina, T.glass, T.frank].map((u, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${u}/authentication/fido2Methods` })),
          { id: '8', method: 'GET', url: '/users?$top=1' },
        ],
      },
    });
    const statuses = r.body.responses.map((x: { status: number }) => x.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 200]);
    expect(r.body.responses[5].headers['Retry-After']).toMatch(/^\d+$/);
    const c = h.sim.counters();
    expect(c.budgets['graph.reports']).toMatchObject({ requests: 5, admittedUnits: 5, throttled: 2 });
    expect(c.budgets['graph.identity'].requests).toBe(1);
  });
});

describe('budgets', () => {
  it('throttles once over the reports budget with Retry-After, without consuming budget', async () => {
    h = await startSim({ budgets: budgetsWith({ 'graph.reports': 5 }) });
    const path = '/v1.0/reports/authenticationMethods/userRegistrationDetails';
    for (let i = 0; i < 5; i++) expect((await h.get(path)).status).toBe(200);
    await h.clock.advance(4_000);
    const t = await h.get(path);
    expect(t.status).toBe(429);
    expect(t.body.error.code).toBe('TooManyRequests');
    expect(t.headers.get('retry-after')).toBe('6');
    await h.clock.advance(5_999);
    expect((await h.get(path)).status).toBe(429);
    await h.clock.advance(1);
    expect((await h.get(path)).status).toBe(200);
    const c = h.sim.counters();
    expect(c.budgets['graph.reports']).toMatchObject({ requests: 6, admittedUnits: 6, throttled: 2 });
    expect(c.throttled429).toBe(2);
    expect(c.statuses).toMatchObject({ '200': 6, '429': 2 });
    expect(c.routes['GET /reports/authenticationMethods/userRegistrationDetails']).toBe(8);
  });

  it('sends no Retry-After for Conditional Access, whose service does not', async () => {
    h = await startSim({ budgets: budgetsWith({ 'graph.conditionalAccess': 1 }) });
    expect((await h.get('/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
    const t = await h.get('/v1.0/identity/conditionalAccess/policies');
    expect(t.status).toBe(429);
    expect(t.headers.get('retry-after')).toBeNull();
    await h.clock.advance(1_000);
    expect((await h.get('/v1.0/identity/conditionalAccess/policies')).status).toBe(200);
  });

  it('charges identity requests in resource units', async () => {
    h = await startSim({ budgets: budgetsWith({ 'graph.identity': 10 }) });
    const r = await h.get(`/v1.0/groups/${T.wave1}/transitiveMembers`);
    expect(r.headers.get('x-ms-resource-unit')).toBe('5');
    await h.get(`/v1.0/groups/${T.wave1}/members`);
    const third = await h.get(`/v1.0/groups/${T.wave1}/members`);
    expect(third.status).toBe(429);
    expect(h.sim.counters().budgets['graph.identity']).toMatchObject({ requests: 2, admittedUnits: 8, throttled: 1 });
  });
});

describe('faults', () => {
  it('fails a share of matching requests with the injected Random', async () => {
    h = await startSim({ random: new SeededRandom(7) });
    h.sim.setFaults({ rate: 0.5, statuses: [503, 504], pathPattern: '^/v1\\.0/users', retryAfterSeconds: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await h.get('/v1.0/users?$top=1')).status);
    const failed = statuses.filter((s) => s !== 200);
    expect(failed.length).toBeGreaterThan(8);
    expect(failed.length).toBeLessThan(32);
    expect(new Set(failed)).toEqual(new Set([503, 504]));
    expect((await h.get('/v1.0/groups')).status).toBe(200);
    const c = h.sim.counters();
    expect(c.faultsInjected).toBe(failed.length);
    expect(c.faultsByStatus['503']! + c.faultsByStatus['504']!).toBe(failed.length);
    expect(c.budgets['graph.identity'].requests).toBe(40 - failed.length + 1);
    h.sim.setFaults(null);
    for (let i = 0; i < 5; i++) expect((await h.get('/v1.0/users?$top=1')).status).toBe(200);
  });

  it('fails writes only when asked, and the next N matching requests deterministically', async () => {
    h = await startSim();
    h.sim.setFaults({ rate: 1, statuses: [503], failWrites: true });
    expect((await h.get('/v1.0/groups')).status).toBe(200);
    expect((await h.call('POST', `/v1.0/groups/${T.exempt}/members/$ref`, { body: { '@odata.id': `x/directoryObjects/${T.bob}` } })).status).toBe(503);
    h.sim.setFaults(null);
    const policy = `/v1.0/identity/conditionalAccess/policies/${T.enforcedPolicy}`;
    h.sim.failNext({ count: 1, skip: 1, method: 'PATCH', pathPattern: 'conditionalAccess/policies', status: 503, retryAfterSeconds: 3 });
    expect((await h.call('PATCH', policy, { body: { displayName: 'one' } })).status).toBe(204);
    const second = await h.call('PATCH', policy, { body: { displayName: 'two' } });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('3');
    expect((await h.call('PATCH', policy, { body: { displayName: 'three' } })).status).toBe(204);
    expect((await h.get(policy)).body.displayName).toBe('three');
    h.sim.failNext({ count: 1, status: 429, budget: 'graph.conditionalAccess' });
    const throttled = await h.get(policy);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeNull();
    expect(h.sim.counters()).toMatchObject({ faultsInjected: 3, throttled429: 1 });
  });

  it('an afterApply rule carries the write out and loses only its answer; policy writes are reported as they land', async () => {
    h = await startSim();
    const writes: string[] = [];
    const stop = h.sim.state.onPolicyWritten((e) => writes.push(`${e.kind} ${e.policy?.displayName ?? e.id}`));
    const policy = `/v1.0/identity/conditionalAccess/policies/${T.enforcedPolicy}`;
    h.sim.failNext({ count: 1, method: 'PATCH', pathPattern: 'conditionalAccess/policies', status: 504, afterApply: true });
    expect((await h.call('PATCH', policy, { body: { displayName: 'landed' } })).status).toBe(504);
    expect((await h.get(policy)).body.displayName).toBe('landed');
    // A refused write (the default) changes nothing.
    h.sim.failNext({ count: 1, method: 'PATCH', pathPattern: 'conditionalAccess/policies', status: 503 });
    expect((await h.call('PATCH', policy, { body: { displayName: 'refused' } })).status).toBe(503);
    expect((await h.get(policy)).body.displayName).toBe('landed');
    expect(writes).toEqual(['patch landed']);
    stop();
    expect((await h.call('PATCH', policy, { body: { displayName: 'unheard' } })).status).toBe(204);
    expect(writes).toEqual(['patch landed']);
    expect(h.sim.counters().faultsByStatus).toMatchObject({ '503': 1, '504': 1 });
  });
});

describe('latency', () => {
  it('delays matching requests through the injected clock', async () => {
    h = await startSim();
    h.sim.setFaults({ rate: 0, statuses: [], latencyMs: 2_000, pathPattern: '/groups' });
    let done = false;
    const pending = h.get('/v1.0/groups').then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    expect((await h.get('/v1.0/users?$top=1')).status).toBe(200);
    await h.clock.advance(2_000);
    expect((await pending).status).toBe(200);
  });
});

describe('admin API under /_sim/', () => {
  it('exposes health, counters, faults and outside-the-bot changes over HTTP', async () => {
    h = await startSim();
    expect((await h.get('/_sim/health')).body).toMatchObject({ status: 'ok', tenantId: T.tenantId });
    await h.get('/v1.0/users?$top=1');
    const counters = await h.get('/_sim/counters');
    expect(counters.body.routes['GET /users']).toBe(1);
    expect((await h.call('POST', '/_sim/counters/reset')).status).toBe(204);
    expect((await h.get('/_sim/counters')).body.graphRequests).toBe(0);

    const pk = await h.call('POST', `/_sim/users/${T.bob}/passkeys`, { body: { aaGuid: AAGUID.icloud, passkeyType: 'synced' } });
    expect(pk.status).toBe(201);
    expect(pk.body).toMatchObject({ passkeyType: 'synced', aaGuid: AAGUID.icloud, attestationLevel: 'notAttested' });
    expect((await h.get(`/v1.0/users/${T.bob}/authentication/fido2Methods`)).body.value).toHaveLength(1);
    expect((await h.call('DELETE', `/_sim/users/${T.bob}/methods/${encodeURIComponent(pk.body.id)}`)).status).toBe(204);
    expect((await h.get(`/v1.0/users/${T.bob}/authentication/fido2Methods`)).body.value).toHaveLength(0);

    expect((await h.call('POST', `/_sim/groups/${T.exempt}/members`, { body: { id: T.carol } })).status).toBe(204);
    expect((await h.get(`/v1.0/groups/${T.exempt}/members`)).body.value.map((m: { id: string }) => m.id)).toEqual([T.carol]);
    expect((await h.call('DELETE', `/_sim/groups/${T.exempt}/members/${T.carol}`)).status).toBe(204);
    expect((await h.call('DELETE', `/_sim/groups/${T.exempt}/members/${T.carol}`)).status).toBe(404);

    await h.clock.advance(1_000);
    const edit = await h.call('POST', `/_sim/policies/${T.enforcedPolicy}/portal-edit`, { body: { conditions: { users: { excludeUsers: [T.dave] } } } });
    expect(edit.status).toBe(200);
    const policy = (await h.get(`/v1.0/identity/conditionalAccess/policies/${T.enforcedPolicy}`)).body;
    expect(policy.conditions.users.excludeUsers).toEqual([T.dave]);
    expect(policy.modifiedDateTime).toBe(h.clock.now().toISOString());

    expect((await h.call('PUT', `/_sim/users/${T.bob}/roles`, { body: { roleTemplateIds: ['c4e39bd9-1100-46d3-8c65-fb160da0071f'] } })).status).toBe(204);
    expect((await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${T.bob}`)).body.isAdmin).toBe(true);

    expect((await h.call('POST', '/_sim/faults', { body: { rate: 1, statuses: [504] } })).status).toBe(204);
    expect((await h.get('/v1.0/users')).status).toBe(504);
    expect((await h.call('POST', '/_sim/faults', { body: null })).status).toBe(204);
    expect((await h.get('/v1.0/users')).status).toBe(200);
    expect((await h.call('POST', '/_sim/faults', { body: { rate: 2, statuses: [504] } })).status).toBe(400);
    expect((await h.get('/_sim/nothing')).status).toBe(404);
  });
});
