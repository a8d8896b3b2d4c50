import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { RecordedActivity } from '../../services/sim/channel/index.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/** Campaigns, cohorts, sync, status and the helpdesk lookup, driven through Teams-shaped HTTP. */
let w: TestWorld;
beforeAll(async () => {
  w = await startTestWorld({ users: 300, seed: 5 });
});
afterAll(async () => {
  await w?.close();
});

async function say(who: string, text: string): Promise<string> {
  const r = await w.world.channel.sendMessage(await w.user(who), text);
  expect(r.status).toBe(200);
  return r.replies.map((a) => replyText(a)).join('\n');
}

async function waitForSyncs(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await w.bot.store.syncRuns.running()).length === 0 && (await w.bot.store.syncRuns.latest({ status: 'done' }))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sync did not finish');
}

describe('campaign commands', () => {
  it('are for admins only', async () => {
    expect(await say('user', 'campaign create Sneaky')).toMatch(/is for admins\. You are a user/);
    expect(await say('helpdesk', 'campaign list')).toMatch(/is for admins\. You are helpdesk/);
    expect(await w.bot.store.campaigns.list()).toEqual([]);
  });

  it('create from a form card; a second press changes nothing', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'campaign create');
    const form = r.replies[0]!;
    expect(replyText(form)).toMatch(/New passkey campaign/);
    const first = await w.world.channel.pressCardButton(admin, form, { verb: 'campaign.create', data: { name: 'Form campaign', deadline: '2027-01-31', strength: 'passkeys-only', threshold: 90, role: 'admin' } });
    expect(first.status).toBe(200);
    expect(JSON.stringify(first.body)).toMatch(/Campaign created: Form campaign/);
    // The refreshed card has no button left; a replayed invoke (same verb and data) changes nothing.
    await expect(w.world.channel.pressCardButton(admin, form, { verb: 'campaign.create', data: {} })).rejects.toThrow(/no Action.Execute/);
    const replay = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'campaign.create', data: { name: 'Form campaign', deadline: '2027-01-31', strength: 'passkeys-only', threshold: 90 } }, trigger: 'manual' }, { replyToId: form.id });
    expect(JSON.stringify(replay.body)).toMatch(/already a campaign called/);
    const all = await w.bot.store.campaigns.list();
    expect(all.map((c) => c.name)).toEqual(['Form campaign']);
    expect(all[0]).toMatchObject({ strengthKind: 'passkeys-only', deadline: '2027-01-31', thresholdPct: 90 });
  });

  it('the form refuses an ordinary user even with spoofed card data', async () => {
    const user = await w.user('user');
    const admin = await w.user('admin');
    const form = (await w.world.channel.sendMessage(admin, 'campaign create')).replies[0]!;
    const r = await w.world.channel.pressCardButton(user, form, { verb: 'campaign.create', data: { name: 'Spoofed', role: 'admin', actor: w.simUser('admin').id } });
    expect(JSON.stringify(r.body)).toMatch(/Only admins can do that/);
    expect((await w.bot.store.campaigns.list()).map((c) => c.name)).not.toContain('Spoofed');
  });

  it('create with arguments, list, show; bad input answers specifically and changes nothing', async () => {
    expect(await say('admin', 'campaign create Passkeys 2027 deadline 2027-03-01 threshold 90%')).toMatch(/Campaign created: Passkeys 2027/);
    expect(await say('admin', 'campaign create Passkeys 2027')).toMatch(/already a campaign called "Passkeys 2027"/);
    expect(await say('admin', 'campaign create Old deadline 2020-01-01')).toMatch(/in the past/);
    expect(await say('admin', 'campaign create X strength 12345678-1234-4234-8234-123456789012')).toMatch(/no authentication strength with id/);
    expect(await say('admin', 'campaign show Nope')).toMatch(/There is no campaign called "Nope"/);
    const list = await say('admin', 'campaign list');
    expect(list).toMatch(/Passkeys 2027/);
    expect(list).toMatch(/Form campaign/);
    expect(await say('admin', 'campaign show passkeys 2027')).toMatch(/No break-glass accounts listed/);
    expect((await w.bot.store.campaigns.list()).length).toBe(2);
  });
});

