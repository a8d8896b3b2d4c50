/**
 * Repositories for nudges (issue 4): the outbox of 1:1 messages, each person's reminder state per
 * campaign, and what the bot knows about reaching a person. Plain data in and out; time is always a
 * parameter.
 */

export type NudgeKind = 'reminder' | 'thanks' | 'final' | 'recovery' | 'escalation' | 'help';
export const NUDGE_KINDS: NudgeKind[] = ['reminder', 'thanks', 'final', 'recovery', 'escalation', 'help'];

export type OutboxState = 'planned' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** Working hours a message may go out in, in the recipient's own time zone. */
export interface QuietWindow {
  /** IANA zone. */
  timeZone: string;
  startHour: number;
  endHour: number;
  weekendsOff: boolean;
}

/** An explicit conversation (a helpdesk channel) instead of the recipient's 1:1 chat. */
export interface OutboxTarget {
  conversationId: string;
  serviceUrl: string;
}

export interface NewOutboxMessage {
  key: string;
  kind: NudgeKind;
  /** aadObjectId the message goes to, or 'channel' with `target`. */
  recipientId: string;
  /** The person the message is about. */
  subjectId: string;
  campaignId?: string | null;
  cohortId?: string | null;
  seq?: number | null;
  /** What the card shows; rendered at send time, identical on every attempt. */
  payload: Record<string, unknown>;
  target?: OutboxTarget | null;
  quiet?: QuietWindow | null;
  /** Lower goes first (help requests 0, the rest 1). */
  priority?: number;
  notBefore: Date;
}

