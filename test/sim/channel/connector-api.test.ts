import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../../services/budgets.js';
import { teamsIdsFor, type ChannelEmulator, type EmulatedUser } from '../../../services/sim/channel/index.js';
import { aad, activitiesPath, call, startEmulator, textMessage, APP_ID, TENANT } from './helpers/harness.js';

const TEAM = '19:fakeTeam000000000000000000000001@thread.tacv2';
const CHANNEL = '19:fakeChannel00000000000000000000001@thread.tacv2';
const UNINSTALLED = aad(0xdead);

function card(title: string): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: title }] } }],
  };
}

describe('Bot Connector REST endpoints', () => {
  let emu: ChannelEmulator;
  let alice: EmulatedUser;
  let bob: EmulatedUser;
  let carol: EmulatedUser;

  beforeAll(async () => {
    ({ emu } = await startEmulator({ budgets: scaleBudgets(DOCUMENTED_BUDGETS, 1_000), isAppInstalled: (id) => id !== UNINSTALLED }));
    alice = emu.user({ aadObjectId: aad(1), name: 'Test User1', userPrincipalName: 'TestUser1@contoso.com', givenName: 'Test', surname: 'User1' });
    bob = emu.user({ aadObjectId: aad(2), name: 'Test User2', userPrincipalName: 'TestUser2@contoso.com' });
    carol = emu.user({ aadObjectId: aad(3), name: 'Test User3', userPrincipalName: 'TestUser3@contoso.com', email: 'carol@contoso.com' });
    emu.addTeamChannel({ teamId: TEAM, channelId: CHANNEL, teamName: 'Rollout', channelName: 'General' }, [alice, bob, carol]);
  });
  afterAll(() => emu.close());

  describe('malformed requests', () => {
    it('400 BadSyntax for invalid JSON on every write endpoint, with a JSON error body', async () => {
      const sent = await call(emu, 'POST', activitiesPath(alice.personalConversationId), textMessage('x'));
      const id = (sent.body as { id: string }).id;
      for (const [method, path] of [
        ['POST', '/v3/conversations'],
        ['POST', activitiesPath(alice.personalConversationId)],
        ['POST', activitiesPath(alice.personalConversationId, id)],
        ['PUT', activitiesPath(alice.personalConversationId, id)],
      ] as const) {
        const res = await call(emu, method, path, undefined, '{"type": "message", "text": ');
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body).toEqual({ error: { code: 'BadSyntax', message: 'The request body is not valid JSON.' } });
      }
    });

    it('400 BadArgument for JSON that is not an activity', async () => {
      const path = activitiesPath(alice.personalConversationId);
      for (const raw of ['[]', '"text"', 'null', '{}', '{"type":""}', '{"type":42}']) {
        const res = await call(emu, 'POST', path, undefined, raw);
        expect(res.status, raw).toBe(400);
        expect((res.body as { error: { code: string } }).error.code).toBe('BadArgument');
      }
    });

    it('rejected calls are recorded but never delivered or charged', async () => {
      const before = emu.counters();
      await call(emu, 'POST', activitiesPath(bob.personalConversationId), undefined, 'nope');
      const after = emu.counters();
      expect(after.sends).toBe(before.sends);
      expect(after.byStatus['400']).toBe((before.byStatus['400'] ?? 0) + 1);
      expect(emu.outbound().at(-1)).toMatchObject({ kind: 'send', status: 400, outcome: 'rejected' });
      expect(emu.messagesFor(bob.aadObjectId)).toEqual([]);
    });

    it('404 for an unknown conversation or endpoint, 405 for a wrong method, 400 for broken percent-encoding', async () => {
      expect(await call(emu, 'POST', activitiesPath('a:1doesNotExist'), textMessage('x'))).toMatchObject({
        status: 404,
        body: { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } },
      });
      expect((await call(emu, 'POST', '/v3/somethingElse', textMessage('x'))).status).toBe(404);
      expect((await call(emu, 'GET', activitiesPath(alice.personalConversationId))).status).toBe(405);
      expect((await call(emu, 'POST', '/v3/conversations/a%3A%E0%A4%A/activities', textMessage('x'))).status).toBe(400);
    });

    it('413 MessageSizeTooBig over the message size ceiling', async () => {
      const res = await call(emu, 'POST', activitiesPath(alice.personalConversationId), textMessage('x'.repeat(110 * 1024)));
      expect(res).toMatchObject({ status: 413, body: { error: { code: 'MessageSizeTooBig' } } });
    });
  });

  describe('conversation ids with ":", "@" and ";messageid="', () => {
    it('accepts them percent-encoded (as the SDK sends) and raw', async () => {
      const thread = `${CHANNEL};messageid=1571540169848`;
      const encoded = await call(emu, 'POST', activitiesPath(thread), textMessage('encoded'));
      const raw = await call(emu, 'POST', `/v3/conversations/${thread}/activities`, textMessage('raw'));
      expect(encoded.status).toBe(201);
      expect(raw.status).toBe(201);
      expect(emu.conversation(thread).map((m) => m.text)).toEqual(['encoded', 'raw']);
      expect(emu.outbound().at(-1)?.conversationId).toBe(thread);
    });

    it('a post to the channel root starts a new reply chain with its own ;messageid= id', async () => {
      const res = await call(emu, 'POST', activitiesPath(CHANNEL), textMessage('announcement'));
      const id = (res.body as { id: string }).id;
      expect(emu.conversation(`${CHANNEL};messageid=${id}`).map((m) => m.text)).toEqual(['announcement']);
    });

    it('an activity id with "/" and "+" round-trips', async () => {
      const sent = await call(emu, 'POST', activitiesPath(alice.personalConversationId, '1:1SF2BGr82m/Lx+b'), textMessage('reply to odd id'));
      expect(sent.status).toBe(201);
      const rec = emu.conversation(alice.personalConversationId).at(-1)!;
      expect(rec.replyToId).toBe('1:1SF2BGr82m/Lx+b');
    });
  });

  describe('create conversation', () => {
    it('1:1 by 29: id returns the user\'s stable a: id; bot.id with or without 28: prefix', async () => {
      for (const botId of [`28:${APP_ID}`, APP_ID]) {
        const res = await call(emu, 'POST', '/v3/conversations', {
          bot: { id: botId },
          members: [{ id: alice.id }],
          channelData: { tenant: { id: TENANT } },
        });
        expect(res).toMatchObject({ status: 201, body: { id: alice.personalConversationId } });
      }
    });

    it('1:1 by Entra object id for someone never seen: stable ids derived from the object id, with an activity', async () => {
      const newcomer = aad(0x77);
      const res = await call(emu, 'POST', '/v3/conversations', {
        bot: { id: `28:${APP_ID}` },
        members: [{ id: newcomer }],
        tenantId: TENANT,
        isGroup: false,
        activity: card('Welcome'),
      });
      expect(res.status).toBe(201);
      const body = res.body as { id: string; activityId: string };
      expect(body.id).toBe(teamsIdsFor(newcomer, APP_ID).personalConversationId);
      expect(body.id.startsWith('a:')).toBe(true);
      const messages = emu.messagesFor(newcomer);
      expect(messages.map((m) => [m.id, m.via])).toEqual([[body.activityId, 'create']]);
      expect(emu.findUser(newcomer)?.id).toBe(teamsIdsFor(newcomer, APP_ID).id);
    });

    it('refuses: no tenant (400), other tenant (403), other bot (403), two members (400), unknown 29: id (400), no app (403)', async () => {
      const base = { bot: { id: `28:${APP_ID}` }, members: [{ id: alice.id }], channelData: { tenant: { id: TENANT } } };
      const cases: [unknown, number, string][] = [
        [{ ...base, channelData: {} }, 400, 'BadArgument'],
        [{ ...base, channelData: { tenant: { id: '22222222-2222-4222-8222-222222222222' } } }, 403, 'Forbidden'],
        [{ ...base, bot: { id: '28:someone-else' } }, 403, 'Forbidden'],
        [{ ...base, members: [{ id: alice.id }, { id: bob.id }] }, 400, 'BadArgument'],
        [{ ...base, members: [{ id: '29:1unknown' }] }, 400, 'BadArgument'],
        [{ ...base, members: [{ id: UNINSTALLED }] }, 403, 'BotNotInConversationRoster'],
        [{ ...base, isGroup: true }, 400, 'BadArgument'],
      ];
      for (const [body, status, code] of cases) {
        const res = await call(emu, 'POST', '/v3/conversations', body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect((res.body as { error: { code: string } }).error.code).toBe(code);
      }
    });

    it('a new post in a channel: {id: "…;messageid=…", activityId}', async () => {
      const res = await call(emu, 'POST', '/v3/conversations', {
        isGroup: true,
        bot: { id: `28:${APP_ID}` },
        channelData: { channel: { id: CHANNEL }, tenant: { id: TENANT } },
        activity: textMessage('new thread'),
      });
      expect(res.status).toBe(201);
      const body = res.body as { id: string; activityId: string };
      expect(body.id).toBe(`${CHANNEL};messageid=${body.activityId}`);
      expect(emu.conversation(body.id).map((m) => m.text)).toEqual(['new thread']);
    });
  });

  describe('update and delete', () => {
    it('updates in place (same id, counted) and deletes (gone from the user view, flagged in the record)', async () => {
      const conv = carol.personalConversationId;
      const sent = await call(emu, 'POST', activitiesPath(conv), card('v1'));
      const id = (sent.body as { id: string }).id;
      expect(await call(emu, 'PUT', activitiesPath(conv, id), card('v2'))).toMatchObject({ status: 200, body: { id } });
      const view = emu.messagesFor(carol.aadObjectId);
      expect(view).toHaveLength(1);
      expect(view[0]).toMatchObject({ id, updates: 1 });
      expect(JSON.stringify(view[0]!.activity.attachments)).toContain('v2');
      expect((await call(emu, 'PUT', activitiesPath(conv, 'no-such-id'), card('v3'))).status).toBe(404);
      expect((await call(emu, 'DELETE', activitiesPath(conv, id))).status).toBe(200);
      expect(emu.messagesFor(carol.aadObjectId)).toEqual([]);
      expect(emu.conversation(conv).find((m) => m.id === id)?.deleted).toBe(true);
      expect((await call(emu, 'PUT', activitiesPath(conv, id), card('v4'))).status).toBe(404);
      expect(emu.counters().deletes).toBe(1);
    });

    it('sending to a user who removed the app: 403 BotNotInConversationRoster', async () => {
      const gone = emu.user({ aadObjectId: UNINSTALLED, name: 'Gone' });
      const res = await call(emu, 'POST', activitiesPath(gone.personalConversationId), textMessage('x'));
      expect(res).toMatchObject({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
    });
  });

  describe('members', () => {
    it('GET members of a 1:1 chat: one TeamsChannelAccount', async () => {
      const res = await call(emu, 'GET', `/v3/conversations/${encodeURIComponent(alice.personalConversationId)}/members`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        {
          id: alice.id,
          name: 'Test User1',
          aadObjectId: aad(1),
          userPrincipalName: 'TestUser1@contoso.com',
          email: 'TestUser1@contoso.com',
          givenName: 'Test',
          surname: 'User1',
          tenantId: TENANT,
          userRole: 'user',
        },
      ]);
    });

    it('GET members/{id} by 29: id or Entra object id; 404 for a stranger', async () => {
      const path = (m: string) => `/v3/conversations/${encodeURIComponent(CHANNEL)}/members/${encodeURIComponent(m)}`;
      expect(await call(emu, 'GET', path(carol.id))).toMatchObject({ status: 200, body: { aadObjectId: aad(3), email: 'carol@contoso.com' } });
      expect(await call(emu, 'GET', path(aad(2)))).toMatchObject({ status: 200, body: { id: bob.id } });
      expect(await call(emu, 'GET', path('29:1stranger'))).toMatchObject({ status: 404, body: { error: { code: 'MemberNotFoundInConversation' } } });
    });

    it('GET pagedmembers pages with a continuation token', async () => {
      const base = `/v3/conversations/${encodeURIComponent(`${CHANNEL};messageid=1`)}/pagedmembers`;
      const first = await call(emu, 'GET', `${base}?pageSize=2`);
      const page1 = first.body as { continuationToken?: string; members: { aadObjectId: string }[] };
      expect(page1.members.map((m) => m.aadObjectId)).toEqual([aad(1), aad(2)]);
      expect(page1.continuationToken).toBeTruthy();
      const second = await call(emu, 'GET', `${base}?pageSize=2&continuationToken=${encodeURIComponent(page1.continuationToken!)}`);
      const page2 = second.body as { continuationToken?: string; members: { aadObjectId: string }[] };
      expect(page2.members.map((m) => m.aadObjectId)).toEqual([aad(3)]);
      expect(page2.continuationToken).toBeUndefined();
    });
  });

  describe('duplicates', () => {
    it('counts the same card delivered twice to one conversation, not repeated text or other users', async () => {
      const u = emu.user({ aadObjectId: aad(0x50), name: 'Dup' });
      const v = emu.user({ aadObjectId: aad(0x51), name: 'Other' });
      const before = emu.counters().duplicates;
      await call(emu, 'POST', activitiesPath(u.personalConversationId), card('Reminder 1'));
      await call(emu, 'POST', activitiesPath(v.personalConversationId), card('Reminder 1'));
      await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('ok'));
      await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('ok'));
      expect(emu.counters().duplicates).toBe(before);
      await call(emu, 'POST', activitiesPath(u.personalConversationId), card('Reminder 1'));
      expect(emu.counters().duplicates).toBe(before + 1);
      const [first, , , again] = emu.messagesFor(u.aadObjectId);
      expect(again?.contentKey).toBe(first?.contentKey);
    });
  });
});
