import type { CampaignSettings } from '../campaigns/campaign-settings.js';
import type { CohortStage, Tier } from '../ports/campaign-store.js';
import type { NudgeUserState, PendingReminder, QuietWindow } from '../ports/nudge-store.js';
import { addDays, daysBetween, localDate } from './time-zones.js';
import { nextSendTime } from './working-hours.js';

/**
 * What one cohort member should get next: pure, data and `now` in, decisions out (issue 4.1–4.5).
 *
 * - Stages `nudging`, `report-only` and `enforced` remind; `planned`, paused cohorts and campaigns
 *   whose nudges are paused send nothing (and a pending reminder is cancelled).
 * - Break-glass and disabled accounts never get anything; people Teams refuses (app blocked, user
 *   gone) are not planned again.
 * - Compliant people get one thank-you and nothing more.
 * - Non-compliant people get a first reminder when their cohort starts reminding (a final or recovery
 *   notice counts as one: it restarts the cadence clock), then one at each
 *   cadence point before the deadline (default 14, 7, 3, 1 days), then every `overdueEveryDays`
 *   while overdue, at most `maxReminders` in all; a point they already got a reminder for, or one
 *   less than MIN_GAP after the last, is skipped. Without a deadline: every `overdueEveryDays`.
 * - Snoozed people get nothing until the snooze ends (the snooze itself planned that reminder).
 * - Everything waits for working hours in the person's own time zone (weekends off by default).
 * - An announced enforcement date gives a final notice; an enforced cohort gives "how to recover";
 *   `escalateAfterReminders` ignored reminders tell the manager, when the campaign asks for it.
 */
export const MIN_GAP_MS = 20 * 3_600_000;

/** Stages whose members are reminded. */
export const REMINDING_STAGES: readonly CohortStage[] = ['nudging', 'report-only', 'enforced'];

export interface PlanInput {
  now: Date;
  campaign: { id: string; deadline: string | null; nudgesPaused: boolean; settings: CampaignSettings };
  cohort: { id: string; tier: Tier; stage: CohortStage; paused: boolean };
  member: { userId: string; state: string; isBreakGlass: boolean };
  /** The person's reminder state in this campaign (null: never reminded). */
  nudge: NudgeUserState | null;
  /** The reminder already planned or in flight, if any. */
  pending: PendingReminder | null;
  /** Highest reminder number used so far (0: none). */
  lastSeq: number;
  /** The person's own IANA zone. */
  timeZone: string;
  /** Teams refuses them for good (app blocked, account gone): nothing is planned. */
  unreachable: boolean;
  /** Exempted from the campaign (issue 5): no reminders. */
  exempt?: boolean;
  /** 'YYYY-MM-DD' enforcement date announced for the cohort, if any. */
  enforcementDate: string | null;
  /** Which once-only messages already exist (not cancelled). */
  existing: { thanks: boolean; final: boolean; recovery: boolean; escalation: boolean };
  /** A final or recovery notice is planned or in flight: no reminder on top of it. */
  noticePending?: boolean;
}

export type ReminderReason = 'first' | 'cadence' | 'overdue' | 'repeat';

export type PlanDecision =
  | { action: 'reminder'; seq: number; notBefore: Date; reason: ReminderReason }
  | { action: 'thanks'; notBefore: Date }
  | { action: 'final'; notBefore: Date; enforcementDate: string }
  | { action: 'recovery'; notBefore: Date }
  | { action: 'escalate'; ignored: number }
  | { action: 'cancel-pending'; key: string; why: string };

/** Compliance states that get reminders (pending_detail waits for the details first). */
const REMINDED_STATES = new Set(['no_passkey', 'wrong_kind', 'aaguid_not_allowed', 'single_point_of_failure']);

export function quietWindowFor(timeZone: string, s: CampaignSettings): QuietWindow {
  return { timeZone, startHour: s.workStartHour, endHour: s.workEndHour, weekendsOff: s.weekendsOff };
}