export interface OutboxMessage {
  key: string;
  kind: NudgeKind;
  recipientId: string;
  subjectId: string;
  campaignId: string | null;
  cohortId: string | null;
  seq: number | null;
  payload: Record<string, unknown>;
  target: OutboxTarget | null;
  quiet: QuietWindow | null;
  priority: number;
  state: OutboxState;
  attempts: number;
  notBefore: Date;
  claimToken: string | null;
  claimedUntil: Date | null;
  sendingSince: Date | null;
  conversationId: string | null;
  serviceUrl: string | null;
  activityId: string | null;
  sentAt: Date | null;
  failureCode: string | null;
  failureReason: string | null;
  lastError: string | null;
  resolution: string | null;
  response: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FailureCount {
  code: string;
  /** One of the reasons recorded for this code (they are the same sentence per code). */
  reason: string;
  count: number;
}

export interface DeliveryCounts {
  planned: number;
  sending: number;
  sent: number;
  failed: number;
  cancelled: number;
  /** Planned rows that already failed once for a passing reason (throttled, app not in the catalog yet, …). */
  waiting: number;
  /** Rows re-sent after a crash without the chat read-back (Chat.Read.All not granted): maybe twice. */
  possibleDuplicates: number;
  failures: FailureCount[];
}

export interface PendingReminder {
  key: string;
  seq: number;
  state: OutboxState;
  notBefore: Date;
  cohortId: string | null;
}

export interface CancelFilter {
  keys?: string[];
  campaignId?: string;
  cohortId?: string;
  subjectIds?: string[];
  kinds?: NudgeKind[];
}

export interface NudgeOutbox {
  /**
   * Plans each message whose key is new. A key already there is left alone, except a cancelled row,
   * which is planned again with the new values (so a reminder cancelled by a pause keeps its number).
   * Returns the keys that were (re)planned.
   */
  plan(messages: NewOutboxMessage[], now: Date): Promise<string[]>;
  get(key: string): Promise<OutboxMessage | null>;
  /** Claims up to `limit` due planned rows (not claimed by another live term) for `token` until `until`. */
  claimDue(token: string, now: Date, until: Date, limit: number): Promise<OutboxMessage[]>;
  /** planned → sending for the claim holder, recording where it goes; false when it is no longer theirs. */
  markSending(key: string, token: string, conversation: OutboxTarget, now: Date): Promise<boolean>;
  /** sending → sent for the claim holder. */
  markSent(key: string, token: string, activityId: string | null, now: Date, resolution?: string | null): Promise<boolean>;
  /** planned|sending → planned again at `notBefore` for the claim holder (transient failure, quiet hours, in-doubt settled). */
  reschedule(key: string, token: string, notBefore: Date, now: Date, opts?: { lastError?: string | null; resolution?: string | null; countAttempt?: boolean }): Promise<boolean>;
  /** planned|sending → failed for the claim holder (permanent, with a reason). */
  markFailed(key: string, token: string, code: string, reason: string, now: Date): Promise<boolean>;
  /** Gives up a claim on a planned row (it stays due). */
  release(key: string, token: string): Promise<void>;
  /** Rows left in 'sending' since `olderThan` or earlier: attempts that may or may not have landed. */
  inDoubt(olderThan: Date, limit: number): Promise<OutboxMessage[]>;
  /** Takes an in-doubt row over for `token` (compare-and-set on its current claim); false when another term did. */
  claimInDoubt(key: string, expectedToken: string | null, token: string, now: Date, until: Date): Promise<boolean>;
  /** Cancels planned rows matching every given filter; returns how many. */
  cancel(filter: CancelFilter, now: Date): Promise<number>;
  /** Moves planned rows' next attempt to `notBefore` (a `nudge … now`). */
  expedite(keys: string[], notBefore: Date, now: Date): Promise<number>;
  /** The planned or in-flight reminder of each person in a campaign (at most one each). */
  pendingReminders(campaignId: string): Promise<Map<string, PendingReminder>>;
  /** The highest reminder number used per person in a campaign (cancelled rows excluded). */
  lastReminderSeq(campaignId: string): Promise<Map<string, number>>;
  /** Which of `keys` exist and are not cancelled. */
  existingKeys(keys: string[]): Promise<Set<string>>;
  /** The state of each of `keys` that exists and is not cancelled. */
  keyStates(keys: string[]): Promise<Map<string, OutboxState>>;
  /** Remembers what the person pressed on the card `key` (a replay answers the same). */
  setResponse(key: string, response: Record<string, unknown>, now: Date): Promise<void>;
  deliveryCounts(filter?: { campaignId?: string | null; cohortId?: string | null }): Promise<DeliveryCounts>;
  /** Reminders and final notices delivered per person (the staging gate "warned at least N times"). */
  warningsSent(campaignId: string, userIds?: string[]): Promise<Map<string, number>>;
  /** Messages about a person, newest first (helpdesk, tests). */
  ofSubject(userId: string, limit: number): Promise<OutboxMessage[]>;
  /** Cohort membership and compliance of the people a batch of messages is about, keyed `cohortId|userId`. */
  memberStates(pairs: { cohortId: string; userId: string }[]): Promise<Map<string, { active: boolean; state: string; isBreakGlass: boolean }>>;
}

export interface NudgeUserState {
  campaignId: string;
  userId: string;
  remindersSent: number;
  lastReminderAt: Date | null;
  snoozedUntil: Date | null;
  thankedAt: Date | null;
  escalatedAt: Date | null;
  lastInteractionAt: Date | null;
  /** `remindersSent` when the person last pressed a button: reminders since then were ignored. */
  sentAtInteraction: number;
  updatedAt: Date;
}

export interface NudgeUsers {
  get(campaignId: string, userId: string): Promise<NudgeUserState | null>;
  /** The states of a campaign's people (all, or the given ones). */
  forCampaign(campaignId: string, userIds?: string[]): Promise<Map<string, NudgeUserState>>;
  /** A message of `kind` reached the person (reminder: count and time; final/recovery: time; thanks/escalation: once). */
  recordDelivered(campaignId: string, userId: string, kind: NudgeKind, at: Date): Promise<void>;
  snooze(campaignId: string, userId: string, until: Date, now: Date): Promise<void>;
  clearSnooze(campaignId: string, userId: string, now: Date): Promise<void>;
  recordInteraction(campaignId: string, userId: string, now: Date): Promise<void>;
}

export interface NudgeRecipient {
  userId: string;
  timeZone: string | null;
  timeZoneSource: string | null;
  timeZoneReadAt: Date | null;
  unreachableCode: string | null;
  unreachableReason: string | null;
  unreachableAt: Date | null;
  staleConversation: string | null;
  chatId: string | null;
  updatedAt: Date;
}

export interface NudgeRecipients {
  get(userId: string): Promise<NudgeRecipient | null>;
  getMany(userIds: string[]): Promise<Map<string, NudgeRecipient>>;
  saveTimeZones(entries: { userId: string; timeZone: string; source: string }[], now: Date): Promise<void>;
  markUnreachable(userId: string, code: string, reason: string, now: Date): Promise<void>;
  clearUnreachable(userId: string, now: Date): Promise<void>;
  markConversationStale(userId: string, conversationId: string, now: Date): Promise<void>;
  saveChatId(userId: string, chatId: string, now: Date): Promise<void>;
}

export interface NudgeCohortNotices {
  setEnforcementDate(cohortId: string, date: string, now: Date): Promise<void>;
  clearEnforcementDate(cohortId: string): Promise<void>;
  /** cohort id → 'YYYY-MM-DD'. */
  enforcementDates(): Promise<Map<string, string>>;
}

export interface NudgeStore {
  outbox: NudgeOutbox;
  users: NudgeUsers;
  recipients: NudgeRecipients;
  cohortNotices: NudgeCohortNotices;
}
