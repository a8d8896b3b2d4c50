import type { Pacer, Permit } from '../pacing/pacer.js';
import type { Campaign, Cohort } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { OutboxMessage, OutboxTarget } from '../ports/nudge-store.js';
import type { ConversationRef, Store } from '../ports/store.js';
import type { NudgeRecipient } from '../ports/nudge-store.js';
import type { ChatHistory, ConnectorResult, Messenger, OutboundActivity, TeamsProvisioning } from '../ports/teams.js';
import { containsMarker } from './keys.js';
import { REMINDING_STAGES } from './planner.js';
import { nextSendTime } from './working-hours.js';

/**
 * The outbox sender: drains due messages outside any chat turn, paced at the Teams limits, first
 * contact included, exactly once across crashes (issue 4.6–4.8).
 *
 * How a message is sent exactly once when Teams has no idempotent send:
 *
 * 1. **Claim.** Only the holder of the `nudges.sender` lease sends (the scheduler already runs the
 *    job on one replica; the lease adds a fencing token). Due rows are claimed in one statement
 *    (`FOR UPDATE SKIP LOCKED`) with a claim token naming this lease term.
 * 2. **Record the attempt first.** Right before the HTTP call the row goes planned → sending, committed,
 *    in a statement that names the claim token: a term whose claim was taken over (its lease ran out,
 *    another term claimed the row after the claim expired) cannot start a send.
 * 3. **Record the outcome.** 2xx → sent with the activity id. 429/412/503 (refused) → planned again
 *    after Retry-After plus jitter. 502/504, a 500 or no answer → left in 'sending': it may have
 *    landed. 404/403-roster → the conversation is gone, first contact again. Other 4xx → failed.
 * 4. **Settle the doubt without guessing.** A row left in 'sending' — by a crash between 2 and 3
 *    (kill -9), or an ambiguous answer — is not sent again blindly. After `inDoubtGraceMs` (longer
 *    than any request can be in flight) the next term takes it over (compare-and-set on its claim)
 *    and reads the person's 1:1 chat back through Graph (`GET /chats/{id}/messages`, Chat.Read.All):
 *    every card carries its outbox key (`nudge:<key>` as the root container id), so the message is
 *    either found (→ sent, with its id) or known absent (→ planned, sent again). Each step is a
 *    conditional write naming the claim token, so terms cannot overwrite each other.
 * 5. **Without the permission** (403 on the read-back, or a channel target), the row is sent again:
 *    at least once, and counted as a possible duplicate (`resolution = resent_unverified`, shown in
 *    `status`). Nothing is ever silently dropped.
 *
 * Residual risk: a process that pauses (GC, VM freeze) for longer than the grace between step 2 and
 * its HTTP write can still land a message after another term settled it as absent; the sender
 * refuses to start a send when more than half the grace passed since step 2, which leaves only a
 * stall inside the HTTP client itself.
 */
export const NUDGE_SENDER_LEASE = 'nudges.sender';

export interface SenderOptions {
  /** Sends in flight at once (the pacer keeps the rate; this only hides latency). */
  concurrency?: number;
  /** Rows claimed per round. */
  batchSize?: number;
  /** How long a claim lasts before another term may take the row. */
  claimTtlMs?: number;
  /** An attempt older than this can no longer be in flight: it is settled by reading the chat back. */
  inDoubtGraceMs?: number;
  /** Attempts before a row is failed for good. */
  maxAttempts?: number;
  leaseTtlMs?: number;
}

export interface SenderConfig {
  tenantId: string;
  /** TEAMS_APP_ID: needed for first contact (install through Graph). */
  teamsAppId: string | null;
  /** Bot Connector URL for conversations the bot creates. */
  teamsServiceUrl: string;
}

