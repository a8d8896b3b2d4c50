import type {
  CancelFilter,
  DeliveryCounts,
  NewOutboxMessage,
  NudgeCohortNotices,
  NudgeKind,
  NudgeOutbox,
  NudgeRecipient,
  NudgeRecipients,
  NudgeStore,
  NudgeUsers,
  NudgeUserState,
  OutboxMessage,
  OutboxState,
  OutboxTarget,
  PendingReminder,
  QuietWindow,
} from '../ports/nudge-store.js';
import { jsonParam, type SqlExecutor } from './sql.js';

/** Rows per bulk statement: keeps parameters small on 100k-user campaigns. */
const CHUNK = 2_000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface OutboxRow {
  key: string;
  kind: NudgeKind;
  recipient_id: string;
  subject_id: string;
  campaign_id: string | null;
  cohort_id: string | null;
  seq: number | null;
  payload: Record<string, unknown>;
  target: OutboxTarget | null;
  quiet: QuietWindow | null;
  priority: number;
  state: OutboxState;
  attempts: number;
  not_before: Date;
  claim_token: string | null;
  claimed_until: Date | null;
  sending_since: Date | null;
  conversation_id: string | null;
  service_url: string | null;
  activity_id: string | null;
  sent_at: Date | null;
  failure_code: string | null;
  failure_reason: string | null;
  last_error: string | null;
  resolution: string | null;
  response: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

const OUTBOX_COLUMNS =
  'key, kind, recipient_id, subject_id, campaign_id, cohort_id, seq, payload, target, quiet, priority, state, attempts, not_before, claim_token, claimed_until, sending_since, conversation_id, service_url, activity_id, sent_at, failure_code, failure_reason, last_error, resolution, response, created_at, updated_at';

function outboxFromRow(r: OutboxRow): OutboxMessage {
  return {
    key: r.key,
    kind: r.kind,
    recipientId: r.recipient_id,
    subjectId: r.subject_id,
    campaignId: r.campaign_id,
    cohortId: r.cohort_id,
    seq: r.seq,
    payload: r.payload ?? {},
    target: r.target,
    quiet: r.quiet,
    priority: r.priority,
    state: r.state,
    attempts: r.attempts,
    notBefore: r.not_before,
    claimToken: r.claim_token,
    claimedUntil: r.claimed_until,
    sendingSince: r.sending_since,
    conversationId: r.conversation_id,
    serviceUrl: r.service_url,
    activityId: r.activity_id,
    sentAt: r.sent_at,
    failureCode: r.failure_code,
    failureReason: r.failure_reason,
    lastError: r.last_error,
    resolution: r.resolution,
    response: r.response,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The outbox. Every state change is one conditional statement naming the claim token it expects,
 * so a sender whose term ended (its lease was taken over) cannot overwrite what the next term did.
 */
export class SqlNudgeOutbox implements NudgeOutbox {
  constructor(private readonly db: SqlExecutor) {}

  async plan(messages: NewOutboxMessage[], now: Date): Promise<string[]> {
    const planned: string[] = [];
    const unique = [...new Map(messages.map((m) => [m.key, m])).values()];
    for (const part of chunks(unique, 500)) {
      const { rows } = await this.db.query<{ key: string }>(
        `INSERT INTO nudge_outbox AS o (key, kind, recipient_id, subject_id, campaign_id, cohort_id, seq, payload, target, quiet, priority, state, not_before, created_at, updated_at)
         SELECT m.key, m.kind, m.recipient_id, m.subject_id, m.campaign_id::uuid, m.cohort_id::uuid, m.seq, m.payload, m.target, m.quiet, m.priority, 'planned', m.not_before, $1, $1
         FROM jsonb_to_recordset($2::jsonb) AS m(key text, kind text, recipient_id text, subject_id text, campaign_id text, cohort_id text, seq int,
              payload jsonb, target jsonb, quiet jsonb, priority int, not_before timestamptz)
         ON CONFLICT (key) DO UPDATE SET
           kind = EXCLUDED.kind, recipient_id = EXCLUDED.recipient_id, subject_id = EXCLUDED.subject_id, campaign_id = EXCLUDED.campaign_id,
           cohort_id = EXCLUDED.cohort_id, seq = EXCLUDED.seq, payload = EXCLUDED.payload, target = EXCLUDED.target, quiet = EXCLUDED.quiet,
           priority = EXCLUDED.priority, state = 'planned', not_before = EXCLUDED.not_before, claim_token = NULL, claimed_until = NULL,
           sending_since = NULL, last_error = NULL, updated_at = EXCLUDED.updated_at
         WHERE o.state = 'cancelled'
         RETURNING o.key`,
        [
          now,
          jsonParam(
            part.map((m) => ({
              key: m.key,
              kind: m.kind,
              recipient_id: m.recipientId,
              subject_id: m.subjectId,
              campaign_id: m.campaignId ?? null,
              cohort_id: m.cohortId ?? null,
              seq: m.seq ?? null,
              payload: m.payload,
              target: m.target ?? null,
              quiet: m.quiet ?? null,
              priority: m.priority ?? 1,
              not_before: m.notBefore.toISOString(),
            })),
          ),
        ],
      );
      planned.push(...rows.map((r) => r.key));
    }
    return planned;
  }

  async get(key: string): Promise<OutboxMessage | null> {
    const { rows } = await this.db.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM nudge_outbox WHERE key = $1`, [key]);
    return rows[0] ? outboxFromRow(rows[0]) : null;
  }

  async claimDue(token: string, now: Date, until: Date, limit: number): Promise<OutboxMessage[]> {
    // SKIP LOCKED: two replicas draining at once (a lease hand-over) never claim the same row.
    const { rows } = await this.db.query<OutboxRow>(
      `UPDATE nudge_outbox AS o SET claim_token = $1, claimed_until = $3, updated_at = $2
       WHERE o.key IN (
         SELECT key FROM nudge_outbox
         WHERE state = 'planned' AND not_before <= $2 AND (claimed_until IS NULL OR claimed_until <= $2 OR claim_token = $1)
         ORDER BY priority, not_before, key
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING ${OUTBOX_COLUMNS.split(', ').map((c) => `o.${c}`).join(', ')}`,
      [token, now, until, limit],
    );
    return rows.map(outboxFromRow).sort((a, b) => a.priority - b.priority || a.notBefore.getTime() - b.notBefore.getTime() || (a.key < b.key ? -1 : 1));
  }

  async markSending(key: string, token: string, conversation: OutboxTarget, now: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET state = 'sending', sending_since = $3, attempts = attempts + 1, conversation_id = $4, service_url = $5, updated_at = $3
       WHERE key = $1 AND state = 'planned' AND claim_token = $2`,
      [key, token, now, conversation.conversationId, conversation.serviceUrl],
    );
    return rowCount === 1;
  }

  async markSent(key: string, token: string, activityId: string | null, now: Date, resolution: string | null = null): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET state = 'sent', activity_id = $3, sent_at = $4, resolution = coalesce($5, resolution), claim_token = NULL,
         claimed_until = NULL, last_error = NULL, updated_at = $4
       WHERE key = $1 AND state = 'sending' AND claim_token = $2`,
      [key, token, activityId, now, resolution],
    );
    return rowCount === 1;
  }

  async reschedule(
    key: string,
    token: string,
    notBefore: Date,
    now: Date,
    opts: { lastError?: string | null; resolution?: string | null; countAttempt?: boolean } = {},
  ): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET state = 'planned', not_before = $3, claim_token = NULL, claimed_until = NULL, sending_since = NULL,
         last_error = CASE WHEN $5::boolean THEN $6 ELSE last_error END, resolution = coalesce($7, resolution),
         attempts = attempts + CASE WHEN $8::boolean THEN 1 ELSE 0 END, updated_at = $4
       WHERE key = $1 AND state IN ('planned', 'sending') AND claim_token = $2`,
      [key, token, notBefore, now, opts.lastError !== undefined, opts.lastError ?? null, opts.resolution ?? null, opts.countAttempt === true],
    );
    return rowCount === 1;
  }

  async markFailed(key: string, token: string, code: string, reason: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET state = 'failed', failure_code = $3, failure_reason = $4, claim_token = NULL, claimed_until = NULL, updated_at = $5
       WHERE key = $1 AND state IN ('planned', 'sending') AND claim_token = $2`,
      [key, token, code, reason, now],
    );
    return rowCount === 1;
  }

  async release(key: string, token: string): Promise<void> {
    await this.db.query(`UPDATE nudge_outbox SET claim_token = NULL, claimed_until = NULL WHERE key = $1 AND state = 'planned' AND claim_token = $2`, [key, token]);
  }

  async inDoubt(olderThan: Date, limit: number): Promise<OutboxMessage[]> {
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM nudge_outbox WHERE state = 'sending' AND sending_since <= $1 ORDER BY sending_since, key LIMIT $2`,
      [olderThan, limit],
    );
    return rows.map(outboxFromRow);
  }

  async claimInDoubt(key: string, expectedToken: string | null, token: string, now: Date, until: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET claim_token = $3, claimed_until = $5, updated_at = $4
       WHERE key = $1 AND state = 'sending' AND claim_token IS NOT DISTINCT FROM $2`,
      [key, expectedToken, token, now, until],
    );
    return rowCount === 1;
  }

  async cancel(filter: CancelFilter, now: Date): Promise<number> {
    const where = ["state = 'planned'"];
    const params: unknown[] = [now];
    if (filter.keys) {
      params.push(filter.keys);
      where.push(`key = ANY($${params.length}::text[])`);
    }
    if (filter.campaignId) {
      params.push(filter.campaignId);
      where.push(`campaign_id = $${params.length}::uuid`);
    }
    if (filter.cohortId) {
      params.push(filter.cohortId);
      where.push(`cohort_id = $${params.length}::uuid`);
    }
    if (filter.subjectIds) {
      params.push(filter.subjectIds);
      where.push(`subject_id = ANY($${params.length}::text[])`);
    }
    if (filter.kinds) {
      params.push(filter.kinds);
      where.push(`kind = ANY($${params.length}::text[])`);
    }
    if (params.length === 1) throw new RangeError('cancel needs at least one filter');
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET state = 'cancelled', claim_token = NULL, claimed_until = NULL, updated_at = $1 WHERE ${where.join(' AND ')}`,
      params,
    );
    return rowCount;
  }

  async expedite(keys: string[], notBefore: Date, now: Date): Promise<number> {
    if (keys.length === 0) return 0;
    const { rowCount } = await this.db.query(
      `UPDATE nudge_outbox SET not_before = $2, quiet = NULL, updated_at = $3 WHERE key = ANY($1::text[]) AND state = 'planned'`,
      [keys, notBefore, now],
    );
    return rowCount;
  }

  async pendingReminders(campaignId: string): Promise<Map<string, PendingReminder>> {
    const { rows } = await this.db.query<{ subject_id: string; key: string; seq: number; state: OutboxState; not_before: Date; cohort_id: string | null }>(
      `SELECT subject_id, key, seq, state, not_before, cohort_id FROM nudge_outbox
       WHERE campaign_id = $1 AND kind = 'reminder' AND state IN ('planned', 'sending') ORDER BY seq`,
      [campaignId],
    );
    return new Map(rows.map((r) => [r.subject_id, { key: r.key, seq: r.seq, state: r.state, notBefore: r.not_before, cohortId: r.cohort_id }]));
  }

  async lastReminderSeq(campaignId: string): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ subject_id: string; seq: number }>(
      `SELECT subject_id, max(seq)::int AS seq FROM nudge_outbox WHERE campaign_id = $1 AND kind = 'reminder' AND state <> 'cancelled' GROUP BY subject_id`,
      [campaignId],
    );
    return new Map(rows.map((r) => [r.subject_id, r.seq]));
  }

  async existingKeys(keys: string[]): Promise<Set<string>> {
    return new Set((await this.keyStates(keys)).keys());
  }

  async keyStates(keys: string[]): Promise<Map<string, OutboxState>> {
    const out = new Map<string, OutboxState>();
    for (const part of chunks([...new Set(keys)])) {
      const { rows } = await this.db.query<{ key: string; state: OutboxState }>(`SELECT key, state FROM nudge_outbox WHERE key = ANY($1::text[]) AND state <> 'cancelled'`, [part]);
      for (const r of rows) out.set(r.key, r.state);
    }
    return out;
  }

  async setResponse(key: string, response: Record<string, unknown>, now: Date): Promise<void> {
    await this.db.query('UPDATE nudge_outbox SET response = $2::jsonb, updated_at = $3 WHERE key = $1', [key, jsonParam(response), now]);
  }

  async deliveryCounts(filter: { campaignId?: string | null; cohortId?: string | null } = {}): Promise<DeliveryCounts> {
    const { rows } = await this.db.query<{ state: OutboxState; failure_code: string | null; reason: string | null; waiting: number; dup: number; n: number }>(
      `SELECT state, failure_code, max(failure_reason) AS reason,
              count(*) FILTER (WHERE state = 'planned' AND last_error IS NOT NULL)::int AS waiting,
              count(*) FILTER (WHERE resolution = 'resent_unverified')::int AS dup,
              count(*)::int AS n
       FROM nudge_outbox
       WHERE ($1::uuid IS NULL OR campaign_id = $1::uuid) AND ($2::uuid IS NULL OR cohort_id = $2::uuid)
       GROUP BY state, failure_code`,
      [filter.campaignId ?? null, filter.cohortId ?? null],
    );
    const out: DeliveryCounts = { planned: 0, sending: 0, sent: 0, failed: 0, cancelled: 0, waiting: 0, possibleDuplicates: 0, failures: [] };
    for (const r of rows) {
      out[r.state] += r.n;
      out.waiting += r.waiting;
      out.possibleDuplicates += r.dup;
      if (r.state === 'failed') out.failures.push({ code: r.failure_code ?? 'unknown', reason: r.reason ?? '', count: r.n });
    }
    out.failures.sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
    return out;
  }

  async warningsSent(campaignId: string, userIds?: string[]): Promise<Map<string, number>> {
    const { rows } = userIds
      ? await this.db.query<{ subject_id: string; n: number }>(
          `SELECT subject_id, count(*)::int AS n FROM nudge_outbox WHERE campaign_id = $1 AND kind IN ('reminder', 'final') AND state = 'sent' AND subject_id = ANY($2::text[]) GROUP BY subject_id`,
          [campaignId, userIds],
        )
      : await this.db.query<{ subject_id: string; n: number }>(
          `SELECT subject_id, count(*)::int AS n FROM nudge_outbox WHERE campaign_id = $1 AND kind IN ('reminder', 'final') AND state = 'sent' GROUP BY subject_id`,
          [campaignId],
        );
    return new Map(rows.map((r) => [r.subject_id, r.n]));
  }

  async memberStates(pairs: { cohortId: string; userId: string }[]): Promise<Map<string, { active: boolean; state: string; isBreakGlass: boolean }>> {
    const out = new Map<string, { active: boolean; state: string; isBreakGlass: boolean }>();
    for (const part of chunks(pairs)) {
      const { rows } = await this.db.query<{ cohort_id: string; user_id: string; active: boolean; state: string; is_break_glass: boolean }>(
        `SELECT m.cohort_id, m.user_id, m.active, m.state, m.is_break_glass FROM cohort_members m
         JOIN unnest($1::uuid[], $2::text[]) AS p(cohort_id, user_id) ON m.cohort_id = p.cohort_id AND m.user_id = p.user_id`,
        [part.map((p) => p.cohortId), part.map((p) => p.userId)],
      );
      for (const r of rows) out.set(`${r.cohort_id}|${r.user_id}`, { active: r.active, state: r.state, isBreakGlass: r.is_break_glass });
    }
    return out;
  }

  async ofSubject(userId: string, limit: number): Promise<OutboxMessage[]> {
    const { rows } = await this.db.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM nudge_outbox WHERE subject_id = $1 ORDER BY created_at DESC, key DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map(outboxFromRow);
  }
}

