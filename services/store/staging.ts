import type { CohortStage } from '../ports/campaign-store.js';
import type {
  Approval,
  Approvals,
  ApprovalStatus,
  DriftAlert,
  DriftAlerts,
  DriftChange,
  DriftStatus,
  Exemption,
  Exemptions,
  GuardState,
  GuardStates,
  PolicySnapshot,
  PolicySnapshots,
  PostedCard,
  SnapshotKind,
} from '../ports/staging-store.js';
import { jsonParam, SQLSTATE, sqlErrorCode, type SqlExecutor } from './sql.js';

// ---- approvals ---------------------------------------------------------------------------------

interface ApprovalRow {
  id: string;
  cohort_id: string;
  campaign_id: string;
  from_stage: CohortStage;
  to_stage: CohortStage;
  requested_by: string;
  requested_at: Date;
  expires_at: Date;
  reason: string | null;
  fingerprint: string;
  gate_inputs: Record<string, unknown>;
  gate_results: unknown[];
  plan: Record<string, unknown>;
  status: ApprovalStatus;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  executed_at: Date | null;
  cards: PostedCard[];
}

const APPROVAL_COLUMNS =
  'id, cohort_id, campaign_id, from_stage, to_stage, requested_by, requested_at, expires_at, reason, fingerprint, gate_inputs, gate_results, plan, status, decided_by, decided_at, decision_note, executed_at, cards';

function approvalFromRow(r: ApprovalRow): Approval {
  return {
    id: r.id,
    cohortId: r.cohort_id,
    campaignId: r.campaign_id,
    fromStage: r.from_stage,
    toStage: r.to_stage,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    expiresAt: r.expires_at,
    reason: r.reason,
    fingerprint: r.fingerprint,
    gateInputs: r.gate_inputs ?? {},
    gateResults: r.gate_results ?? [],
    plan: r.plan ?? {},
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
    executedAt: r.executed_at,
    cards: r.cards ?? [],
  };
}

export class SqlApprovals implements Approvals {
  constructor(private readonly db: SqlExecutor) {}

  async create(a: Approval): Promise<'ok' | 'pending_exists'> {
    // Checked first: inside a transaction a failed INSERT would abort the whole transaction.
    const open = await this.db.query("SELECT 1 FROM approvals WHERE cohort_id = $1 AND status = 'pending'", [a.cohortId]);
    if (open.rowCount > 0) return 'pending_exists';
    try {
      await this.db.query(
        `INSERT INTO approvals (${APPROVAL_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15, $16, $17, $18, $19::jsonb)`,
        [
          a.id, a.cohortId, a.campaignId, a.fromStage, a.toStage, a.requestedBy, a.requestedAt, a.expiresAt, a.reason, a.fingerprint,
          jsonParam(a.gateInputs), jsonParam(a.gateResults), jsonParam(a.plan), a.status, a.decidedBy, a.decidedAt, a.decisionNote, a.executedAt, jsonParam(a.cards),
        ],
      );
      return 'ok';
    } catch (e) {
      if (sqlErrorCode(e) === SQLSTATE.uniqueViolation) return 'pending_exists';
      throw e;
    }
  }

