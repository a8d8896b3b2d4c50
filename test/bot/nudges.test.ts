import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { EmulatedUser, RecordedActivity } from '../../services/sim/channel/index.js';
import type { Campaign, Cohort } from '../../services/ports/campaign-store.js';
import { executeVerbs } from '../helpers/cards.js';
import { drainUntilSettled, seedNudgingCohort } from '../helpers/nudges.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/**
 * Reminders end to end: planned from the synced cohort, delivered through the channel emulator
 * (first contact through Graph included), and the card buttons pressed as Teams presses them.
 */
let w: TestWorld;
let campaign: Campaign;
let cohort: Cohort;
const CHANNEL = { teamId: '19:helpdeskTeam000000000000000000001@thread.tacv2', channelId: '19:helpdeskChan000000000000000000001@thread.tacv2', teamName: 'IT', channelName: 'Passkey help' };
const APPLE_PASSWORDS = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';

async function say(who: string | EmulatedUser, text: string): Promise<string> {
  const u = typeof who === 'string' ? await w.user(who) : who;
  const r = await w.world.channel.sendMessage(u, text);
  expect(r.status).toBe(200);
  return r.replies.map((a) => replyText(a)).join('\n');
}

async function waitForSyncs(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await w.bot.store.syncRuns.running()).length === 0 && (await w.bot.store.syncRuns.latest({ status: 'done' }))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sync did not finish');
}

async function deliver(): Promise<void> {
  await w.bot.sender.drain();
  await w.world.settled();
}

function cardsOf(userId: string): RecordedActivity[] {
  return w.world.channel.messagesFor(userId, { from: 'bot' }).filter((a) => Array.isArray(a.activity.attachments) && a.activity.attachments.length > 0);
}

function card(a: RecordedActivity): Record<string, unknown> {
  return (a.activity.attachments as { content: Record<string, unknown> }[])[0]!.content;
}

function reminderCardOf(userId: string): RecordedActivity {
  const found = cardsOf(userId).filter((a) => executeVerbs(card(a)).includes('nudge.done')).at(-1);
  if (!found) throw new Error(`no reminder card for ${userId}`);
  return found;
}

function keyOf(a: RecordedActivity): string {
  return JSON.stringify(card(a)).match(/"nudge:([^"]+)"/)![1]!;
}

beforeAll(async () => {
  w = await startTestWorld({ users: 150, seed: 21, nudges: { sender: { inDoubtGraceMs: 300, concurrency: 8 } } });
  const deadline = new Date(w.clock.nowMs() + 30 * 86_400_000).toISOString().slice(0, 10);
  expect(await say('admin', `campaign create Rollout deadline ${deadline}`)).toMatch(/Campaign created/);
  // Working hours all day and every day, so the test does not depend on the hour it runs at.
  expect(await say('admin', 'campaign set Rollout hours 0-24')).toMatch(/between 0:00 and 24:00/);
  expect(await say('admin', 'campaign set Rollout weekends on')).toMatch(/may go out on weekends/);
  expect(await say('admin', `campaign set Rollout helpdesk ${w.simUser('helpdesk').userPrincipalName}`)).toMatch(/1 helpdesk person/);
  const admin = await w.user('admin');
  const r = await w.world.channel.sendMessage(admin, 'campaign set Rollout helpdesk-channel here', { channel: CHANNEL, mentionBot: true });
  expect(replyText(r.replies[0]!)).toMatch(/go to this channel/);
  expect(await say('admin', `cohort add ${GROUP_NAMES.allStaff} to Rollout as workforce`)).toMatch(/Added the cohort/);
  await waitForSyncs();
  campaign = (await w.bot.store.campaigns.findByName('Rollout'))!;
  cohort = (await w.bot.store.cohorts.findByName(GROUP_NAMES.allStaff))!;
}, 240_000);
afterAll(async () => {
  await w?.close();
});

