import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../../services/budgets.js';
import { SlidingWindowLimiter } from '../../../services/sim/channel/index.js';
import type { ChannelEmulator } from '../../../services/sim/channel/index.js';
import { aad, activitiesPath, call, startEmulator, textMessage, APP_ID, TENANT } from './helpers/harness.js';

describe('SlidingWindowLimiter', () => {
  it('enforces every window and says how long until the next call fits', () => {
    const l = new SlidingWindowLimiter([
      { limit: 2, windowMs: 1_000 },
      { limit: 3, windowMs: 10_000 },
    ]);
    expect(l.check('k', 0)).toEqual({ ok: true });
    l.commit('k', 0);
    l.commit('k', 100);
    expect(l.check('k', 200)).toEqual({ ok: false, retryAfterMs: 800 });
    expect(l.check('other', 200)).toEqual({ ok: true });
    expect(l.check('k', 1_000)).toEqual({ ok: true });
    l.commit('k', 1_000);
    // 3 in 10 s: the oldest (t=0) must age out.
    expect(l.check('k', 5_000)).toEqual({ ok: false, retryAfterMs: 5_000 });
    expect(l.check('k', 10_000)).toEqual({ ok: true });
  });

  it('a refused check consumes nothing', () => {
    const l = new SlidingWindowLimiter([{ limit: 1, windowMs: 1_000 }]);
    l.commit('k', 0);
    for (let i = 0; i < 10; i++) expect(l.check('k', 500).ok).toBe(false);
    expect(l.check('k', 1_000).ok).toBe(true);
  });

  it('holds the hour window (1,800 per 3,600 s)', () => {
    const l = new SlidingWindowLimiter(DOCUMENTED_BUDGETS['connector.conversation'].windows);
    let t = 0;
    for (let i = 0; i < 1_800; i++) {
      expect(l.check('k', t).ok).toBe(true);
      l.commit('k', t);
      t += 500;
    }
    expect(l.check('k', t)).toEqual({ ok: false, retryAfterMs: 3_600_000 - t });
    expect(l.check('k', 3_600_000).ok).toBe(true);
  });
});

