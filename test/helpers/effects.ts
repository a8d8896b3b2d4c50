import { createHash } from 'node:crypto';
import type { SqlStore } from '../../services/store/index.js';
import type { TestWorld } from './world.js';

/**
 * What an action left behind, to prove a refused one left nothing: every row of every store table
 * (hashed per table), the audit log's length, the Graph writes the simulated tenant answered, and
 * what the bot sent through the connector.
 */
export interface Effects {
  tables: Record<string, string>;
  auditEntries: number;
  graphWrites: number;
  outbound: number;
}

/** Tables any turn touches whoever sends it (the conversation reference is refreshed on every turn). */
const TOUCHED_BY_EVERY_TURN = new Set(['conversation_refs', 'leases']);

export async function effects(w: TestWorld): Promise<Effects> {
  const driver = (w.bot.store as SqlStore).driver;
  const { rows: tables } = await driver.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, string> = {};
  for (const { table_name: t } of tables) {
    if (TOUCHED_BY_EVERY_TURN.has(t) || t.startsWith('schema_migrations')) continue;
    const { rows } = await driver.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM "${t}" x`);
    out[t] = createHash('sha256').update(rows.map((r) => r.j).sort().join('\n')).digest('hex').slice(0, 16) + `:${rows.length}`;
  }
  const audit = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  return { tables: out, auditEntries: audit.rows[0]!.n, graphWrites: graphWrites(w), outbound: w.world.channel.outbound().length };
}

/** POST actions that only read (the role check asks checkMemberGroups on every turn). */
const READ_ONLY_POSTS = /\/(\$batch|checkMemberGroups|checkMemberObjects|getMemberGroups|getMemberObjects|getByIds)$/i;

/** Graph requests other than reads the simulated tenant has answered, by route. */
export function graphWriteRoutes(w: TestWorld): Record<string, number> {
  return Object.fromEntries(Object.entries(w.world.sim.counters().routes).filter(([route]) => !/^GET\b/.test(route) && !READ_ONLY_POSTS.test(route)));
}

export function graphWrites(w: TestWorld): number {
  return Object.values(graphWriteRoutes(w)).reduce((n, c) => n + c, 0);
}

/** The tables whose content differs between two snapshots. */
export function changedTables(a: Effects, b: Effects): string[] {
  const names = new Set([...Object.keys(a.tables), ...Object.keys(b.tables)]);
  return [...names].filter((t) => a.tables[t] !== b.tables[t]).sort();
}
