import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adaptiveCardOf,
  buildBotAddedPersonal,
  buildInstallationUpdatePersonal,
  buildInvokeActivity,
  buildMessageActivity,
  DEFAULT_CLIENT,
  localTimestamp,
  type ChannelContext,
  type ChannelEmulator,
  type EmulatedUser,
  type TeamsActivity,
} from '../../../services/sim/channel/index.js';
import { aad, call, startEmulator, startRecordingBot, APP_ID, TENANT, type RecordingBot } from './helpers/harness.js';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/teams/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/**
 * Differences in keys and value types between `actual` and `expected`. Arrays of typed objects
 * (entities) are matched by `type`, other arrays by position. `extra` lists paths the emulator
 * adds on purpose, `missing` paths it leaves out on purpose, `skip` subtrees not compared.
 */
function shapeDiff(actual: unknown, expected: unknown, allow: { extra?: string[]; missing?: string[]; skip?: string[] } = {}, path = ''): string[] {
  if (allow.skip?.includes(path)) return [];
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(actual) !== kind(expected)) return [`${path || '<root>'}: ${kind(actual)} ≠ ${kind(expected)}`];
  if (Array.isArray(expected)) {
    const act = actual as unknown[];
    const typed = expected.every((e) => e && typeof e === 'object' && typeof (e as { type?: unknown }).type === 'string');
    if (typed) {
      const out: string[] = [];
      const types = (xs: unknown[]) => xs.map((x) => String((x as { type?: unknown }).type)).sort().join(',');
      if (types(act) !== types(expected)) out.push(`${path}: entity types ${types(act)} ≠ ${types(expected)}`);
      for (const e of expected) {
        const t = (e as { type: string }).type;
        const a = act.find((x) => (x as { type?: unknown })?.type === t);
        if (a) out.push(...shapeDiff(a, e, allow, `${path}[type=${t}]`));
      }
      return out;
    }
    if (act.length !== expected.length) return [`${path}: length ${act.length} ≠ ${expected.length}`];
    return expected.flatMap((e, i) => shapeDiff(act[i], e, allow, `${path}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(e)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) {
        if (!allow.missing?.includes(p)) out.push(`${p}: missing`);
      } else out.push(...shapeDiff(a[k], e[k], allow, p));
    }
    for (const k of Object.keys(a)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in e) && !allow.extra?.includes(p) && !allow.skip?.includes(p)) out.push(`${p}: extra`);
    }
    return out;
  }
  return [];
}

const ctx: ChannelContext = { serviceUrl: 'http://127.0.0.1:1234/', botAppId: APP_ID, botName: 'Passkey Rollout', tenantId: TENANT };
const user: EmulatedUser = {
  aadObjectId: aad(1),
  name: 'Test User1',
  userPrincipalName: 'TestUser1@contoso.com',
  id: '29:1fakeUserA-opaque-id-000001',
  personalConversationId: 'a:1fakePersonalConversation-userA-000001',
};
const stamp = { id: '1485983408511', now: new Date('2017-02-01T21:10:07.437Z') };
const channel = { teamId: '19:fakeTeam000000000000000000000001@thread.skype', channelId: '19:fakeTeam000000000000000000000001@thread.skype' };

describe('activity builders match the documented and recorded Teams payloads', () => {
  it('the shape comparison notices extra, missing and retyped keys', () => {
    const doc = fixture('message-personal.json');
    const { locale: _dropped, ...withoutLocale } = doc;
    expect(shapeDiff({ ...doc, surprise: 1 }, doc)).toEqual(['surprise: extra']);
    expect(shapeDiff(withoutLocale, doc)).toEqual(['locale: missing']);
    expect(shapeDiff({ ...doc, from: { ...(doc.from as object), name: 7 } }, doc)).toEqual(['from.name: number ≠ string']);
    expect(shapeDiff({ ...doc, entities: [] }, doc)).toEqual(['entities: entity types  ≠ clientInfo']);
  });

  it('personal message ≈ message-personal.json (plus conversation.tenantId, as current Teams sends)', () => {
    const built = buildMessageActivity(ctx, user, 'Hello', stamp, { client: DEFAULT_CLIENT });
    expect(shapeDiff(built, fixture('message-personal.json'), { extra: ['conversation.tenantId'] })).toEqual([]);
    expect(built).toMatchObject({
      type: 'message',
      channelId: 'msteams',
      serviceUrl: ctx.serviceUrl,
      from: { id: user.id, name: 'Test User1', aadObjectId: aad(1) },
      recipient: { id: `28:${APP_ID}`, name: 'Passkey Rollout' },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: user.personalConversationId },
      channelData: { tenant: { id: TENANT } },
      textFormat: 'plain',
      text: 'Hello',
      locale: 'en-US',
      timestamp: '2017-02-01T21:10:07.437Z',
      localTimestamp: '2017-02-01T13:10:07.437-08:00',
    });
  });

  it('channel message @mentioning the bot ≈ message-channel-bot-mention.json', () => {
    const built = buildMessageActivity(ctx, user, 'status', stamp, { client: DEFAULT_CLIENT, channel, mentionBot: true });
    expect(shapeDiff(built, fixture('message-channel-bot-mention.json'), { extra: ['entities[type=clientInfo].timezone'] })).toEqual([]);
    expect(built.conversation).toEqual({ isGroup: true, conversationType: 'channel', tenantId: TENANT, id: `${channel.channelId};messageid=${stamp.id}` });
    const mention = built.entities!.find((e) => e.type === 'mention')!;
    expect(mention).toEqual({ mentioned: { id: `28:${APP_ID}`, name: 'Passkey Rollout' }, text: '<at>Passkey Rollout</at>', type: 'mention' });
    // The entity text must appear in the message text (channel-and-group-conversations.md).
    expect(built.text).toContain(String(mention.text));
    expect(built.text).toBe('<at>Passkey Rollout</at> status');
    expect(String(built.attachments![0]!.content)).toContain('itemtype="http://schema.skype.com/Mention"');
    expect(built.channelData).toMatchObject({ teamsChannelId: channel.channelId, teamsTeamId: channel.teamId, tenant: { id: TENANT } });
  });

  it('a reply in an existing thread keeps the thread\'s ;messageid=', () => {
    const built = buildMessageActivity(ctx, user, 'more', stamp, { client: DEFAULT_CLIENT, channel: { ...channel, threadId: '1571540169848' } });
    expect(built.conversation?.id).toBe(`${channel.channelId};messageid=1571540169848`);
  });

  it('Action.Execute invoke value ≈ invoke-adaptive-card-action-execute.json', () => {
    const built = buildInvokeActivity(ctx, user, { ...stamp, id: 'f:1' }, {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', id: '', verb: 'food', data: { item: 'vegan' } }, trigger: 'manual' },
      conversationId: user.personalConversationId,
      replyToId: '1485983408511',
      client: DEFAULT_CLIENT,
    });
    const documented = fixture('invoke-adaptive-card-action-execute.json');
    expect({ type: built.type, name: built.name, value: built.value }).toEqual(documented);
  });

  it('a card action in a channel has the envelope of message-action-submit-value.json (a recorded card action)', () => {
    const built = buildInvokeActivity(ctx, user, { ...stamp, id: 'f:2721799525349950340' }, {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'x', data: {} }, trigger: 'manual' },
      conversationId: `${channel.channelId};messageid=1570640063118`,
      channel,
      replyToId: '1:1SF2BGr82mLKxbK-JTljvwa1p7-bnypIHiaPd1w4hLaU',
      client: DEFAULT_CLIENT,
    });
    expect(
      shapeDiff(built, fixture('message-action-submit-value.json'), { extra: ['name', 'entities[type=clientInfo].timezone'], skip: ['value'] }),
    ).toEqual([]);
    expect(built.channelData).toEqual({ channel: { id: channel.channelId }, team: { id: channel.teamId }, tenant: { id: TENANT }, source: { name: 'message' } });
  });

  it('bot added in personal scope ≈ conversation-update-bot-added-personal.json', () => {
    const built = buildBotAddedPersonal(ctx, user, { ...stamp, id: 'f:5f85c2ad' });
    expect(shapeDiff(built, fixture('conversation-update-bot-added-personal.json'), { extra: ['conversation.tenantId'] })).toEqual([]);
    expect(built.membersAdded).toEqual([{ id: `28:${APP_ID}` }, { id: user.id, aadObjectId: aad(1) }]);
  });

  it('installationUpdate add ≈ installation-update-add-team.json, without the team-only fields', () => {
    const built = buildInstallationUpdatePersonal(ctx, user, { ...stamp, id: 'f:1' }, 'add', DEFAULT_CLIENT);
    const teamOnly = ['conversation.isGroup', 'conversation.name', 'channelData.settings', 'channelData.channel', 'channelData.team'];
    expect(shapeDiff(built, fixture('installation-update-add-team.json'), { missing: teamOnly })).toEqual([]);
    expect(built).toMatchObject({ action: 'add', conversation: { conversationType: 'personal', id: user.personalConversationId } });
  });

  it('localTimestamp carries the user\'s UTC offset', () => {
    const t = new Date('2026-07-01T12:00:00.000Z');
    expect(localTimestamp(t, 'America/Los_Angeles')).toBe('2026-07-01T05:00:00.000-07:00');
    expect(localTimestamp(t, 'Asia/Kolkata')).toBe('2026-07-01T17:30:00.000+05:30');
    expect(localTimestamp(t, 'UTC')).toBe('2026-07-01T12:00:00.000+00:00');
  });
});

describe('what the emulator actually posts, and the documented connector bodies it accepts', () => {
  let emu: ChannelEmulator;
  let bot: RecordingBot;
  let alice: EmulatedUser;

  beforeAll(async () => {
    bot = await startRecordingBot();
    ({ emu } = await startEmulator({ botEndpoint: bot.url }));
    alice = emu.user({
      aadObjectId: aad(1),
      name: 'Test User1',
      teamsId: '29:1fakeUserA-opaque-id-000001',
      personalConversationId: 'a:1fakePersonalConversation-userA-000001',
    });
  });
  afterAll(async () => {
    await emu.close();
    await bot.close();
  });

  it('posts the built activity as JSON, without Authorization when signing is off', async () => {
    const turn = await emu.sendMessage(alice, 'hi', { locale: 'de-DE', timezone: 'Europe/Berlin' });
    const req = bot.requests.at(-1)!;
    expect(req.headers['content-type']).toContain('application/json');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual(turn.activity);
    expect(turn.activity).toMatchObject({ locale: 'de-DE', serviceUrl: emu.serviceUrl, localTimestamp: '2026-01-05T10:00:00.000+01:00' });
    expect(turn.activity.entities).toEqual([{ locale: 'de-DE', country: 'US', platform: 'Web', timezone: 'Europe/Berlin', type: 'clientInfo' }]);
  });

  it('ids are unique and increasing even when the clock stands still', async () => {
    const a = await emu.sendMessage(alice, 'a');
    const b = await emu.sendMessage(alice, 'b');
    expect(Number(b.activity.id)).toBeGreaterThan(Number(a.activity.id));
  });

  it('accepts proactive-create-conversation-personal-request.json and answers like the documented response', async () => {
    const res = await call(emu, 'POST', '/v3/conversations', fixture('proactive-create-conversation-personal-request.json'));
    expect(res.status).toBe(201);
    expect(res.body).toEqual(fixture('proactive-create-conversation-personal-response.json'));
  });

  it('accepts proactive-create-conversation-channel-request.json and answers {id, activityId}', async () => {
    const team = '19:fakeTeam000000000000000000000001@thread.tacv2';
    emu.addTeamChannel({ teamId: team, channelId: team });
    const res = await call(emu, 'POST', '/v3/conversations', fixture('proactive-create-conversation-channel-request.json'));
    expect(res.status).toBe(201);
    expect(shapeDiff(res.body, fixture('proactive-create-conversation-channel-response.json'))).toEqual([]);
    const body = res.body as { id: string; activityId: string };
    expect(emu.conversation(body.id).map((m) => m.text)).toEqual(['new conversation']);
  });

  it('an invoke response shaped like invoke-response-adaptive-card.json replaces the card for the presser', async () => {
    const documented = fixture('invoke-response-adaptive-card.json');
    const sent = await call(emu, 'POST', `/v3/conversations/${encodeURIComponent(alice.personalConversationId)}/activities`, {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: { type: 'AdaptiveCard', version: '1.5', body: [], actions: [{ type: 'Action.Execute', title: 'Edit', verb: 'edit', data: { k: 1 }, id: 'btn1' }] },
        },
      ],
    });
    const cardMessage = emu.conversation(alice.personalConversationId).find((m) => m.id === (sent.body as { id: string }).id)!;
    bot.answer = () => ({ status: 200, body: documented });
    try {
      const res = await emu.pressCardButton(alice, cardMessage, { verb: 'edit', data: { note: 'typed' } });
      expect(res.body).toEqual(documented);
      const posted = bot.requests.at(-1)!.body as TeamsActivity;
      expect(posted).toMatchObject({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: cardMessage.id,
        conversation: { id: alice.personalConversationId, conversationType: 'personal' },
        value: { action: { type: 'Action.Execute', id: 'btn1', verb: 'edit', data: { k: 1, note: 'typed' } }, trigger: 'manual' },
      });
      const seen = emu.messagesFor(aad(1)).find((m) => m.id === cardMessage.id)!;
      expect(adaptiveCardOf(seen.activity)).toEqual(documented.value);
    } finally {
      bot.answer = () => ({ status: 200 });
    }
  });

  it('hostile input reaches the bot untouched: raw non-JSON, and an invoke with any value', async () => {
    const raw = await emu.sendRawActivity('{"type": "message", "text": ');
    expect(raw.status).toBe(200);
    expect(bot.requests.at(-1)!.raw).toBe('{"type": "message", "text": ');
    const odd = { action: { type: 'Action.Execute', verb: { $where: 1 }, data: 'x'.repeat(10) }, trigger: 'manual', __proto__: { polluted: true } };
    await emu.sendInvoke(alice, odd, { replyToId: 'nope' });
    expect(bot.requests.at(-1)!.body).toMatchObject({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'nope', value: { action: { verb: { $where: 1 } } } });
  });
});
