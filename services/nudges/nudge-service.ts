import { effectiveSettings, type CampaignSettings } from '../campaigns/campaign-settings.js';
import { fail, type Outcome } from '../campaigns/campaign-service.js';
import { evaluateMember, rulesOf } from '../compliance/member-evaluation.js';
import { readFido2Methods, type PasskeyView } from '../compliance/passkeys.js';
import { toReportInput } from '../compliance/report-row.js';
import type { Campaign, Cohort, CohortMember, DirectoryUserRecord } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryCounts, NewOutboxMessage, NudgeKind, NudgeRecipient, OutboxMessage } from '../ports/nudge-store.js';
import type { RegistrationSource } from '../ports/registration-source.js';
import type { Repositories, Store } from '../ports/store.js';
import type { PeopleFacts } from '../ports/teams.js';
import type { UserAuthReader } from '../ports/user-auth.js';
import { STATE_LABELS } from '../status/status-service.js';
import { deadlineInWords, dayInWords, thanksAdvice, type EscalationPayload, type HelpRequestPayload, type ReminderPayload, type ThanksPayload } from './content.js';
import { nudgeKeys } from './keys.js';
import { planMember, quietWindowFor, REMINDING_STAGES, type PlanDecision } from './planner.js';
import { resolveTimeZone } from './time-zones.js';
import { nextSendTime, workingDayStart } from './working-hours.js';

/**
 * Nudges as a service: the planner job (what each cohort member gets next, written to the outbox),
 * the admin commands, the reminder card buttons, and the hooks staging calls (issue 5).
 *
 * Hooks for staging (services/staging calls these; the planner also notices stage changes on its
 * own every tick, so calling them only makes notices go out sooner):
 * - `planFinalNotices(cohortId, enforcementDate, now)` when an enforcement is requested or approved;
 * - `planRecoveryNotices(cohortId, now)` right after a cohort became enforced;
 * - `cancelForCohort(cohortId, now)` on rollback or pause.
 * And for the gate "every non-compliant member warned at least N times": `warningsSent(campaignId, userIds)`.
 */

/** Message kinds the planner writes (help requests come from people and stay). */
const PLANNED_KINDS: NudgeKind[] = ['reminder', 'thanks', 'final', 'recovery', 'escalation'];
/** A time zone read from Graph is trusted this long. */
const TIME_ZONE_MAX_AGE_MS = 30 * 24 * 3_600_000;
/** People planned per round (one round reads their time zones, then writes their messages). */
const CHUNK = 500;
const STAGE_RANK: Record<string, number> = { enforced: 3, 'report-only': 2, nudging: 1, planned: 0 };

export interface NudgeServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Time zones and managers (Graph); null: everyone is on the campaign's fallback zone, no escalation. */
  people: PeopleFacts | null;
  /** Live re-check for "I've done it": the person's report row… */
  registration: Pick<RegistrationSource, 'reportFor'> | null;
  /** …and their passkeys. */
  userAuth: Pick<UserAuthReader, 'fido2Methods'> | null;
  directory: Pick<Directory, 'getUser'>;
  /** Exempted people (issue 5): not reminded. */
  exemptions?: { exemptUserIds(campaignId: string, now: Date): Promise<Set<string>> } | null;
}

export interface PlanSummary {
  campaigns: number;
  people: number;
  planned: Record<'reminder' | 'thanks' | 'final' | 'recovery' | 'escalation', number>;
  cancelled: number;
}

export interface NudgeCommandResult {
  /** New reminders planned. */
  planned: number;
  /** Reminders that were already waiting (moved to now with `now`). */
  alreadyPlanned: number;
  /** People skipped (compliant, break-glass, disabled, details pending). */
  skipped: number;
  /** Of the planned, how many wait for the person's working hours. */
  waitingForWorkingHours: number;
  campaigns: string[];
}

/** What a pressed reminder card becomes (rendered by bot/ with cards/nudge-cards.ts). */
export type CardView =
  | { kind: 'reminder'; payload: ReminderPayload; state: { banner: string; bannerColor: 'Good' | 'Warning' | 'Attention' | 'Default'; buttons: { done: boolean; snooze: boolean; help: boolean }; doneTitle?: string } }
  | { kind: 'thanks'; payload: ThanksPayload }
  | { kind: 'message'; text: string };

interface CardResponse {
  snooze?: { until: string; at: string };
  help?: { who: string; at: string };
  done?: { state: string; at: string };
}

export class NudgeService {
  constructor(private readonly d: NudgeServiceDeps) {}

  // ---- the planner job ------------------------------------------------------------------------

  /** Plans what every cohort member gets next (idempotent: planning twice plans nothing new). */
  async planTick(now: Date = this.d.clock.now()): Promise<PlanSummary> {
    const summary: PlanSummary = { campaigns: 0, people: 0, planned: { reminder: 0, thanks: 0, final: 0, recovery: 0, escalation: 0 }, cancelled: 0 };
    const notices = await this.d.store.nudges.cohortNotices.enforcementDates();
    for (const campaign of await this.d.store.campaigns.list()) {
      await this.planCampaign(campaign, now, notices, summary, null);
    }
    return summary;
  }

