import { describe, expect, it } from 'vitest';
import { DEFAULT_CAMPAIGN_SETTINGS, type CampaignSettings } from '../../services/campaigns/campaign-settings.js';
import { latestPoint, planMember, type PlanDecision, type PlanInput } from '../../services/nudges/planner.js';
import { localDate, localParts } from '../../services/nudges/time-zones.js';
import type { NudgeUserState } from '../../services/ports/nudge-store.js';
import { FakeClock } from '../../services/system/clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function input(overrides: Partial<PlanInput> & { settings?: Partial<CampaignSettings>; state?: string } = {}): PlanInput {
  const { settings, state, ...rest } = overrides;
  return {
    now: new Date('2026-03-02T10:00:00Z'),
    campaign: { id: 'c1', deadline: '2026-03-31', nudgesPaused: false, settings: { ...DEFAULT_CAMPAIGN_SETTINGS, ...settings } },
    cohort: { id: 'k1', tier: 'workforce', stage: 'nudging', paused: false },
    member: { userId: 'u1', state: state ?? 'no_passkey', isBreakGlass: false },
    nudge: null,
    pending: null,
    lastSeq: 0,
    timeZone: 'Europe/Berlin',
    unreachable: false,
    enforcementDate: null,
    existing: { thanks: false, final: false, recovery: false, escalation: false },
    ...rest,
  };
}

function nudge(overrides: Partial<NudgeUserState> = {}): NudgeUserState {
  return { campaignId: 'c1', userId: 'u1', remindersSent: 0, lastReminderAt: null, snoozedUntil: null, thankedAt: null, escalatedAt: null, lastInteractionAt: null, sentAtInteraction: 0, updatedAt: new Date(0), ...overrides };
}

const actions = (d: PlanDecision[]) => d.map((x) => x.action);

