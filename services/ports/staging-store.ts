/**
 * Repositories for policy staging (issue 5): approvals, exemptions, policy snapshots, drift alerts
 * and the enforcement guard. Plain data in and out; time is always a parameter.
 */
import type { CohortStage } from './campaign-store.js';

/** Where a card was posted, so it can be updated later (Bot Connector `PUT …/activities/{id}`). */
export interface PostedCard {
  conversationId: string;
  serviceUrl: string;
  activityId: string;
  /** The person whose 1:1 chat it is (absent for a channel). */
  aadObjectId?: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'void';

export interface Approval {
  id: string;
  cohortId: string;
  campaignId: string;
  fromStage: CohortStage;
  toStage: CohortStage;
  requestedBy: string;
  requestedAt: Date;
  expiresAt: Date;
  reason: string | null;
  fingerprint: string;
  gateInputs: Record<string, unknown>;
  gateResults: unknown[];
  plan: Record<string, unknown>;
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  executedAt: Date | null;
  cards: PostedCard[];
}

export interface Approvals {
  /** `pending_exists` when the cohort already has an open request. */
  create(a: Approval): Promise<'ok' | 'pending_exists'>;
  get(id: string): Promise<Approval | null>;
  pendingFor(cohortId: string): Promise<Approval | null>;
  /** Approved but the move has not completed yet (a failure half way): the approval still carries it. */
  approvedNotExecuted(cohortId: string): Promise<Approval | null>;
  listPending(): Promise<Approval[]>;
  /**
   * Moves the request from `from` to `to` only if it is still `from` (the first decision wins; a
   * second press or a replayed invoke finds it decided and changes nothing). True when it moved.
   */
  decide(id: string, from: ApprovalStatus, to: ApprovalStatus, by: string | null, at: Date, note: string | null): Promise<boolean>;
  markExecuted(id: string, at: Date): Promise<void>;
  addCards(id: string, cards: PostedCard[]): Promise<void>;
  /** Pending requests whose `expiresAt <= now`. */
  duePending(now: Date): Promise<Approval[]>;
}

export interface Exemption {
  id: string;
  campaignId: string;
  userId: string;
  until: Date;
  reason: string;
  grantedBy: string;
  grantedAt: Date;
  removedAt: Date | null;
  removedBy: string | null;
  removalReason: string | null;
}

export interface Exemptions {
  /** Records a new exemption, or extends/shortens the active one (returns it with `extended`). */
  grant(e: Exemption): Promise<{ exemption: Exemption; extended: boolean; previousUntil: Date | null }>;
  active(campaignId: string, userId: string): Promise<Exemption | null>;
  /** Active exemptions, of one campaign or all, soonest expiry first. */
  listActive(campaignId?: string): Promise<Exemption[]>;
  /** Active exemptions whose `until <= now`. */
  due(now: Date): Promise<Exemption[]>;
  /** Ends an active exemption; false when it had already ended. */
  end(id: string, at: Date, by: string, reason: string): Promise<boolean>;
}

export type SnapshotKind = 'report-only' | 'enforced' | 'strength' | 'passkey-policy';

export interface PolicySnapshot {
  campaignId: string;
  kind: SnapshotKind;
  objectId: string;
  snapshot: Record<string, unknown>;
  modifiedAt: string | null;
  takenAt: Date;
  takenBy: string;
  reason: string;
}

export interface PolicySnapshots {
  get(campaignId: string, kind: SnapshotKind): Promise<PolicySnapshot | null>;
  list(campaignId: string): Promise<PolicySnapshot[]>;
  put(s: PolicySnapshot): Promise<void>;
}

export type DriftStatus = 'open' | 'acknowledged' | 'reapplied' | 'resolved';

export interface DriftChange {
  field: string;
  before: unknown;
  after: unknown;
  /** One line an admin reads ("the break-glass group … is no longer excluded"). */
  words: string;
  /** Changes that take a safety property away (break-glass exclusion removed, state flipped, strength changed). */
  serious: boolean;
}

export interface DriftAlert {
  id: string;
  campaignId: string;
  kind: SnapshotKind;
  objectId: string;
  detectedAt: Date;
  signature: string;
  changes: DriftChange[];
  /** Cohort ids it concerns, or `['*']` for every cohort of the campaign. */
  affects: string[];
  status: DriftStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  cards: PostedCard[];
}

export interface DriftAlerts {
  /** `exists` when an open alert for the same campaign and kind is already there. */
  create(a: DriftAlert): Promise<'ok' | 'exists'>;
  get(id: string): Promise<DriftAlert | null>;
  openFor(campaignId: string): Promise<DriftAlert[]>;
  /** Replaces the changes of an open alert (the object drifted further). */
  updateChanges(id: string, signature: string, changes: DriftChange[], affects: string[], at: Date): Promise<void>;
  /** Closes an open alert; false when it was no longer open. */
  close(id: string, status: Exclude<DriftStatus, 'open'>, by: string, at: Date): Promise<boolean>;
  addCards(id: string, cards: PostedCard[]): Promise<void>;
}

export interface GuardState {
  cohortId: string;
  checkedAt: Date;
  windowFrom: Date;
  windowTo: Date;
  signIns: number;
  blocked: number;
  blockedUsers: number;
  trippedAt: Date | null;
  details: Record<string, unknown>;
}

export interface GuardStates {
  get(cohortId: string): Promise<GuardState | null>;
  put(s: GuardState): Promise<void>;
}
