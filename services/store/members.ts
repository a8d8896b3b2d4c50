import type {
  CohortSnapshot,
  DeviceRecord,
  Snapshots,
  CohortMember,
  CohortMembers,
  DirectoryUserRecord,
  DirectoryUsers,
  KindProviderCount,
  MemberEvaluation,
  ProfileInput,
  ReportRowInput,
  StateCount,
  SyncRun,
  SyncRuns,
} from '../ports/campaign-store.js';
import { jsonParam, type SqlExecutor } from './sql.js';

/** Rows per bulk statement: keeps parameters small on 100k-user cohorts. */
const CHUNK = 5_000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface MemberRow {
  cohort_id: string;
  user_id: string;
  active: boolean;
  joined_at: Date;
  left_at: Date | null;
  is_break_glass: boolean;
  state: string;
  reason: string;
  advice: string;
  kind: string | null;
  provider: string | null;
  passkey_count: number | null;
  needs_detail: boolean;
  evaluated_at: Date | null;
}

const MEMBER_COLUMNS = 'cohort_id, user_id, active, joined_at, left_at, is_break_glass, state, reason, advice, kind, provider, passkey_count, needs_detail, evaluated_at';

function memberFromRow(r: MemberRow): CohortMember {
  return {
    cohortId: r.cohort_id,
    userId: r.user_id,
    active: r.active,
    joinedAt: r.joined_at,
    leftAt: r.left_at,
    isBreakGlass: r.is_break_glass,
    state: r.state,
    reason: r.reason,
    advice: r.advice,
    kind: r.kind,
    provider: r.provider,
    passkeyCount: r.passkey_count,
    needsDetail: r.needs_detail,
    evaluatedAt: r.evaluated_at,
  };
}

export class SqlCohortMembers implements CohortMembers {
  constructor(private readonly db: SqlExecutor) {}

  async replaceMembership(cohortId: string, userIds: string[], now: Date): Promise<{ joined: string[]; left: string[] }> {
    const wanted = new Set(userIds.map((u) => u.toLowerCase()));
    const { rows } = await this.db.query<{ user_id: string; active: boolean }>('SELECT user_id, active FROM cohort_members WHERE cohort_id = $1', [cohortId]);
    const known = new Map(rows.map((r) => [r.user_id, r.active]));
    const joined = [...wanted].filter((u) => known.get(u) !== true);
    const left = rows.filter((r) => r.active && !wanted.has(r.user_id)).map((r) => r.user_id);
    for (const part of chunks(joined)) {
      await this.db.query(
        `INSERT INTO cohort_members (cohort_id, user_id, active, joined_at)
         SELECT $1, u, true, $3 FROM unnest($2::text[]) AS u
         ON CONFLICT (cohort_id, user_id) DO UPDATE SET active = true, joined_at = EXCLUDED.joined_at, left_at = NULL`,
        [cohortId, part, now],
      );
    }
    for (const part of chunks(left)) {
      await this.db.query('UPDATE cohort_members SET active = false, left_at = $3 WHERE cohort_id = $1 AND user_id = ANY($2::text[])', [cohortId, part, now]);
    }
    return { joined, left };
  }