describe('planning and first delivery', () => {
  it('a planned cohort gets nothing; a nudging one gets reminders and thank-yous, each once', async () => {
    expect((await w.bot.nudges.planTick()).planned).toEqual({ reminder: 0, thanks: 0, final: 0, recovery: 0, escalation: 0 });
    // Staging (issue 5) moves cohorts; here the store does it.
    expect(await w.bot.store.cohorts.update({ ...cohort, stage: 'nudging', stageChangedAt: w.clock.now() }, cohort.version)).toBe(true);
    cohort = (await w.bot.store.cohorts.get(cohort.id))!;
    const plan = await w.bot.nudges.planTick();
    expect(plan.planned.reminder).toBeGreaterThan(10);
    expect(plan.planned.thanks).toBeGreaterThan(0);
    const again = await w.bot.nudges.planTick();
    expect(again.planned).toEqual({ reminder: 0, thanks: 0, final: 0, recovery: 0, escalation: 0 });
    await deliver();
    const counts = await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id });
    expect(counts.planned + counts.sending).toBe(0);
    expect(counts.sent).toBeGreaterThan(10);
    expect(w.world.channel.counters().duplicates).toBe(0);
    expect(w.world.channel.counters().throttled).toBe(0);
    const user = w.simUser('user');
    const reminder = card(reminderCardOf(user.id));
    const text = replyText({ activity: { attachments: [{ content: reminder }] } });
    expect(text).toMatch(/Time to set up your passkey/);
    expect(text).toMatch(/Any passkey/);
    expect(text).toMatch(/iPhone \/ iPad/);
    expect(text).toMatch(/end of day \(.+ time\)/);
    expect(JSON.stringify(reminder)).toContain('https://aka.ms/mysecurityinfo');
    expect(executeVerbs(reminder).sort()).toEqual(['nudge.done', 'nudge.help', 'nudge.snooze', 'nudge.snooze']);
  });

  it('first contact: installs the app through Graph, opens the 1:1 chat, delivers the card', async () => {
    const refs = await w.bot.store.conversations.getMany(w.tenant.users.map((u) => u.id));
    const created = [...refs.values()].filter((r) => r.source === 'created' || r.source === 'installation');
    expect(created.length).toBeGreaterThan(10);
    const firstContact = w.tenant.users.find((u) => !u.teamsAppBlocked && u.accountEnabled && !w.tenant.teamsAppCatalog[0]!.installedFor.some((i) => i.userId === u.id) && cardsOf(u.id).length > 0);
    expect(firstContact).toBeDefined();
    expect(w.world.sim.state.installationsOf(firstContact!.id).length).toBeGreaterThan(0);
    expect(w.world.channel.counters().creates).toBeGreaterThan(0);
  });

  it('a person the app is blocked for is failed with the reason, shown in status, and not retried', async () => {
    const blocked = w.tenant.users.filter((u) => u.teamsAppBlocked && u.accountEnabled);
    const members = new Set(await w.bot.store.members.activeUserIds(cohort.id));
    const target = blocked.find((u) => members.has(u.id));
    expect(target).toBeDefined();
    const rows = await w.bot.store.nudges.outbox.ofSubject(target!.id, 10);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toMatchObject({ state: 'failed', failureCode: 'app_blocked' });
    expect(rows[0]!.failureReason).toMatch(/blocked/);
    expect((await w.bot.store.nudges.recipients.get(target!.id))!.unreachableCode).toBe('app_blocked');
    expect((await w.bot.store.audit.recent({ campaignId: campaign.id, limit: 50 })).some((e) => e.action === 'nudge.failed' && e.subject === target!.id)).toBe(true);
    await w.bot.nudges.planTick();
    expect((await w.bot.store.nudges.outbox.ofSubject(target!.id, 10)).length).toBe(rows.length);
    const status = await say('admin', 'status Rollout');
    expect(status).toMatch(/Messages to people: \d+ sent/);
    expect(status).toMatch(/app blocked by policy/);
  });
});

