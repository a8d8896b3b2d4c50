import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { DOCUMENTED_BUDGETS } from '../../../services/budgets.js';
import { FakeClock, OffsetClock } from '../../../services/system/clock.js';
import { ChannelEmulator, teamsIdsFor } from '../../../services/sim/channel/index.js';
import { aad, activitiesPath, call, startEmulator, startRecordingBot, textMessage, APP_ID, TENANT, type RecordingBot } from './helpers/harness.js';

describe('channel emulator: guards, observation, lifecycle', () => {
  let emu: ChannelEmulator | undefined;
  let bot: RecordingBot | undefined;
  afterEach(async () => {
    await emu?.close();
    await bot?.close();
    emu = undefined;
    bot = undefined;
  });

  it('binds to loopback only and posts to loopback bots only', async () => {
    await expect(
      ChannelEmulator.start({ botAppId: APP_ID, tenantId: TENANT, clock: new FakeClock(), budgets: DOCUMENTED_BUDGETS, host: '0.0.0.0' }),
    ).rejects.toThrow(/loopback/);
    ({ emu } = await startEmulator());
    expect(() => emu!.setBotEndpoint('https://bot.contoso.com/api/messages')).toThrow(/loopback/);
    expect(() => emu!.setBotEndpoint('http://10.0.0.5:3978/api/messages')).toThrow(/loopback/);
    expect(() => emu!.setBotEndpoint('http://localhost:3978/api/messages')).not.toThrow();
    await expect(
      ChannelEmulator.start({ botAppId: APP_ID, tenantId: TENANT, clock: new FakeClock(), budgets: DOCUMENTED_BUDGETS, botEndpoint: 'http://192.0.2.1/api/messages' }),
    ).rejects.toThrow(/loopback/);
  });

  it('refuses to post before it knows the bot endpoint', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(1), name: 'U' });
    await expect(emu.sendMessage(u, 'hi')).rejects.toThrow(/no bot endpoint/);
  });

  it('users get stable ids: same object id → same ids, in any emulator instance', async () => {
    ({ emu } = await startEmulator());
    const first = emu.user({ aadObjectId: aad(7), name: 'Seven' });
    const again = emu.user({ aadObjectId: aad(7).toUpperCase(), name: 'Seven Renamed' });
    expect(again).toBe(first);
    expect(first.name).toBe('Seven Renamed');
    expect(first.id).toMatch(/^29:1[A-Za-z0-9_-]+$/);
    expect(first.personalConversationId).toMatch(/^a:1[A-Za-z0-9_-]+$/);
    expect({ id: first.id, personalConversationId: first.personalConversationId }).toEqual(teamsIdsFor(aad(7), APP_ID));
    expect(emu.user({ aadObjectId: aad(8), name: 'Eight' }).id).not.toBe(first.id);
  });

  it('onActivityRecorded reports creations, updates and deletions; unsubscribe stops it', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(2), name: 'U' });
    const seen: string[] = [];
    const off = emu.onActivityRecorded((a, change) => seen.push(`${change}:${a.text ?? ''}`));
    const path = activitiesPath(u.personalConversationId);
    const id = ((await call(emu, 'POST', path, textMessage('v1'))).body as { id: string }).id;
    await call(emu, 'PUT', activitiesPath(u.personalConversationId, id), textMessage('v2'));
    await call(emu, 'DELETE', activitiesPath(u.personalConversationId, id));
    off();
    await call(emu, 'POST', path, textMessage('unseen'));
    expect(seen).toEqual(['created:v1', 'updated:v2', 'deleted:v2']);
  });

  it('waitFor resolves on a later arrival (or one already there) and rejects after its deadline', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(3), name: 'U' });
    const path = activitiesPath(u.personalConversationId);
    const waiting = emu.waitFor((a) => a.text === 'later', 5_000);
    await call(emu, 'POST', path, textMessage('sooner'));
    await call(emu, 'POST', path, textMessage('later'));
    expect((await waiting).text).toBe('later');
    expect((await emu.waitFor((a) => a.text === 'sooner', 10)).text).toBe('sooner');
    await expect(emu.waitFor((a) => a.text === 'never', 20)).rejects.toThrow(/no matching activity/);
  });

  it('uninstallForUser sends installationUpdate remove and conversationUpdate with the bot removed', async () => {
    bot = await startRecordingBot();
    ({ emu } = await startEmulator({ botEndpoint: bot.url }));
    const u = emu.user({ aadObjectId: aad(4), name: 'U' });
    const res = await emu.uninstallForUser(u);
    expect(res.status).toBe(200);
    expect(bot.requests.map((r) => (r.body as { type: string }).type)).toEqual(['installationUpdate', 'conversationUpdate']);
    expect(bot.requests[0]!.body).toMatchObject({ action: 'remove' });
    expect(bot.requests[1]!.body).toMatchObject({ membersRemoved: [{ id: `28:${APP_ID}` }] });
  });

  it('a failing bot status is reported, not thrown', async () => {
    bot = await startRecordingBot();
    bot.answer = () => ({ status: 500, body: { error: 'boom' } });
    ({ emu } = await startEmulator({ botEndpoint: bot.url }));
    const u = emu.user({ aadObjectId: aad(5), name: 'U' });
    const turn = await emu.sendMessage(u, 'hi');
    expect(turn).toMatchObject({ status: 500, body: { error: 'boom' }, replies: [] });
  });

  it('without recorded bodies (large benchmarks) counting and duplicate detection still work', async () => {
    ({ emu } = await startEmulator({ recordBodies: false }));
    const u = emu.user({ aadObjectId: aad(6), name: 'U' });
    const card = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: [] } }] };
    await call(emu, 'POST', activitiesPath(u.personalConversationId), card);
    await call(emu, 'POST', activitiesPath(u.personalConversationId), card);
    expect(emu.counters()).toMatchObject({ sends: 2, duplicates: 1 });
    const msgs = emu.messagesFor(aad(6));
    expect(msgs).toHaveLength(2);
    expect(msgs[0]!.activity).toEqual({ type: 'message', id: msgs[0]!.id });
    expect(emu.outbound()[0]!.body).toBeUndefined();
  });

  it('signing.clock stamps tokens on another clock than the emulator\'s (botbuilder checks the machine clock)', async () => {
    const behind = new FakeClock(Date.UTC(2020, 0, 1));
    const real = new OffsetClock();
    ({ emu } = await startEmulator({ clock: behind, signing: { clock: real } }));
    const claims = decodeJwt(emu.tokenFor('valid')!);
    expect(Math.abs(claims.nbf! * 1000 - real.nowMs())).toBeLessThan(60_000);
    expect(claims.exp! - claims.nbf!).toBeGreaterThan(3_000);
    expect(claims.aud).toBe(APP_ID);
    expect(claims.serviceurl).toBe(emu.serviceUrl);
    const expired = decodeJwt(emu.tokenFor('expired')!);
    expect(expired.exp! * 1000).toBeLessThan(real.nowMs());
  });
});