  async get(id: string): Promise<Approval | null> {
    const { rows } = await this.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = $1`, [id]);
    return rows[0] ? approvalFromRow(rows[0]) : null;
  }

  async pendingFor(cohortId: string): Promise<Approval | null> {
    const { rows } = await this.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE cohort_id = $1 AND status = 'pending'`, [cohortId]);
    return rows[0] ? approvalFromRow(rows[0]) : null;
  }

  async approvedNotExecuted(cohortId: string): Promise<Approval | null> {
    const { rows } = await this.db.query<ApprovalRow>(
      `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE cohort_id = $1 AND status = 'approved' AND executed_at IS NULL ORDER BY decided_at DESC LIMIT 1`,
      [cohortId],
    );
    return rows[0] ? approvalFromRow(rows[0]) : null;
  }

  async listPending(): Promise<Approval[]> {
    const { rows } = await this.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE status = 'pending' ORDER BY requested_at`);
    return rows.map(approvalFromRow);
  }

  async decide(id: string, from: ApprovalStatus, to: ApprovalStatus, by: string | null, at: Date, note: string | null): Promise<boolean> {
    const r = await this.db.query('UPDATE approvals SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6 WHERE id = $1 AND status = $2', [id, from, to, by, at, note]);
    return r.rowCount === 1;
  }

  async markExecuted(id: string, at: Date): Promise<void> {
    await this.db.query('UPDATE approvals SET executed_at = $2 WHERE id = $1 AND executed_at IS NULL', [id, at]);
  }

  async addCards(id: string, cards: PostedCard[]): Promise<void> {
    if (cards.length === 0) return;
    await this.db.query('UPDATE approvals SET cards = cards || $2::jsonb WHERE id = $1', [id, jsonParam(cards)]);
  }

  async duePending(now: Date): Promise<Approval[]> {
    const { rows } = await this.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at`, [now]);
    return rows.map(approvalFromRow);
  }
}

// ---- exemptions --------------------------------------------------------------------------------

interface ExemptionRow {
  id: string;
  campaign_id: string;
  user_id: string;
  until: Date;
  reason: string;
  granted_by: string;
  granted_at: Date;
  removed_at: Date | null;
  removed_by: string | null;
  removal_reason: string | null;
}

const EXEMPTION_COLUMNS = 'id, campaign_id, user_id, until, reason, granted_by, granted_at, removed_at, removed_by, removal_reason';

function exemptionFromRow(r: ExemptionRow): Exemption {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    userId: r.user_id,
    until: r.until,
    reason: r.reason,
    grantedBy: r.granted_by,
    grantedAt: r.granted_at,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removalReason: r.removal_reason,
  };
}

export class SqlExemptions implements Exemptions {
  constructor(private readonly db: SqlExecutor) {}

  async grant(e: Exemption): Promise<{ exemption: Exemption; extended: boolean; previousUntil: Date | null }> {
    const current = await this.active(e.campaignId, e.userId);
    if (current) {
      await this.db.query('UPDATE exemptions SET until = $2, reason = $3, granted_by = $4, granted_at = $5 WHERE id = $1', [current.id, e.until, e.reason, e.grantedBy, e.grantedAt]);
      return { exemption: { ...current, until: e.until, reason: e.reason, grantedBy: e.grantedBy, grantedAt: e.grantedAt }, extended: true, previousUntil: current.until };
    }
    await this.db.query(`INSERT INTO exemptions (${EXEMPTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL)`, [e.id, e.campaignId, e.userId, e.until, e.reason, e.grantedBy, e.grantedAt]);
    return { exemption: { ...e, removedAt: null, removedBy: null, removalReason: null }, extended: false, previousUntil: null };
  }

  async active(campaignId: string, userId: string): Promise<Exemption | null> {
    const { rows } = await this.db.query<ExemptionRow>(`SELECT ${EXEMPTION_COLUMNS} FROM exemptions WHERE campaign_id = $1 AND user_id = $2 AND removed_at IS NULL`, [campaignId, userId]);
    return rows[0] ? exemptionFromRow(rows[0]) : null;
  }

  async listActive(campaignId?: string): Promise<Exemption[]> {
    const { rows } = campaignId
      ? await this.db.query<ExemptionRow>(`SELECT ${EXEMPTION_COLUMNS} FROM exemptions WHERE campaign_id = $1 AND removed_at IS NULL ORDER BY until, user_id`, [campaignId])
      : await this.db.query<ExemptionRow>(`SELECT ${EXEMPTION_COLUMNS} FROM exemptions WHERE removed_at IS NULL ORDER BY until, user_id`);
    return rows.map(exemptionFromRow);
  }