describe('planMember: who gets what', () => {
  const pending = { key: 'reminder:c1:u1:3', seq: 3, state: 'planned' as const, notBefore: new Date('2026-03-03T08:00:00Z'), cohortId: 'k1' };
  it.each<[string, Partial<PlanInput> & { state?: string; settings?: Partial<CampaignSettings> }, string[]]>([
    ['a non-compliant member of a nudging cohort: first reminder', {}, ['reminder']],
    ['report-only reminds too', { cohort: { id: 'k1', tier: 'workforce', stage: 'report-only', paused: false } }, ['reminder']],
    ['planned: nothing', { cohort: { id: 'k1', tier: 'workforce', stage: 'planned', paused: false } }, []],
    ['planned with a pending reminder: cancelled', { cohort: { id: 'k1', tier: 'workforce', stage: 'planned', paused: false }, pending }, ['cancel-pending']],
    ['paused cohort: nothing, pending cancelled', { cohort: { id: 'k1', tier: 'workforce', stage: 'nudging', paused: true }, pending }, ['cancel-pending']],
    ['nudges paused for the campaign', { campaign: { id: 'c1', deadline: null, nudgesPaused: true, settings: DEFAULT_CAMPAIGN_SETTINGS }, pending }, ['cancel-pending']],
    ['break-glass: never', { member: { userId: 'u1', state: 'break_glass', isBreakGlass: true } }, []],
    ['break-glass flag even with another state: never', { member: { userId: 'u1', state: 'no_passkey', isBreakGlass: true }, pending }, ['cancel-pending']],
    ['disabled account: never', { state: 'account_disabled' }, []],
    ['unreachable (app blocked): not planned again', { unreachable: true }, []],
    ['passkey details still being read: wait', { state: 'pending_detail' }, []],
    ['wrong kind for the tier: reminded', { state: 'wrong_kind' }, ['reminder']],
    ['single point of failure: reminded', { state: 'single_point_of_failure' }, ['reminder']],
    ['compliant: a thank-you', { state: 'compliant' }, ['thanks']],
    ['compliant with a pending reminder: cancel it and thank', { state: 'compliant', pending }, ['cancel-pending', 'thanks']],
    ['compliant and already thanked: nothing more', { state: 'compliant', existing: { thanks: true, final: false, recovery: false, escalation: false } }, []],
    ['compliant and thanked in place (card): nothing more', { state: 'compliant', nudge: nudge({ thankedAt: new Date(0) }) }, []],
    ['exempted: no reminders', { exempt: true, pending }, ['cancel-pending']],
    ['a reminder already pending: nothing new', { pending, lastSeq: 3, nudge: nudge({ remindersSent: 2, lastReminderAt: new Date('2026-02-20T10:00:00Z') }) }, []],
    ['enforced and not compliant: how to recover', { cohort: { id: 'k1', tier: 'workforce', stage: 'enforced', paused: false } }, ['recovery']],
    ['enforced, recovery sent: reminders go on', { cohort: { id: 'k1', tier: 'workforce', stage: 'enforced', paused: false }, existing: { thanks: false, final: false, recovery: true, escalation: false } }, ['reminder']],
    ['enforcement announced: final notice', { enforcementDate: '2026-04-01', cohort: { id: 'k1', tier: 'workforce', stage: 'report-only', paused: false } }, ['final']],
    ['final notice sent: reminders go on', { enforcementDate: '2026-04-01', existing: { thanks: false, final: true, recovery: false, escalation: false } }, ['reminder']],
    ['final notice planned but not sent yet: no reminder on top of it', { enforcementDate: '2026-04-01', noticePending: true, existing: { thanks: false, final: true, recovery: false, escalation: false } }, []],
    ['the final notice was their first message: the next reminder waits for the cadence', { enforcementDate: '2026-04-01', nudge: nudge({ lastReminderAt: new Date('2026-03-02T09:00:00Z') }), existing: { thanks: false, final: true, recovery: false, escalation: false } }, []],
  ])('%s', (_name, overrides, expected) => {
    expect(actions(planMember(input(overrides)))).toEqual(expected);
  });

  it('numbers reminders after the last one used and waits for working hours in the person\'s zone', () => {
    // 10:00 UTC on the 14-day point is 03:00 in Los Angeles (PDT since 8 March): 9:00 there is 16:00 UTC.
    const d = planMember(input({ now: new Date('2026-03-17T10:00:00Z'), lastSeq: 2, nudge: nudge({ remindersSent: 2, lastReminderAt: new Date('2026-03-02T17:00:00Z') }), timeZone: 'America/Los_Angeles' }));
    expect(d).toEqual([{ action: 'reminder', seq: 3, reason: 'cadence', notBefore: new Date('2026-03-17T16:00:00Z') }]);
    expect(planMember(input({ now: new Date('2026-03-16T10:00:00Z'), lastSeq: 2, nudge: nudge({ remindersSent: 2, lastReminderAt: new Date('2026-03-02T17:00:00Z') }) }))).toEqual([]);
  });

  it('escalates to the manager after N ignored reminders, only when the campaign asks, once', () => {
    const n = nudge({ remindersSent: 3, lastReminderAt: new Date('2026-03-01T10:00:00Z'), sentAtInteraction: 0 });
    expect(actions(planMember(input({ nudge: n, lastSeq: 3 })))).toEqual([]);
    expect(planMember(input({ nudge: n, lastSeq: 3, settings: { escalateToManager: true, escalateAfterReminders: 3 } }))).toContainEqual({ action: 'escalate', ignored: 3 });
    // Pressing a button on a card resets the count of ignored reminders.
    expect(actions(planMember(input({ nudge: { ...n, sentAtInteraction: 2 }, lastSeq: 3, settings: { escalateToManager: true, escalateAfterReminders: 3 } })))).toEqual([]);
    expect(actions(planMember(input({ nudge: { ...n, escalatedAt: new Date(0) }, lastSeq: 3, settings: { escalateToManager: true, escalateAfterReminders: 3 } })))).toEqual([]);
  });

  it('respects a snooze until it ends', () => {
    const n = nudge({ remindersSent: 1, lastReminderAt: new Date('2026-03-10T10:00:00Z'), snoozedUntil: new Date('2026-03-18T08:00:00Z') });
    expect(actions(planMember(input({ nudge: n, lastSeq: 1, now: new Date('2026-03-17T10:00:00Z') })))).toEqual([]);
    expect(actions(planMember(input({ nudge: n, lastSeq: 1, now: new Date('2026-03-18T08:00:00Z') })))).toEqual(['reminder']);
  });

  it('stops at the cap', () => {
    const n = nudge({ remindersSent: 8, lastReminderAt: new Date('2026-01-01T10:00:00Z') });
    expect(actions(planMember(input({ nudge: n, lastSeq: 8, now: new Date('2026-06-01T10:00:00Z') })))).toEqual([]);
  });
});

describe('latestPoint', () => {
  it.each([
    ['2026-03-31', '2026-03-01', null],
    ['2026-03-31', '2026-03-17', { day: '2026-03-17', overdue: false }],
    ['2026-03-31', '2026-03-26', { day: '2026-03-24', overdue: false }],
    ['2026-03-31', '2026-03-31', { day: '2026-03-30', overdue: false }],
    ['2026-03-31', '2026-04-06', { day: '2026-03-30', overdue: false }],
    ['2026-03-31', '2026-04-07', { day: '2026-04-07', overdue: true }],
    ['2026-03-31', '2026-04-20', { day: '2026-04-14', overdue: true }],
  ])('deadline %s, today %s → %j', (deadline, today, expected) => {
    expect(latestPoint(deadline, today, [14, 7, 3, 1], 7)).toEqual(expected);
  });
});

/**
 * A person who never registers, simulated hour by hour on a fake clock: every reminder the planner
 * decides on is "sent" at its notBefore. Returns the local send times.
 */