  async activeUserIds(cohortId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ user_id: string }>('SELECT user_id FROM cohort_members WHERE cohort_id = $1 AND active ORDER BY user_id', [cohortId]);
    return rows.map((r) => r.user_id);
  }

  async saveEvaluations(cohortId: string, evaluations: MemberEvaluation[], now: Date): Promise<void> {
    for (const part of chunks(evaluations)) {
      await this.db.query(
        `UPDATE cohort_members AS m SET is_break_glass = e.bg, state = e.state, reason = e.reason, advice = e.advice, kind = e.kind,
           provider = e.provider, passkey_count = e.cnt, needs_detail = e.nd, evaluated_at = $2
         FROM unnest($3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::boolean[])
           AS e(user_id, bg, state, reason, advice, kind, provider, cnt, nd)
         WHERE m.cohort_id = $1 AND m.user_id = e.user_id`,
        [
          cohortId,
          now,
          part.map((e) => e.userId),
          part.map((e) => e.isBreakGlass),
          part.map((e) => e.state),
          part.map((e) => e.reason),
          part.map((e) => e.advice),
          part.map((e) => e.kind),
          part.map((e) => e.provider),
          part.map((e) => e.passkeyCount),
          part.map((e) => e.needsDetail),
        ],
      );
    }
  }

  async get(cohortId: string, userId: string): Promise<CohortMember | null> {
    const { rows } = await this.db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM cohort_members WHERE cohort_id = $1 AND user_id = $2`, [cohortId, userId]);
    return rows[0] ? memberFromRow(rows[0]) : null;
  }

  async ofUser(userId: string): Promise<CohortMember[]> {
    const { rows } = await this.db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM cohort_members WHERE user_id = $1 AND active ORDER BY cohort_id`, [userId.toLowerCase()]);
    return rows.map(memberFromRow);
  }

  async countsByState(cohortIds: string[]): Promise<StateCount[]> {
    const { rows } = await this.db.query<{ state: string; count: number }>(
      'SELECT state, count(*)::int AS count FROM cohort_members WHERE cohort_id = ANY($1::uuid[]) AND active GROUP BY state ORDER BY state',
      [cohortIds],
    );
    return rows;
  }

  async countsByKindProvider(cohortIds: string[]): Promise<KindProviderCount[]> {
    const { rows } = await this.db.query<{ kind: string; provider: string; count: number }>(
      `SELECT coalesce(kind, 'none') AS kind, coalesce(provider, '') AS provider, count(*)::int AS count FROM cohort_members
       WHERE cohort_id = ANY($1::uuid[]) AND active GROUP BY 1, 2 ORDER BY count DESC, kind, provider`,
      [cohortIds],
    );
    return rows;
  }

  async list(cohortId: string, opts: { state?: string; offset: number; limit: number }): Promise<CohortMember[]> {
    const { rows } = opts.state
      ? await this.db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM cohort_members WHERE cohort_id = $1 AND active AND state = $2 ORDER BY user_id OFFSET $3 LIMIT $4`, [cohortId, opts.state, opts.offset, opts.limit])
      : await this.db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM cohort_members WHERE cohort_id = $1 AND active ORDER BY user_id OFFSET $2 LIMIT $3`, [cohortId, opts.offset, opts.limit]);
    return rows.map(memberFromRow);
  }
}

interface DirectoryUserRow {
  user_id: string;
  upn: string;
  display_name: string;
  account_enabled: boolean | null;
  user_type: string | null;
  methods_registered: string[] | null;
  passwordless_capable: boolean | null;
  is_admin: boolean | null;
  report_last_updated: Date | null;
  report_read_at: Date | null;
  fido2: unknown[] | null;
  fido2_read_at: Date | null;
  fido2_for_report: Date | null;
  devices: DeviceRecord[] | null;
  devices_read_at: Date | null;
  updated_at: Date;
}

const DIRECTORY_COLUMNS =
  'user_id, upn, display_name, account_enabled, user_type, methods_registered, passwordless_capable, is_admin, report_last_updated, report_read_at, fido2, fido2_read_at, fido2_for_report, devices, devices_read_at, updated_at';

function directoryUserFromRow(r: DirectoryUserRow): DirectoryUserRecord {
  return {
    userId: r.user_id,
    upn: r.upn,
    displayName: r.display_name,
    accountEnabled: r.account_enabled,
    userType: r.user_type,
    methodsRegistered: r.methods_registered,
    passwordlessCapable: r.passwordless_capable,
    isAdmin: r.is_admin,
    reportLastUpdated: r.report_last_updated,
    reportReadAt: r.report_read_at,
    fido2: r.fido2,
    fido2ReadAt: r.fido2_read_at,
    fido2ForReport: r.fido2_for_report,
    devices: r.devices,
    devicesReadAt: r.devices_read_at,
    updatedAt: r.updated_at,
  };
}

export class SqlDirectoryUsers implements DirectoryUsers {
  constructor(private readonly db: SqlExecutor) {}

