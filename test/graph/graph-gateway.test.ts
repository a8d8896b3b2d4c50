import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../services/budgets.js';
import { GraphGateway } from '../../services/graph/graph-gateway.js';
import { GraphRequestError } from '../../services/graph/graph-errors.js';
import { Pacer } from '../../services/pacing/pacer.js';
import { SystemClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { testCertificate } from '../helpers/tls.js';

/**
 * The gateway against a scripted HTTPS server: checks what goes on the wire (auth header, absolute
 * nextLinks followed, retries) independently of the simulated tenant.
 */
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let base: string;
let cert: string;
let handler: Handler;
const seen: { method: string; url: string; auth: string | undefined; prefer: string | undefined }[] = [];

beforeAll(async () => {
  const tls = await testCertificate();
  cert = tls.cert;
  server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, prefer: req.headers.prefer as string | undefined });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req-' + seen.length, ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function gateway(scale = 1000) {
  const budgets = scaleBudgets(DOCUMENTED_BUDGETS, scale);
  const clock = new SystemClock();
  return new GraphGateway({ baseUrl: base, auth: { kind: 'static-token', token: 'sim-token' }, caPem: cert, pacer: new Pacer(budgets, clock), budgets, clock, logger: silentLogger(), maxRetries: 4 });
}

describe('GraphGateway', () => {
  it('sends the bearer token to a custom host and follows absolute https nextLinks to the end', async () => {
    handler = (req, _b, res) => {
      const u = new URL(req.url!, base);
      const page = Number(u.searchParams.get('$skiptoken') ?? '0');
      json(res, 200, { value: [{ id: `u${page}` }], ...(page < 2 ? { '@odata.nextLink': `${base}/v1.0/users?$top=1&$skiptoken=${page + 1}` } : {}) });
    };
    const g = gateway();
    const ids = (await g.all<{ id: string }>('/users?$top=1')).map((u) => u.id);
    expect(ids).toEqual(['u0', 'u1', 'u2']);
    expect(seen.map((s) => s.url)).toEqual(['/v1.0/users?$top=1', '/v1.0/users?$top=1&$skiptoken=1', '/v1.0/users?$top=1&$skiptoken=2']);
    expect(seen.every((s) => s.auth === 'Bearer sim-token')).toBe(true);
    await g.close();
  });

  it('uses the beta version and passes headers such as Prefer', async () => {
    handler = (_req, _b, res) => json(res, 200, { value: [] });
    const g = gateway();
    await g.get('/auditLogs/signIns', { version: 'beta', headers: { Prefer: 'include-unknown-enum-members' } });
    expect(seen[0]!.url).toBe('/beta/auditLogs/signIns');
    expect(seen[0]!.prefer).toBe('include-unknown-enum-members');
    await g.close();
  });

  it('retries a 429 after its Retry-After and a 503, then succeeds', async () => {
    let n = 0;
    handler = (_req, _b, res) => {
      n++;
      if (n === 1) return json(res, 429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': '1' });
      if (n === 2) return json(res, 503, { error: { code: 'serviceNotAvailable', message: 'later' } });
      json(res, 200, { id: 'x' });
    };
    const g = gateway();
    const t0 = Date.now();
    const body = await g.get<{ id: string }>('/users/x');
    expect(body.id).toBe('x');
    expect(n).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(g.traffic.throttled).toBe(1);
    await g.close();
  });

  it('backs off when a 429 comes without Retry-After (Conditional Access) and holds the budget', async () => {
    let n = 0;
    handler = (_req, _b, res) => {
      n++;
      if (n === 1) return json(res, 429, { error: { code: 'TooManyRequests', message: 'no retry-after here' } });
      json(res, 200, { id: 'p1' });
    };
    const g = gateway();
    const body = await g.get<{ id: string }>('/identity/conditionalAccess/policies/p1');
    expect(body.id).toBe('p1');
    expect(n).toBe(2);
    await g.close();
  });

  it('does not retry a POST that may have been acted on (503), but does after a 429', async () => {
    let n = 0;
    handler = (_req, _b, res) => {
      n++;
      json(res, 503, { error: { code: 'serviceNotAvailable', message: 'maybe created' } });
    };
    const g = gateway();
    const err = await g.post('/identity/conditionalAccess/policies', { displayName: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(GraphRequestError);
    expect((err as GraphRequestError).kind).toBe('unavailable');
    expect(n).toBe(1);
    await g.close();
  });

  it('turns Graph errors into typed values with the request id and no query string', async () => {
    handler = (_req, _b, res) => json(res, 404, { error: { code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist" } }, { 'request-id': 'abc-123' });
    const g = gateway();
    const err = (await g.get("/users/someone@contoso.com?$select=id").catch((e) => e)) as GraphRequestError;
    expect(err.kind).toBe('not_found');
    expect(err.code).toBe('Request_ResourceNotFound');
    expect(err.requestId).toBe('abc-123');
    expect(err.path).toBe('/users/someone@contoso.com');
    expect(await g.getOrNull('/users/nobody')).toBeNull();
    await g.close();
  });

  it('batches at most 20 per envelope, keeps order, and retries inner 429s', async () => {
    const envelopes: number[] = [];
    let throttledOnce = false;
    handler = (_req, body, res) => {
      const { requests } = JSON.parse(body) as { requests: { id: string; url: string }[] };
      envelopes.push(requests.length);
      const responses = requests.map((r) => {
        if (r.id === '3' && !throttledOnce) {
          throttledOnce = true;
          return { id: r.id, status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests' } } };
        }
        return { id: r.id, status: 200, body: { url: r.url } };
      });
      json(res, 200, { responses: responses.reverse() });
    };
    const g = gateway();
    const items = Array.from({ length: 45 }, (_, i) => ({ method: 'GET' as const, url: `/users/u${i}` }));
    const out = await g.batch<{ url: string }>(items);
    expect(out.map((o) => o.body.url)).toEqual(items.map((i) => i.url));
    // the throttled request goes again alone (after its Retry-After) before the next envelope
    expect(envelopes).toEqual([20, 1, 20, 5]);
    await g.close();
  });

  it('refuses to talk to a server whose certificate it was not told to trust', async () => {
    handler = (_req, _b, res) => json(res, 200, {});
    const budgets = DOCUMENTED_BUDGETS;
    const clock = new SystemClock();
    const g = new GraphGateway({ baseUrl: base, auth: { kind: 'static-token', token: 't' }, caPem: null, pacer: new Pacer(budgets, clock), budgets, clock, logger: silentLogger(), maxRetries: 0 });
    const err = (await g.get('/users').catch((e) => e)) as GraphRequestError;
    expect(err).toBeInstanceOf(GraphRequestError);
    expect(err.kind).toBe('network');
    expect(seen).toHaveLength(0);
    await g.close();
  });
});