describe('campaign settings', () => {
  it('campaign set changes one setting, validated, audited', async () => {
    expect(await say('admin', 'campaign set Passkeys 2027 aaguid-allow 2FC0579F-8113-47EA-B116-BB5A8DB9202A, cb69481e-8ff7-4039-93ec-0a2729a154a8')).toMatch(/Tier0 cohorts count only these 2 passkey models as ready now\. This is the bot's own check/);
    expect(await say('admin', 'campaign set Passkeys 2027 cadence 3,14,7')).toMatch(/14, 7, 3 days before/);
    expect(await say('admin', 'campaign set Passkeys 2027 hours 8-16')).toMatch(/between 8:00 and 16:00/);
    expect(await say('admin', 'campaign set Passkeys 2027 timezone Mars/Olympus')).toMatch(/not a time zone name/);
    expect(await say('admin', 'campaign set Passkeys 2027 aaguid-block not-a-guid')).toMatch(/not AAGUIDs: not-a-guid/);
    expect(await say('admin', 'campaign set Passkeys 2027 exemption-days 30/10')).toMatch(/helpdesk may not grant more than admins/);
    expect(await say('admin', `campaign set Passkeys 2027 helpdesk ${w.simUser('helpdesk').userPrincipalName}`)).toMatch(/1 helpdesk person/);
    expect(await say('admin', 'campaign set Passkeys 2027 helpdesk nobody@nowhere.example')).toMatch(/No user found for: nobody@nowhere.example/);
    expect(await say('admin', 'campaign set Passkeys 2027 helpdesk-channel here')).toMatch(/in the Teams channel/);
    expect(await say('admin', 'campaign set Passkeys 2027 colour blue')).toMatch(/could not find a setting/);
    expect(await say('user', 'campaign set Passkeys 2027 threshold 10')).toMatch(/is for admins/);
    const c = (await w.bot.store.campaigns.findByName('Passkeys 2027'))!;
    expect(c.aaguidAllow).toEqual(['2fc0579f-8113-47ea-b116-bb5a8db9202a', 'cb69481e-8ff7-4039-93ec-0a2729a154a8']);
    expect(c.settings).toMatchObject({ cadenceDays: [14, 7, 3], workStartHour: 8, workEndHour: 16, helpdeskUserIds: [w.simUser('helpdesk').id] });
    expect(c.thresholdPct).toBe(90);
    expect((await w.bot.store.audit.recent({ campaignId: c.id, limit: 20 })).filter((e) => e.action === 'campaign.set')).toHaveLength(4);
  });

  it('helpdesk-channel here works from a channel with an @mention', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'campaign set Passkeys 2027 helpdesk-channel here', { channel: { teamId: '19:fakeTeam0000000000000000000001@thread.tacv2', channelId: '19:fakeChannel00000000000000000001@thread.tacv2' }, mentionBot: true });
    expect(replyText(r.replies[0]!)).toMatch(/Requests for help go to this channel/);
    const c = (await w.bot.store.campaigns.findByName('Passkeys 2027'))!;
    expect((c.settings.helpdeskChannel as { conversationId: string }).conversationId).toMatch(/^19:fakeChannel/);
  });
});