  private async planCampaign(campaign: Campaign, now: Date, notices: Map<string, string>, summary: PlanSummary, onlyCohortId: string | null): Promise<void> {
    const { store } = this.d;
    const outbox = store.nudges.outbox;
    summary.campaigns++;
    if (campaign.nudgesPaused) {
      summary.cancelled += await outbox.cancel({ campaignId: campaign.id, kinds: PLANNED_KINDS }, now);
      return;
    }
    const settings = effectiveSettings(campaign.settings);
    const cohorts = await store.cohorts.list(campaign.id);
    // Someone in several cohorts of a campaign is reminded once, for the most advanced one.
    const best = new Map<string, { member: CohortMember; cohort: Cohort }>();
    for (const cohort of cohorts) {
      for (let offset = 0; ; offset += 5000) {
        const page = await store.members.list(cohort.id, { offset, limit: 5000 });
        for (const member of page) {
          const prev = best.get(member.userId);
          if (!prev || cohortRank(cohort) > cohortRank(prev.cohort)) best.set(member.userId, { member, cohort });
        }
        if (page.length < 5000) break;
      }
    }
    const people = [...best.entries()].filter(([, v]) => !onlyCohortId || v.cohort.id === onlyCohortId);
    if (people.length === 0) return;
    const [pending, lastSeq, states, exempt] = await Promise.all([
      outbox.pendingReminders(campaign.id),
      outbox.lastReminderSeq(campaign.id),
      store.nudges.users.forCampaign(campaign.id),
      this.d.exemptions?.exemptUserIds(campaign.id, now).catch(() => new Set<string>()) ?? Promise.resolve(new Set<string>()),
    ]);
    summary.people += people.length;
    for (let i = 0; i < people.length; i += CHUNK) {
      const chunk = people.slice(i, i + CHUNK);
      const ids = chunk.map(([u]) => u);
      const recipients = await store.nudges.recipients.getMany(ids);
      const wanting = chunk
        .filter(([u, { member, cohort }]) => REMINDING_STAGES.includes(cohort.stage) && !cohort.paused && !member.isBreakGlass && !['break_glass', 'account_disabled', 'pending_detail'].includes(member.state) && !(member.state === 'compliant' && states.get(u)?.thankedAt))
        .map(([u]) => u);
      await this.ensureTimeZones(wanting, recipients, now);
      const onceKeys = chunk.flatMap(([u, { cohort }]) => [
        nudgeKeys.thanks(campaign.id, u),
        nudgeKeys.recovery(cohort.id, u),
        nudgeKeys.escalation(campaign.id, u),
        ...(notices.get(cohort.id) ? [nudgeKeys.final(cohort.id, u, notices.get(cohort.id)!)] : []),
      ]);
      const keyState = await outbox.keyStates(onceKeys);
      const existing = new Set(keyState.keys());
      const inFlight = (key: string) => ['planned', 'sending'].includes(keyState.get(key) ?? '');
      const records = await store.directoryUsers.getMany(ids);
      const messages: NewOutboxMessage[] = [];
      const cancels: string[] = [];
      const escalate: { userId: string; cohort: Cohort; member: CohortMember; ignored: number }[] = [];
      for (const [userId, { member, cohort }] of chunk) {
        const timeZone = zoneOf(recipients.get(userId), settings);
        const enforcementDate = notices.get(cohort.id) ?? null;
        const decisions = planMember({
          now,
          campaign: { id: campaign.id, deadline: campaign.deadline, nudgesPaused: campaign.nudgesPaused, settings },
          cohort: { id: cohort.id, tier: cohort.tier, stage: cohort.stage, paused: cohort.paused },
          member: { userId, state: member.state, isBreakGlass: member.isBreakGlass },
          nudge: states.get(userId) ?? null,
          pending: pending.get(userId) ?? null,
          lastSeq: lastSeq.get(userId) ?? 0,
          timeZone,
          unreachable: Boolean(recipients.get(userId)?.unreachableCode),
          exempt: exempt.has(userId),
          enforcementDate,
          noticePending: inFlight(nudgeKeys.recovery(cohort.id, userId)) || (enforcementDate !== null && inFlight(nudgeKeys.final(cohort.id, userId, enforcementDate))),
          existing: {
            thanks: existing.has(nudgeKeys.thanks(campaign.id, userId)),
            final: enforcementDate ? existing.has(nudgeKeys.final(cohort.id, userId, enforcementDate)) : false,
            recovery: existing.has(nudgeKeys.recovery(cohort.id, userId)),
            escalation: existing.has(nudgeKeys.escalation(campaign.id, userId)),
          },
        });
        for (const d of decisions) {
          if (d.action === 'cancel-pending') cancels.push(d.key);
          else if (d.action === 'escalate') escalate.push({ userId, cohort, member, ignored: d.ignored });
          else {
            messages.push(this.messageFor(d, { campaign, settings, cohort, member, record: records.get(userId) ?? null, timeZone, enforcementDate }));
            summary.planned[d.action]++;
          }
        }
      }
      if (messages.length > 0) await outbox.plan(messages, now);
      if (cancels.length > 0) summary.cancelled += await outbox.cancel({ keys: cancels }, now);
      for (const e of escalate) {
        if (await this.planEscalation(campaign, settings, e, records.get(e.userId) ?? null, states.get(e.userId)?.remindersSent ?? e.ignored, now)) summary.planned.escalation++;
      }
    }
  }

