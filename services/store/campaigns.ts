import type { BreakGlassEntry, Campaign, Campaigns, Cohort, Cohorts } from '../ports/campaign-store.js';
import { jsonParam, SQLSTATE, sqlErrorCode, type SqlExecutor } from './sql.js';

interface CampaignRow {
  id: string;
  name: string;
  strength_kind: Campaign['strengthKind'];
  strength_id: string | null;
  deadline: string | null;
  threshold_pct: string;
  aaguid_allow: string[];
  aaguid_block: string[];
  settings: Record<string, unknown>;
  nudges_paused: boolean;
  report_only_policy_id: string | null;
  enforced_policy_id: string | null;
  exemptions_group_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

const CAMPAIGN_COLUMNS =
  'id, name, strength_kind, strength_id, deadline, threshold_pct, aaguid_allow, aaguid_block, settings, nudges_paused, report_only_policy_id, enforced_policy_id, exemptions_group_id, created_by, created_at, updated_at, version';

function campaignFromRow(r: CampaignRow): Campaign {
  return {
    id: r.id,
    name: r.name,
    strengthKind: r.strength_kind,
    strengthId: r.strength_id,
    deadline: r.deadline,
    thresholdPct: Number(r.threshold_pct),
    aaguidAllow: r.aaguid_allow,
    aaguidBlock: r.aaguid_block,
    settings: r.settings ?? {},
    nudgesPaused: r.nudges_paused,
    reportOnlyPolicyId: r.report_only_policy_id,
    enforcedPolicyId: r.enforced_policy_id,
    exemptionsGroupId: r.exemptions_group_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

export class SqlCampaigns implements Campaigns {
  constructor(private readonly db: SqlExecutor) {}

  async create(c: Campaign): Promise<'ok' | 'name_taken'> {
    // Checked first: inside a transaction a failed INSERT would abort the whole transaction.
    const taken = await this.db.query('SELECT 1 FROM campaigns WHERE name_key = lower($1)', [c.name]);
    if (taken.rowCount > 0) return 'name_taken';
    try {
      await this.db.query(
        `INSERT INTO campaigns (${CAMPAIGN_COLUMNS}, name_key)
         VALUES ($1, $2, $3, $4, $5::date, $6, $7::text[], $8::text[], $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, lower($2))`,
        [c.id, c.name, c.strengthKind, c.strengthId, c.deadline, c.thresholdPct, c.aaguidAllow, c.aaguidBlock, jsonParam(c.settings), c.nudgesPaused, c.reportOnlyPolicyId, c.enforcedPolicyId, c.exemptionsGroupId, c.createdBy, c.createdAt, c.updatedAt, c.version],
      );
      return 'ok';
    } catch (e) {
      if (sqlErrorCode(e) === SQLSTATE.uniqueViolation) return 'name_taken';
      throw e;
    }
  }

  async get(id: string): Promise<Campaign | null> {
    const { rows } = await this.db.query<CampaignRow>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1`, [id]);
    return rows[0] ? campaignFromRow(rows[0]) : null;
  }

  async findByName(name: string): Promise<Campaign | null> {
    const { rows } = await this.db.query<CampaignRow>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE name_key = lower($1)`, [name]);
    return rows[0] ? campaignFromRow(rows[0]) : null;
  }

  async list(): Promise<Campaign[]> {
    const { rows } = await this.db.query<CampaignRow>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at, name`);
    return rows.map(campaignFromRow);
  }

  async update(c: Campaign, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE campaigns SET name = $2, name_key = lower($2), strength_kind = $3, strength_id = $4, deadline = $5::date, threshold_pct = $6,
         aaguid_allow = $7::text[], aaguid_block = $8::text[], settings = $9::jsonb, nudges_paused = $10, report_only_policy_id = $11,
         enforced_policy_id = $12, exemptions_group_id = $13, updated_at = $14, version = version + 1
       WHERE id = $1 AND version = $15`,
      [c.id, c.name, c.strengthKind, c.strengthId, c.deadline, c.thresholdPct, c.aaguidAllow, c.aaguidBlock, jsonParam(c.settings), c.nudgesPaused, c.reportOnlyPolicyId, c.enforcedPolicyId, c.exemptionsGroupId, c.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM campaigns WHERE id = $1', [id]);
    return r.rowCount === 1;
  }

  async breakGlass(campaignId: string): Promise<BreakGlassEntry[]> {
    const { rows } = await this.db.query<{ campaign_id: string; principal_id: string; kind: 'user' | 'group'; display_name: string; added_by: string; added_at: Date }>(
      'SELECT campaign_id, principal_id, kind, display_name, added_by, added_at FROM campaign_breakglass WHERE campaign_id = $1 ORDER BY added_at, principal_id',
      [campaignId],
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, principalId: r.principal_id, kind: r.kind, displayName: r.display_name, addedBy: r.added_by, addedAt: r.added_at }));
  }

  async addBreakGlass(e: BreakGlassEntry): Promise<'ok' | 'exists'> {
    const r = await this.db.query(
      `INSERT INTO campaign_breakglass (campaign_id, principal_id, kind, display_name, added_by, added_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, principal_id) DO NOTHING`,
      [e.campaignId, e.principalId, e.kind, e.displayName, e.addedBy, e.addedAt],
    );
    return r.rowCount === 1 ? 'ok' : 'exists';
  }
}

interface CohortRow {
  id: string;
  campaign_id: string;
  name: string;
  group_id: string;
  group_name: string;
  tier: Cohort['tier'];
  stage: Cohort['stage'];
  paused: boolean;
  stage_changed_at: Date;
  members_synced_at: Date | null;
  member_count: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

const COHORT_COLUMNS = 'id, campaign_id, name, group_id, group_name, tier, stage, paused, stage_changed_at, members_synced_at, member_count, created_by, created_at, updated_at, version';

function cohortFromRow(r: CohortRow): Cohort {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    name: r.name,
    groupId: r.group_id,
    groupName: r.group_name,
    tier: r.tier,
    stage: r.stage,
    paused: r.paused,
    stageChangedAt: r.stage_changed_at,
    membersSyncedAt: r.members_synced_at,
    memberCount: r.member_count,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

export class SqlCohorts implements Cohorts {
  constructor(private readonly db: SqlExecutor) {}

  async create(c: Cohort): Promise<'ok' | 'name_taken' | 'group_taken'> {
    const taken = await this.db.query<{ which: string }>(
      `SELECT CASE WHEN campaign_id = $2 AND group_id = $3 THEN 'group' ELSE 'name' END AS which FROM cohorts
       WHERE name_key = lower($1) OR (campaign_id = $2 AND group_id = $3) ORDER BY 1 LIMIT 1`,
      [c.name, c.campaignId, c.groupId],
    );
    if (taken.rows[0]) return taken.rows[0].which === 'name' ? 'name_taken' : 'group_taken';
    try {
      await this.db.query(
        `INSERT INTO cohorts (${COHORT_COLUMNS}, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, lower($3))`,
        [c.id, c.campaignId, c.name, c.groupId, c.groupName, c.tier, c.stage, c.paused, c.stageChangedAt, c.membersSyncedAt, c.memberCount, c.createdBy, c.createdAt, c.updatedAt, c.version],
      );
      return 'ok';
    } catch (e) {
      // A concurrent insert between the check and here.
      if (sqlErrorCode(e) === SQLSTATE.uniqueViolation) return 'name_taken';
      throw e;
    }
  }

  async get(id: string): Promise<Cohort | null> {
    const { rows } = await this.db.query<CohortRow>(`SELECT ${COHORT_COLUMNS} FROM cohorts WHERE id = $1`, [id]);
    return rows[0] ? cohortFromRow(rows[0]) : null;
  }

  async findByName(name: string): Promise<Cohort | null> {
    const { rows } = await this.db.query<CohortRow>(`SELECT ${COHORT_COLUMNS} FROM cohorts WHERE name_key = lower($1)`, [name]);
    return rows[0] ? cohortFromRow(rows[0]) : null;
  }

  async list(campaignId?: string): Promise<Cohort[]> {
    const { rows } = campaignId
      ? await this.db.query<CohortRow>(`SELECT ${COHORT_COLUMNS} FROM cohorts WHERE campaign_id = $1 ORDER BY created_at, name`, [campaignId])
      : await this.db.query<CohortRow>(`SELECT ${COHORT_COLUMNS} FROM cohorts ORDER BY created_at, name`);
    return rows.map(cohortFromRow);
  }

  async update(c: Cohort, expectedVersion: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE cohorts SET name = $2, name_key = lower($2), group_name = $3, tier = $4, stage = $5, paused = $6, stage_changed_at = $7,
         members_synced_at = $8, member_count = $9, updated_at = $10, version = version + 1
       WHERE id = $1 AND version = $11`,
      [c.id, c.name, c.groupName, c.tier, c.stage, c.paused, c.stageChangedAt, c.membersSyncedAt, c.memberCount, c.updatedAt, expectedVersion],
    );
    return r.rowCount === 1;
  }

  async recordMembershipSync(id: string, memberCount: number, at: Date): Promise<void> {
    await this.db.query('UPDATE cohorts SET member_count = $2, members_synced_at = $3 WHERE id = $1', [id, memberCount, at]);
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM cohorts WHERE id = $1', [id]);
    return r.rowCount === 1;
  }
}
