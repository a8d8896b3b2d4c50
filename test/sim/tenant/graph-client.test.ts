import {
  AuthenticationHandler,
  Client,
  GraphError,
  PageIterator,
  type Context,
  type Middleware,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, testCertificate, type Harness } from './helpers.js';
import { T, tenantWithCohort } from './tiny-tenant.js';

/** The last middleware: plain fetch through an agent that trusts the simulator's certificate. */
class TrustingFetchHandler implements Middleware {
  constructor(private readonly agent: Agent) {}
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const res = await undiciFetch(url, { ...(context.options as object), dispatcher: this.agent } as Parameters<typeof undiciFetch>[1]);
    context.response = res as unknown as Response;
  }
}

describe('the production Graph client against the simulated tenant', () => {
  let h: Harness;
  let client: Client;
  let agent: Agent;
  beforeAll(async () => {
    h = await startSim({ tenant: tenantWithCohort(1203), staticToken: 'sim-token' });
    agent = new Agent({ connect: { ca: (await testCertificate()).cert } });
    const auth = new AuthenticationHandler({ getAccessToken: async () => 'sim-token' });
    auth.setNext(new TrustingFetchHandler(agent));
    client = Client.initWithMiddleware({ middleware: auth, baseUrl: h.sim.baseUrl, customHosts: new Set(['127.0.0.1']) });
  });
  afterAll(async () => {
    await agent.close();
    await h.close();
  });

  it('follows absolute next links with PageIterator (token attached on every page)', async () => {
    const first: PageCollection = await client.api('/groups/cccccccc-0000-4000-8000-0000000000ff/transitiveMembers').top(999).select('id,userPrincipalName').get();
    const ids: string[] = [];
    const it = new PageIterator(client, first, (item: { id: string }) => {
      ids.push(item.id);
      return true;
    });
    await it.iterate();
    expect(ids.length).toBe(1203);
    expect(new Set(ids).size).toBe(1203);
    expect(h.sim.counters().routes['GET /groups/{groupId}/transitiveMembers']).toBe(2);
  });

  it('pages sign-ins with request headers carried to every page', async () => {
    const first: PageCollection = await client
      .api('/auditLogs/signIns')
      .header('Prefer', 'include-unknown-enum-members')
      .filter(`userId eq '${T.bob}'`)
      .top(5)
      .get();
    const results: string[] = [];
    const it = new PageIterator(
      client,
      first,
      (s: { appliedConditionalAccessPolicies: { id: string; result: string }[] }) => {
        results.push(s.appliedConditionalAccessPolicies.find((p) => p.id === T.reportOnlyPolicy)!.result);
        return true;
      },
      { headers: { Prefer: 'include-unknown-enum-members' } },
    );
    await it.iterate();
    expect(results.length).toBe(17);
    expect(new Set(results)).toEqual(new Set(['reportOnlyFailure']));
  });

  it('passes filters, ConsistencyLevel and $count through, and surfaces Graph errors', async () => {
    const r = await client
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .filter("userPrincipalName eq 'carol@contoso.example'")
      .count(true)
      .get();
    expect(r['@odata.count']).toBe(1);
    expect(r.value[0].id).toBe(T.carol);
    const err = await client
      .api('/users/nobody@contoso.example')
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).statusCode).toBe(404);
    expect((err as GraphError).code).toBe('Request_ResourceNotFound');
  });

  it('posts a $batch and writes through the client', async () => {
    const batch = await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/users/${T.dave}/authentication/fido2Methods` },
        { id: '2', method: 'POST', url: `/groups/${T.exempt}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${T.dave}` } },
      ],
    });
    expect(batch.responses.map((x: { status: number }) => x.status)).toEqual([200, 204]);
    await client.api(`/identity/conditionalAccess/policies/${T.enforcedPolicy}`).patch({ conditions: { users: { excludeUsers: [T.glass] } } });
    const p = await client.api(`/identity/conditionalAccess/policies/${T.enforcedPolicy}`).version('beta').get();
    expect(p.conditions.users.excludeUsers).toEqual([T.glass]);
    expect(p['@odata.context']).toContain('/beta/$metadata#');
  });
});
