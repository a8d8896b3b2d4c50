import { createHash } from 'node:crypto';
import type { AuditEntry, AuditEntryInput, AuditLog, AuditVerification } from '../ports/audit.js';
import { jsonParam, SQLSTATE, sqlErrorCode, type SqlExecutor } from './sql.js';

export const AUDIT_GENESIS = 'genesis';

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What one row's hash covers (everything but seq, prev_hash and hash, which frame it). */
export function auditContent(e: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>): string {
  return canonicalJson({
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    campaignId: e.campaignId,
    cohortId: e.cohortId,
    subject: e.subject,
    before: e.before ?? null,
    after: e.after ?? null,
    details: e.details ?? {},
    graphRequestId: e.graphRequestId,
  });
}

export function auditHash(prevHash: string, seq: number, content: string): string {
  return createHash('sha256').update(`${prevHash}|${seq}|${content}`, 'utf8').digest('hex');
}

interface AuditRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  campaign_id: string | null;
  cohort_id: string | null;
  subject: string | null;
  before: unknown;
  after: unknown;
  details: Record<string, unknown>;
  graph_request_id: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, action, campaign_id, cohort_id, subject, before, after, details, graph_request_id, prev_hash, hash';

function fromRow(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    campaignId: r.campaign_id,
    cohortId: r.cohort_id,
    subject: r.subject,
    before: r.before,
    after: r.after,
    details: r.details ?? {},
    graphRequestId: r.graph_request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Arbitrary, fixed: serializes appends inside transactions across replicas. */
const AUDIT_LOCK_KEY = 734_917;

export class SqlAuditLog implements AuditLog {
  constructor(private readonly db: SqlExecutor) {}

  async append(input: AuditEntryInput): Promise<AuditEntry> {
    const normalized = {
      at: input.at,
      actor: input.actor,
      action: input.action,
      campaignId: input.campaignId ?? null,
      cohortId: input.cohortId ?? null,
      subject: input.subject ?? null,
      // Round-trip through JSON so what is hashed is exactly what jsonb gives back.
      before: input.before === undefined ? null : JSON.parse(JSON.stringify(input.before)),
      after: input.after === undefined ? null : JSON.parse(JSON.stringify(input.after)),
      details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
      graphRequestId: input.graphRequestId ?? null,
    };
    const content = auditContent(normalized);
    for (let attempt = 0; ; attempt++) {
      // Inside a transaction the lock holds until commit; outside, the primary key on seq makes a
      // racing append fail and retry on the new tail.
      await this.db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const tail = await this.db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const prevHash = tail.rows[0]?.hash ?? AUDIT_GENESIS;
      const seq = (tail.rows[0]?.seq ?? 0) + 1;
      const hash = auditHash(prevHash, seq, content);
      try {
        await this.db.query(
          `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12, $13)`,
          [seq, normalized.at, normalized.actor, normalized.action, normalized.campaignId, normalized.cohortId, normalized.subject, jsonParam(normalized.before), jsonParam(normalized.after), jsonParam(normalized.details), normalized.graphRequestId, prevHash, hash],
        );
        return { seq, ...normalized, prevHash, hash };
      } catch (e) {
        if (sqlErrorCode(e) === SQLSTATE.uniqueViolation && attempt < 20) continue;
        throw e;
      }
    }
  }

  async recent(opts: { cohortId?: string | null; campaignId?: string | null; limit: number }): Promise<AuditEntry[]> {
    const { rows } = opts.cohortId
      ? await this.db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE cohort_id = $1 ORDER BY seq DESC LIMIT $2`, [opts.cohortId, opts.limit])
      : opts.campaignId
        ? await this.db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE campaign_id = $1 ORDER BY seq DESC LIMIT $2`, [opts.campaignId, opts.limit])
        : await this.db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1`, [opts.limit]);
    return rows.map(fromRow);
  }

  async verify(): Promise<AuditVerification> {
    let prevHash = AUDIT_GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (;;) {
      const { rows } = await this.db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 2000`, [expectedSeq]);
      if (rows.length === 0) return { ok: true, entries: count, head: count > 0 ? prevHash : null };
      for (const r of rows) {
        const e = fromRow(r);
        if (e.seq !== expectedSeq) return { ok: false, entries: count, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (e.prevHash !== prevHash) return { ok: false, entries: count, brokenAt: e.seq, reason: `entry ${e.seq} does not follow entry ${e.seq - 1}` };
        const hash = auditHash(prevHash, e.seq, auditContent(e));
        if (hash !== e.hash) return { ok: false, entries: count, brokenAt: e.seq, reason: `entry ${e.seq} was changed after it was written` };
        prevHash = e.hash;
        expectedSeq++;
        count++;
      }
    }
  }
}
