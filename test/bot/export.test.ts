import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../services/insight/export.js';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { RecordedActivity } from '../../services/sim/channel/index.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

let w: TestWorld;
beforeAll(async () => {
  w = await startTestWorld({ users: 200, seed: 23 });
  const admin = await w.user('admin');
  await w.world.channel.sendMessage(admin, 'campaign create Passkeys 2027');
  await w.world.channel.sendMessage(admin, `cohort add ${GROUP_NAMES.allStaff} to Passkeys 2027 as workforce`);
  for (let i = 0; i < 300 && (await w.bot.store.cohorts.list()).some((c) => c.membersSyncedAt === null); i++) await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 300 && (await w.bot.store.syncRuns.running()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await w?.close();
});

function fileConsentOf(replies: RecordedActivity[]): RecordedActivity | undefined {
  return replies.find((r) => JSON.stringify(r.activity).includes('application/vnd.microsoft.teams.card.file.consent'));
}

describe('CSV', () => {
  it('quotes what needs quoting and never lets a cell become a formula', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1 555')).toBe("'+1 555");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(toCsv([]).split('\r\n')[0]).toMatch(/^user id,user principal name,display name/);
  });
});

describe('export <cohort>', () => {
  it('offers the CSV as a file in the 1:1 chat, uploads it when accepted, and shows pages meanwhile', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'export All Staff');
    expect(replyText(r.replies[0]!)).toMatch(/All Staff — members/);
    expect(replyText(r.replies[0]!)).toMatch(/Page 1 of \d+/);
    const consent = fileConsentOf(r.replies)!;
    expect(consent).toBeTruthy();
    const answered = await w.world.channel.answerFileConsent(admin, consent, 'accept');
    expect(answered.status).toBe(200);
    const file = w.world.channel.uploadedFile(answered.fileId!)!;
    const lines = file.bytes!.toString('utf8').trim().split('\r\n');
    const cohort = (await w.bot.store.cohorts.findByName('All Staff'))!;
    const members = await w.bot.store.members.activeUserIds(cohort.id);
    expect(lines.length).toBe(members.length + 1);
    const first = (await w.bot.store.members.get(cohort.id, members[0]!))!;
    const row = lines.find((l) => l.startsWith(first.userId))!;
    expect(row).toContain(`,${first.state},`);
    expect(answered.replies.some((m) => JSON.stringify(m.activity).includes('application/vnd.microsoft.teams.card.file.info'))).toBe(true);
    expect((await w.bot.store.audit.recent({ cohortId: cohort.id, limit: 5 })).some((e) => e.action === 'cohort.export')).toBe(true);
  });

  it('pages through the members card', async () => {
    const admin = await w.user('admin');
    const card = (await w.world.channel.sendMessage(admin, 'export All Staff')).replies[0]!;
    const next = await w.world.channel.pressCardButton(admin, card, { verb: 'export.page' });
    expect(JSON.stringify(next.body)).toMatch(/Page 2 of/);
  });

  it('declined: nothing is uploaded; someone else cannot take the file', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'export All Staff');
    const consent = fileConsentOf(r.replies)!;
    const declined = await w.world.channel.answerFileConsent(admin, consent, 'decline');
    expect(declined.replies.map((m) => replyText(m)).join()).toMatch(/did not send the file/);
    const other = await w.user('admin2');
    const content = (consent.activity as { attachments: { content: { acceptContext: unknown } }[] }).attachments[0]!.content;
    const stolen = await w.world.channel.sendInvoke(other, { type: 'fileUpload', action: 'accept', context: content.acceptContext, uploadInfo: { uploadUrl: `${w.world.channel.serviceUrl}_upload/none`, name: 'x.csv' } }, { name: 'fileConsent/invoke', replyToId: consent.id, conversationId: consent.conversationId });
    expect(stolen.replies.map((m) => replyText(m)).join()).toMatch(/offered to someone else/);
  });

  it('in a channel: no file, a pointer to the 1:1 chat', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'export All Staff', { channel: { teamId: '19:fakeTeam0000000000000000000001@thread.tacv2', channelId: '19:fakeChannel00000000000000000001@thread.tacv2' }, mentionBot: true });
    expect(replyText(r.replies[0]!)).toMatch(/only be sent in our 1:1 chat/);
    expect(fileConsentOf(r.replies)).toBeUndefined();
  });

  it('is for admins', async () => {
    const r = await w.world.channel.sendMessage(await w.user('helpdesk'), 'export All Staff');
    expect(replyText(r.replies[0]!)).toMatch(/is for admins/);
  });
});