  async upsertReportRows(rows: ReportRowInput[], now: Date): Promise<void> {
    for (const part of chunks(rows)) {
      await this.db.query(
        `INSERT INTO directory_users AS d (user_id, upn, display_name, user_type, methods_registered, passwordless_capable, is_admin, report_last_updated, report_read_at, updated_at)
         SELECT r.id, r.upn, r.name, r.utype, ARRAY(SELECT jsonb_array_elements_text(r.methods)), r.pwless, r.adm, r.lu, $1, $1
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::boolean[], $8::boolean[], $9::timestamptz[])
           AS r(id, upn, name, utype, methods, pwless, adm, lu)
         ON CONFLICT (user_id) DO UPDATE SET
           upn = EXCLUDED.upn, display_name = EXCLUDED.display_name, user_type = coalesce(EXCLUDED.user_type, d.user_type),
           methods_registered = EXCLUDED.methods_registered, passwordless_capable = EXCLUDED.passwordless_capable,
           is_admin = EXCLUDED.is_admin, report_last_updated = EXCLUDED.report_last_updated, report_read_at = EXCLUDED.report_read_at,
           updated_at = EXCLUDED.updated_at`,
        [
          now,
          part.map((r) => r.userId.toLowerCase()),
          part.map((r) => r.upn),
          part.map((r) => r.displayName),
          part.map((r) => r.userType),
          part.map((r) => JSON.stringify(r.methodsRegistered)),
          part.map((r) => r.passwordlessCapable),
          part.map((r) => r.isAdmin),
          part.map((r) => r.lastUpdated),
        ],
      );
    }
  }

  async upsertProfiles(users: ProfileInput[], now: Date): Promise<void> {
    for (const part of chunks(users)) {
      await this.db.query(
        `INSERT INTO directory_users AS d (user_id, upn, display_name, account_enabled, user_type, updated_at)
         SELECT u.id, u.upn, u.name, u.enabled, u.utype, $1
         FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS u(id, upn, name, enabled, utype)
         ON CONFLICT (user_id) DO UPDATE SET upn = EXCLUDED.upn, display_name = EXCLUDED.display_name,
           account_enabled = EXCLUDED.account_enabled, user_type = coalesce(EXCLUDED.user_type, d.user_type), updated_at = EXCLUDED.updated_at`,
        [now, part.map((u) => u.userId.toLowerCase()), part.map((u) => u.upn), part.map((u) => u.displayName), part.map((u) => u.accountEnabled), part.map((u) => u.userType)],
      );
    }
  }