  async due(now: Date): Promise<Exemption[]> {
    const { rows } = await this.db.query<ExemptionRow>(`SELECT ${EXEMPTION_COLUMNS} FROM exemptions WHERE removed_at IS NULL AND until <= $1 ORDER BY until`, [now]);
    return rows.map(exemptionFromRow);
  }

  async end(id: string, at: Date, by: string, reason: string): Promise<boolean> {
    const r = await this.db.query('UPDATE exemptions SET removed_at = $2, removed_by = $3, removal_reason = $4 WHERE id = $1 AND removed_at IS NULL', [id, at, by, reason]);
    return r.rowCount === 1;
  }
}

// ---- policy snapshots --------------------------------------------------------------------------

interface SnapshotRow {
  campaign_id: string;
  kind: SnapshotKind;
  object_id: string;
  snapshot: Record<string, unknown>;
  modified_at: string | null;
  taken_at: Date;
  taken_by: string;
  reason: string;
}

const SNAPSHOT_COLUMNS = 'campaign_id, kind, object_id, snapshot, modified_at, taken_at, taken_by, reason';

function snapshotFromRow(r: SnapshotRow): PolicySnapshot {
  return { campaignId: r.campaign_id, kind: r.kind, objectId: r.object_id, snapshot: r.snapshot, modifiedAt: r.modified_at, takenAt: r.taken_at, takenBy: r.taken_by, reason: r.reason };
}

export class SqlPolicySnapshots implements PolicySnapshots {
  constructor(private readonly db: SqlExecutor) {}

