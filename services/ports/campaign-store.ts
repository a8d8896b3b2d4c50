/**
 * Repositories for campaigns, cohorts, members and the registration picture (issue 3).
 * Plain data in and out; time is always a parameter.
 */

export type Tier = 'tier0' | 'tier1' | 'workforce';
export type CohortStage = 'planned' | 'nudging' | 'report-only' | 'enforced';
export const COHORT_STAGES: CohortStage[] = ['planned', 'nudging', 'report-only', 'enforced'];
export type StrengthKind = 'phishing-resistant' | 'passkeys-only' | 'custom';

export interface Campaign {
  id: string;
  name: string;
  strengthKind: StrengthKind;
  strengthId: string | null;
  /** 'YYYY-MM-DD' (the deadline day, in each user's own time zone). */
  deadline: string | null;
  thresholdPct: number;
  aaguidAllow: string[];
  aaguidBlock: string[];
  /** Overrides of the defaults in services/campaigns/campaign-settings.ts. */
  settings: Record<string, unknown>;
  nudgesPaused: boolean;
  reportOnlyPolicyId: string | null;
  enforcedPolicyId: string | null;
  exemptionsGroupId: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface BreakGlassEntry {
  campaignId: string;
  principalId: string;
  kind: 'user' | 'group';
  displayName: string;
  addedBy: string;
  addedAt: Date;
}

export interface Cohort {
  id: string;
  campaignId: string;
  name: string;
  groupId: string;
  groupName: string;
  tier: Tier;
  stage: CohortStage;
  paused: boolean;
  stageChangedAt: Date;
  membersSyncedAt: Date | null;
  memberCount: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface MemberEvaluation {
  userId: string;
  isBreakGlass: boolean;
  state: string;
  reason: string;
  advice: string;
  kind: string | null;
  provider: string | null;
  passkeyCount: number | null;
  needsDetail: boolean;
}

export interface CohortMember extends MemberEvaluation {
  cohortId: string;
  active: boolean;
  joinedAt: Date;
  leftAt: Date | null;
  evaluatedAt: Date | null;
}

export interface DeviceRecord {
  operatingSystem: string;
  operatingSystemVersion: string;
}

export interface DirectoryUserRecord {
  userId: string;
  upn: string;
  displayName: string;
  accountEnabled: boolean | null;
  userType: string | null;
  methodsRegistered: string[] | null;
  passwordlessCapable: boolean | null;
  isAdmin: boolean | null;
  reportLastUpdated: Date | null;
  reportReadAt: Date | null;
  /** PasskeyView[] (services/compliance/passkeys.ts) read from fido2Methods. */
  fido2: unknown[] | null;
  fido2ReadAt: Date | null;
  /** The `reportLastUpdated` the fido2 read belongs to: when the report moves, it is stale. */
  fido2ForReport: Date | null;
  /** Registered devices (readiness); null until read. */
  devices: DeviceRecord[] | null;
  devicesReadAt: Date | null;
  updatedAt: Date;
}

export interface ReportRowInput {
  userId: string;
  upn: string;
  displayName: string;
  userType: string | null;
  methodsRegistered: string[];
  passwordlessCapable: boolean | null;
  isAdmin: boolean | null;
  lastUpdated: Date | null;
}

export interface ProfileInput {
  userId: string;
  upn: string;
  displayName: string;
  accountEnabled: boolean | null;
  userType: string | null;
}

export interface SyncRun {
  id: string;
  kind: 'full' | 'incremental';
  campaignId: string | null;
  status: 'running' | 'done' | 'failed';
  requestedBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  progress: Record<string, unknown>;
  error: string | null;
  auditWatermark: Date | null;
}

export interface Campaigns {
  create(c: Campaign): Promise<'ok' | 'name_taken'>;
  get(id: string): Promise<Campaign | null>;
  findByName(name: string): Promise<Campaign | null>;
  list(): Promise<Campaign[]>;
  /** Optimistic: applies only if the stored version equals `expectedVersion`, and bumps it. */
  update(c: Campaign, expectedVersion: number): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  breakGlass(campaignId: string): Promise<BreakGlassEntry[]>;
  addBreakGlass(e: BreakGlassEntry): Promise<'ok' | 'exists'>;
}

export interface Cohorts {
  create(c: Cohort): Promise<'ok' | 'name_taken' | 'group_taken'>;
  get(id: string): Promise<Cohort | null>;
  findByName(name: string): Promise<Cohort | null>;
  /** All cohorts, or one campaign's, in creation order. */
  list(campaignId?: string): Promise<Cohort[]>;
  update(c: Cohort, expectedVersion: number): Promise<boolean>;
  /** Member count and sync time only (no version bump: syncing never conflicts with a stage move). */
  recordMembershipSync(id: string, memberCount: number, at: Date): Promise<void>;
  remove(id: string): Promise<boolean>;
}

export interface StateCount {
  state: string;
  count: number;
}

export interface KindProviderCount {
  kind: string;
  provider: string;
  count: number;
}

export interface CohortMembers {
  /**
   * Makes the active membership of `cohortId` exactly `userIds` (joiners added or re-activated,
   * leavers deactivated); returns who joined and who left.
   */
  replaceMembership(cohortId: string, userIds: string[], now: Date): Promise<{ joined: string[]; left: string[] }>;
  activeUserIds(cohortId: string): Promise<string[]>;
  saveEvaluations(cohortId: string, evaluations: MemberEvaluation[], now: Date): Promise<void>;
  get(cohortId: string, userId: string): Promise<CohortMember | null>;
  /** Every active membership of one user, across cohorts. */
  ofUser(userId: string): Promise<CohortMember[]>;
  countsByState(cohortIds: string[]): Promise<StateCount[]>;
  countsByKindProvider(cohortIds: string[]): Promise<KindProviderCount[]>;
  list(cohortId: string, opts: { state?: string; offset: number; limit: number }): Promise<CohortMember[]>;
}

export interface DirectoryUsers {
  upsertReportRows(rows: ReportRowInput[], now: Date): Promise<void>;
  upsertProfiles(users: ProfileInput[], now: Date): Promise<void>;
  saveFido2(userId: string, passkeys: unknown[], forReport: Date | null, now: Date): Promise<void>;
  get(userId: string): Promise<DirectoryUserRecord | null>;
  getMany(userIds: string[]): Promise<Map<string, DirectoryUserRecord>>;
  findByUpn(upn: string): Promise<DirectoryUserRecord | null>;
  saveDevices(entries: { userId: string; devices: DeviceRecord[] }[], now: Date): Promise<void>;
  /** Everyone the report knows (tenant-wide readiness), in pages. */
  listReported(offset: number, limit: number): Promise<DirectoryUserRecord[]>;
}

export interface CohortSnapshot {
  day: string;
  cohortId: string;
  total: number;
  counted: number;
  compliant: number;
  states: Record<string, number>;
  takenAt: Date;
}

export interface Snapshots {
  /** One per cohort and UTC day; a later one the same day replaces it. */
  save(s: CohortSnapshot): Promise<void>;
  /** The last `days` snapshots of the cohorts, oldest first. */
  recent(cohortIds: string[], days: number): Promise<CohortSnapshot[]>;
}

export interface SyncRuns {
  start(run: SyncRun): Promise<void>;
  progress(id: string, progress: Record<string, unknown>): Promise<void>;
  finish(id: string, status: 'done' | 'failed', now: Date, error: string | null, auditWatermark: Date | null): Promise<void>;
  latest(opts?: { status?: SyncRun['status']; kind?: SyncRun['kind'] }): Promise<SyncRun | null>;
  running(): Promise<SyncRun[]>;
}