  private messageFor(
    d: Exclude<PlanDecision, { action: 'cancel-pending' } | { action: 'escalate' }>,
    x: { campaign: Campaign; settings: CampaignSettings; cohort: Cohort; member: CohortMember; record: DirectoryUserRecord | null; timeZone: string; enforcementDate: string | null },
  ): NewOutboxMessage {
    const userId = x.member.userId;
    const quiet = quietWindowFor(x.timeZone, x.settings);
    const base = { recipientId: userId, subjectId: userId, campaignId: x.campaign.id, cohortId: x.cohort.id, quiet, notBefore: d.notBefore };
    if (d.action === 'thanks') {
      const key = nudgeKeys.thanks(x.campaign.id, userId);
      const payload: ThanksPayload = { key, kind: 'thanks', personName: x.record?.displayName ?? '', campaignName: x.campaign.name, cohortName: x.cohort.name, advice: thanksAdvice(x.member) };
      return { ...base, key, kind: 'thanks', payload: { ...payload } };
    }
    const key =
      d.action === 'reminder' ? nudgeKeys.reminder(x.campaign.id, userId, d.seq) : d.action === 'final' ? nudgeKeys.final(x.cohort.id, userId, d.enforcementDate) : nudgeKeys.recovery(x.cohort.id, userId);
    const payload = this.reminderPayload(key, d.action, x, d.action === 'reminder' ? d.seq : null);
    return { ...base, key, kind: d.action, seq: d.action === 'reminder' ? d.seq : null, payload: { ...payload } };
  }

  private reminderPayload(
    key: string,
    kind: ReminderPayload['kind'],
    x: { campaign: Campaign; settings: CampaignSettings; cohort: Cohort; member: CohortMember; record: DirectoryUserRecord | null; timeZone: string; enforcementDate: string | null },
    seq: number | null,
  ): ReminderPayload {
    const today = this.d.clock.now().toISOString().slice(0, 10);
    return {
      key,
      kind,
      personName: x.record?.displayName ?? '',
      campaignName: x.campaign.name,
      cohortName: x.cohort.name,
      tier: x.cohort.tier,
      aaguidAllowList: x.campaign.aaguidAllow.length > 0,
      deadline: x.campaign.deadline,
      deadlineText: deadlineInWords(x.campaign.deadline, x.timeZone),
      overdue: x.campaign.deadline !== null && x.campaign.deadline < today,
      timeZone: x.timeZone,
      reason: personalReason(x.member),
      seq,
      enforcementText: x.enforcementDate ? dayInWords(x.enforcementDate) : '',
      helpdesk: helpdeskText(x.settings),
    };
  }

  private async planEscalation(
    campaign: Campaign,
    settings: CampaignSettings,
    e: { userId: string; cohort: Cohort; member: CohortMember },
    record: DirectoryUserRecord | null,
    remindersSent: number,
    now: Date,
  ): Promise<boolean> {
    const { store } = this.d;
    const manager = await this.d.people?.managerOf(e.userId).catch(() => null);
    if (!manager) {
      // No manager to tell: remember that it was considered, so it is not asked again every round.
      await store.nudges.users.recordDelivered(campaign.id, e.userId, 'escalation', now);
      this.d.logger.info({ userId: e.userId, campaignId: campaign.id }, 'escalation skipped: no manager');
      return false;
    }
    const recipients = await store.nudges.recipients.getMany([manager.id]);
    await this.ensureTimeZones([manager.id], recipients, now);
    const timeZone = zoneOf(recipients.get(manager.id), settings);
    const key = nudgeKeys.escalation(campaign.id, e.userId);
    const payload: EscalationPayload = {
      key,
      kind: 'escalation',
      managerName: manager.displayName,
      personName: record?.displayName ?? e.userId,
      personUpn: record?.upn ?? '',
      campaignName: campaign.name,
      cohortName: e.cohort.name,
      deadlineText: deadlineInWords(campaign.deadline, timeZone),
      remindersSent,
      reason: personalReason(e.member),
    };
    const planned = await store.nudges.outbox.plan(
      [{ key, kind: 'escalation', recipientId: manager.id, subjectId: e.userId, campaignId: campaign.id, cohortId: e.cohort.id, payload: { ...payload }, quiet: quietWindowFor(timeZone, settings), notBefore: nextSendTime(now, quietWindowFor(timeZone, settings)) }],
      now,
    );
    return planned.length > 0;
  }