describe('the reminder card buttons', () => {
  it('"Remind me tomorrow" snoozes: the card updates in place without snooze buttons; a replay changes nothing', async () => {
    const user = await w.user('user');
    const msg = reminderCardOf(user.aadObjectId);
    const r = await w.world.channel.pressCardButton(user, msg, { verb: 'nudge.snooze', data: { until: 'tomorrow' } });
    expect(r.status).toBe(200);
    const body = r.body as { value: Record<string, unknown> };
    expect(replyText({ activity: { attachments: [{ content: body.value }] } })).toMatch(/remind you again on/);
    expect(executeVerbs(body.value)).not.toContain('nudge.snooze');
    const state = (await w.bot.store.nudges.users.get(campaign.id, user.aadObjectId))!;
    expect(state.snoozedUntil!.getTime()).toBeGreaterThan(w.clock.nowMs());
    const pending = (await w.bot.store.nudges.outbox.pendingReminders(campaign.id)).get(user.aadObjectId)!;
    expect(pending.notBefore.getTime()).toBe(state.snoozedUntil!.getTime());
    // Teams redelivers the same invoke: no second snooze, the same answer.
    const replay = await w.world.channel.sendInvoke(user, { action: { type: 'Action.Execute', verb: 'nudge.snooze', data: { key: keyOf(msg), until: 'week' } }, trigger: 'manual' }, { replyToId: msg.id });
    expect(JSON.stringify(replay.body)).toEqual(JSON.stringify(r.body));
    expect((await w.bot.store.nudges.outbox.pendingReminders(campaign.id)).get(user.aadObjectId)).toEqual(pending);
    expect((await w.bot.store.nudges.users.get(campaign.id, user.aadObjectId))!.snoozedUntil).toEqual(state.snoozedUntil);
    // Nothing goes out before the snooze ends.
    const before = cardsOf(user.aadObjectId).length;
    await w.bot.nudges.planTick();
    await deliver();
    expect(cardsOf(user.aadObjectId).length).toBe(before);
  });

  it('"I need help" reaches the helpdesk person and channel with the person\'s context; a replay sends nothing more', async () => {
    const user = await w.user('user');
    const msg = reminderCardOf(user.aadObjectId);
    const r = await w.world.channel.pressCardButton(user, msg, { verb: 'nudge.help' });
    const answer = replyText({ activity: { attachments: [{ content: (r.body as { value: unknown }).value }] } });
    expect(answer).toMatch(/Your request went to the helpdesk channel and Demo Helpdesk/);
    expect(executeVerbs((r.body as { value: unknown }).value)).not.toContain('nudge.help');
    await deliver();
    const helpdesk = w.simUser('helpdesk');
    const toHelpdesk = cardsOf(helpdesk.id).filter((a) => JSON.stringify(card(a)).includes('Passkey help requested'));
    expect(toHelpdesk).toHaveLength(1);
    expect(replyText(toHelpdesk[0]!)).toContain(w.simUser('user').userPrincipalName);
    expect(replyText(toHelpdesk[0]!)).toMatch(/no passkey/);
    const channelPosts = () => w.world.channel.outbound().filter((c) => c.kind === 'send' && c.status === 201 && c.conversationId === CHANNEL.channelId && JSON.stringify(c.body).includes('Passkey help requested'));
    expect(channelPosts()).toHaveLength(1);
    expect(JSON.stringify(channelPosts()[0]!.body)).toContain(w.simUser('user').userPrincipalName);
    const replay = await w.world.channel.sendInvoke(user, { action: { type: 'Action.Execute', verb: 'nudge.help', data: { key: keyOf(msg) } }, trigger: 'manual' }, { replyToId: msg.id });
    expect(JSON.stringify(replay.body)).toEqual(JSON.stringify(r.body));
    await deliver();
    expect(cardsOf(helpdesk.id).filter((a) => JSON.stringify(card(a)).includes('Passkey help requested'))).toHaveLength(1);
    expect(channelPosts()).toHaveLength(1);
    expect(w.world.channel.counters().duplicates).toBe(0);
  });

  it('another person pressing the card changes nothing', async () => {
    const user = await w.user('user');
    const other = await w.user('admin2');
    const msg = reminderCardOf(user.aadObjectId);
    const r = await w.world.channel.sendInvoke(other, { action: { type: 'Action.Execute', verb: 'nudge.snooze', data: { key: keyOf(msg), until: 'week' } }, trigger: 'manual' }, { replyToId: msg.id });
    expect(JSON.stringify(r.body)).toMatch(/sent to someone else/);
  });

  it('"I\'ve done it" re-checks live: not yet → says why; after registering → the thank-you in place, and no thank-you message after', async () => {
    const user = await w.user('user');
    const msg = reminderCardOf(user.aadObjectId);
    const first = await w.world.channel.pressCardButton(user, msg, { verb: 'nudge.done' });
    const firstText = replyText({ activity: { attachments: [{ content: (first.body as { value: unknown }).value }] } });
    expect(firstText).toMatch(/do not see the passkey your group needs yet/);
    expect(firstText).toMatch(/Check again/);
    w.world.sim.registerPasskey(user.aadObjectId, { aaGuid: APPLE_PASSWORDS, passkeyType: 'synced', displayName: 'iPhone' });
    const again = await w.world.channel.pressCardButton(user, msg, { verb: 'nudge.done', id: undefined }, { strict: false });
    const value = (again.body as { value: Record<string, unknown> }).value;
    expect(replyText({ activity: { attachments: [{ content: value }] } })).toMatch(/Thank you: you are all set/);
    expect(executeVerbs(value)).toEqual([]);
    expect((await w.bot.store.members.get(cohort.id, user.aadObjectId))!.state).toBe('compliant');
    expect((await w.bot.store.nudges.outbox.pendingReminders(campaign.id)).has(user.aadObjectId)).toBe(false);
    const before = w.world.channel.messagesFor(user.aadObjectId, { from: 'bot' }).length;
    await w.bot.nudges.planTick();
    await deliver();
    expect(w.world.channel.messagesFor(user.aadObjectId, { from: 'bot' }).length).toBe(before);
  });
});

