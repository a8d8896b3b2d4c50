/**
 * The storage port. Domain code sees repositories (role interfaces with plain data in and out);
 * the SQL underneath lives in `services/store/` and is the only code that talks to a database.
 *
 * Time always comes in as a parameter (`now`, `updatedAt`): replicas and tests run on injected
 * clocks, so no repository reads the database's or the machine's clock.
 */

import type { AuditLog } from './audit.js';
import type { Campaigns, CohortMembers, Cohorts, DirectoryUsers, Snapshots, SyncRuns } from './campaign-store.js';
import type { Approvals, DriftAlerts, Exemptions, GuardStates, PolicySnapshots } from './staging-store.js';
import type { NudgeStore } from './nudge-store.js';

// ---------------------------------------------------------------------------------------------
// SQL executor: the escape hatch for repositories implemented inside services/store/.
// Declared here so this port imports nothing; `services/store/sql.ts` re-exports it with helpers.
// ---------------------------------------------------------------------------------------------

export interface SqlResult<R> {
  rows: R[];
  /** Rows inserted/updated/deleted by a DML statement, or rows returned by a SELECT. */
  rowCount: number;
}

export interface SqlExecutor {
  /**
   * Runs exactly one statement with `$1…` placeholders. Type mapping is identical in both drivers
   * (see services/store/sql-types.ts): timestamptz → Date, int8 → number (RangeError beyond 2^53),
   * date → 'YYYY-MM-DD' string, numeric → string, jsonb → parsed value, text[] → string[].
   * Pass jsonb parameters as `JSON.stringify(value)` (see `jsonParam`).
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<R>>;
  /** Runs a parameterless script of one or more statements (migrations). */
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = 'read committed' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
}

export type StoreKind = 'pglite' | 'postgres';

export interface SqlDriver extends SqlExecutor {
  readonly kind: StoreKind;
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws (the error is
   * rethrown). Inside `fn`, use `tx` only: calling the driver itself from inside `fn` is refused
   * with `SqlReentrancyError` (on the embedded database it would otherwise deadlock, on PostgreSQL
   * it would silently run outside the transaction). Serialization failures and deadlocks are
   * retried by running `fn` again, so `fn` must not have side effects outside the database.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Conversation references: how to reach a user in a Teams 1:1 chat proactively.
// ---------------------------------------------------------------------------------------------

/** Where a reference was learnt: the bot's installation event, a message from the user, or a
 * conversation the bot created itself through the Bot Connector. */
export type ConversationRefSource = 'installation' | 'message' | 'created';

export interface ConversationRef {
  aadObjectId: string;
  tenantId: string;
  /** The Teams user id (`29:…`). */
  teamsUserId: string;
  conversationId: string;
  serviceUrl: string;
  botId: string;
  source: ConversationRefSource;
  updatedAt: Date;
}

export interface ConversationRefs {
  get(aadObjectId: string): Promise<ConversationRef | null>;
  /** Inserts or replaces; a reference older (by `updatedAt`) than the stored one is ignored, so a
   * late write from another replica never overwrites a newer reference. */
  upsert(ref: ConversationRef): Promise<void>;
  /** The known references among `aadObjectIds`, keyed by aadObjectId (unknown ids are absent). */
  getMany(aadObjectIds: readonly string[]): Promise<Map<string, ConversationRef>>;
}

// ---------------------------------------------------------------------------------------------
// Leases: "exactly one replica runs the scheduler; another takes over after expiry".
// ---------------------------------------------------------------------------------------------

export type LeaseAcquisition =
  | { acquired: true; token: number; holder: string; expiresAt: Date }
  | { acquired: false; holder: string; expiresAt: Date };

export interface Leases {
  /**
   * Takes the lease when it is free, expired (`expiresAt <= now`) or already held by `holder`.
   * Every successful call starts a new term with a strictly greater fencing token, even for the
   * current holder: keep a lease with `renew`, which keeps the token. When refused, reports the
   * current holder and its expiry.
   */
  tryAcquire(name: string, holder: string, ttlMs: number, now: Date): Promise<LeaseAcquisition>;
  /** Extends the current term to `now + ttlMs`; false if the term is over (expired, released,
   * or taken over) — the caller must stop and `tryAcquire` again. */
  renew(name: string, holder: string, token: number, ttlMs: number, now: Date): Promise<boolean>;
  /** Frees the lease if `holder` holds it, so another replica need not wait for expiry. */
  release(name: string, holder: string): Promise<void>;
  /**
   * Whether the term `token` is still current at `now`. Inside a transaction it also locks the
   * lease row until commit, so a takeover waits: use it as the fence before writes only the lease
   * holder may make.
   */
  isHeld(name: string, token: number, now: Date): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Settings: small JSON values by key.
// ---------------------------------------------------------------------------------------------

export interface Settings {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores any JSON value (`undefined` is refused; strings may not contain U+0000). */
  set(key: string, value: unknown): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The store.
// ---------------------------------------------------------------------------------------------

/** Every repository, bound either to the store or to one transaction. Later features add theirs here. */
export interface Repositories {
  conversations: ConversationRefs;
  leases: Leases;
  settings: Settings;
  campaigns: Campaigns;
  cohorts: Cohorts;
  members: CohortMembers;
  directoryUsers: DirectoryUsers;
  syncRuns: SyncRuns;
  audit: AuditLog;
  snapshots: Snapshots;
  approvals: Approvals;
  exemptions: Exemptions;
  policySnapshots: PolicySnapshots;
  driftAlerts: DriftAlerts;
  guardStates: GuardStates;
  /** The nudge outbox, reminder state and recipients (issue 4). */
  nudges: NudgeStore;
}

export interface Store extends Repositories {
  readonly kind: StoreKind;
  /** Runs `fn` with repositories bound to one transaction (see `SqlDriver.transaction`). */
  transaction<T>(fn: (repos: Repositories) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Resolves when the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The SQL driver, for repositories implemented inside services/store/ only. */
  readonly driver: SqlDriver;
}