export function planMember(i: PlanInput): PlanDecision[] {
  const s = i.campaign.settings;
  const window = quietWindowFor(i.timeZone, s);
  const cancel = (why: string): PlanDecision[] => (i.pending && i.pending.state === 'planned' ? [{ action: 'cancel-pending', key: i.pending.key, why }] : []);

  if (i.member.isBreakGlass || i.member.state === 'break_glass') return cancel('break-glass account');
  if (i.member.state === 'account_disabled') return cancel('account disabled');
  if (i.campaign.nudgesPaused) return cancel('nudges paused for the campaign');
  if (i.cohort.paused) return cancel('cohort paused');
  if (!REMINDING_STAGES.includes(i.cohort.stage)) return cancel(`cohort is ${i.cohort.stage}`);
  if (i.unreachable) return [];

  if (i.member.state === 'compliant') {
    const out = cancel('compliant');
    if (!i.existing.thanks && !i.nudge?.thankedAt) out.push({ action: 'thanks', notBefore: nextSendTime(i.now, window) });
    return out;
  }
  if (i.exempt) return cancel('exempted');
  if (!REMINDED_STATES.has(i.member.state)) return [];

  const out: PlanDecision[] = [];
  if (i.cohort.stage === 'enforced') {
    if (!i.existing.recovery) {
      out.push({ action: 'recovery', notBefore: nextSendTime(i.now, window) });
      // The recovery notice is this round's message; reminders continue from the next round.
      return [...out, ...escalation(i)];
    }
  } else if (i.enforcementDate && !i.existing.final) {
    out.push({ action: 'final', notBefore: nextSendTime(i.now, window), enforcementDate: i.enforcementDate });
    return [...out, ...escalation(i)];
  }
  out.push(...escalation(i));

  if (i.pending || i.noticePending) return out;
  if (i.nudge?.snoozedUntil && i.nudge.snoozedUntil.getTime() > i.now.getTime()) return out;
  const sent = i.nudge?.remindersSent ?? 0;
  if (Math.max(sent, i.lastSeq) >= s.maxReminders) return out;
  const reason = reminderDue(i);
  if (reason) out.push({ action: 'reminder', seq: i.lastSeq + 1, notBefore: nextSendTime(i.now, window), reason });
  return out;
}

function escalation(i: PlanInput): PlanDecision[] {
  const s = i.campaign.settings;
  if (!s.escalateToManager || i.existing.escalation || i.nudge?.escalatedAt) return [];
  const ignored = (i.nudge?.remindersSent ?? 0) - (i.nudge?.sentAtInteraction ?? 0);
  return ignored >= s.escalateAfterReminders ? [{ action: 'escalate', ignored }] : [];
}

/** Why a reminder is due now, or null. */
export function reminderDue(i: Pick<PlanInput, 'now' | 'campaign' | 'nudge' | 'lastSeq' | 'timeZone'>): ReminderReason | null {
  const last = i.nudge?.lastReminderAt ?? null;
  // Numbers used but nothing reached the person (a failed first reminder): `nudge <user> now` retries.
  if (!last) return i.lastSeq === 0 ? 'first' : null;
  if (i.now.getTime() - last.getTime() < MIN_GAP_MS) return null;
  const s = i.campaign.settings;
  const today = localDate(i.now, i.timeZone);
  const lastDay = localDate(last, i.timeZone);
  const deadline = i.campaign.deadline;
  if (!deadline) {
    return daysBetween(lastDay, today) >= s.overdueEveryDays ? 'repeat' : null;
  }
  const point = latestPoint(deadline, today, s.cadenceDays, s.overdueEveryDays);
  if (!point || point.day <= lastDay) return null;
  return point.overdue ? 'overdue' : 'cadence';
}

/** The latest schedule day on or before `today`: a cadence point before the deadline, or an overdue point after it. */
export function latestPoint(deadline: string, today: string, cadenceDays: number[], overdueEveryDays: number): { day: string; overdue: boolean } | null {
  const since = daysBetween(deadline, today);
  if (since > 0) {
    const k = Math.floor(since / overdueEveryDays);
    if (k >= 1) return { day: addDays(deadline, k * overdueEveryDays), overdue: true };
  }
  const points = cadenceDays.map((c) => addDays(deadline, -c)).filter((d) => d <= today).sort();
  const p = points.at(-1);
  return p ? { day: p, overdue: false } : null;
}