describe('cohorts and sync', () => {
  it('an ambiguous group name answers with the candidates; an unknown one says not found; nothing is created', async () => {
    const amb = await say('admin', `cohort add ${GROUP_NAMES.duplicate} to Passkeys 2027 as workforce`);
    expect(amb).toMatch(/More than one group is called "Project Phoenix"/);
    const ids = w.tenant.groups.filter((g) => g.displayName === GROUP_NAMES.duplicate).map((g) => g.id);
    for (const id of ids) expect(amb).toContain(id);
    expect(await say('admin', 'cohort add Nonexistent Group to Passkeys 2027 as workforce')).toMatch(/No group "Nonexistent Group" was found/);
    expect(await say('admin', 'cohort add All Staff to Nope as workforce')).toMatch(/no campaign called "Nope"/);
    expect(await w.bot.store.cohorts.list()).toEqual([]);
  });

  it('add a cohort by name and by id (named), add break-glass; members and passkeys are read in the background', async () => {
    expect(await say('admin', `breakglass add ${GROUP_NAMES.breakGlass} to Passkeys 2027`)).toMatch(/as break-glass/);
    expect(await say('admin', `cohort add ${GROUP_NAMES.allStaff} to Passkeys 2027 as workforce`)).toMatch(/Added the cohort "All Staff"/);
    const tier0 = w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.tier0)!;
    expect(await say('admin', `cohort add ${tier0.id} to Passkeys 2027 as tier0 named Admins`)).toMatch(/Added the cohort "Admins"/);
    expect(await say('admin', `cohort add ${GROUP_NAMES.allStaff} to Passkeys 2027 as tier1`)).toMatch(/already a cohort of "Passkeys 2027"/);
    expect(await say('admin', `cohort add ${GROUP_NAMES.vip} to Form campaign as tier1 named Admins`)).toMatch(/already a cohort called "Admins"/);
    await waitForSyncs();
    const cohorts = await w.bot.store.cohorts.list();
    expect(cohorts.map((c) => c.name).sort()).toEqual(['Admins', 'All Staff']);
    // A sync may have started before the second cohort existed; make sure both are covered.
    await say('admin', 'sync');
    await waitForSyncs();
    const allStaff = cohorts.find((c) => c.name === 'All Staff')!;
    const members = await w.bot.store.members.activeUserIds(allStaff.id);
    expect(members.length).toBeGreaterThan(200);
  });

  it('status shows counts per state and kind/provider from the database', async () => {
    const text = await say('admin', 'status All Staff');
    expect(text).toMatch(/Status — Cohort All Staff/);
    expect(text).toMatch(/ready \(right passkey\)/);
    expect(text).toMatch(/no passkey/);
    expect(text).toMatch(/\d+ of \d+ ready \(\d+(\.\d)?%\)/);
    expect(await say('admin', 'status Passkeys 2027')).toMatch(/Admins/);
    expect(await say('admin', 'status Nope')).toMatch(/no campaign or cohort called "Nope"/);
    expect(await say('user', 'status')).toMatch(/is for admins/);
  });

  it('sync posts its result into the chat it was asked from; a second sync at the same time is refused', async () => {
    const admin = await w.user('admin');
    const before = w.world.channel.messagesFor(w.simUser('admin').id).length;
    // Slow Graph down so the first sync is surely still running when the second is asked for.
    w.world.sim.setFaults({ rate: 0, statuses: [], latencyMs: 1_500, pathPattern: 'userRegistrationDetails' });
    const a = await w.world.channel.sendMessage(admin, 'sync');
    const b = await w.world.channel.sendMessage(admin, 'sync');
    w.world.sim.setFaults(null);
    expect(replyText(a.replies[0]!)).toMatch(/Started a full sync/);
    expect(replyText(b.replies[0]!)).toMatch(/A sync is already running since .*; `status` shows its progress/);
    const done = await w.world.channel.waitFor((m: RecordedActivity) => m.conversationId === admin.personalConversationId && m.from === 'bot' && /Full sync finished/.test(m.text ?? ''), 30_000);
    expect(done.text).toMatch(/\d+ members/);
    expect(w.world.channel.messagesFor(w.simUser('admin').id).length).toBeGreaterThan(before);
  });
});

describe('helpdesk lookup and my status', () => {
  it('methods <user> shows methods, passkeys, cohorts and the next step — for helpdesk and admins only', async () => {
    const target = w.tenant.users.find((u) => u.accountEnabled && u.truth.persona === 'synced-and-security-key')!;
    const text = await say('helpdesk', `methods ${target.userPrincipalName}`);
    expect(text).toContain(target.displayName);
    expect(text).toMatch(/All Staff/);
    expect(text).toMatch(/device-bound/);
    expect(text).toMatch(/synced/);
    expect(text).toMatch(/Next step/);
    expect(text).toMatch(/Password/);
    expect(await say('user', `methods ${target.userPrincipalName}`)).toMatch(/is for helpdesk and admins/);
  });

  it('methods by display name; ambiguous and unknown names answer clearly', async () => {
    const target = w.tenant.users.find((u) => u.accountEnabled && u.truth.persona === 'no-passkey')!;
    expect(await say('admin', `methods ${target.displayName}`)).toMatch(/No passkey registered|no passkey/i);
    expect(await say('admin', 'methods Zzyzx Nobody')).toMatch(/No user "Zzyzx Nobody" was found/);
  });

  it('my status tells an ordinary user what to do', async () => {
    const text = await say('user', 'my status');
    expect(text).toMatch(/Your passkey status/);
    expect(text).toMatch(/Action needed|all set|not part of/);
  });
});

describe('removal', () => {
  it('removes a cohort, then a campaign; the audit log keeps what happened and verifies', async () => {
    expect(await say('admin', 'cohort remove Admins')).toMatch(/Removed the cohort "Admins"/);
    expect(await say('admin', 'cohort remove Admins')).toMatch(/no cohort called "Admins"/);
    expect(await say('admin', 'campaign remove Form campaign')).toMatch(/Removed the campaign "Form campaign"/);
    const actions = (await w.bot.store.audit.recent({ limit: 50 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['campaign.create', 'cohort.create', 'breakglass.add', 'cohort.remove', 'campaign.remove']));
    expect((await w.bot.store.audit.verify()).ok).toBe(true);
  });
});
