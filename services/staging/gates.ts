import { createHash } from 'node:crypto';
import { canonical } from './canonical.js';
import type { EvidenceSummary } from './evidence.js';
import type { StageMove } from './stages.js';

/**
 * The gates a cohort passes before it moves forward (issue 5.3), pure: inputs gathered by the
 * staging service in, results out. A failed **hard** gate stops the move, full stop (break-glass
 * exclusion; member data for enforcement). A failed **soft** gate stops it unless an admin gives a
 * written reason (`because …`), which is recorded.
 */
export type GateId = 'synced' | 'compliance' | 'evidence' | 'break-glass' | 'drift' | 'warnings';
export type GateStatus = 'pass' | 'fail';

export interface GateResult {
  id: GateId;
  title: string;
  hard: boolean;
  status: GateStatus;
  /** One line with the figures. */
  detail: string;
}

export interface GateInputs {
  move: StageMove;
  now: Date;
  synced: { membersSyncedAt: Date | null; members: number };
  compliance: { counted: number; compliant: number; readyPct: number; thresholdPct: number };
  /** Null when the move does not need sign-in evidence. */
  evidence: null | {
    summary: EvidenceSummary | null;
    /** Why there is no summary (no report-only policy yet, Graph refused …). */
    unavailable: string | null;
    soakDays: number;
    inReportOnlySince: Date;
    /** Members counted for the share (break-glass and disabled excluded). */
    counted: number;
    maxPct: number;
  };
  breakGlass: {
    entries: number;
    /** Per existing policy: the break-glass accounts/groups it does not exclude. */
    missing: { policy: string; names: string[] }[];
  };
  drift: { findings: string[] };
  warnings: null | { minWarnings: number; nonCompliant: number; notWarned: number; exempted: number };
}

/** Which gates each forward move checks (the README's table). */
export function gatesFor(move: StageMove): GateId[] {
  if (move.direction !== 'forward') return [];
  if (move.to === 'nudging') return [];
  if (move.to === 'report-only') return ['synced', 'break-glass', 'drift'];
  return ['synced', 'compliance', 'evidence', 'break-glass', 'drift', 'warnings'];
}

const DAY_MS = 24 * 3600_000;

function pct(n: number, of: number): number {
  return of === 0 ? 0 : Math.round((n / of) * 1000) / 10;
}