  async saveFido2(userId: string, passkeys: unknown[], forReport: Date | null, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO directory_users AS d (user_id, fido2, fido2_read_at, fido2_for_report, updated_at) VALUES ($1, $2::jsonb, $3, $4, $3)
       ON CONFLICT (user_id) DO UPDATE SET fido2 = EXCLUDED.fido2, fido2_read_at = EXCLUDED.fido2_read_at, fido2_for_report = EXCLUDED.fido2_for_report, updated_at = EXCLUDED.updated_at`,
      [userId.toLowerCase(), jsonParam(passkeys), now, forReport],
    );
  }

  async get(userId: string): Promise<DirectoryUserRecord | null> {
    const { rows } = await this.db.query<DirectoryUserRow>(`SELECT ${DIRECTORY_COLUMNS} FROM directory_users WHERE user_id = $1`, [userId.toLowerCase()]);
    return rows[0] ? directoryUserFromRow(rows[0]) : null;
  }

  async getMany(userIds: string[]): Promise<Map<string, DirectoryUserRecord>> {
    const out = new Map<string, DirectoryUserRecord>();
    for (const part of chunks([...new Set(userIds.map((u) => u.toLowerCase()))])) {
      const { rows } = await this.db.query<DirectoryUserRow>(`SELECT ${DIRECTORY_COLUMNS} FROM directory_users WHERE user_id = ANY($1::text[])`, [part]);
      for (const r of rows) out.set(r.user_id, directoryUserFromRow(r));
    }
    return out;
  }

  async saveDevices(entries: { userId: string; devices: DeviceRecord[] }[], now: Date): Promise<void> {
    for (const part of chunks(entries)) {
      await this.db.query(
        `INSERT INTO directory_users AS d (user_id, devices, devices_read_at, updated_at)
         SELECT e.id, e.devices, $1, $1 FROM unnest($2::text[], $3::jsonb[]) AS e(id, devices)
         ON CONFLICT (user_id) DO UPDATE SET devices = EXCLUDED.devices, devices_read_at = EXCLUDED.devices_read_at`,
        [now, part.map((e) => e.userId.toLowerCase()), part.map((e) => JSON.stringify(e.devices))],
      );
    }
  }

  async listReported(offset: number, limit: number): Promise<DirectoryUserRecord[]> {
    const { rows } = await this.db.query<DirectoryUserRow>(`SELECT ${DIRECTORY_COLUMNS} FROM directory_users WHERE methods_registered IS NOT NULL ORDER BY user_id OFFSET $1 LIMIT $2`, [offset, limit]);
    return rows.map(directoryUserFromRow);
  }

  async findByUpn(upn: string): Promise<DirectoryUserRecord | null> {
    const { rows } = await this.db.query<DirectoryUserRow>(`SELECT ${DIRECTORY_COLUMNS} FROM directory_users WHERE lower(upn) = lower($1) LIMIT 1`, [upn]);
    return rows[0] ? directoryUserFromRow(rows[0]) : null;
  }
}

interface SyncRunRow {
  id: string;
  kind: SyncRun['kind'];
  campaign_id: string | null;
  status: SyncRun['status'];
  requested_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  progress: Record<string, unknown>;
  error: string | null;
  audit_watermark: Date | null;
}

const SYNC_COLUMNS = 'id, kind, campaign_id, status, requested_by, started_at, finished_at, progress, error, audit_watermark';

function syncRunFromRow(r: SyncRunRow): SyncRun {
  return {
    id: r.id,
    kind: r.kind,
    campaignId: r.campaign_id,
    status: r.status,
    requestedBy: r.requested_by,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    progress: r.progress ?? {},
    error: r.error,
    auditWatermark: r.audit_watermark,
  };
}

export class SqlSyncRuns implements SyncRuns {
  constructor(private readonly db: SqlExecutor) {}

  async start(run: SyncRun): Promise<void> {
    await this.db.query(`INSERT INTO sync_runs (${SYNC_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)`, [
      run.id, run.kind, run.campaignId, run.status, run.requestedBy, run.startedAt, run.finishedAt, jsonParam(run.progress), run.error, run.auditWatermark,
    ]);
  }

  async progress(id: string, progress: Record<string, unknown>): Promise<void> {
    await this.db.query('UPDATE sync_runs SET progress = $2::jsonb WHERE id = $1', [id, jsonParam(progress)]);
  }

  async finish(id: string, status: 'done' | 'failed', now: Date, error: string | null, auditWatermark: Date | null): Promise<void> {
    await this.db.query('UPDATE sync_runs SET status = $2, finished_at = $3, error = $4, audit_watermark = $5 WHERE id = $1', [id, status, now, error, auditWatermark]);
  }

  async latest(opts: { status?: SyncRun['status']; kind?: SyncRun['kind'] } = {}): Promise<SyncRun | null> {
    const { rows } = await this.db.query<SyncRunRow>(
      `SELECT ${SYNC_COLUMNS} FROM sync_runs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY started_at DESC LIMIT 1`,
      [opts.status ?? null, opts.kind ?? null],
    );
    return rows[0] ? syncRunFromRow(rows[0]) : null;
  }

  async running(): Promise<SyncRun[]> {
    const { rows } = await this.db.query<SyncRunRow>(`SELECT ${SYNC_COLUMNS} FROM sync_runs WHERE status = 'running' ORDER BY started_at`);
    return rows.map(syncRunFromRow);
  }
}

interface SnapshotRow {
  day: string;
  cohort_id: string;
  total: number;
  counted: number;
  compliant: number;
  states: Record<string, number>;
  taken_at: Date;
}

export class SqlSnapshots implements Snapshots {
  constructor(private readonly db: SqlExecutor) {}

  async save(s: CohortSnapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO cohort_snapshots (day, cohort_id, total, counted, compliant, states, taken_at) VALUES ($1::date, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT (day, cohort_id) DO UPDATE SET total = EXCLUDED.total, counted = EXCLUDED.counted, compliant = EXCLUDED.compliant, states = EXCLUDED.states, taken_at = EXCLUDED.taken_at`,
      [s.day, s.cohortId, s.total, s.counted, s.compliant, jsonParam(s.states), s.takenAt],
    );
  }

  async recent(cohortIds: string[], days: number): Promise<CohortSnapshot[]> {
    const { rows } = await this.db.query<SnapshotRow>(
      `SELECT day, cohort_id, total, counted, compliant, states, taken_at FROM cohort_snapshots
       WHERE cohort_id = ANY($1::uuid[]) AND day >= (SELECT max(day) FROM cohort_snapshots WHERE cohort_id = ANY($1::uuid[])) - ($2::int - 1)
       ORDER BY day, cohort_id`,
      [cohortIds, days],
    );
    return rows.map((r) => ({ day: r.day, cohortId: r.cohort_id, total: r.total, counted: r.counted, compliant: r.compliant, states: r.states, takenAt: r.taken_at }));
  }
}
