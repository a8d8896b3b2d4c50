import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardFactory, type ConversationParameters, type ConversationReference } from 'botbuilder';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../../services/budgets.js';
import { OffsetClock } from '../../../services/system/clock.js';
import { ChannelEmulator, adaptiveCardOf, type EmulatedUser } from '../../../services/sim/channel/index.js';
import { reminderCard, startTestBot, type RunningBot } from './helpers/test-bot.js';

const APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';
const TENANT = '11111111-1111-4111-8111-111111111111';
const ALICE = 'aaaaaaaa-aaaa-4aaa-8aaa-000000000001';
const BOB = 'aaaaaaaa-aaaa-4aaa-8aaa-000000000002';
const NO_APP = 'aaaaaaaa-aaaa-4aaa-8aaa-000000000009';

describe('channel emulator ↔ botbuilder CloudAdapter round trip', () => {
  let bot: RunningBot;
  let emu: ChannelEmulator;
  let alice: EmulatedUser;

  beforeAll(async () => {
    bot = await startTestBot();
    emu = await ChannelEmulator.start({
      botEndpoint: bot.url,
      botAppId: APP_ID,
      tenantId: TENANT,
      clock: new OffsetClock(),
      // Rate limits have their own tests; these turns all land in one chat within a second.
      budgets: scaleBudgets(DOCUMENTED_BUDGETS, 100),
      isAppInstalled: (aad) => aad !== NO_APP,
    });
    alice = emu.user({ aadObjectId: ALICE, name: 'Test User1', userPrincipalName: 'TestUser1@contoso.com', givenName: 'Test', surname: 'User1' });
  });

  afterAll(async () => {
    await emu?.close();
    await bot?.close();
  });

  it('serves a Teams-style serviceUrl with a trailing slash on loopback', () => {
    expect(emu.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('a message turn: the bot replies through the connector and the reply is in TurnResult.replies', async () => {
    const turn = await emu.sendMessage(alice, 'hello');
    expect(turn.status).toBe(200);
    expect(turn.replies.map((r) => r.text)).toEqual(['you said hello']);
    const reply = turn.replies[0]!;
    expect(reply.via).toBe('reply');
    expect(reply.replyToId).toBe(turn.activity.id);
    expect(reply.conversationId).toBe(alice.personalConversationId);
    // The connector call the SDK made: POST /v3/conversations/{encoded id}/activities/{encoded id}
    const call = emu.outbound().find((c) => c.activityId === reply.id)!;
    expect(call.kind).toBe('reply');
    expect(call.method).toBe('POST');
    expect(call.path).toBe(
      `/v3/conversations/${encodeURIComponent(alice.personalConversationId)}/activities/${encodeURIComponent(String(turn.activity.id))}`,
    );
    expect(call.status).toBe(201);
    // The user's view holds both sides of the chat.
    const view = emu.messagesFor(ALICE);
    expect(view.slice(-2).map((m) => [m.from, m.text])).toEqual([
      ['user', 'hello'],
      ['bot', 'you said hello'],
    ]);
  });

  it('collects every message sent during the turn', async () => {
    const turn = await emu.sendMessage(alice, 'twice');
    expect(turn.replies.map((r) => r.text)).toEqual(['one', 'two']);
  });

  it('Action.Execute: the invoke response comes back, the bot updates the card in place, and the user sees it', async () => {
    const turn = await emu.sendMessage(alice, 'card');
    const cardMessage = turn.replies[0]!;
    expect(adaptiveCardOf(cardMessage.activity)?.body).toEqual([{ type: 'TextBlock', text: 'Register a passkey', wrap: true }]);

    const snooze = await emu.pressCardButton(alice, cardMessage, { verb: 'reminder.snooze' });
    expect(snooze.status).toBe(200);
    expect(snooze.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(snooze.body)).toContain('Snoozed for 3 days');
    expect(snooze.updated).toBeUndefined();
    expect(snooze.activity).toMatchObject({ type: 'invoke', name: 'adaptiveCard/action', replyToId: cardMessage.id });
    expect(snooze.activity.value).toEqual({ action: { type: 'Action.Execute', id: '', verb: 'reminder.snooze', data: { days: 3 } }, trigger: 'manual' });
    expect(bot.bot.invokes.at(-1)).toMatchObject({ action: { type: 'Action.Execute', verb: 'reminder.snooze', data: { days: 3 } } });
    // The invoke response card replaces the card for the person who pressed the button.
    const afterSnooze = emu.messagesFor(ALICE).find((m) => m.id === cardMessage.id)!;
    expect(afterSnooze.view).toBe('invokeResponse');
    expect(JSON.stringify(adaptiveCardOf(afterSnooze.activity))).toContain('Snoozed for 3 days');
    // …but the message the service holds is unchanged.
    expect(JSON.stringify(adaptiveCardOf(emu.conversation(alice.personalConversationId).find((m) => m.id === cardMessage.id)!.activity))).toContain(
      'Register a passkey',
    );

    // A snoozed card has no buttons left: pressing one is a test bug, refused loudly.
    await expect(emu.pressCardButton(alice, cardMessage, { verb: 'reminder.done' })).rejects.toThrow(/no Action.Execute with verb 'reminder.done'/);
    const done = await emu.pressCardButton(alice, cardMessage, { verb: 'reminder.done', data: { extra: 'x' } }, { strict: false });
    expect(done.status).toBe(200);
    expect(done.updated?.id).toBe(cardMessage.id);
    expect(done.updated?.updates).toBe(1);
    expect(JSON.stringify(adaptiveCardOf(done.updated!.activity))).toContain('Thank you, you are done');
    expect(bot.bot.invokes.at(-1)?.action.data).toEqual({ extra: 'x' });
    // The bot's PUT went to the card's own id; the invoke response card then shows for the presser.
    const put = emu.outbound().filter((c) => c.kind === 'update').at(-1)!;
    expect(put.method).toBe('PUT');
    expect(put.activityId).toBe(cardMessage.id);
    expect(put.status).toBe(200);
    const viewAfterDone = emu.messagesFor(ALICE).find((m) => m.id === cardMessage.id)!;
    expect(JSON.stringify(adaptiveCardOf(viewAfterDone.activity))).toContain('Thanks (your view)');
    // Someone else (here: the service's own record) sees the updated card.
    const held = emu.conversation(alice.personalConversationId).find((m) => m.id === cardMessage.id)!;
    expect(JSON.stringify(adaptiveCardOf(held.activity))).toContain('Thank you, you are done');
  });

  it('Action.Execute button data merges with the pressed data, as Teams merges inputs', async () => {
    const turn = await emu.sendMessage(alice, 'card');
    await emu.pressCardButton(alice, turn.replies[0]!, { verb: 'reminder.snooze', data: { days: 7 } });
    expect(bot.bot.invokes.at(-1)?.action.data).toEqual({ days: 7 });
    await emu.pressCardButton(alice, turn.replies[0]!, { verb: 'reminder.done' }, { strict: false });
    expect(bot.bot.invokes.at(-1)?.action.data).toEqual({});
  });

  it('proactive 1:1: CloudAdapter.createConversationAsync creates the chat and sends into it', async () => {
    const bob = emu.user({ aadObjectId: BOB, name: 'Test User2', userPrincipalName: 'TestUser2@contoso.com' });
    const params = {
      isGroup: false,
      bot: { id: `28:${APP_ID}`, name: 'Passkey Rollout' },
      members: [{ id: BOB, name: '' }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    } as unknown as ConversationParameters;
    let reference: Partial<ConversationReference> | undefined;
    const arrived = emu.waitFor((a) => a.from === 'bot' && a.conversationId === bob.personalConversationId, 5_000);
    await bot.adapter.createConversationAsync('', 'msteams', emu.serviceUrl, 'https://api.botframework.com', params, async (context) => {
      reference = { conversation: context.activity.conversation };
      await context.sendActivity({ attachments: [CardFactory.adaptiveCard(reminderCard('Hi Bob, time for a passkey', []))] });
    });
    expect(reference?.conversation?.id).toBe(bob.personalConversationId);
    const msg = await arrived;
    expect(JSON.stringify(adaptiveCardOf(msg.activity))).toContain('Hi Bob');
    expect(emu.messagesFor(BOB).map((m) => m.id)).toEqual([msg.id]);
    const create = emu.outbound().filter((c) => c.kind === 'create').at(-1)!;
    expect(create).toMatchObject({ method: 'POST', path: '/v3/conversations', status: 201, conversationId: bob.personalConversationId });
    expect(create.responseBody).toEqual({ id: bob.personalConversationId });
  });

  it('proactive 1:1 to a user without the app is refused with 403 and a JSON error', async () => {
    const params = {
      isGroup: false,
      bot: { id: `28:${APP_ID}` },
      members: [{ id: NO_APP }],
      tenantId: TENANT,
      channelData: { tenant: { id: TENANT } },
    } as unknown as ConversationParameters;
    let ran = false;
    const error = await bot.adapter
      .createConversationAsync('', 'msteams', emu.serviceUrl, 'https://api.botframework.com', params, async () => {
        ran = true;
      })
      .then(() => null, (e: unknown) => e as { statusCode?: number; message?: string });
    expect(ran).toBe(false);
    expect(error?.statusCode).toBe(403);
    const call = emu.outbound().filter((c) => c.kind === 'create').at(-1)!;
    expect(call.status).toBe(403);
    expect(call.responseBody).toEqual({ error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } });
    expect(emu.messagesFor(NO_APP)).toEqual([]);
  });

  it('the bot reads the roster through TeamsInfo (members/{id} and pagedmembers)', async () => {
    const turn = await emu.sendMessage(alice, 'members');
    expect(turn.replies.map((r) => r.text)).toEqual([`members 1 me ${ALICE} upn TestUser1@contoso.com`]);
    const kinds = emu.outbound().slice(-3).map((c) => c.kind);
    expect(kinds).toEqual(['getMember', 'getPagedMembers', 'reply']);
  });

  it('install in personal scope sends conversationUpdate then installationUpdate', async () => {
    const before = bot.bot.seen.length;
    const res = await emu.installForUser(alice);
    expect(res.status).toBe(200);
    expect(bot.bot.seen.slice(before).map((s) => s.type)).toEqual(['conversationUpdate', 'installationUpdate']);
    expect(res.conversationUpdate.activity.membersAdded?.map((m) => m.id)).toEqual([`28:${APP_ID}`, alice.id]);
    expect(res.installationUpdate.activity).toMatchObject({ type: 'installationUpdate', action: 'add' });
  });

  it('channel message with an @mention reaches the bot and the bot replies into the thread', async () => {
    const channel = { teamId: '19:fakeTeam000000000000000000000001@thread.tacv2', channelId: '19:fakeChannel00000000000000000000001@thread.tacv2', teamName: 'Rollout', channelName: 'General' };
    const turn = await emu.sendMessage(alice, 'hello', { channel, mentionBot: true });
    expect(turn.status).toBe(200);
    const conversationId = `${channel.channelId};messageid=${String(turn.activity.id)}`;
    expect(turn.activity.conversation?.id).toBe(conversationId);
    expect(turn.replies.map((r) => [r.conversationId, r.text])).toEqual([[conversationId, 'you said hello']]);
    const call = emu.outbound().filter((c) => c.kind === 'reply').at(-1)!;
    // `;` `:` `@` and `=` all arrive percent-encoded from the SDK and are decoded back.
    expect(call.path).toContain(encodeURIComponent(conversationId));
    expect(call.path).toContain('%3Bmessageid%3D');
    expect(call.conversationId).toBe(conversationId);
    expect(emu.conversation(conversationId).map((m) => m.from)).toEqual(['user', 'bot']);
  });
});