export interface SenderDeps {
  store: Store;
  messenger: Messenger;
  provisioning: TeamsProvisioning | null;
  chats: ChatHistory | null;
  directory: Pick<Directory, 'getUser'>;
  pacer: Pacer;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The card message for an outbox row (rendered in bot/ from the row's payload; the same every attempt). */
  render: (m: OutboxMessage) => OutboundActivity;
  config: SenderConfig;
  /** This process, as lease holder. */
  holder: string;
  options?: SenderOptions;
}

export interface SenderStats {
  sent: number;
  retried: number;
  failed: number;
  cancelled: number;
  inDoubt: number;
  foundOnReadBack: number;
  absentOnReadBack: number;
  resentUnverified: number;
  firstContacts: number;
}

type Settled = 'found' | 'absent' | 'unverifiable' | 'error';

const PERMANENT_REASONS: Record<string, string> = {
  app_blocked: 'Teams refused to install the bot for this person (403): the app is blocked for them by an app permission policy (or the bot lacks TeamsAppInstallation.ReadWriteSelfForUser.All).',
  user_disabled: 'The account is disabled, so Teams cannot reach them.',
  user_not_found: 'The person no longer exists in Entra.',
  not_reachable: 'Teams did not open a chat with this person after the app was installed.',
  refused: 'Teams refused the message.',
  gave_up: 'Gave up after repeated failures.',
  channel_gone: 'The helpdesk channel no longer exists (or the bot was removed from its team).',
};

export class NudgeSender {
  private readonly o: Required<SenderOptions>;
  readonly stats: SenderStats = { sent: 0, retried: 0, failed: 0, cancelled: 0, inDoubt: 0, foundOnReadBack: 0, absentOnReadBack: 0, resentUnverified: 0, firstContacts: 0 };
  private catalogId: { value: string | null; at: number } | null = null;
  private chatReadDenied = false;

  constructor(private readonly d: SenderDeps) {
    this.o = {
      concurrency: d.options?.concurrency ?? 16,
      batchSize: d.options?.batchSize ?? 200,
      claimTtlMs: d.options?.claimTtlMs ?? 60_000,
      inDoubtGraceMs: d.options?.inDoubtGraceMs ?? 60_000,
      maxAttempts: d.options?.maxAttempts ?? 10,
      leaseTtlMs: d.options?.leaseTtlMs ?? 30_000,
    };
  }

