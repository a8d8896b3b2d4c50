/** The append-only, hash-chained audit log (issue 5.9). */

export interface AuditEntryInput {
  at: Date;
  /** aadObjectId of the person, or `system:<job>`. */
  actor: string;
  action: string;
  campaignId?: string | null;
  cohortId?: string | null;
  subject?: string | null;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
  graphRequestId?: string | null;
}

export interface AuditEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  campaignId: string | null;
  cohortId: string | null;
  subject: string | null;
  before: unknown;
  after: unknown;
  details: Record<string, unknown>;
  graphRequestId: string | null;
  prevHash: string;
  hash: string;
}

/** `head`: the newest entry's hash (null when empty), to note down outside the database: a log cut from its end still chains. */
export type AuditVerification = { ok: true; entries: number; head: string | null } | { ok: false; entries: number; brokenAt: number; reason: string };

export interface AuditLog {
  append(entry: AuditEntryInput): Promise<AuditEntry>;
  recent(opts: { cohortId?: string | null; campaignId?: string | null; limit: number }): Promise<AuditEntry[]>;
  /** Recomputes the whole chain. */
  verify(): Promise<AuditVerification>;
}