async function simulate(o: { start: string; days: number; timeZone: string; deadline: string | null; settings?: Partial<CampaignSettings>; snoozeAfter?: number }): Promise<string[]> {
  const clock = new FakeClock(new Date(o.start));
  let state = nudge();
  let lastSeq = 0;
  let pending = null as { seq: number; notBefore: Date } | null;
  const sent: string[] = [];
  for (let h = 0; h < o.days * 24; h++) {
    const now = clock.now();
    const decisions = planMember({
      ...input({ now, settings: o.settings, timeZone: o.timeZone }),
      campaign: { id: 'c1', deadline: o.deadline, nudgesPaused: false, settings: { ...DEFAULT_CAMPAIGN_SETTINGS, ...o.settings } },
      nudge: state,
      lastSeq,
      pending: pending ? { key: 'k', seq: pending.seq, state: 'planned', notBefore: pending.notBefore, cohortId: 'k1' } : null,
    });
    for (const d of decisions) {
      if (d.action === 'reminder') {
        pending = { seq: d.seq, notBefore: d.notBefore };
        lastSeq = d.seq;
      }
    }
    if (pending && pending.notBefore.getTime() <= now.getTime()) {
      state = { ...state, remindersSent: state.remindersSent + 1, lastReminderAt: now };
      const p = localParts(now, o.timeZone);
      sent.push(`${localDate(now, o.timeZone)} ${String(p.hour).padStart(2, '0')}h`);
      pending = null;
      if (o.snoozeAfter === sent.length) state = { ...state, snoozedUntil: new Date(now.getTime() + 3 * DAY) };
    }
    await clock.advance(HOUR);
  }
  return sent;
}

describe('cadence with a fake clock', () => {
  it('first reminder at once, then 14, 7, 3, 1 days before the deadline, then weekly while overdue, up to the cap', async () => {
    // 2026-03-02 is a Monday. Deadline Tuesday 2026-03-31.
    const sent = await simulate({ start: '2026-03-02T10:30:00Z', days: 60, timeZone: 'Europe/Berlin', deadline: '2026-03-31' });
    expect(sent).toEqual([
      '2026-03-02 11h', // first
      '2026-03-17 09h', // 14 days before
      '2026-03-24 09h', // 7
      '2026-03-30 09h', // 1 (the 3-day point, Saturday 28th, waits until Monday: the 1-day point covers it)
      '2026-04-07 09h', // overdue, weekly
      '2026-04-14 09h',
      '2026-04-21 09h',
      '2026-04-28 09h', // the 8th: cap
    ]);
  });

  it('never on weekends by default; weekends allowed when the campaign says so', async () => {
    const weekdays = await simulate({ start: '2026-03-02T10:30:00Z', days: 40, timeZone: 'Europe/Berlin', deadline: '2026-03-31' });
    expect(weekdays.map((s) => new Date(`${s.slice(0, 10)}T12:00:00Z`).getUTCDay()).filter((d) => d === 0 || d === 6)).toEqual([]);
    const weekends = await simulate({ start: '2026-03-02T10:30:00Z', days: 40, timeZone: 'Europe/Berlin', deadline: '2026-03-31', settings: { weekendsOff: false } });
    expect(weekends).toContain('2026-03-28 09h');
  });

  it('keeps to working hours in the person\'s own zone across DST changes', async () => {
    // US DST starts 2026-03-08, EU DST 2026-03-29: local send hours stay 9:00 in both.
    for (const zone of ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Sydney']) {
      const sent = await simulate({ start: '2026-03-02T00:30:00Z', days: 45, timeZone: zone, deadline: '2026-03-31', settings: { cadenceDays: [14, 7, 3, 1] } });
      expect(sent.length).toBeGreaterThan(4);
      for (const s of sent) {
        const hour = Number(s.slice(11, 13));
        expect(hour >= 9 && hour < 17, `${zone}: ${s}`).toBe(true);
      }
    }
  });

  it('with custom working hours and no deadline: every overdue-every days', async () => {
    const sent = await simulate({ start: '2026-03-02T05:00:00Z', days: 30, timeZone: 'Asia/Tokyo', deadline: null, settings: { workStartHour: 13, workEndHour: 15, overdueEveryDays: 10 } });
    expect(sent).toEqual(['2026-03-02 14h', '2026-03-12 13h', '2026-03-23 13h']);
  });

  it('a snooze holds the next reminder back until it ends', async () => {
    const plain = await simulate({ start: '2026-03-13T10:30:00Z', days: 10, timeZone: 'Europe/Berlin', deadline: '2026-03-31' });
    const snoozed = await simulate({ start: '2026-03-13T10:30:00Z', days: 10, timeZone: 'Europe/Berlin', deadline: '2026-03-31', snoozeAfter: 1 });
    expect(plain.slice(0, 2)).toEqual(['2026-03-13 11h', '2026-03-17 09h']);
    // Snoozed for three days from Friday 11:00 → the 14-day point on Tuesday is still sent, at 11:00 when the snooze ends.
    expect(snoozed.slice(0, 2)).toEqual(['2026-03-13 11h', '2026-03-17 09h']);
    const late = await simulate({ start: '2026-03-16T10:30:00Z', days: 5, timeZone: 'Europe/Berlin', deadline: '2026-03-31', snoozeAfter: 1 });
    // Snoozed Monday 11:00 for three days: the Tuesday point waits until Thursday 11:00.
    expect(late).toEqual(['2026-03-16 11h', '2026-03-19 11h']);
  });
});
