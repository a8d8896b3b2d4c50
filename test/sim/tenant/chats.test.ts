import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimWorld, type SimWorld } from '../../../services/sim/world.js';
import { FakeClock } from '../../../services/system/clock.js';
import { generousBudgets, shapeDiff, testCertificate } from './helpers.js';
import { T, tinyTenant } from './tiny-tenant.js';

/**
 * GET /chats/{id}/messages (and the /users/{id}/chats variant): the bot's 1:1 chat read back from
 * what the channel emulator recorded, in the documented chatMessage shape.
 */
const BOT = '12345678-1234-4234-8234-1234567890ab';
const fixture = JSON.parse(readFileSync(new URL('./fixtures/chatmessage-get-bot-card.json', import.meta.url), 'utf8'));
const CARD = 'application/vnd.microsoft.card.adaptive';

let world: SimWorld;
let agent: Agent;
let botServer: http.Server;
let token: string;
const clock = new FakeClock(Date.UTC(2026, 2, 2, 10, 0, 0));

async function graph(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(path.startsWith('https://') ? path : `${world.sim.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function botSends(conversationId: string, activity: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${world.channel.serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function chatIdOf(userId: string): Promise<string> {
  const filter = encodeURIComponent(`teamsApp/id eq '${T.app}'`);
  const inst = await graph(`/v1.0/users/${userId}/teamwork/installedApps?$expand=teamsApp&$filter=${filter}`);
  const chat = await graph(`/v1.0/users/${userId}/teamwork/installedApps/${encodeURIComponent(inst.body.value[0].id)}/chat`);
  return chat.body.id;
}

beforeAll(async () => {
  const tls = await testCertificate();
  agent = new Agent({ connect: { ca: tls.cert } });
  // A bot that accepts every activity, so user messages can be recorded by the emulator.
  botServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => botServer.listen(0, '127.0.0.1', () => r()));
  world = await startSimWorld({ tenant: tinyTenant(), clock, budgets: generousBudgets(), tls, botAppId: BOT, botEndpoint: `http://127.0.0.1:${(botServer.address() as AddressInfo).port}/api/messages` });
  token = world.staticToken;
});
afterAll(async () => {
  await world?.close();
  await agent?.close();
  await new Promise((r) => botServer?.close(r));
});

describe('chat messages of the bot\'s 1:1 chat', () => {
  it('lists what Teams recorded, newest first, in the documented shape, paged at $top', async () => {
    const alice = world.channel.user({ aadObjectId: T.alice, name: 'Alice Admin' });
    await world.channel.sendMessage(alice, 'hello bot');
    await clock.advance(1000);
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Register a passkey' }], actions: [{ type: 'Action.Execute', verb: 'nudge.done', data: { key: 'reminder:c:u:1' } }] };
    const id = await botSends(alice.personalConversationId, { type: 'message', summary: 'Reminder', attachments: [{ contentType: CARD, content: card }] });
    const chatId = await chatIdOf(T.alice);
    expect(chatId).toBe(`19:${T.alice}_${T.manifestId}@unq.gbl.spaces`);

    const page1 = await graph(`/v1.0/chats/${encodeURIComponent(chatId)}/messages?$top=1&$orderby=createdDateTime desc`);
    expect(page1.status).toBe(200);
    expect(page1.body.value).toHaveLength(1);
    const bot = page1.body.value[0];
    expect(shapeDiff(fixture, bot, ['@odata.context', 'from'])).toEqual([]);
    expect(shapeDiff(fixture.from, bot.from, ['conversation'])).toEqual([]);
    expect(shapeDiff(fixture.attachments[0], bot.attachments[0])).toEqual([]);
    expect(bot).toMatchObject({ id, chatId, messageType: 'message', summary: 'Reminder', from: { user: null, application: { id: BOT, applicationIdentityType: 'bot' } } });
    expect(typeof bot.attachments[0].content).toBe('string');
    expect(JSON.parse(bot.attachments[0].content)).toEqual(card);
    expect(bot.body.content).toBe(`<attachment id="${bot.attachments[0].id}"></attachment>`);
    expect(bot.createdDateTime).toBe(new Date(Date.UTC(2026, 2, 2, 10, 0, 1)).toISOString());

    const page2 = await graph(page1.body['@odata.nextLink']);
    expect(page2.body.value).toHaveLength(1);
    expect(page2.body.value[0]).toMatchObject({ from: { application: null, user: { id: T.alice, userIdentityType: 'aadUser' } }, body: { contentType: 'html', content: '<p>hello bot</p>' } });
    expect(page2.body['@odata.nextLink']).toBeUndefined();

    const viaUser = await graph(`/v1.0/users/${T.alice}/chats/${encodeURIComponent(chatId)}/messages`);
    expect(viaUser.body.value.map((m: { id: string }) => m.id)).toContain(id);
    expect((await graph(`/v1.0/chats/${encodeURIComponent(chatId)}/messages/${id}`)).body.id).toBe(id);
  });

  it('refuses unknown chats, another user\'s chat, ascending order and $top over 50', async () => {
    const chatId = await chatIdOf(T.alice);
    expect((await graph(`/v1.0/chats/${encodeURIComponent(`19:${T.bob}_${T.manifestId}@unq.gbl.spaces`)}/messages`)).status).toBe(404);
    expect((await graph(`/v1.0/users/${T.bob}/chats/${encodeURIComponent(chatId)}/messages`)).status).toBe(404);
    expect((await graph(`/v1.0/chats/${encodeURIComponent(chatId)}/messages?$orderby=createdDateTime asc`)).status).toBe(400);
    expect((await graph(`/v1.0/chats/${encodeURIComponent(chatId)}/messages?$top=51`)).status).toBe(400);
  });

  it('answers 403 naming the permissions when chat reading is not granted', async () => {
    const chatId = await chatIdOf(T.alice);
    world.sim.setChatReadGranted(false);
    try {
      const r = await graph(`/v1.0/chats/${encodeURIComponent(chatId)}/messages`);
      expect(r.status).toBe(403);
      expect(r.body.error.message).toMatch(/Chat\.Read\.All/);
    } finally {
      world.sim.setChatReadGranted(true);
    }
  });

  it('charges chat reads to the Teams read budget', async () => {
    const before = world.sim.counters().budgets['graph.teamsRead']!.requests;
    await graph(`/v1.0/chats/${encodeURIComponent(await chatIdOf(T.alice))}/messages`);
    // installedApps list + chat + messages: three Teams reads.
    expect(world.sim.counters().budgets['graph.teamsRead']!.requests - before).toBe(3);
  });
});
