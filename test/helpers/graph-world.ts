import { DOCUMENTED_BUDGETS, scaleBudgets, type BudgetTable } from '../../services/budgets.js';
import { GraphDirectory } from '../../services/graph/graph-directory.js';
import { GraphGateway } from '../../services/graph/graph-gateway.js';
import { GraphRegistrationSource } from '../../services/graph/graph-registration-source.js';
import { Pacer } from '../../services/pacing/pacer.js';
import type { Store } from '../../services/ports/store.js';
import { generateTenant } from '../../services/sim/tenant/generate.js';
import type { TenantFile } from '../../services/sim/tenant/model.js';
import { SimTenant } from '../../services/sim/tenant/sim-tenant.js';
import { openStore } from '../../services/store/index.js';
import { OffsetClock, SeededRandom } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { testCertificate } from './tls.js';

/** Graph adapters against a simulated tenant and an in-memory store: for service-level tests. */
export interface GraphWorld {
  tenant: TenantFile;
  sim: SimTenant;
  clock: OffsetClock;
  budgets: BudgetTable;
  graph: GraphGateway;
  directory: GraphDirectory;
  source: GraphRegistrationSource;
  store: Store;
  close(): Promise<void>;
}

export async function startGraphWorld(o: { users?: number; seed?: number; tenant?: TenantFile; scale?: number } = {}): Promise<GraphWorld> {
  const tenant = o.tenant ?? generateTenant({ users: o.users ?? 400, seed: o.seed ?? 3 });
  const clock = new OffsetClock(new Date(Date.parse(tenant.tenant.generatedAt) + 7 * 24 * 3600_000));
  const budgets = scaleBudgets(DOCUMENTED_BUDGETS, o.scale ?? 100);
  const tls = await testCertificate();
  const token = 'graph-world-token';
  const sim = await SimTenant.start({ tenant, clock, budgets, tls, staticToken: token, random: new SeededRandom(1) });
  const graph = new GraphGateway({ baseUrl: sim.baseUrl, auth: { kind: 'static-token', token }, caPem: tls.cert, pacer: new Pacer(budgets, clock), budgets, clock, logger: silentLogger() });
  const store = await openStore({ memory: true, logger: silentLogger(), clock });
  return {
    tenant,
    sim,
    clock,
    budgets,
    graph,
    directory: new GraphDirectory(graph),
    source: new GraphRegistrationSource(graph, silentLogger()),
    store,
    async close() {
      await graph.close();
      await sim.close();
      await store.close();
    },
  };
}