  /** Reads missing or old time zones (mailbox settings, else usage location) and stores them. */
  private async ensureTimeZones(userIds: string[], recipients: Map<string, NudgeRecipient>, now: Date): Promise<void> {
    const people = this.d.people;
    if (!people || userIds.length === 0) return;
    const need = userIds.filter((u) => {
      const r = recipients.get(u);
      return !r?.timeZoneReadAt || now.getTime() - r.timeZoneReadAt.getTime() > TIME_ZONE_MAX_AGE_MS;
    });
    if (need.length === 0) return;
    let facts;
    try {
      facts = await people.timeZoneFacts(need);
    } catch (e) {
      this.d.logger.warn({ err: e instanceof Error ? e.message : String(e), people: need.length }, 'time zones not readable now; the campaign zone is used this round');
      return;
    }
    // '' = nothing known: the campaign's fallback zone applies (it differs per campaign).
    const entries = need.map((u) => {
      const r = resolveTimeZone(facts.get(u) ?? {}, '');
      return { userId: u, timeZone: r.source === 'fallback' ? '' : r.timeZone, source: r.source === 'fallback' ? 'none' : r.source };
    });
    await this.d.store.nudges.recipients.saveTimeZones(entries, now);
    for (const e of entries) {
      const prev = recipients.get(e.userId);
      recipients.set(e.userId, { ...(prev ?? emptyRecipient(e.userId, now)), timeZone: e.timeZone, timeZoneSource: e.source, timeZoneReadAt: now });
    }
  }

  // ---- hooks for staging (issue 5) -------------------------------------------------------------

  /** An enforcement of `cohortId` was requested or approved for `enforcementDate`: final notices to its non-compliant members. */
  async planFinalNotices(cohortId: string, enforcementDate: Date, now: Date): Promise<number> {
    const { store } = this.d;
    const cohort = await store.cohorts.get(cohortId);
    const campaign = cohort ? await store.campaigns.get(cohort.campaignId) : null;
    if (!cohort || !campaign) return 0;
    const date = enforcementDate.toISOString().slice(0, 10);
    await store.nudges.cohortNotices.setEnforcementDate(cohortId, date, now);
    const summary = emptySummary();
    await this.planCampaign(campaign, now, await store.nudges.cohortNotices.enforcementDates(), summary, cohortId);
    return summary.planned.final;
  }

  /** `cohortId` became enforced: "how to recover" to its non-compliant members. */
  async planRecoveryNotices(cohortId: string, now: Date): Promise<number> {
    const { store } = this.d;
    const cohort = await store.cohorts.get(cohortId);
    const campaign = cohort ? await store.campaigns.get(cohort.campaignId) : null;
    if (!cohort || !campaign) return 0;
    const summary = emptySummary();
    await this.planCampaign(campaign, now, await store.nudges.cohortNotices.enforcementDates(), summary, cohortId);
    await store.nudges.cohortNotices.clearEnforcementDate(cohortId);
    return summary.planned.recovery;
  }

  /** Rollback or pause of `cohortId`: everything planned for it is cancelled (the next round plans what still applies). */
  async cancelForCohort(cohortId: string, now: Date): Promise<number> {
    const { store } = this.d;
    await store.nudges.cohortNotices.clearEnforcementDate(cohortId);
    return store.nudges.outbox.cancel({ cohortId, kinds: PLANNED_KINDS }, now);
  }

  /** Reminders and final notices delivered per person (the staging gate "warned at least N times"). */
  warningsSent(campaignId: string, userIds?: string[]): Promise<Map<string, number>> {
    return this.d.store.nudges.outbox.warningsSent(campaignId, userIds);
  }

  deliveryCounts(filter: { campaignId?: string | null; cohortId?: string | null } = {}): Promise<DeliveryCounts> {
    return this.d.store.nudges.outbox.deliveryCounts(filter);
  }

  // ---- admin commands ------------------------------------------------------------------------

  /**
   * `nudge <cohort> [now]`: an extra reminder, outside the cadence, for every non-compliant member.
   * Without `now` it waits for each person's working hours and respects snoozes; with `now` it goes
   * out at once, whatever the hour, snooze or earlier refusal. Explicit nudges are not held to the cap.
   */
  async nudgeCohort(cohort: Cohort, o: { now: boolean }, actor: string): Promise<Outcome<NudgeCommandResult>> {
    const { store } = this.d;
    const campaign = await store.campaigns.get(cohort.campaignId);
    if (!campaign) return fail('campaign_not_found', 'That cohort has no campaign any more.');
    if (campaign.nudgesPaused) return fail('nudges_paused', `Reminders are paused for ${campaign.name}: \`resume nudges ${campaign.name}\` first.`);
    if (cohort.paused) return fail('cohort_paused', `The cohort ${cohort.name} is paused: resume it first.`);
    if (!REMINDING_STAGES.includes(cohort.stage)) return fail('cohort_not_reminding', `The cohort ${cohort.name} is ${cohort.stage}: nobody is reminded before it moves to nudging.`);
    const members: CohortMember[] = [];
    for (let offset = 0; ; offset += 5000) {
      const page = await store.members.list(cohort.id, { offset, limit: 5000 });
      members.push(...page);
      if (page.length < 5000) break;
    }
    const result = await this.manualReminders(campaign, cohort, members, o.now);
    await store.audit.append({ at: this.d.clock.now(), actor, action: 'nudges.nudge', campaignId: campaign.id, cohortId: cohort.id, subject: cohort.groupId, details: { target: 'cohort', now: o.now, planned: result.planned, alreadyPlanned: result.alreadyPlanned, skipped: result.skipped } });
    return { ok: true, value: { ...result, campaigns: [campaign.name] } };
  }