  async get(campaignId: string, kind: SnapshotKind): Promise<PolicySnapshot | null> {
    const { rows } = await this.db.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM policy_snapshots WHERE campaign_id = $1 AND kind = $2`, [campaignId, kind]);
    return rows[0] ? snapshotFromRow(rows[0]) : null;
  }

  async list(campaignId: string): Promise<PolicySnapshot[]> {
    const { rows } = await this.db.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM policy_snapshots WHERE campaign_id = $1 ORDER BY kind`, [campaignId]);
    return rows.map(snapshotFromRow);
  }

  async put(s: PolicySnapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO policy_snapshots (${SNAPSHOT_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
       ON CONFLICT (campaign_id, kind) DO UPDATE SET object_id = EXCLUDED.object_id, snapshot = EXCLUDED.snapshot, modified_at = EXCLUDED.modified_at,
         taken_at = EXCLUDED.taken_at, taken_by = EXCLUDED.taken_by, reason = EXCLUDED.reason`,
      [s.campaignId, s.kind, s.objectId, jsonParam(s.snapshot), s.modifiedAt, s.takenAt, s.takenBy, s.reason],
    );
  }
}

// ---- drift alerts ------------------------------------------------------------------------------

interface DriftRow {
  id: string;
  campaign_id: string;
  kind: SnapshotKind;
  object_id: string;
  detected_at: Date;
  signature: string;
  changes: DriftChange[];
  affects: string[];
  status: DriftStatus;
  decided_by: string | null;
  decided_at: Date | null;
  cards: PostedCard[];
}

const DRIFT_COLUMNS = 'id, campaign_id, kind, object_id, detected_at, signature, changes, affects, status, decided_by, decided_at, cards';

function driftFromRow(r: DriftRow): DriftAlert {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    kind: r.kind,
    objectId: r.object_id,
    detectedAt: r.detected_at,
    signature: r.signature,
    changes: r.changes ?? [],
    affects: r.affects ?? ['*'],
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    cards: r.cards ?? [],
  };
}

export class SqlDriftAlerts implements DriftAlerts {
  constructor(private readonly db: SqlExecutor) {}

  async create(a: DriftAlert): Promise<'ok' | 'exists'> {
    const open = await this.db.query("SELECT 1 FROM drift_alerts WHERE campaign_id = $1 AND kind = $2 AND status = 'open'", [a.campaignId, a.kind]);
    if (open.rowCount > 0) return 'exists';
    try {
      await this.db.query(
        `INSERT INTO drift_alerts (${DRIFT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12::jsonb)`,
        [a.id, a.campaignId, a.kind, a.objectId, a.detectedAt, a.signature, jsonParam(a.changes), jsonParam(a.affects), a.status, a.decidedBy, a.decidedAt, jsonParam(a.cards)],
      );
      return 'ok';
    } catch (e) {
      if (sqlErrorCode(e) === SQLSTATE.uniqueViolation) return 'exists';
      throw e;
    }
  }

  async get(id: string): Promise<DriftAlert | null> {
    const { rows } = await this.db.query<DriftRow>(`SELECT ${DRIFT_COLUMNS} FROM drift_alerts WHERE id = $1`, [id]);
    return rows[0] ? driftFromRow(rows[0]) : null;
  }

  async openFor(campaignId: string): Promise<DriftAlert[]> {
    const { rows } = await this.db.query<DriftRow>(`SELECT ${DRIFT_COLUMNS} FROM drift_alerts WHERE campaign_id = $1 AND status = 'open' ORDER BY detected_at`, [campaignId]);
    return rows.map(driftFromRow);
  }

  async updateChanges(id: string, signature: string, changes: DriftChange[], affects: string[], at: Date): Promise<void> {
    await this.db.query("UPDATE drift_alerts SET signature = $2, changes = $3::jsonb, affects = $4::jsonb, detected_at = $5 WHERE id = $1 AND status = 'open'", [id, signature, jsonParam(changes), jsonParam(affects), at]);
  }

  async close(id: string, status: Exclude<DriftStatus, 'open'>, by: string, at: Date): Promise<boolean> {
    const r = await this.db.query("UPDATE drift_alerts SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'open'", [id, status, by, at]);
    return r.rowCount === 1;
  }

  async addCards(id: string, cards: PostedCard[]): Promise<void> {
    if (cards.length === 0) return;
    await this.db.query('UPDATE drift_alerts SET cards = cards || $2::jsonb WHERE id = $1', [id, jsonParam(cards)]);
  }
}

// ---- guard -------------------------------------------------------------------------------------

interface GuardRow {
  cohort_id: string;
  checked_at: Date;
  window_from: Date;
  window_to: Date;
  sign_ins: number;
  blocked: number;
  blocked_users: number;
  tripped_at: Date | null;
  details: Record<string, unknown>;
}

export class SqlGuardStates implements GuardStates {
  constructor(private readonly db: SqlExecutor) {}

  async get(cohortId: string): Promise<GuardState | null> {
    const { rows } = await this.db.query<GuardRow>('SELECT cohort_id, checked_at, window_from, window_to, sign_ins, blocked, blocked_users, tripped_at, details FROM guard_state WHERE cohort_id = $1', [cohortId]);
    const r = rows[0];
    return r
      ? { cohortId: r.cohort_id, checkedAt: r.checked_at, windowFrom: r.window_from, windowTo: r.window_to, signIns: r.sign_ins, blocked: r.blocked, blockedUsers: r.blocked_users, trippedAt: r.tripped_at, details: r.details ?? {} }
      : null;
  }

  async put(s: GuardState): Promise<void> {
    await this.db.query(
      `INSERT INTO guard_state (cohort_id, checked_at, window_from, window_to, sign_ins, blocked, blocked_users, tripped_at, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
       ON CONFLICT (cohort_id) DO UPDATE SET checked_at = EXCLUDED.checked_at, window_from = EXCLUDED.window_from, window_to = EXCLUDED.window_to,
         sign_ins = EXCLUDED.sign_ins, blocked = EXCLUDED.blocked, blocked_users = EXCLUDED.blocked_users, tripped_at = EXCLUDED.tripped_at, details = EXCLUDED.details`,
      [s.cohortId, s.checkedAt, s.windowFrom, s.windowTo, s.signIns, s.blocked, s.blockedUsers, s.trippedAt, jsonParam(s.details)],
    );
  }
}