export function evaluateGates(i: GateInputs): GateResult[] {
  const out: GateResult[] = [];
  const enforcing = i.move.to === 'enforced';
  for (const id of gatesFor(i.move)) {
    switch (id) {
      case 'synced': {
        const ok = i.synced.membersSyncedAt !== null;
        out.push({
          id,
          title: 'Members known',
          hard: enforcing,
          status: ok ? 'pass' : 'fail',
          detail: ok ? `${i.synced.members} members, read ${i.synced.membersSyncedAt!.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'the cohort has not been synced yet: say `sync` first',
        });
        break;
      }
      case 'compliance': {
        const c = i.compliance;
        const ok = c.counted > 0 && c.readyPct >= c.thresholdPct;
        out.push({ id, title: 'Ready share', hard: false, status: ok ? 'pass' : 'fail', detail: `${c.compliant} of ${c.counted} ready (${c.readyPct}%), threshold ${c.thresholdPct}%` });
        break;
      }
      case 'evidence': {
        const e = i.evidence!;
        const soakedMs = i.now.getTime() - e.inReportOnlySince.getTime();
        const soaked = soakedMs >= e.soakDays * DAY_MS;
        if (!e.summary) {
          out.push({ id, title: 'Report-only evidence', hard: false, status: 'fail', detail: `no sign-in evidence: ${e.unavailable ?? 'not read'}` });
          break;
        }
        const s = e.summary;
        const share = pct(s.failedUsers, e.counted);
        const problems: string[] = [];
        if (!soaked) problems.push(`report-only for ${Math.floor(soakedMs / DAY_MS * 10) / 10} of ${e.soakDays} soak days`);
        if (share > e.maxPct) problems.push(`${share}% would be blocked (most allowed ${e.maxPct}%)`);
        if (s.unknownResults > 0 && s.signIns > 0 && s.unknownResults === s.signIns) problems.push('Graph returned no report-only results (unknownFutureValue)');
        out.push({
          id,
          title: 'Report-only evidence',
          hard: false,
          status: problems.length === 0 ? 'pass' : 'fail',
          detail: `${s.signIns} sign-ins by ${s.usersSeen} members since ${s.from.toISOString().slice(0, 10)}: ${s.failedUsers} would be blocked (${share}%), ${s.interruptedUsers} would be prompted${problems.length ? ` — ${problems.join('; ')}` : ''}`,
        });
        break;
      }
      case 'break-glass': {
        const b = i.breakGlass;
        const missing = b.missing.filter((m) => m.names.length > 0);
        const status: GateStatus = b.entries > 0 && missing.length === 0 ? 'pass' : 'fail';
        const detail =
          b.entries === 0
            ? 'no break-glass accounts are listed for the campaign: `breakglass add <user|group> to <campaign>`'
            : missing.length > 0
              ? missing.map((m) => `the ${m.policy} policy does not exclude ${m.names.join(', ')}`).join('; ')
              : `${b.entries} break-glass account(s)/group(s) excluded from both policies`;
        out.push({ id, title: 'Break-glass excluded', hard: true, status, detail });
        break;
      }
      case 'drift': {
        const f = i.drift.findings;
        out.push({ id, title: 'No drift', hard: false, status: f.length === 0 ? 'pass' : 'fail', detail: f.length === 0 ? 'the policies and passkey profiles are as the bot last wrote or accepted them' : f.slice(0, 4).join('; ') + (f.length > 4 ? ` (+${f.length - 4} more)` : '') });
        break;
      }
      case 'warnings': {
        const w = i.warnings!;
        const missing = Math.max(0, w.notWarned - w.exempted);
        out.push({
          id,
          title: `Everyone warned ${w.minWarnings}×`,
          hard: false,
          status: missing === 0 ? 'pass' : 'fail',
          detail: missing === 0 ? `${w.nonCompliant} not ready, all warned at least ${w.minWarnings} times or exempted` : `${missing} of ${w.nonCompliant} not-ready members were warned fewer than ${w.minWarnings} times and are not exempted`,
        });
        break;
      }
    }
  }
  return out;
}

export interface GateVerdict {
  ok: boolean;
  hardFailures: GateResult[];
  softFailures: GateResult[];
  /** Soft failures passed over with a written reason. */
  overridden: GateResult[];
}

export function verdict(results: GateResult[], reason: string | null): GateVerdict {
  const hardFailures = results.filter((r) => r.status === 'fail' && r.hard);
  const softFailures = results.filter((r) => r.status === 'fail' && !r.hard);
  const overridable = reason !== null && reason.trim().length > 0;
  return { ok: hardFailures.length === 0 && (softFailures.length === 0 || overridable), hardFailures, softFailures, overridden: overridable ? softFailures : [] };
}

/**
 * What an approval was given on. The discrete part hashes into a fingerprint (any change voids the
 * approval); the figures are compared with a tolerance, so a few more people registering does not
 * void it but a drop does.
 */
export interface ApprovalBasis {
  gates: { id: GateId; status: GateStatus }[];
  policies: { id: string | null; modified: string | null }[];
  breakGlass: string[];
  strengthId: string | null;
  settings: { thresholdPct: number; soakDays: number; failureMaxPct: number; minWarnings: number };
  readyPct: number;
  failureSharePct: number;
}

export function fingerprintOf(b: ApprovalBasis): string {
  const discrete = {
    gates: [...b.gates].sort((x, y) => x.id.localeCompare(y.id)),
    policies: b.policies,
    breakGlass: [...b.breakGlass].sort(),
    strengthId: b.strengthId,
    settings: b.settings,
  };
  return createHash('sha256').update(canonical(discrete)).digest('hex');
}

/** Figures may move this much against the approval before it is void. */
export const TOLERANCE = { readyPctDrop: 2, failureShareRise: 1 };

/** Null when the approval still stands; else why it is void, in words. */
export function materialChange(requested: ApprovalBasis & { fingerprint: string }, now: ApprovalBasis): string | null {
  const reasons: string[] = [];
  for (const g of now.gates) {
    const before = requested.gates.find((x) => x.id === g.id);
    if (before && before.status !== g.status) reasons.push(`the ${g.id} gate now ${g.status === 'pass' ? 'passes' : 'fails'}`);
  }
  if (canonical(requested.policies) !== canonical(now.policies)) reasons.push('a policy was changed since the request');
  if (canonical([...requested.breakGlass].sort()) !== canonical([...now.breakGlass].sort())) reasons.push('the break-glass list changed');
  if (requested.strengthId !== now.strengthId) reasons.push('the authentication strength changed');
  if (canonical(requested.settings) !== canonical(now.settings)) reasons.push('the campaign settings for the gates changed');
  if (requested.readyPct - now.readyPct > TOLERANCE.readyPctDrop) reasons.push(`the ready share fell from ${requested.readyPct}% to ${now.readyPct}%`);
  if (now.failureSharePct - requested.failureSharePct > TOLERANCE.failureShareRise) reasons.push(`would-be failures rose from ${requested.failureSharePct}% to ${now.failureSharePct}%`);
  if (reasons.length === 0 && fingerprintOf(now) !== requested.fingerprint) reasons.push('the gate inputs changed');
  return reasons.length === 0 ? null : reasons.join('; ');
}
