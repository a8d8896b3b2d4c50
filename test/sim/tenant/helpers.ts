import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { DOCUMENTED_BUDGETS, type BudgetTable } from '../../../services/budgets.js';
import type { TenantFile } from '../../../services/sim/tenant/model.js';
import { ensureCertificate, SimTenant, type SimTenantOptions } from '../../../services/sim/tenant/sim-tenant.js';
import { FakeClock } from '../../../services/system/clock.js';
import { tinyTenant } from './tiny-tenant.js';

let certPromise: Promise<{ key: string; cert: string; certPath: string }> | undefined;

/** One certificate per test process (made in a temp dir). */
export function testCertificate() {
  certPromise ??= ensureCertificate(mkdtempSync(join(tmpdir(), 'sim-tenant-test-')));
  return certPromise;
}

/** Budgets large enough that ordinary tests never meet them. */
export function generousBudgets(): BudgetTable {
  const out = structuredClone(DOCUMENTED_BUDGETS);
  for (const b of Object.values(out)) b.windows = b.windows.map((w) => ({ ...w, limit: 1_000_000 }));
  return out;
}

export interface Harness {
  sim: SimTenant;
  clock: FakeClock;
  agent: Agent;
  call: (method: string, path: string, init?: { headers?: Record<string, string>; body?: unknown }) => Promise<GraphReply>;
  get: (path: string, headers?: Record<string, string>) => Promise<GraphReply>;
  /** Follows an absolute link as a client would. */
  follow: (url: string, headers?: Record<string, string>) => Promise<GraphReply>;
  close: () => Promise<void>;
}

export interface GraphReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function startSim(
  opts: Partial<Omit<SimTenantOptions, 'tls'>> & { tenant?: TenantFile; clock?: FakeClock } = {},
): Promise<Harness> {
  const tls = await testCertificate();
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 0, 5, 19, 0, 0));
  const sim = await SimTenant.start({
    budgets: generousBudgets(),
    ...opts,
    tenant: opts.tenant ?? tinyTenant(),
    clock,
    tls,
  });
  const agent = new Agent({ connect: { ca: tls.cert } });
  const follow = async (url: string, headers: Record<string, string> = {}, method = 'GET', body?: unknown): Promise<GraphReply> => {
    const res = await fetch(url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: agent,
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers as unknown as Headers, body: parsed };
  };
  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) =>
    follow(`${sim.baseUrl}${path}`, init.headers, method, init.body);
  return {
    sim,
    clock,
    agent,
    call,
    get: (path, headers) => call('GET', path, { headers }),
    follow: (url, headers) => follow(url, headers),
    close: async () => {
      await agent.close();
      await sim.close();
    },
  };
}

/** Every page of a collection, following absolute next links. */
export async function allPages(h: Harness, path: string, headers?: Record<string, string>): Promise<{ pages: GraphReply[]; items: any[] }> {
  const pages: GraphReply[] = [];
  let r = await h.get(path, headers);
  pages.push(r);
  while (r.status === 200 && r.body['@odata.nextLink']) {
    r = await h.follow(r.body['@odata.nextLink'], headers);
    pages.push(r);
  }
  return { pages, items: pages.flatMap((p) => p.body?.value ?? []) };
}

/** Same keys and same JSON value kinds (null is compatible with anything). */
export function shapeDiff(expected: Record<string, unknown>, actual: Record<string, unknown>, ignore: string[] = []): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    if (ignore.includes(k)) continue;
    if (!(k in actual)) {
      problems.push(`missing ${k}`);
      continue;
    }
    const a = actual[k];
    if (v === null || a === null) continue;
    const kind = (x: unknown) => (Array.isArray(x) ? 'array' : typeof x);
    if (kind(v) !== kind(a)) problems.push(`${k}: expected ${kind(v)}, got ${kind(a)}`);
  }
  return problems;
}
