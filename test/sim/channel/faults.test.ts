import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { OffsetClock } from '../../../services/system/clock.js';
import { SeededRandom } from '../../../services/system/clock.js';
import type { ChannelEmulator } from '../../../services/sim/channel/index.js';
import { aad, activitiesPath, call, startEmulator, textMessage } from './helpers/harness.js';

describe('fault injection', () => {
  let emu: ChannelEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('failNext: the next n charged calls fail with the status; nothing is delivered or charged', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(1), name: 'U' });
    const path = activitiesPath(u.personalConversationId);
    emu.failNext(7, 503);
    for (let i = 0; i < 7; i++) {
      const res = await call(emu, 'POST', path, textMessage(`f${i}`));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.body).toEqual({ error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } });
    }
    // Faulted calls consumed no budget: seven sends still fit in this second.
    for (let i = 0; i < 7; i++) expect((await call(emu, 'POST', path, textMessage(`ok${i}`))).status).toBe(201);
    expect(emu.messagesFor(aad(1)).map((m) => m.text)).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'ok5', 'ok6']);
    expect(emu.counters()).toMatchObject({ sends: 7, faults: 7, throttled: 0, byStatus: { '201': 7, '503': 7 } });
    expect(emu.outbound().filter((c) => c.outcome === 'fault')).toHaveLength(7);
  });

  it('failNext with kinds and Retry-After: an injected 429 carries Retry-After; other kinds pass', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(2), name: 'U' });
    const conv = u.personalConversationId;
    const sent = await call(emu, 'POST', activitiesPath(conv), textMessage('v1'));
    const id = (sent.body as { id: string }).id;
    emu.failNext(1, 429, ['update'], 7);
    expect((await call(emu, 'POST', activitiesPath(conv), textMessage('send passes'))).status).toBe(201);
    const put = await call(emu, 'PUT', activitiesPath(conv, id), textMessage('v2'));
    expect(put.status).toBe(429);
    expect(put.headers.get('retry-after')).toBe('7');
    expect((await call(emu, 'PUT', activitiesPath(conv, id), textMessage('v2'))).status).toBe(200);
    // Injected 429s are faults, not rate-limit throttling.
    expect(emu.counters()).toMatchObject({ faults: 1, throttled: 0, updates: 1 });
  });

  it('each documented retryable status can be injected, with Retry-After when asked', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(3), name: 'U' });
    for (const status of [412, 429, 502, 503, 504]) {
      emu.failNext(1, status, undefined, 2);
      const res = await call(emu, 'POST', activitiesPath(u.personalConversationId), textMessage('x'));
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe('2');
      expect((res.body as { error: { code: string } }).error.code).toBeTruthy();
    }
    expect(() => emu!.failNext(1, 200)).toThrow(RangeError);
    expect(() => emu!.setFaults({ rate: 2, statuses: [503] })).toThrow(RangeError);
  });

  it('a random plan is sampled with the injected Random: same seed, same outcome; counters add up', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const s = await startEmulator({ random: new SeededRandom(seed) });
      const u = s.emu.user({ aadObjectId: aad(4), name: 'U' });
      s.emu.setFaults({ rate: 0.3, statuses: [502, 504] });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push((await call(s.emu, 'POST', activitiesPath(u.personalConversationId), textMessage(`${i}`))).status);
        await s.clock.advance(600);
      }
      const c = s.emu.counters();
      expect(c.sends + c.faults).toBe(40);
      expect(s.emu.messagesFor(aad(4))).toHaveLength(c.sends);
      await s.emu.close();
      return statuses;
    };
    const a = await run(42);
    const b = await run(42);
    expect(a).toEqual(b);
    const failed = a.filter((s) => s !== 201);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(40);
    expect(failed.every((s) => s === 502 || s === 504)).toBe(true);
  });

  it('a plan limited to some kinds leaves the others alone; null clears it', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(5), name: 'U' });
    const conv = u.personalConversationId;
    emu.setFaults({ rate: 1, statuses: [412], kinds: ['update'] });
    const sent = await call(emu, 'POST', activitiesPath(conv), textMessage('v1'));
    expect(sent.status).toBe(201);
    const id = (sent.body as { id: string }).id;
    expect((await call(emu, 'PUT', activitiesPath(conv, id), textMessage('v2'))).status).toBe(412);
    emu.setFaults(null);
    expect((await call(emu, 'PUT', activitiesPath(conv, id), textMessage('v2'))).status).toBe(200);
  });
});

describe('faults as the real ConnectorClient meets them', () => {
  it('the SDK itself retries an injected 503 and a 429 with Retry-After, but not a 412', async () => {
    const { emu } = await startEmulator({ clock: new OffsetClock() });
    try {
      const u = emu.user({ aadObjectId: aad(10), name: 'U' });
      const client = new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: emu.serviceUrl });
      const send = () => client.conversations.sendToConversation(u.personalConversationId, { type: 'message', text: 'hi' } as never);
      emu.failNext(1, 503);
      await send();
      emu.failNext(1, 429, undefined, 1);
      await send();
      emu.failNext(1, 412);
      await expect(send()).rejects.toMatchObject({ statusCode: 412 });
      expect(emu.outbound().map((c) => c.status)).toEqual([503, 201, 429, 201, 412]);
      expect(emu.messagesFor(aad(10))).toHaveLength(2);
    } finally {
      await emu.close();
    }
  });
});

describe('emulator control over HTTP (for child-process benchmarks)', () => {
  let emu: ChannelEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('GET counters, POST counters/reset, POST faults, GET messages', async () => {
    ({ emu } = await startEmulator());
    const u = emu.user({ aadObjectId: aad(9), name: 'U' });
    const path = activitiesPath(u.personalConversationId);
    await call(emu, 'POST', path, textMessage('one'));

    const counters = await call(emu, 'GET', '/_emulator/counters');
    expect(counters.body).toMatchObject({ sends: 1, byStatus: { '201': 1 } });

    expect((await call(emu, 'POST', '/_emulator/faults', { failNext: { n: 1, status: 504 } })).status).toBe(200);
    expect((await call(emu, 'POST', path, textMessage('two'))).status).toBe(504);
    expect((await call(emu, 'POST', '/_emulator/faults', { rate: 1, statuses: [502] })).status).toBe(200);
    expect((await call(emu, 'POST', path, textMessage('three'))).status).toBe(502);
    expect((await call(emu, 'POST', '/_emulator/faults', undefined, 'null')).status).toBe(200);
    expect((await call(emu, 'POST', path, textMessage('four'))).status).toBe(201);
    expect((await call(emu, 'POST', '/_emulator/faults', { rate: 'lots', statuses: [200] })).status).toBe(400);
    expect((await call(emu, 'POST', '/_emulator/faults', undefined, '{broken')).status).toBe(400);

    const messages = await call(emu, 'GET', `/_emulator/messages?aadObjectId=${aad(9)}`);
    expect((messages.body as { text: string }[]).map((m) => m.text)).toEqual(['one', 'four']);

    const reset = await call(emu, 'POST', '/_emulator/counters/reset', undefined, '');
    expect(reset.status).toBe(200);
    expect((await call(emu, 'GET', '/_emulator/counters')).body).toMatchObject({ sends: 0, faults: 0, byStatus: {} });
  });
});