describe('admin and helpdesk commands', () => {
  it('helpdesk may nudge a person now but not a cohort; the reminder goes out at once', async () => {
    expect(await say('helpdesk', `nudge ${GROUP_NAMES.allStaff}`)).toMatch(/Only admins can remind a whole cohort/);
    expect(await say('user', `nudge ${w.simUser('helpdesk').userPrincipalName}`)).toMatch(/is for helpdesk and admins/);
    const members = await w.bot.store.members.list(cohort.id, { state: 'no_passkey', offset: 0, limit: 200 });
    const refs = await w.bot.store.conversations.getMany(members.map((m) => m.userId));
    const target = members.find((m) => refs.has(m.userId) && m.userId !== w.simUser('user').id)!;
    const upn = w.world.sim.state.findUser(target.userId)!.userPrincipalName;
    const before = cardsOf(target.userId).length;
    const answer = await say('helpdesk', `nudge ${upn} now`);
    expect(answer).toMatch(/1 new reminder planned/);
    expect(answer).toMatch(/go out now/);
    await deliver();
    expect(cardsOf(target.userId).length).toBe(before + 1);
    expect((await w.bot.store.audit.recent({ limit: 20 })).some((e) => e.action === 'nudges.nudge' && e.subject === target.userId)).toBe(true);
    expect(await say('helpdesk', `nudge ${w.simUser('user').userPrincipalName}`)).toMatch(/already has the passkey/);
  });

  it('pause nudges stops and cancels, resume starts again; both audited, admins only', async () => {
    expect(await say('user', 'pause nudges Rollout')).toMatch(/is for admins/);
    const members = await w.bot.store.members.list(cohort.id, { state: 'no_passkey', offset: 0, limit: 200 });
    await w.bot.nudges.nudgeCohort(cohort, { now: false }, 'test');
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id })).planned).toBeGreaterThan(0);
    expect(await say('admin', 'pause nudges Rollout')).toMatch(/are paused; \d+ planned messages? cancelled/);
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id })).planned).toBe(0);
    expect(await say('admin', 'pause nudges Rollout')).toMatch(/already paused/);
    expect((await w.bot.nudges.planTick()).planned.reminder).toBe(0);
    expect(await say('admin', `nudge ${GROUP_NAMES.allStaff}`)).toMatch(/paused for Rollout/);
    expect(await say('admin', 'resume nudges Rollout')).toMatch(/are on again/);
    const actions = (await w.bot.store.audit.recent({ campaignId: campaign.id, limit: 50 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['nudges.pause', 'nudges.resume']));
    expect(members.length).toBeGreaterThan(0);
  });
});