interface UserRow {
  campaign_id: string;
  user_id: string;
  reminders_sent: number;
  last_reminder_at: Date | null;
  snoozed_until: Date | null;
  thanked_at: Date | null;
  escalated_at: Date | null;
  last_interaction_at: Date | null;
  sent_at_interaction: number;
  updated_at: Date;
}

const USER_COLUMNS = 'campaign_id, user_id, reminders_sent, last_reminder_at, snoozed_until, thanked_at, escalated_at, last_interaction_at, sent_at_interaction, updated_at';

function userFromRow(r: UserRow): NudgeUserState {
  return {
    campaignId: r.campaign_id,
    userId: r.user_id,
    remindersSent: r.reminders_sent,
    lastReminderAt: r.last_reminder_at,
    snoozedUntil: r.snoozed_until,
    thankedAt: r.thanked_at,
    escalatedAt: r.escalated_at,
    lastInteractionAt: r.last_interaction_at,
    sentAtInteraction: r.sent_at_interaction,
    updatedAt: r.updated_at,
  };
}

export class SqlNudgeUsers implements NudgeUsers {
  constructor(private readonly db: SqlExecutor) {}

  async get(campaignId: string, userId: string): Promise<NudgeUserState | null> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM nudge_users WHERE campaign_id = $1 AND user_id = $2`, [campaignId, userId]);
    return rows[0] ? userFromRow(rows[0]) : null;
  }

  async forCampaign(campaignId: string, userIds?: string[]): Promise<Map<string, NudgeUserState>> {
    const out = new Map<string, NudgeUserState>();
    if (userIds) {
      for (const part of chunks([...new Set(userIds)])) {
        const { rows } = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM nudge_users WHERE campaign_id = $1 AND user_id = ANY($2::text[])`, [campaignId, part]);
        for (const r of rows) out.set(r.user_id, userFromRow(r));
      }
      return out;
    }
    const { rows } = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM nudge_users WHERE campaign_id = $1`, [campaignId]);
    for (const r of rows) out.set(r.user_id, userFromRow(r));
    return out;
  }

  async recordDelivered(campaignId: string, userId: string, kind: NudgeKind, at: Date): Promise<void> {
    const reminder = kind === 'reminder';
    // A final notice or recovery notice also restarts the cadence clock (no reminder right after it).
    const warning = reminder || kind === 'final' || kind === 'recovery';
    await this.db.query(
      `INSERT INTO nudge_users AS u (campaign_id, user_id, reminders_sent, last_reminder_at, thanked_at, escalated_at, updated_at)
       VALUES ($1, $2, CASE WHEN $3::boolean THEN 1 ELSE 0 END, CASE WHEN $6::boolean THEN $5::timestamptz END,
               CASE WHEN $4 = 'thanks' THEN $5::timestamptz END, CASE WHEN $4 = 'escalation' THEN $5::timestamptz END, $5)
       ON CONFLICT (campaign_id, user_id) DO UPDATE SET
         reminders_sent = u.reminders_sent + CASE WHEN $3::boolean THEN 1 ELSE 0 END,
         last_reminder_at = CASE WHEN $6::boolean THEN greatest(u.last_reminder_at, $5::timestamptz) ELSE u.last_reminder_at END,
         thanked_at = CASE WHEN $4 = 'thanks' THEN coalesce(u.thanked_at, $5::timestamptz) ELSE u.thanked_at END,
         escalated_at = CASE WHEN $4 = 'escalation' THEN coalesce(u.escalated_at, $5::timestamptz) ELSE u.escalated_at END,
         updated_at = $5`,
      [campaignId, userId, reminder, kind, at, warning],
    );
  }

  async snooze(campaignId: string, userId: string, until: Date, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_users AS u (campaign_id, user_id, snoozed_until, last_interaction_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (campaign_id, user_id) DO UPDATE SET snoozed_until = $3, last_interaction_at = $4, sent_at_interaction = u.reminders_sent, updated_at = $4`,
      [campaignId, userId, until, now],
    );
  }

  async clearSnooze(campaignId: string, userId: string, now: Date): Promise<void> {
    await this.db.query('UPDATE nudge_users SET snoozed_until = NULL, updated_at = $3 WHERE campaign_id = $1 AND user_id = $2', [campaignId, userId, now]);
  }

  async recordInteraction(campaignId: string, userId: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_users AS u (campaign_id, user_id, last_interaction_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (campaign_id, user_id) DO UPDATE SET last_interaction_at = $3, sent_at_interaction = u.reminders_sent, updated_at = $3`,
      [campaignId, userId, now],
    );
  }
}

interface RecipientRow {
  user_id: string;
  time_zone: string | null;
  time_zone_source: string | null;
  time_zone_read_at: Date | null;
  unreachable_code: string | null;
  unreachable_reason: string | null;
  unreachable_at: Date | null;
  stale_conversation: string | null;
  chat_id: string | null;
  updated_at: Date;
}

const RECIPIENT_COLUMNS = 'user_id, time_zone, time_zone_source, time_zone_read_at, unreachable_code, unreachable_reason, unreachable_at, stale_conversation, chat_id, updated_at';

function recipientFromRow(r: RecipientRow): NudgeRecipient {
  return {
    userId: r.user_id,
    timeZone: r.time_zone,
    timeZoneSource: r.time_zone_source,
    timeZoneReadAt: r.time_zone_read_at,
    unreachableCode: r.unreachable_code,
    unreachableReason: r.unreachable_reason,
    unreachableAt: r.unreachable_at,
    staleConversation: r.stale_conversation,
    chatId: r.chat_id,
    updatedAt: r.updated_at,
  };
}

export class SqlNudgeRecipients implements NudgeRecipients {
  constructor(private readonly db: SqlExecutor) {}

  async get(userId: string): Promise<NudgeRecipient | null> {
    const { rows } = await this.db.query<RecipientRow>(`SELECT ${RECIPIENT_COLUMNS} FROM nudge_recipients WHERE user_id = $1`, [userId]);
    return rows[0] ? recipientFromRow(rows[0]) : null;
  }

  async getMany(userIds: string[]): Promise<Map<string, NudgeRecipient>> {
    const out = new Map<string, NudgeRecipient>();
    for (const part of chunks([...new Set(userIds)])) {
      const { rows } = await this.db.query<RecipientRow>(`SELECT ${RECIPIENT_COLUMNS} FROM nudge_recipients WHERE user_id = ANY($1::text[])`, [part]);
      for (const r of rows) out.set(r.user_id, recipientFromRow(r));
    }
    return out;
  }

  async saveTimeZones(entries: { userId: string; timeZone: string; source: string }[], now: Date): Promise<void> {
    for (const part of chunks(entries)) {
      await this.db.query(
        `INSERT INTO nudge_recipients AS r (user_id, time_zone, time_zone_source, time_zone_read_at, updated_at)
         SELECT e.u, e.z, e.s, $1, $1 FROM unnest($2::text[], $3::text[], $4::text[]) AS e(u, z, s)
         ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, time_zone_source = EXCLUDED.time_zone_source,
           time_zone_read_at = EXCLUDED.time_zone_read_at, updated_at = EXCLUDED.updated_at`,
        [now, part.map((e) => e.userId), part.map((e) => e.timeZone), part.map((e) => e.source)],
      );
    }
  }

  async markUnreachable(userId: string, code: string, reason: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_recipients AS r (user_id, unreachable_code, unreachable_reason, unreachable_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (user_id) DO UPDATE SET unreachable_code = $2, unreachable_reason = $3, unreachable_at = $4, updated_at = $4`,
      [userId, code, reason, now],
    );
  }

  async clearUnreachable(userId: string, now: Date): Promise<void> {
    await this.db.query(
      'UPDATE nudge_recipients SET unreachable_code = NULL, unreachable_reason = NULL, unreachable_at = NULL, updated_at = $2 WHERE user_id = $1',
      [userId, now],
    );
  }

  async markConversationStale(userId: string, conversationId: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_recipients AS r (user_id, stale_conversation, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET stale_conversation = $2, chat_id = NULL, updated_at = $3`,
      [userId, conversationId, now],
    );
  }

  async saveChatId(userId: string, chatId: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_recipients AS r (user_id, chat_id, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET chat_id = $2, updated_at = $3`,
      [userId, chatId, now],
    );
  }
}

export class SqlNudgeCohortNotices implements NudgeCohortNotices {
  constructor(private readonly db: SqlExecutor) {}

  async setEnforcementDate(cohortId: string, date: string, now: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO nudge_cohort_notices (cohort_id, enforcement_date, requested_at) VALUES ($1, $2::date, $3)
       ON CONFLICT (cohort_id) DO UPDATE SET enforcement_date = EXCLUDED.enforcement_date, requested_at = EXCLUDED.requested_at`,
      [cohortId, date, now],
    );
  }

  async clearEnforcementDate(cohortId: string): Promise<void> {
    await this.db.query('DELETE FROM nudge_cohort_notices WHERE cohort_id = $1', [cohortId]);
  }

  async enforcementDates(): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ cohort_id: string; enforcement_date: string }>('SELECT cohort_id, enforcement_date FROM nudge_cohort_notices');
    return new Map(rows.map((r) => [r.cohort_id, r.enforcement_date]));
  }
}

export function sqlNudgeStore(db: SqlExecutor): NudgeStore {
  return {
    outbox: new SqlNudgeOutbox(db),
    users: new SqlNudgeUsers(db),
    recipients: new SqlNudgeRecipients(db),
    cohortNotices: new SqlNudgeCohortNotices(db),
  };
}
