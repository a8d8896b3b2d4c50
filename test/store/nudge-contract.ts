/**
 * The nudge outbox, per-person reminder state and recipients: the same behaviours on both databases
 * (called from describeStoreContract).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../services/ports/nudge-store.js';
import type { Store } from '../../services/ports/store.js';
import { campaignFixture, cohortFixture } from './campaign-contract.js';

const T0 = new Date(Date.UTC(2026, 2, 2, 9, 0, 0));
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;

function msg(campaignId: string, userId: string, n: number, overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return {
    key: `reminder:${campaignId}:${userId}:${n}`,
    kind: 'reminder',
    recipientId: userId,
    subjectId: userId,
    campaignId,
    cohortId: null,
    seq: n,
    payload: { n, text: 'Register a passkey' },
    quiet: { timeZone: 'Europe/Berlin', startHour: 9, endHour: 17, weekendsOff: true },
    notBefore: T0,
    ...overrides,
  };
}

export function describeNudgeRepositories(store: () => Store): void {
  describe('nudge outbox', () => {
    it('plans a key once: planning again changes nothing; a cancelled key is planned again', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const { outbox } = store().nudges;
      expect(await outbox.plan([msg(c, u, 1), msg(c, u, 1)], T0)).toEqual([`reminder:${c}:${u}:1`]);
      expect(await outbox.plan([msg(c, u, 1, { payload: { changed: true } })], at(MIN))).toEqual([]);
      const row = (await outbox.get(`reminder:${c}:${u}:1`))!;
      expect(row).toMatchObject({ kind: 'reminder', state: 'planned', seq: 1, attempts: 0, payload: { n: 1, text: 'Register a passkey' }, quiet: { timeZone: 'Europe/Berlin' } });
      expect(row.campaignId).toBe(c);
      expect(await outbox.cancel({ keys: [row.key] }, at(2 * MIN))).toBe(1);
      expect((await outbox.get(row.key))!.state).toBe('cancelled');
      expect(await outbox.existingKeys([row.key])).toEqual(new Set());
      expect(await outbox.plan([msg(c, u, 1, { payload: { again: true }, notBefore: at(5 * MIN) })], at(3 * MIN))).toEqual([row.key]);
      expect(await outbox.get(row.key)).toMatchObject({ state: 'planned', payload: { again: true }, notBefore: at(5 * MIN) });
      expect(await outbox.existingKeys([row.key, 'nope'])).toEqual(new Set([row.key]));
      expect(await outbox.keyStates([row.key, 'nope'])).toEqual(new Map([[row.key, 'planned']]));
    });

    it('claims due rows once per term, in priority then time order; SKIP LOCKED keeps terms apart', async () => {
      const c = randomUUID();
      const u = [randomUUID(), randomUUID(), randomUUID()];
      const { outbox } = store().nudges;
      await outbox.plan(
        [
          msg(c, u[0]!, 1, { notBefore: at(-2 * MIN) }),
          msg(c, u[1]!, 1, { notBefore: at(-3 * MIN) }),
          msg(c, u[2]!, 1, { notBefore: at(10 * MIN) }),
          { ...msg(c, u[2]!, 1), key: `help:${c}:${u[2]}`, kind: 'help', priority: 0, notBefore: at(-1 * MIN) },
        ],
        at(-5 * MIN),
      );
      const mine = (await outbox.claimDue('term-a', T0, at(MIN), 100)).filter((m) => m.campaignId === c);
      expect(mine.map((m) => m.key)).toEqual([`help:${c}:${u[2]}`, `reminder:${c}:${u[1]}:1`, `reminder:${c}:${u[0]}:1`]);
      expect((await outbox.claimDue('term-b', T0, at(MIN), 100)).filter((m) => m.campaignId === c)).toEqual([]);
      // An expired claim can be taken by the next term.
      const later = (await outbox.claimDue('term-b', at(2 * MIN), at(3 * MIN), 100)).filter((m) => m.campaignId === c);
      expect(later.map((m) => m.claimToken)).toEqual(['term-b', 'term-b', 'term-b']);
    });

    it('planned → sending → sent only for the claim holder; a stale term cannot overwrite', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const { outbox } = store().nudges;
      const key = `reminder:${c}:${u}:1`;
      await outbox.plan([msg(c, u, 1)], T0);
      await outbox.claimDue('t1', T0, at(MIN), 1000);
      const conv = { conversationId: `a:${u}`, serviceUrl: 'https://smba.example/' };
      expect(await outbox.markSending(key, 'other', conv, T0)).toBe(false);
      expect(await outbox.markSending(key, 't1', conv, T0)).toBe(true);
      expect(await outbox.markSending(key, 't1', conv, T0)).toBe(false);
      expect(await outbox.get(key)).toMatchObject({ state: 'sending', attempts: 1, conversationId: `a:${u}`, sendingSince: T0 });
      expect(await outbox.markSent(key, 'other', '123', at(1000))).toBe(false);
      expect(await outbox.markSent(key, 't1', '123', at(1000))).toBe(true);
      expect(await outbox.get(key)).toMatchObject({ state: 'sent', activityId: '123', sentAt: at(1000), claimToken: null });
      expect(await outbox.markFailed(key, 't1', 'x', 'y', at(2000))).toBe(false);
    });

    it('finds in-doubt rows and lets exactly one term take each over', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const { outbox } = store().nudges;
      const key = `reminder:${c}:${u}:1`;
      await outbox.plan([msg(c, u, 1)], T0);
      await outbox.claimDue('dead', T0, at(MIN), 1000);
      await outbox.markSending(key, 'dead', { conversationId: 'a:1', serviceUrl: 'https://s/' }, T0);
      expect((await outbox.inDoubt(at(-1), 1000)).map((m) => m.key)).not.toContain(key);
      expect((await outbox.inDoubt(at(1000), 1000)).map((m) => m.key)).toContain(key);
      expect(await outbox.claimInDoubt(key, 'dead', 'next', at(2000), at(MIN))).toBe(true);
      expect(await outbox.claimInDoubt(key, 'dead', 'third', at(2000), at(MIN))).toBe(false);
      expect(await outbox.reschedule(key, 'next', at(3000), at(2500), { resolution: 'read_back_absent' })).toBe(true);
      expect(await outbox.get(key)).toMatchObject({ state: 'planned', notBefore: at(3000), resolution: 'read_back_absent', claimToken: null, sendingSince: null, attempts: 1 });
    });

    it('reschedules with a reason, fails with a reason, counts deliveries per state and failure', async () => {
      const c = randomUUID();
      const users = Array.from({ length: 5 }, () => randomUUID());
      const { outbox } = store().nudges;
      await outbox.plan(users.map((u) => msg(c, u, 1)), T0);
      await outbox.claimDue('t', T0, at(MIN), 1000);
      const k = (i: number) => `reminder:${c}:${users[i]}:1`;
      const conv = { conversationId: 'a:x', serviceUrl: 'https://s/' };
      await outbox.markSending(k(0), 't', conv, T0);
      await outbox.markSent(k(0), 't', 'a1', T0);
      await outbox.markFailed(k(1), 't', 'app_blocked', 'Teams apps are blocked for this person by policy.', T0);
      await outbox.markFailed(k(2), 't', 'app_blocked', 'Teams apps are blocked for this person by policy.', T0);
      expect(await outbox.reschedule(k(3), 't', at(MIN), T0, { lastError: 'throttled (429)' })).toBe(true);
      await outbox.cancel({ campaignId: c, subjectIds: [users[4]!] }, T0);
      const counts = await outbox.deliveryCounts({ campaignId: c });
      expect(counts).toMatchObject({ planned: 1, sending: 0, sent: 1, failed: 2, cancelled: 1, waiting: 1, possibleDuplicates: 0 });
      expect(counts.failures).toEqual([{ code: 'app_blocked', reason: 'Teams apps are blocked for this person by policy.', count: 2 }]);
      expect((await outbox.get(k(3)))!.lastError).toBe('throttled (429)');
      expect(await outbox.warningsSent(c)).toEqual(new Map([[users[0]!, 1]]));
      expect(await outbox.warningsSent(c, [users[1]!])).toEqual(new Map());
    });

    it('knows each person\'s pending reminder and last reminder number; cancels by cohort and kind; expedites', async () => {
      const c = randomUUID();
      const cohort = randomUUID();
      const u = randomUUID();
      const { outbox } = store().nudges;
      await outbox.plan([msg(c, u, 1, { cohortId: cohort }), msg(c, u, 2, { cohortId: cohort, notBefore: at(MIN) })], T0);
      await outbox.claimDue('t', T0, at(MIN), 1000);
      await outbox.markSending(`reminder:${c}:${u}:1`, 't', { conversationId: 'a', serviceUrl: 'https://s/' }, T0);
      await outbox.markSent(`reminder:${c}:${u}:1`, 't', 'x', T0);
      const pending = await outbox.pendingReminders(c);
      expect(pending.get(u)).toMatchObject({ key: `reminder:${c}:${u}:2`, seq: 2, state: 'planned', cohortId: cohort });
      expect(await outbox.lastReminderSeq(c)).toEqual(new Map([[u, 2]]));
      expect(await outbox.expedite([`reminder:${c}:${u}:2`], T0, T0)).toBe(1);
      expect(await outbox.get(`reminder:${c}:${u}:2`)).toMatchObject({ notBefore: T0, quiet: null });
      expect(await outbox.cancel({ cohortId: cohort, kinds: ['final'] }, T0)).toBe(0);
      expect(await outbox.cancel({ cohortId: cohort, kinds: ['reminder'] }, T0)).toBe(1);
      expect(await outbox.lastReminderSeq(c)).toEqual(new Map([[u, 1]]));
      expect((await outbox.pendingReminders(c)).size).toBe(0);
      await expect(outbox.cancel({}, T0)).rejects.toThrow(RangeError);
    });

    it('reads the membership and compliance of a batch of people in one go', async () => {
      const s = store();
      const c = campaignFixture();
      expect(await s.campaigns.create(c)).toBe('ok');
      const k = cohortFixture(c.id);
      expect(await s.cohorts.create(k)).toBe('ok');
      const [a, b] = [randomUUID(), randomUUID()];
      await s.members.replaceMembership(k.id, [a, b], T0);
      await s.members.saveEvaluations(k.id, [{ userId: a, isBreakGlass: false, state: 'compliant', reason: '', advice: '', kind: 'synced', provider: 'x', passkeyCount: 1, needsDetail: false }], T0);
      const m = await s.nudges.outbox.memberStates([{ cohortId: k.id, userId: a }, { cohortId: k.id, userId: b }, { cohortId: k.id, userId: randomUUID() }]);
      expect(m.size).toBe(2);
      expect(m.get(`${k.id}|${a}`)).toEqual({ active: true, state: 'compliant', isBreakGlass: false });
      expect(m.get(`${k.id}|${b}`)).toMatchObject({ active: true, state: 'pending_detail' });
    });

    it('remembers the response to a card and lists what was sent about a person', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const { outbox } = store().nudges;
      await outbox.plan([msg(c, u, 1), msg(c, u, 2, { notBefore: at(MIN) })], T0);
      await outbox.setResponse(`reminder:${c}:${u}:1`, { action: 'snooze', until: at(MIN).toISOString() }, T0);
      expect((await outbox.get(`reminder:${c}:${u}:1`))!.response).toEqual({ action: 'snooze', until: at(MIN).toISOString() });
      expect((await outbox.ofSubject(u, 10)).map((m) => m.seq).sort()).toEqual([1, 2]);
    });
  });

  describe('nudge users', () => {
    it('counts reminders, thanks once, snoozes and interactions', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const { users } = store().nudges;
      expect(await users.get(c, u)).toBeNull();
      await users.recordDelivered(c, u, 'reminder', T0);
      await users.recordDelivered(c, u, 'reminder', at(MIN));
      await users.recordDelivered(c, u, 'final', at(2 * MIN));
      await users.recordDelivered(c, u, 'thanks', at(3 * MIN));
      await users.recordDelivered(c, u, 'thanks', at(4 * MIN));
      // A final notice is not counted as a reminder but restarts the cadence clock.
      expect(await users.get(c, u)).toMatchObject({ remindersSent: 2, lastReminderAt: at(2 * MIN), thankedAt: at(3 * MIN), escalatedAt: null, sentAtInteraction: 0 });
      await users.snooze(c, u, at(24 * 60 * MIN), at(5 * MIN));
      expect(await users.get(c, u)).toMatchObject({ snoozedUntil: at(24 * 60 * MIN), lastInteractionAt: at(5 * MIN), sentAtInteraction: 2 });
      await users.recordDelivered(c, u, 'reminder', at(6 * MIN));
      await users.recordInteraction(c, u, at(7 * MIN));
      await users.clearSnooze(c, u, at(8 * MIN));
      expect(await users.get(c, u)).toMatchObject({ snoozedUntil: null, remindersSent: 3, sentAtInteraction: 3 });
      const other = randomUUID();
      await users.recordInteraction(c, other, T0);
      expect([...(await users.forCampaign(c)).keys()].sort()).toEqual([u, other].sort());
      expect([...(await users.forCampaign(c, [other])).keys()]).toEqual([other]);
    });
  });

  describe('nudge recipients and cohort notices', () => {
    it('keeps time zones, reachability, stale conversations and chat ids', async () => {
      const u = randomUUID();
      const v = randomUUID();
      const { recipients } = store().nudges;
      await recipients.saveTimeZones([{ userId: u, timeZone: 'America/Los_Angeles', source: 'mailbox' }, { userId: v, timeZone: 'Asia/Kolkata', source: 'usage-location' }], T0);
      await recipients.markUnreachable(u, 'app_blocked', 'blocked by policy', at(MIN));
      await recipients.saveChatId(u, '19:chat@unq.gbl.spaces', at(MIN));
      expect(await recipients.get(u)).toMatchObject({ timeZone: 'America/Los_Angeles', timeZoneSource: 'mailbox', unreachableCode: 'app_blocked', chatId: '19:chat@unq.gbl.spaces' });
      await recipients.clearUnreachable(u, at(2 * MIN));
      await recipients.markConversationStale(u, 'a:old', at(3 * MIN));
      expect(await recipients.get(u)).toMatchObject({ unreachableCode: null, staleConversation: 'a:old', chatId: null, timeZone: 'America/Los_Angeles' });
      const many = await recipients.getMany([u, v, randomUUID()]);
      expect([...many.keys()].sort()).toEqual([u, v].sort());
    });

    it('keeps one enforcement date per cohort', async () => {
      const cohort = randomUUID();
      const { cohortNotices } = store().nudges;
      await cohortNotices.setEnforcementDate(cohort, '2026-04-01', T0);
      await cohortNotices.setEnforcementDate(cohort, '2026-04-08', at(MIN));
      expect((await cohortNotices.enforcementDates()).get(cohort)).toBe('2026-04-08');
      await cohortNotices.clearEnforcementDate(cohort);
      expect((await cohortNotices.enforcementDates()).has(cohort)).toBe(false);
    });

    it('writes a claim and its sending mark in one transaction with the lease fence', async () => {
      const c = randomUUID();
      const u = randomUUID();
      const s = store();
      const lease = await s.leases.tryAcquire(`nudge-test-${c}`, 'me', 30_000, T0);
      expect(lease.acquired).toBe(true);
      const token = lease.acquired ? lease.token : 0;
      await s.nudges.outbox.plan([msg(c, u, 1)], T0);
      await s.nudges.outbox.claimDue(`me:${token}`, T0, at(MIN), 1000);
      const ok = await s.transaction(async (tx) => {
        if (!(await tx.leases.isHeld(`nudge-test-${c}`, token, T0))) return false;
        return tx.nudges.outbox.markSending(`reminder:${c}:${u}:1`, `me:${token}`, { conversationId: 'a', serviceUrl: 'https://s/' }, T0);
      });
      expect(ok).toBe(true);
      expect((await s.nudges.outbox.get(`reminder:${c}:${u}:1`))!.state).toBe('sending');
    });
  });
}
