import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotConnectorMessenger } from '../../bot/connector-messenger.js';
import { DOCUMENTED_BUDGETS } from '../../services/budgets.js';
import { ChannelEmulator } from '../../services/sim/channel/index.js';
import { SystemClock } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { StaticCredentialsFactory, TEST_BOT_APP_ID } from '../helpers/world.js';

/** The Bot Connector client of the sender: one HTTP request per attempt, every outcome a value. */
const TENANT = '11111111-2222-4333-8444-555555555555';
const USER = '22222222-3333-4444-8555-666666666666';
let channel: ChannelEmulator;

beforeAll(async () => {
  channel = await ChannelEmulator.start({ botAppId: TEST_BOT_APP_ID, tenantId: TENANT, clock: new SystemClock(), budgets: DOCUMENTED_BUDGETS });
});
afterAll(async () => {
  await channel?.close();
});

const card = { type: 'message' as const, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [] } }] };

describe('BotConnectorMessenger', () => {
  it('with a bot id: signs every request with the credentials and addresses the bot as 28:<id>', async () => {
    const m = new BotConnectorMessenger({ botAppId: TEST_BOT_APP_ID, credentialsFactory: new StaticCredentialsFactory(TEST_BOT_APP_ID), logger: silentLogger() });
    try {
      expect(await m.botAccountId()).toBe(`28:${TEST_BOT_APP_ID}`);
      const conv = await m.createPersonalConversation({ serviceUrl: channel.serviceUrl, member: USER, tenantId: TENANT, botAccountId: `28:${TEST_BOT_APP_ID}` });
      expect(conv.ok).toBe(true);
      const sent = await m.send({ serviceUrl: channel.serviceUrl, conversationId: conv.ok ? conv.value.conversationId : '', activity: card });
      expect(sent.ok && sent.value.activityId).toMatch(/^\d+$/);
      const calls = channel.outbound().filter((c) => c.kind === 'create' || c.kind === 'send');
      expect(calls.map((c) => c.authorized)).toEqual([true, true]);
      expect(calls[0]!.body).toMatchObject({ bot: { id: `28:${TEST_BOT_APP_ID}` }, members: [{ id: USER }], channelData: { tenant: { id: TENANT } } });
    } finally {
      await m.close();
    }
  });

  it('without a bot id: no Authorization header, and the bot account is what Teams told it', async () => {
    const m = new BotConnectorMessenger({ botAppId: null, credentialsFactory: null, logger: silentLogger(), learnedBotAccountId: async () => `28:${TEST_BOT_APP_ID}` });
    try {
      expect(await m.botAccountId()).toBe(`28:${TEST_BOT_APP_ID}`);
      const before = channel.outbound().length;
      const conv = await m.createPersonalConversation({ serviceUrl: channel.serviceUrl, member: USER, tenantId: TENANT, botAccountId: `28:${TEST_BOT_APP_ID}` });
      expect(conv.ok).toBe(true);
      expect(channel.outbound().slice(before).map((c) => c.authorized)).toEqual([false]);
    } finally {
      await m.close();
    }
  });

  it('tells refused, ambiguous, gone and invalid answers apart, once each (no hidden retries)', async () => {
    const m = new BotConnectorMessenger({ botAppId: null, credentialsFactory: null, logger: silentLogger() });
    try {
      const conv = await m.createPersonalConversation({ serviceUrl: channel.serviceUrl, member: USER, tenantId: TENANT, botAccountId: `28:${TEST_BOT_APP_ID}` });
      const conversationId = conv.ok ? conv.value.conversationId : '';
      const send = () => m.send({ serviceUrl: channel.serviceUrl, conversationId, activity: card });
      const before = channel.outbound().length;
      channel.failNext(1, 429, ['send'], 3);
      expect(await send()).toMatchObject({ ok: false, kind: 'throttled', status: 429, retryAfterMs: 3000 });
      channel.failNext(1, 412, ['send']);
      expect(await send()).toMatchObject({ ok: false, kind: 'throttled', status: 412 });
      channel.failNext(1, 503, ['send']);
      expect(await send()).toMatchObject({ ok: false, kind: 'throttled', status: 503 });
      channel.failNext(1, 502, ['send']);
      expect(await send()).toMatchObject({ ok: false, kind: 'in_doubt', status: 502 });
      channel.failNext(1, 504, ['send']);
      expect(await send()).toMatchObject({ ok: false, kind: 'in_doubt', status: 504 });
      // Exactly one request per attempt reached Teams: nothing retried behind the sender's back.
      expect(channel.outbound().length - before).toBe(5);
      expect(await m.send({ serviceUrl: channel.serviceUrl, conversationId: 'a:nobody', activity: card })).toMatchObject({ ok: false, kind: 'gone', status: 404 });
      expect(await m.send({ serviceUrl: channel.serviceUrl, conversationId, activity: { type: 'message', text: 'x'.repeat(200 * 1024) } })).toMatchObject({ ok: false, kind: 'refused', status: 413 });
      // Nobody listening: the request may or may not have arrived.
      expect(await m.send({ serviceUrl: 'http://127.0.0.1:1/', conversationId, activity: card })).toMatchObject({ ok: false, kind: 'in_doubt', status: 0 });
    } finally {
      await m.close();
    }
  });
});
