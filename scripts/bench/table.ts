import type { BenchResult } from './run.js';

/** The printed table: one row per tenant size, then the naive sync line. */
export function table(r: BenchResult): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const rows: string[][] = [
    ['users', 'sync req (report+fido2 / min)', 'budget use', '429 to caller', 'sync s', 'incr req (of full)', 'fan-out ops', 'ceiling use (scale)', 'dup', 'lost', 'fan-out s', 'status p50/p95 ms', 'bot peak RSS MB'],
    ...r.sizes.map((s) => [
      String(s.users),
      `${s.sync.requests} (${s.sync.reportRequests}+${s.sync.fido2Requests} / ${s.sync.minimumRequests})`,
      pct(s.sync.budgetUtilization),
      String(s.sync.callerVisible429),
      String(s.sync.seconds),
      `${s.incremental.requests} (${pct(s.incremental.requestFraction)})`,
      String(s.fanout.operations),
      `${pct(s.fanout.ceilingUtilization)} (×${s.fanout.scale})`,
      String(s.fanout.duplicates),
      String(s.fanout.lost),
      String(s.fanout.seconds),
      `${s.status.p50ms} / ${s.status.p95ms}`,
      String(s.peakRssMB),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const lines = [line(rows[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)];
  const naive = r.naive ? `naive sync of ${r.naive.users} users (one methods call each): ${r.naive.requests} reports-budget requests = ${r.naive.requestRatio}× the product's full sync` : 'naive sync: skipped';
  return `budget scale ×${r.scale} (syncs and status; fan-out at the scale in its column)\n${lines.join('\n')}\n${naive}`;
}