  /** `nudge <user> [now]`: the same for one person, in every campaign they are non-compliant in. */
  async nudgeUser(userId: string, o: { now: boolean }, actor: string): Promise<Outcome<NudgeCommandResult>> {
    const { store } = this.d;
    const memberships = await store.members.ofUser(userId.toLowerCase());
    if (memberships.length === 0) return fail('not_in_campaign', 'They are not in any campaign cohort yet, so there is nothing to remind them of.');
    const total: NudgeCommandResult = { planned: 0, alreadyPlanned: 0, skipped: 0, waitingForWorkingHours: 0, campaigns: [] };
    const reasons: string[] = [];
    const seen = new Set<string>();
    for (const m of memberships) {
      const cohort = await store.cohorts.get(m.cohortId);
      const campaign = cohort ? await store.campaigns.get(cohort.campaignId) : null;
      if (!cohort || !campaign || seen.has(campaign.id)) continue;
      if (campaign.nudgesPaused) {
        reasons.push(`reminders are paused for ${campaign.name}`);
        continue;
      }
      if (cohort.paused || !REMINDING_STAGES.includes(cohort.stage)) {
        reasons.push(`${cohort.name} is ${cohort.paused ? 'paused' : cohort.stage}`);
        continue;
      }
      if (o.now) await store.nudges.recipients.clearUnreachable(m.userId, this.d.clock.now());
      const r = await this.manualReminders(campaign, cohort, [m], o.now);
      if (r.planned + r.alreadyPlanned > 0) {
        seen.add(campaign.id);
        total.campaigns.push(campaign.name);
      } else reasons.push(m.state === 'compliant' ? `already has the passkey ${cohort.name} needs` : `is ${STATE_LABELS[m.state] ?? m.state} in ${cohort.name}`);
      total.planned += r.planned;
      total.alreadyPlanned += r.alreadyPlanned;
      total.skipped += r.skipped;
      total.waitingForWorkingHours += r.waitingForWorkingHours;
    }
    await store.audit.append({ at: this.d.clock.now(), actor, action: 'nudges.nudge', subject: userId, details: { target: 'user', now: o.now, planned: total.planned, alreadyPlanned: total.alreadyPlanned, campaigns: total.campaigns } });
    if (total.planned + total.alreadyPlanned === 0) return fail('nothing_to_send', `Nothing to send: ${[...new Set(reasons)].join('; ') || 'no campaign reminds them now'}.`);
    return { ok: true, value: total };
  }