describe('Bot Connector rate limits (injected clock)', () => {
  let emu: ChannelEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('per conversation: the 8th send in a second gets 429 with Retry-After and a JSON error; then 8 per 2 s holds', async () => {
    const s = await startEmulator();
    emu = s.emu;
    const user = emu.user({ aadObjectId: aad(1), name: 'Test User1' });
    const path = activitiesPath(user.personalConversationId);
    for (let i = 0; i < 7; i++) expect((await call(emu, 'POST', path, textMessage(`m${i}`))).status).toBe(201);
    const eighth = await call(emu, 'POST', path, textMessage('m7'));
    expect(eighth.status).toBe(429);
    expect(eighth.headers.get('retry-after')).toBe('1');
    expect(eighth.body).toEqual({ error: { code: 'Throttled', message: 'Too many requests.' } });
    // Throttled calls are neither delivered nor charged: more refusals change nothing.
    expect((await call(emu, 'POST', path, textMessage('again'))).status).toBe(429);
    expect(emu.messagesFor(aad(1)).map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);

    await s.clock.advance(1_000);
    // The 1 s window is clear, but 8 per 2 s allows only one more.
    expect((await call(emu, 'POST', path, textMessage('m8'))).status).toBe(201);
    const ninth = await call(emu, 'POST', path, textMessage('m9'));
    expect(ninth.status).toBe(429);
    expect(ninth.headers.get('retry-after')).toBe('1');
    await s.clock.advance(1_000);
    expect((await call(emu, 'POST', path, textMessage('m10'))).status).toBe(201);

    const c = emu.counters();
    expect(c).toMatchObject({ sends: 9, throttled: 3, perConversationMax: 9, faults: 0 });
    expect(c.byStatus).toEqual({ '201': 9, '429': 3 });
    expect(c.firstAt).toBe(Date.UTC(2026, 0, 5, 9, 0, 0));
    expect(c.lastAt).toBe(Date.UTC(2026, 0, 5, 9, 0, 2));
  });

  it('per conversation: 60 per 30 s, with Retry-After from the 30 s window', async () => {
    const s = await startEmulator();
    emu = s.emu;
    const user = emu.user({ aadObjectId: aad(2), name: 'Test User2' });
    const path = activitiesPath(user.personalConversationId);
    // 4 per second stays inside 7/1 s and 8/2 s.
    for (let i = 0; i < 60; i++) {
      expect((await call(emu, 'POST', path, textMessage(`m${i}`))).status).toBe(201);
      await s.clock.advance(250);
    }
    const refused = await call(emu, 'POST', path, textMessage('61st'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('15');
    await s.clock.advance(15_000);
    expect((await call(emu, 'POST', path, textMessage('later'))).status).toBe(201);
  });

  it('replies, updates and creations count against the conversation too', async () => {
    const s = await startEmulator();
    emu = s.emu;
    const user = emu.user({ aadObjectId: aad(3), name: 'Test User3' });
    const conv = user.personalConversationId;
    const created = await call(emu, 'POST', '/v3/conversations', {
      bot: { id: `28:${APP_ID}` },
      members: [{ id: user.id }],
      channelData: { tenant: { id: TENANT } },
    });
    expect(created.status).toBe(201);
    const sent = await call(emu, 'POST', activitiesPath(conv), textMessage('card v1'));
    const id = (sent.body as { id: string }).id;
    for (let i = 0; i < 3; i++) expect((await call(emu, 'PUT', activitiesPath(conv, id), textMessage(`card v${i + 2}`))).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call(emu, 'POST', activitiesPath(conv, id), textMessage(`reply ${i}`))).status).toBe(201);
    // 1 create + 1 send + 3 updates + 2 replies = 7: the next of any kind is refused.
    expect((await call(emu, 'PUT', activitiesPath(conv, id), textMessage('card v9'))).status).toBe(429);
    expect(emu.counters()).toMatchObject({ creates: 1, sends: 1, updates: 3, replies: 2, throttled: 1, perConversationMax: 7 });
  });

  it('global: 50 per second over all conversations, even when each conversation is under its own limit', async () => {
    const s = await startEmulator();
    emu = s.emu;
    const users = Array.from({ length: 11 }, (_, i) => emu!.user({ aadObjectId: aad(100 + i), name: `User ${i}` }));
    let ok = 0;
    for (const u of users.slice(0, 10)) {
      for (let i = 0; i < 5; i++) if ((await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('x'))).status === 201) ok++;
    }
    expect(ok).toBe(50);
    // A fresh conversation, nothing sent there yet: refused by the app-wide ceiling.
    const over = await call(emu, 'POST', activitiesPath(users[10]!.personalConversationId), textMessage('x'));
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Creations are charged to the same ceiling.
    const create = await call(emu, 'POST', '/v3/conversations', {
      bot: { id: `28:${APP_ID}` },
      members: [{ id: aad(999) }],
      channelData: { tenant: { id: TENANT } },
    });
    expect(create.status).toBe(429);
    await s.clock.advance(1_000);
    expect((await call(emu, 'POST', activitiesPath(users[10]!.personalConversationId), textMessage('x'))).status).toBe(201);
    expect(emu.counters()).toMatchObject({ sends: 51, throttled: 2, perConversationMax: 5 });
  });

  it('enforces the scaled table it was given', async () => {
    const s = await startEmulator({ budgets: scaleBudgets(DOCUMENTED_BUDGETS, 0.1) });
    emu = s.emu;
    const users = Array.from({ length: 6 }, (_, i) => emu!.user({ aadObjectId: aad(200 + i), name: `U${i}` }));
    const statuses: number[] = [];
    for (const u of users) statuses.push((await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('x'))).status);
    // 50 × 0.1 = 5 per second globally.
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('resetCounters zeroes the counters but not the rate windows', async () => {
    const s = await startEmulator();
    emu = s.emu;
    const u = emu.user({ aadObjectId: aad(300), name: 'U' });
    for (let i = 0; i < 7; i++) await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage(`${i}`));
    emu.resetCounters();
    expect(emu.counters()).toEqual({
      sends: 0, creates: 0, replies: 0, updates: 0, deletes: 0, throttled: 0, faults: 0,
      perConversationMax: 0, duplicates: 0, byStatus: {}, firstAt: null, lastAt: null,
    });
    expect((await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('x'))).status).toBe(429);
    expect(emu.counters().throttled).toBe(1);
  });
});
