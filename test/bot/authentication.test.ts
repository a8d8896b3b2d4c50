import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/**
 * With BOT_ID set, only Bot Framework tokens signed by the channel's keys get in. The channel's
 * OpenID metadata comes from the emulator (BOT_OPENID_METADATA_URL), so nothing reaches the internet.
 */
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;
let w: TestWorld;

beforeAll(async () => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; port?: number } | number | string;
    const host = typeof first === 'object' && first !== null ? (first.host ?? 'localhost') : typeof args[1] === 'string' ? args[1] : 'localhost';
    connections.push(String(host));
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  w = await startTestWorld({ authenticated: true });
});
afterAll(async () => {
  net.Socket.prototype.connect = originalConnect;
  await w?.close();
});

describe('Bot Framework authentication', () => {
  it('accepts a correctly signed activity and replies', async () => {
    const r = await w.world.channel.sendMessage(await w.user('admin'), 'whoami');
    expect(r.status).toBe(200);
    expect(replyText(r.replies[0]!)).toContain('an admin');
  });

  it.each(['none', 'wrongAudience', 'expired', 'otherKey', 'wrongIssuer', 'wrongServiceUrl', 'unendorsedKey'] as const)('refuses a %s token with 401 and runs nothing', async (kind) => {
    const before = w.world.channel.outbound().length;
    const u = await w.user('admin');
    const token = kind === 'none' ? null : w.world.channel.tokenFor(kind);
    const r = await w.world.channel.sendMessage(u, 'whoami', { token });
    expect(r.status).toBe(401);
    expect(w.world.channel.outbound().length).toBe(before);
  });

  it('refuses junk and non-Bearer authorization with 401, before reading the body', async () => {
    for (const authorization of ['Bearer junk.junk.junk', 'Basic dXNlcjpwYXNz', '']) {
      const res = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{not json' });
      expect(res.status, authorization).toBe(authorization.startsWith('Bearer') ? 400 : 401);
    }
    const valid = { type: 'message', text: 'whoami', serviceUrl: w.world.channel.serviceUrl, channelId: 'msteams', conversation: { id: 'a:x' }, from: { id: '29:x' } };
    const junk = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer junk.junk.junk' }, body: JSON.stringify(valid) });
    expect(junk.status).toBe(401);
  });

  it('never opened a connection off this machine', () => {
    const offBox = connections.filter((h) => !['127.0.0.1', 'localhost', '::1'].includes(h));
    expect(offBox).toEqual([]);
  });
});