  private async manualReminders(campaign: Campaign, cohort: Cohort, members: CohortMember[], now: boolean): Promise<Omit<NudgeCommandResult, 'campaigns'>> {
    const { store, clock } = this.d;
    const outbox = store.nudges.outbox;
    const at = clock.now();
    const settings = effectiveSettings(campaign.settings);
    const out = { planned: 0, alreadyPlanned: 0, skipped: 0, waitingForWorkingHours: 0 };
    const wanted = members.filter((m) => m.active && !m.isBreakGlass && !['compliant', 'break_glass', 'account_disabled', 'pending_detail'].includes(m.state));
    out.skipped = members.length - wanted.length;
    if (wanted.length === 0) return out;
    const [pending, lastSeq] = await Promise.all([outbox.pendingReminders(campaign.id), outbox.lastReminderSeq(campaign.id)]);
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const chunk = wanted.slice(i, i + CHUNK);
      const ids = chunk.map((m) => m.userId);
      const recipients = await store.nudges.recipients.getMany(ids);
      await this.ensureTimeZones(ids, recipients, at);
      const records = await store.directoryUsers.getMany(ids);
      const messages: NewOutboxMessage[] = [];
      const expedite: string[] = [];
      for (const m of chunk) {
        const p = pending.get(m.userId);
        if (p) {
          out.alreadyPlanned++;
          if (now) expedite.push(p.key);
          continue;
        }
        if (now) await store.nudges.users.clearSnooze(campaign.id, m.userId, at);
        const timeZone = zoneOf(recipients.get(m.userId), settings);
        const quiet = quietWindowFor(timeZone, settings);
        const seq = (lastSeq.get(m.userId) ?? 0) + 1;
        const notBefore = now ? at : nextSendTime(at, quiet);
        if (notBefore.getTime() > at.getTime()) out.waitingForWorkingHours++;
        const key = nudgeKeys.reminder(campaign.id, m.userId, seq);
        const payload = this.reminderPayload(key, 'reminder', { campaign, settings, cohort, member: m, record: records.get(m.userId) ?? null, timeZone, enforcementDate: null }, seq);
        messages.push({ key, kind: 'reminder', recipientId: m.userId, subjectId: m.userId, campaignId: campaign.id, cohortId: cohort.id, seq, payload: { ...payload }, quiet: now ? null : quiet, notBefore });
      }
      out.planned += (await outbox.plan(messages, at)).length;
      if (expedite.length > 0) await outbox.expedite(expedite, at, at);
    }
    return out;
  }

  /** `pause nudges <campaign>` / `resume nudges <campaign>`: audited; a pause cancels what was planned. */
  async setNudgesPaused(name: string, paused: boolean, actor: string): Promise<Outcome<{ campaign: Campaign; changed: boolean; cancelled: number }>> {
    const { store, clock } = this.d;
    const campaign = await store.campaigns.findByName(name);
    if (!campaign) return fail('campaign_not_found', `There is no campaign called "${name}". \`campaign list\` shows them.`);
    if (campaign.nudgesPaused === paused) return { ok: true, value: { campaign, changed: false, cancelled: 0 } };
    const now = clock.now();
    const result = await store.transaction(async (tx: Repositories) => {
      const current = await tx.campaigns.get(campaign.id);
      if (!current) return null;
      const next: Campaign = { ...current, nudgesPaused: paused, updatedAt: now };
      if (!(await tx.campaigns.update(next, current.version))) return null;
      const cancelled = paused ? await tx.nudges.outbox.cancel({ campaignId: campaign.id, kinds: PLANNED_KINDS }, now) : 0;
      await tx.audit.append({ at: now, actor, action: paused ? 'nudges.pause' : 'nudges.resume', campaignId: campaign.id, before: { nudgesPaused: current.nudgesPaused }, after: { nudgesPaused: paused }, details: { cancelled } });
      return { campaign: { ...next, version: current.version + 1 }, cancelled };
    });
    if (!result) return fail('conflict', 'The campaign changed at the same moment; please try again.');
    return { ok: true, value: { ...result, changed: true } };
  }

  // ---- the reminder card's buttons --------------------------------------------------------------

  /** "I've done it": re-checks the person now (report row and passkeys, live), answers in the card. */
  async cardDone(key: string, actorId: string): Promise<CardView> {
    const ctx = await this.cardContext(key, actorId);
    if ('text' in ctx) return { kind: 'message', text: ctx.text };
    const { store, clock } = this.d;
    const { row, campaign, payload } = ctx;
    const userId = row.recipientId;
    const now = clock.now();
    const report = this.d.registration ? await this.d.registration.reportFor(userId) : null;
    if (report) await store.directoryUsers.upsertReportRows([toReportInput(report, userId)], now);
    const record = await store.directoryUsers.get(userId);
    const methods = this.d.userAuth ? await this.d.userAuth.fido2Methods(userId) : null;
    if (methods) await store.directoryUsers.saveFido2(userId, readFido2Methods(methods), record?.reportLastUpdated ?? null, now);
    const fresh = await store.directoryUsers.get(userId);
    // Re-evaluate every membership in this campaign, as the sync would, and keep the result.
    const memberships = (await store.members.ofUser(userId)).filter((m) => m.active);
    let mine: { state: string; reason: string; advice: string; passkeyCount: number | null } | null = null;
    let cohortName = payload.cohortName;
    for (const m of memberships) {
      const cohort = await store.cohorts.get(m.cohortId);
      if (!cohort || cohort.campaignId !== campaign.id) continue;
      const { evaluation } = evaluateMember(userId, fresh, cohort.tier, m.isBreakGlass, rulesOf(campaign));
      await store.members.saveEvaluations(cohort.id, [evaluation], now);
      if (!mine || m.cohortId === row.cohortId) {
        mine = evaluation;
        cohortName = cohort.name;
      }
    }
    const state = mine?.state ?? 'no_passkey';
    const response = { ...(row.response as CardResponse | null), done: { state, at: now.toISOString() } };
    if (state === 'compliant') {
      await store.transaction(async (tx) => {
        await tx.nudges.outbox.cancel({ campaignId: campaign.id, subjectIds: [userId], kinds: ['reminder', 'final', 'recovery'] }, now);
        await tx.nudges.users.recordInteraction(campaign.id, userId, now);
        // The refreshed card is the thank-you: no separate thank-you message follows.
        await tx.nudges.users.recordDelivered(campaign.id, userId, 'thanks', now);
        await tx.nudges.outbox.setResponse(key, response, now);
      });
      return { kind: 'thanks', payload: { key: nudgeKeys.thanks(campaign.id, userId), kind: 'thanks', personName: payload.personName, campaignName: campaign.name, cohortName, advice: thanksAdvice(mine ?? { advice: '', passkeyCount: null, state }) } };
    }
    await store.nudges.users.recordInteraction(campaign.id, userId, now);
    await store.nudges.outbox.setResponse(key, response, now);
    const reason = mine ? personalReason({ state, reason: mine.reason }) : payload.reason;
    return {
      kind: 'reminder',
      payload: { ...payload, reason },
      state: {
        banner: `I checked just now and do not see the passkey your group needs yet: ${reason} If you registered it a moment ago, give it a minute and press "Check again".`,
        bannerColor: 'Warning',
        buttons: buttonsAfter(response, payload),
        doneTitle: 'Check again',
      },
    };
  }

  /** "Remind me tomorrow / next week": the next reminder waits until the start of that working day. */
  async cardSnooze(key: string, until: 'tomorrow' | 'week', actorId: string): Promise<CardView> {
    const ctx = await this.cardContext(key, actorId);
    if ('text' in ctx) return { kind: 'message', text: ctx.text };
    const { store, clock } = this.d;
    const { row, campaign, payload } = ctx;
    const previous = row.response as CardResponse | null;
    if (previous?.snooze) return this.snoozedView(payload, previous, new Date(previous.snooze.until));
    const userId = row.recipientId;
    const now = clock.now();
    const settings = effectiveSettings(campaign.settings);
    const recipient = await store.nudges.recipients.get(userId);
    const window = quietWindowFor(recipient?.timeZone || payload.timeZone || settings.fallbackTimeZone, settings);
    const untilAt = workingDayStart(now, until === 'week' ? 7 : 1, window);
    const response: CardResponse = { ...previous, snooze: { until: untilAt.toISOString(), at: now.toISOString() } };
    await store.transaction(async (tx) => {
      await tx.nudges.users.snooze(campaign.id, userId, untilAt, now);
      await tx.nudges.outbox.cancel({ campaignId: campaign.id, subjectIds: [userId], kinds: ['reminder'] }, now);
      const state = await tx.nudges.users.get(campaign.id, userId);
      const seq = ((await tx.nudges.outbox.lastReminderSeq(campaign.id)).get(userId) ?? 0) + 1;
      if ((state?.remindersSent ?? 0) < settings.maxReminders && row.cohortId) {
        const nextKey = nudgeKeys.reminder(campaign.id, userId, seq);
        const next: ReminderPayload = { ...payload, key: nextKey, kind: 'reminder', seq };
        await tx.nudges.outbox.plan([{ key: nextKey, kind: 'reminder', recipientId: userId, subjectId: userId, campaignId: campaign.id, cohortId: row.cohortId, seq, payload: { ...next }, quiet: window, notBefore: untilAt }], now);
      }
      await tx.nudges.outbox.setResponse(key, { ...response }, now);
    });
    return this.snoozedView(payload, response, untilAt);
  }

  private snoozedView(payload: ReminderPayload, response: CardResponse, until: Date): CardView {
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: payload.timeZone || 'UTC', weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }).format(until);
    return { kind: 'reminder', payload, state: { banner: `OK, I will remind you again on ${local} (your time).`, bannerColor: 'Good', buttons: buttonsAfter(response, payload) } };
  }

  /** "I need help": the request, with the person's context, goes to the helpdesk channel and/or people. */
  async cardHelp(key: string, actorId: string): Promise<CardView> {
    const ctx = await this.cardContext(key, actorId);
    if ('text' in ctx) return { kind: 'message', text: ctx.text };
    const { store, clock } = this.d;
    const { row, campaign, payload } = ctx;
    const previous = row.response as CardResponse | null;
    if (previous?.help) return this.helpView(payload, previous);
    const userId = row.recipientId;
    const now = clock.now();
    const settings = effectiveSettings(campaign.settings);
    const targets: { id: string; name: string; target: { conversationId: string; serviceUrl: string } | null }[] = [];
    if (settings.helpdeskChannel) {
      const ch = settings.helpdeskChannel;
      // The setting remembers the thread it was set in; each request starts its own post in the channel.
      const channelId = ch.conversationId.split(';messageid=')[0]!;
      targets.push({ id: 'channel', name: ch.channelName ? `the ${ch.channelName} channel` : 'the helpdesk channel', target: { conversationId: channelId, serviceUrl: ch.serviceUrl } });
    }
    for (const id of settings.helpdeskUserIds) {
      const u = await this.d.directory.getUser(id).catch(() => null);
      targets.push({ id: id.toLowerCase(), name: u?.displayName || 'a helpdesk colleague', target: null });
    }
    if (targets.length === 0) {
      // No helpdesk set for the campaign: whoever runs it hears about it.
      const u = await this.d.directory.getUser(campaign.createdBy).catch(() => null);
      targets.push({ id: campaign.createdBy.toLowerCase(), name: u?.displayName ? `${u.displayName}, who runs this rollout` : 'the person who runs this rollout', target: null });
    }
    const names = targets.map((t) => t.name);
    const who = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]!;
    const record = await store.directoryUsers.get(userId);
    const member = row.cohortId ? await store.members.get(row.cohortId, userId) : null;
    const cohort = row.cohortId ? await store.cohorts.get(row.cohortId) : null;
    const state = await store.nudges.users.get(campaign.id, userId);
    const base: Omit<HelpRequestPayload, 'key'> = {
      kind: 'help',
      personName: record?.displayName || payload.personName || userId,
      personUpn: record?.upn ?? '',
      personId: userId,
      campaignName: campaign.name,
      cohortName: cohort?.name ?? payload.cohortName,
      tier: cohort?.tier ?? payload.tier,
      stage: cohort?.stage ?? '',
      stateLabel: STATE_LABELS[member?.state ?? ''] ?? member?.state ?? 'unknown',
      reason: member?.reason ?? payload.reason,
      deadlineText: payload.deadlineText,
      remindersSent: state?.remindersSent ?? 0,
      timeZone: payload.timeZone,
      passkeys: describePasskeys(record),
      requestedAt: `${now.toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    };
    const messages: NewOutboxMessage[] = targets.map((t) => {
      const helpKey = nudgeKeys.help(key, t.id);
      return { key: helpKey, kind: 'help', recipientId: t.target ? 'channel' : t.id, subjectId: userId, campaignId: campaign.id, cohortId: row.cohortId, payload: { ...base, key: helpKey }, target: t.target, priority: 0, notBefore: now };
    });
    const response: CardResponse = { ...previous, help: { who, at: now.toISOString() } };
    await store.transaction(async (tx) => {
      await tx.nudges.outbox.plan(messages, now);
      await tx.nudges.users.recordInteraction(campaign.id, userId, now);
      await tx.nudges.outbox.setResponse(key, { ...response }, now);
    });
    this.d.logger.info({ key, targets: targets.length }, 'help requested from a reminder card');
    return this.helpView(payload, response);
  }

  private helpView(payload: ReminderPayload, response: CardResponse): CardView {
    return { kind: 'reminder', payload, state: { banner: `Your request went to ${response.help!.who}. Someone will contact you in Teams; you do not need to do anything else now.`, bannerColor: 'Good', buttons: buttonsAfter(response, payload) } };
  }

  private async cardContext(key: string, actorId: string): Promise<{ row: OutboxMessage; campaign: Campaign; payload: ReminderPayload } | { text: string }> {
    const { store } = this.d;
    const row = await store.nudges.outbox.get(key);
    if (!row || !['reminder', 'final', 'recovery'].includes(row.kind) || !row.campaignId) return { text: 'That card is no longer current. Say `my status` to see where you stand.' };
    // The card data only names the message; who may act on it comes from the signed activity.
    if (row.recipientId.toLowerCase() !== actorId.toLowerCase()) return { text: 'This card was sent to someone else, so its buttons do nothing for you.' };
    const campaign = await store.campaigns.get(row.campaignId);
    if (!campaign) return { text: 'That campaign has ended. Nothing more to do.' };
    return { row, campaign, payload: row.payload as unknown as ReminderPayload };
  }
}

// ---- helpers --------------------------------------------------------------------------------------

function cohortRank(c: Cohort): number {
  return c.paused ? -1 : (STAGE_RANK[c.stage] ?? 0);
}

function zoneOf(r: NudgeRecipient | undefined, settings: CampaignSettings): string {
  return r?.timeZone || settings.fallbackTimeZone;
}

function emptyRecipient(userId: string, now: Date): NudgeRecipient {
  return { userId, timeZone: null, timeZoneSource: null, timeZoneReadAt: null, unreachableCode: null, unreachableReason: null, unreachableAt: null, staleConversation: null, chatId: null, updatedAt: now };
}

function emptySummary(): PlanSummary {
  return { campaigns: 0, people: 0, planned: { reminder: 0, thanks: 0, final: 0, recovery: 0, escalation: 0 }, cancelled: 0 };
}

function helpdeskText(s: CampaignSettings): string {
  if (s.helpdeskChannel?.channelName) return `the helpdesk (${s.helpdeskChannel.channelName})`;
  if (s.helpdeskChannel || s.helpdeskUserIds.length > 0) return 'the IT helpdesk';
  return 'your IT helpdesk';
}

/** The compliance reason, addressed to the person. */
function personalReason(m: { state: string; reason: string }): string {
  switch (m.state) {
    case 'no_passkey':
      return 'You have no passkey yet.';
    case 'single_point_of_failure':
      return 'Your only passkey is in a password manager that itself signs in with your work account: once passkeys are required you could not open it. Add a second passkey elsewhere.';
    case 'wrong_kind':
      return `The passkey you have is not the kind your group needs. (${m.reason})`;
    case 'aaguid_not_allowed':
      return `Your passkey's model is not one your organisation allows. (${m.reason})`;
    default:
      return m.reason;
  }
}

function buttonsAfter(r: CardResponse | null, p: ReminderPayload): { done: boolean; snooze: boolean; help: boolean } {
  return { done: true, snooze: !r?.snooze && p.kind !== 'recovery', help: !r?.help };
}

function describePasskeys(record: DirectoryUserRecord | null): string {
  const detail = (record?.fido2 ?? null) as PasskeyView[] | null;
  if (detail && detail.length > 0) return detail.map((p) => `${p.provider} (${p.kind})`).join(', ');
  const methods = record?.methodsRegistered ?? null;
  if (methods === null) return 'not known yet';
  const passkeys = methods.filter((m) => /passkey|fido2|windowsHello/i.test(m));
  return passkeys.length > 0 ? passkeys.join(', ') : 'none';
}