  /**
   * Sends everything due, then returns (the scheduler calls it again). Returns false when another
   * replica holds the sender lease.
   */
  async drain(signal?: AbortSignal): Promise<boolean> {
    // One drain per process at a time: a second one would start a new lease term and fence out the first.
    this.running ??= this.drainOnce(signal).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private running: Promise<boolean> | null = null;

  private async drainOnce(signal?: AbortSignal): Promise<boolean> {
    const { store, clock, holder } = this.d;
    const lease = await store.leases.tryAcquire(NUDGE_SENDER_LEASE, holder, this.o.leaseTtlMs, clock.now());
    if (!lease.acquired) return false;
    const term = { lease: lease.token, token: `${holder}#${lease.token}`, lost: false };
    const keeper = setInterval(() => {
      void store.leases.renew(NUDGE_SENDER_LEASE, holder, term.lease, this.o.leaseTtlMs, clock.now()).then(
        (kept) => {
          if (!kept) term.lost = true;
        },
        () => undefined,
      );
    }, Math.max(1000, Math.floor(this.o.leaseTtlMs / 3)));
    keeper.unref?.();
    try {
      for (;;) {
        if (signal?.aborted || term.lost) break;
        await this.settleInDoubt(term, signal);
        const now = clock.now();
        const rows = await store.nudges.outbox.claimDue(term.token, now, new Date(now.getTime() + this.o.claimTtlMs), this.o.batchSize);
        if (rows.length === 0) break;
        const ctx = await this.loadBatch(rows);
        let next = 0;
        const worker = async () => {
          for (;;) {
            if (signal?.aborted || term.lost) return;
            const row = rows[next++];
            if (!row) return;
            try {
              await this.deliver(row, term, ctx);
            } catch (e) {
              this.d.logger.error({ key: row.key, err: e instanceof Error ? e.message : String(e) }, 'nudge delivery failed unexpectedly');
              await store.nudges.outbox.reschedule(row.key, term.token, this.later(row.attempts + 1), clock.now(), { lastError: 'internal error' }).catch(() => undefined);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(this.o.concurrency, rows.length) }, worker));
        // Whatever a stopped round did not reach goes back to the pool.
        for (const row of rows.slice(next)) await store.nudges.outbox.release(row.key, term.token).catch(() => undefined);
      }
    } finally {
      clearInterval(keeper);
      await store.leases.release(NUDGE_SENDER_LEASE, holder).catch(() => undefined);
    }
    return true;
  }

  // ---- one message -------------------------------------------------------------------------

  /**
   * What a round needs to know about its rows, read in a few queries instead of several per row.
   * A round lasts seconds; a pause or stage move made meanwhile takes effect at the next round (a
   * "no longer wanted" answer is always re-read fresh before a row is cancelled).
   */
  private async loadBatch(rows: OutboxMessage[]): Promise<BatchContext> {
    const { store } = this.d;
    const campaigns = new Map<string, Campaign | null>();
    for (const id of new Set(rows.map((r) => r.campaignId).filter((x): x is string => Boolean(x)))) campaigns.set(id, await store.campaigns.get(id));
    const cohorts = new Map<string, Cohort | null>();
    for (const id of new Set(rows.map((r) => r.cohortId).filter((x): x is string => Boolean(x)))) cohorts.set(id, await store.cohorts.get(id));
    const people = [...new Set(rows.filter((r) => !r.target).map((r) => r.recipientId))];
    const [members, recipients, refs] = await Promise.all([
      store.nudges.outbox.memberStates(rows.filter((r) => r.cohortId).map((r) => ({ cohortId: r.cohortId!, userId: r.subjectId }))),
      store.nudges.recipients.getMany(people),
      store.conversations.getMany(people),
    ]);
    return { campaigns, cohorts, members, recipients, refs };
  }

  private async deliver(row: OutboxMessage, term: { lease: number; token: string }, ctx: BatchContext): Promise<void> {
    const { store, clock } = this.d;
    const outbox = store.nudges.outbox;
    const now = clock.now();

    if (row.quiet) {
      const at = nextSendTime(now, row.quiet);
      if (at.getTime() > now.getTime()) {
        await outbox.reschedule(row.key, term.token, at, now);
        return;
      }
    }
    if (!this.wantedIn(row, ctx) && !(await this.stillWanted(row))) {
      await outbox.cancel({ keys: [row.key] }, now);
      this.stats.cancelled++;
      return;
    }
    if (row.attempts >= this.o.maxAttempts) {
      await this.fail(row, term.token, 'gave_up', `${PERMANENT_REASONS.gave_up} Last error: ${row.lastError ?? 'unknown'}.`);
      return;
    }
    const recipient = row.target ? null : (ctx.recipients.get(row.recipientId) ?? null);
    if (recipient?.unreachableCode) {
      await this.fail(row, term.token, recipient.unreachableCode, recipient.unreachableReason ?? PERMANENT_REASONS[recipient.unreachableCode] ?? 'Not reachable in Teams.');
      return;
    }

    const conv = await this.conversationFor(row, recipient?.staleConversation ?? null, ctx.refs.get(row.recipientId) ?? null);
    if (conv.kind === 'retry') {
      this.stats.retried++;
      await outbox.reschedule(row.key, term.token, new Date(clock.nowMs() + this.jitterUp(conv.afterMs)), clock.now(), { lastError: conv.error, countAttempt: conv.countAttempt });
      return;
    }
    if (conv.kind === 'fail') {
      if (!row.target) await store.nudges.recipients.markUnreachable(row.recipientId, conv.code, conv.reason, clock.now());
      await this.fail(row, term.token, conv.code, conv.reason);
      return;
    }

    const permits = await this.pace(conv.target.conversationId);
    const release = () => {
      for (const p of permits) p.done();
    };
    let result: ConnectorResult<{ activityId: string | null }>;
    try {
      const markedAt = clock.now();
      if (!(await store.nudges.outbox.markSending(row.key, term.token, conv.target, markedAt))) return;
      // A process that stalled since recording the attempt may already be presumed dead: do not send.
      if (clock.nowMs() - markedAt.getTime() > this.o.inDoubtGraceMs / 2) return;
      result = await this.d.messenger.send({ serviceUrl: conv.target.serviceUrl, conversationId: conv.target.conversationId, activity: this.d.render(row) });
    } finally {
      // The slot counts from the response, not from when its outcome is written down: recording it
      // (a database transaction) would otherwise hold the Bot Connector budget for no request.
      release();
    }
    await this.afterSend(row, term.token, conv.target, result);
  }

  private async afterSend(row: OutboxMessage, token: string, target: OutboxTarget, r: ConnectorResult<{ activityId: string | null }>): Promise<void> {
    const { store, clock, pacer } = this.d;
    const now = clock.now();
    if (r.ok) {
      await this.markSent(row, token, r.value.activityId, now, null);
      return;
    }
    switch (r.kind) {
      case 'throttled': {
        const wait = r.retryAfterMs ?? this.backoffMs(row.attempts + 1);
        if (r.status === 429) {
          // Someone else shares the budget (another replica, a turn's replies): hold back everyone.
          pacer.penalize('connector.conversation', wait, target.conversationId);
          pacer.penalize('connector.global', Math.min(wait, 1000));
        }
        this.stats.retried++;
        await store.nudges.outbox.reschedule(row.key, token, new Date(now.getTime() + this.jitterUp(wait)), now, { lastError: `throttled (${r.status} ${r.code})` });
        return;
      }
      case 'in_doubt':
        // Left in 'sending': settled by reading the chat back once it can no longer be in flight.
        this.stats.inDoubt++;
        this.d.logger.warn({ key: row.key, status: r.status, code: r.code }, 'send outcome unknown; will check the chat before sending again');
        return;
      case 'gone':
        if (row.target) {
          await this.fail(row, token, 'channel_gone', PERMANENT_REASONS.channel_gone!);
          return;
        }
        await store.nudges.recipients.markConversationStale(row.recipientId, target.conversationId, now);
        this.stats.retried++;
        await store.nudges.outbox.reschedule(row.key, token, now, now, { lastError: `conversation gone (${r.status} ${r.code}); reopening it` });
        return;
      case 'refused':
        await this.fail(row, token, 'refused', `${PERMANENT_REASONS.refused} (${r.status} ${r.code}: ${r.message.slice(0, 200)})`);
        return;
    }
  }

  private async markSent(row: OutboxMessage, token: string, activityId: string | null, now: Date, resolution: string | null): Promise<void> {
    const ok = await this.d.store.transaction(async (tx) => {
      const done = await tx.nudges.outbox.markSent(row.key, token, activityId, now, resolution);
      if (done && row.campaignId && row.kind !== 'help') {
        const person = row.kind === 'escalation' ? row.subjectId : row.recipientId;
        await tx.nudges.users.recordDelivered(row.campaignId, person, row.kind, now);
      }
      return done;
    });
    if (ok) this.stats.sent++;
    else this.d.logger.warn({ key: row.key }, 'message was delivered but another sender term had taken the row over');
  }

  private async fail(row: OutboxMessage, token: string, code: string, reason: string): Promise<void> {
    const { store, clock } = this.d;
    const now = clock.now();
    const done = await store.transaction(async (tx) => {
      const ok = await tx.nudges.outbox.markFailed(row.key, token, code, reason, now);
      if (ok) {
        await tx.audit.append({ at: now, actor: 'system:nudges', action: 'nudge.failed', campaignId: row.campaignId, cohortId: row.cohortId, subject: row.recipientId, details: { key: row.key, kind: row.kind, code, reason } });
      }
      return ok;
    });
    if (done) {
      this.stats.failed++;
      this.d.logger.warn({ key: row.key, code }, 'message failed for good');
    }
  }

  // ---- what to send and where ----------------------------------------------------------------

  /** stillWanted, from the round's snapshot. */
  private wantedIn(row: OutboxMessage, ctx: BatchContext): boolean {
    if (row.kind === 'help' || !row.campaignId) return true;
    const campaign = ctx.campaigns.get(row.campaignId);
    if (!campaign || campaign.nudgesPaused) return false;
    if (row.kind === 'escalation' || !row.cohortId) return true;
    const cohort = ctx.cohorts.get(row.cohortId);
    if (!cohort || cohort.paused || !REMINDING_STAGES.includes(cohort.stage)) return false;
    const member = ctx.members.get(`${row.cohortId}|${row.subjectId}`);
    return wantedFor(row, cohort, member ?? null);
  }

  private async stillWanted(row: OutboxMessage): Promise<boolean> {
    if (row.kind === 'help' || !row.campaignId) return true;
    const campaign = await this.campaign(row.campaignId);
    if (!campaign || campaign.nudgesPaused) return false;
    if (row.kind === 'escalation') return true;
    if (!row.cohortId) return true;
    const cohort = await this.cohort(row.cohortId);
    if (!cohort || cohort.paused || !REMINDING_STAGES.includes(cohort.stage)) return false;
    return wantedFor(row, cohort, await this.d.store.members.get(row.cohortId, row.subjectId));
  }

  // Read fresh for every message: a stage move or a pause must stop the next send, not one a while later.
  private campaign(id: string): Promise<Campaign | null> {
    return this.d.store.campaigns.get(id);
  }

  private cohort(id: string): Promise<Cohort | null> {
    return this.d.store.cohorts.get(id);
  }

  private async conversationFor(
    row: OutboxMessage,
    stale: string | null,
    known: ConversationRef | null,
  ): Promise<{ kind: 'ok'; target: OutboxTarget } | { kind: 'retry'; afterMs: number; error: string; countAttempt: boolean } | { kind: 'fail'; code: string; reason: string }> {
    if (row.target) return { kind: 'ok', target: row.target };
    const { store, clock } = this.d;
    if (known && known.conversationId !== stale) return { kind: 'ok', target: { conversationId: known.conversationId, serviceUrl: known.serviceUrl } };

    // First contact: install the app through Graph, then open the 1:1 chat through the Bot Connector.
    const p = this.d.provisioning;
    const appId = this.d.config.teamsAppId;
    if (!p || !appId) return { kind: 'retry', afterMs: 3_600_000, error: 'TEAMS_APP_ID is not set: people who never opened the bot cannot be reached', countAttempt: false };
    const catalogId = await this.catalog();
    if (!catalogId) return { kind: 'retry', afterMs: 3_600_000, error: `the Teams app ${appId} is not in the organization's app catalog`, countAttempt: false };
    const installed = await p.installForUser(row.recipientId, catalogId);
    if (!installed.ok) {
      switch (installed.code) {
        case 'forbidden': {
          const user = await this.d.directory.getUser(row.recipientId).catch(() => null);
          if (user && user.accountEnabled === false) return { kind: 'fail', code: 'user_disabled', reason: PERMANENT_REASONS.user_disabled! };
          if (!user) return { kind: 'fail', code: 'user_not_found', reason: PERMANENT_REASONS.user_not_found! };
          return { kind: 'fail', code: 'app_blocked', reason: PERMANENT_REASONS.app_blocked! };
        }
        case 'user_not_found':
          return { kind: 'fail', code: 'user_not_found', reason: PERMANENT_REASONS.user_not_found! };
        case 'app_not_in_catalog':
          this.catalogId = null;
          return { kind: 'retry', afterMs: 3_600_000, error: `the Teams app ${appId} is not in the organization's app catalog`, countAttempt: false };
        default:
          return { kind: 'retry', afterMs: installed.retryAfterMs ?? this.backoffMs(row.attempts + 1), error: `app install: ${installed.message.slice(0, 200)}`, countAttempt: true };
      }
    }
    // Teams tells the bot about the install (conversationUpdate); if that reference arrived, use it.
    const arrived = await store.conversations.get(row.recipientId);
    if (arrived && arrived.conversationId !== stale) return { kind: 'ok', target: { conversationId: arrived.conversationId, serviceUrl: arrived.serviceUrl } };
    const bot = await this.d.messenger.botAccountId();
    if (!bot) return { kind: 'retry', afterMs: 5_000, error: 'waiting for Teams to confirm the install (the bot id is not configured)', countAttempt: true };
    const serviceUrl = this.d.config.teamsServiceUrl;
    const permits = [await this.d.pacer.acquire('connector.global', 1, '', undefined, 'background')];
    let created: ConnectorResult<{ conversationId: string }>;
    try {
      created = await this.d.messenger.createPersonalConversation({ serviceUrl, member: row.recipientId, tenantId: this.d.config.tenantId, botAccountId: bot });
    } finally {
      for (const permit of permits) permit.done();
    }
    if (!created.ok) {
      if (created.kind === 'refused') return { kind: 'fail', code: 'not_reachable', reason: `${PERMANENT_REASONS.not_reachable} (${created.status} ${created.code})` };
      // Throttled, gone (the install not visible to Teams yet) or unknown: creating again is harmless.
      const wait = created.retryAfterMs ?? this.backoffMs(row.attempts + 1);
      if (row.attempts + 1 >= this.o.maxAttempts && created.kind === 'gone') return { kind: 'fail', code: 'not_reachable', reason: PERMANENT_REASONS.not_reachable! };
      return { kind: 'retry', afterMs: wait, error: `create conversation: ${created.status} ${created.code}`, countAttempt: true };
    }
    this.stats.firstContacts++;
    await store.conversations.upsert({
      aadObjectId: row.recipientId,
      tenantId: this.d.config.tenantId,
      teamsUserId: '',
      conversationId: created.value.conversationId,
      serviceUrl,
      botId: bot,
      source: 'created',
      updatedAt: clock.now(),
    });
    return { kind: 'ok', target: { conversationId: created.value.conversationId, serviceUrl } };
  }

  private async catalog(): Promise<string | null> {
    const p = this.d.provisioning;
    const appId = this.d.config.teamsAppId;
    if (!p || !appId) return null;
    if (this.catalogId && (this.catalogId.value || this.d.clock.nowMs() - this.catalogId.at < 300_000)) return this.catalogId.value;
    const value = await p.catalogAppId(appId);
    this.catalogId = { value, at: this.d.clock.nowMs() };
    return value;
  }

  private async pace(conversationId: string): Promise<Permit[]> {
    const conv = await this.d.pacer.acquire('connector.conversation', 1, conversationId, undefined, 'background');
    const global = await this.d.pacer.acquire('connector.global', 1, '', undefined, 'background');
    return [conv, global];
  }

  // ---- in doubt -----------------------------------------------------------------------------

  private async settleInDoubt(term: { lease: number; token: string }, signal?: AbortSignal): Promise<void> {
    const { store, clock } = this.d;
    const outbox = store.nudges.outbox;
    for (;;) {
      if (signal?.aborted) return;
      const now = clock.now();
      const rows = (await outbox.inDoubt(new Date(now.getTime() - this.o.inDoubtGraceMs), 50));
      if (rows.length === 0) return;
      let progress = false;
      for (const row of rows) {
        if (!(await outbox.claimInDoubt(row.key, row.claimToken, term.token, clock.now(), new Date(clock.nowMs() + this.o.claimTtlMs)))) continue;
        const settled = await this.readBack(row);
        const at = clock.now();
        if (settled.kind === 'found') {
          this.stats.foundOnReadBack++;
          await this.markSent(row, term.token, settled.activityId, at, 'read_back_found');
          progress = true;
        } else if (settled.kind === 'absent') {
          this.stats.absentOnReadBack++;
          await outbox.reschedule(row.key, term.token, at, at, { resolution: 'read_back_absent' });
          progress = true;
        } else if (settled.kind === 'unverifiable') {
          this.stats.resentUnverified++;
          this.d.logger.warn({ key: row.key }, 'an interrupted send cannot be checked (no chat read permission): sending again, possibly a duplicate');
          await outbox.reschedule(row.key, term.token, at, at, { resolution: 'resent_unverified' });
          progress = true;
        }
      }
      // Rows whose read-back failed for a passing reason wait for the next round.
      if (!progress) return;
    }
  }

  private async readBack(row: OutboxMessage): Promise<{ kind: Exclude<Settled, 'found'> } | { kind: 'found'; activityId: string }> {
    if (row.target || !this.d.chats || this.chatReadDenied) return { kind: 'unverifiable' };
    const { store, clock } = this.d;
    let chatId = (await store.nudges.recipients.get(row.recipientId))?.chatId ?? null;
    const catalogId = await this.catalog().catch(() => null);
    if (!chatId) {
      if (!this.d.provisioning || !catalogId) return { kind: 'unverifiable' };
      let lookedUp: string | null;
      try {
        lookedUp = await this.d.provisioning.chatIdFor(row.recipientId, catalogId);
      } catch {
        return { kind: 'error' };
      }
      // The app is not installed for them: nothing can have reached their chat.
      if (!lookedUp) return { kind: 'absent' };
      chatId = lookedUp;
      await store.nudges.recipients.saveChatId(row.recipientId, chatId, clock.now());
    }
    const since = new Date((row.sendingSince ?? row.updatedAt).getTime() - 5 * 60_000);
    const r = await this.d.chats.recentMessages(chatId, since);
    if (!r.ok) {
      if (r.code === 'forbidden') {
        this.chatReadDenied = true;
        this.d.logger.warn({}, 'chat messages are not readable (Chat.Read.All not granted): interrupted sends are repeated, at least once');
        return { kind: 'unverifiable' };
      }
      return { kind: r.code === 'not_found' ? 'absent' : 'error' };
    }
    const found = r.messages.find((m) => m.fromBot && m.contents.some((c) => containsMarker(c, row.key)));
    return found ? { kind: 'found', activityId: found.id } : { kind: 'absent' };
  }

  // ---- timing -------------------------------------------------------------------------------

  private backoffMs(attempt: number): number {
    return Math.min(300_000, 1000 * 2 ** Math.min(attempt, 9));
  }

  /** ±25 %, so rows that failed together do not come back together. */
  private jitter(ms: number): number {
    return Math.round(ms * (1 + (this.d.random.next() - 0.5) / 2));
  }

  /** Up to 25 % more: never earlier than a Retry-After. */
  private jitterUp(ms: number): number {
    return Math.round(ms * (1 + this.d.random.next() / 4));
  }

  private later(attempt: number): Date {
    return new Date(this.d.clock.nowMs() + this.jitter(this.backoffMs(attempt)));
  }
}

interface BatchContext {
  campaigns: Map<string, Campaign | null>;
  cohorts: Map<string, Cohort | null>;
  members: Map<string, { active: boolean; state: string; isBreakGlass: boolean }>;
  recipients: Map<string, NudgeRecipient>;
  refs: Map<string, ConversationRef>;
}

/** Whether a message about a cohort member still applies to them. */
function wantedFor(row: OutboxMessage, cohort: Cohort, member: { active: boolean; state: string; isBreakGlass: boolean } | null): boolean {
  if (!member || !member.active || member.isBreakGlass || member.state === 'account_disabled') return false;
  if (row.kind === 'thanks') return member.state === 'compliant';
  if (row.kind === 'recovery' && cohort.stage !== 'enforced') return false;
  if (row.kind === 'final' && cohort.stage === 'enforced') return false;
  return member.state !== 'compliant';
}