describe('staging hooks and manager escalation', () => {
  function someone(n: number, skip: Set<string>): string[] {
    return w.tenant.users.filter((u) => u.accountEnabled && !u.teamsAppBlocked && u.userType === 'Member' && u.managerId && !skip.has(u.id)).slice(0, n).map((u) => u.id);
  }

  it('final notice with the date, then "how to recover" once enforced, then cancel on rollback', async () => {
    const people = someone(4, new Set());
    const now = w.clock.now();
    const { campaign: c2, cohort: k2 } = await seedNudgingCohort(w.bot.store, { userIds: people, now, name: 'Staged' });
    expect(await w.bot.store.cohorts.update({ ...k2, stage: 'report-only' }, k2.version)).toBe(true);
    const enforcement = new Date(now.getTime() + 7 * 86_400_000);
    expect(await w.bot.nudges.planFinalNotices(k2.id, enforcement, now)).toBe(4);
    expect(await w.bot.nudges.planFinalNotices(k2.id, enforcement, now)).toBe(0);
    // The final notice is their message for now: no reminder on top of it.
    expect((await w.bot.store.nudges.outbox.pendingReminders(c2.id)).size).toBe(0);
    await drainUntilSettled(w.bot.sender, w.bot.store, c2.id);
    for (const u of people) {
      const finals = cardsOf(u).filter((a) => replyText(a).includes('Final notice'));
      expect(finals, u).toHaveLength(1);
      expect(replyText(finals[0]!)).toMatch(/Required from/);
    }
    const k2now = (await w.bot.store.cohorts.get(k2.id))!;
    expect(await w.bot.store.cohorts.update({ ...k2now, stage: 'enforced' }, k2now.version)).toBe(true);
    expect(await w.bot.nudges.planRecoveryNotices(k2.id, w.clock.now())).toBe(4);
    await drainUntilSettled(w.bot.sender, w.bot.store, c2.id);
    for (const u of people) {
      const recovery = cardsOf(u).filter((a) => replyText(a).includes('Signing in now needs a passkey'));
      expect(recovery, u).toHaveLength(1);
      expect(replyText(recovery[0]!)).toMatch(/Temporary Access Pass/);
      expect(executeVerbs(card(recovery[0]!))).not.toContain('nudge.snooze');
    }
    expect(await w.bot.nudges.warningsSent(c2.id, people)).toEqual(new Map(people.map((u) => [u, 1])));
    const k2e = (await w.bot.store.cohorts.get(k2.id))!;
    const nudged = await w.bot.nudges.nudgeCohort(k2e, { now: false }, 'test');
    expect(nudged.ok && nudged.value.planned).toBe(4);
    expect(await w.bot.nudges.cancelForCohort(k2.id, w.clock.now())).toBe(4);
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ cohortId: k2.id })).planned).toBe(0);
  });

  it('tells the manager once after N ignored reminders, when the campaign asks for it', async () => {
    const person = someone(30, new Set()).at(-1)!;
    const managerId = w.world.sim.state.findUser(person)!.managerId!;
    const { campaign: c3 } = await seedNudgingCohort(w.bot.store, { userIds: [person], now: w.clock.now(), name: 'Escalating', settings: { escalateToManager: true, escalateAfterReminders: 1 } });
    expect((await w.bot.nudges.planTick()).planned.escalation).toBe(0);
    await drainUntilSettled(w.bot.sender, w.bot.store, c3.id);
    expect((await w.bot.nudges.planTick()).planned.escalation).toBe(1);
    await drainUntilSettled(w.bot.sender, w.bot.store, c3.id);
    const toManager = cardsOf(managerId).filter((a) => replyText(a).includes('has not set up a passkey yet'));
    expect(toManager).toHaveLength(1);
    expect(replyText(toManager[0]!)).toContain(w.world.sim.state.findUser(person)!.userPrincipalName);
    expect((await w.bot.nudges.planTick()).planned.escalation).toBe(0);
  });
});
