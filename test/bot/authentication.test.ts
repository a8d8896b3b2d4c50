import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedTables, effects } from '../helpers/effects.js';
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

  it.each(['none', 'wrongAudience', 'expired', 'notYetValid', 'otherKey', 'forgedKid', 'wrongIssuer', 'wrongServiceUrl', 'unendorsedKey'] as const)(
    'refuses a %s token with 401 and runs nothing',
    async (kind) => {
      const u = await w.user('admin');
      const before = await effects(w);
      const token = kind === 'none' ? null : w.world.channel.tokenFor(kind);
      const r = await w.world.channel.sendMessage(u, 'campaign create Refused', { token });
      expect(r.status).toBe(401);
      expect(r.replies).toEqual([]);
      const after = await effects(w);
      expect(after.outbound).toBe(before.outbound);
      expect(changedTables(before, after)).toEqual([]);
      expect(after.auditEntries).toBe(before.auditEntries);
      expect(await w.bot.store.campaigns.findByName('Refused')).toBeNull();
    },
  );

  it('refuses a correctly signed token whose signature or claims were tampered with', async () => {
    const u = await w.user('admin');
    const valid = w.world.channel.tokenFor('valid')!;
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 365 * 24 * 3600 }), 'utf8').toString('base64url');
    const unsigned = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' }), 'utf8').toString('base64url');
    const hs256 = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'utf8').toString('base64url');
    const before = await effects(w);
    for (const [what, token] of [
      ['flipped signature', `${header}.${payload}.${flipped}`],
      ['claims changed after signing', `${header}.${widened}.${signature}`],
      ['signature removed', `${header}.${payload}.`],
      ['alg none', `${unsigned}.${payload}.`],
      ['alg HS256 with the signature reused', `${hs256}.${payload}.${signature}`],
    ] as const) {
      const r = await w.world.channel.sendMessage(u, 'campaign create Tampered', { token });
      expect(r.status, what).toBe(401);
      expect(r.replies, what).toEqual([]);
    }
    const after = await effects(w);
    expect(after.outbound).toBe(before.outbound);
    expect(changedTables(before, after)).toEqual([]);
    expect(await w.bot.store.campaigns.findByName('Tampered')).toBeNull();
  });

  it('the same command with the valid token does run (the refusals above were the token, not the command)', async () => {
    const u = await w.user('admin');
    const before = await effects(w);
    const r = await w.world.channel.sendMessage(u, 'campaign create Accepted', { token: w.world.channel.tokenFor('valid') });
    expect(r.status).toBe(200);
    expect(replyText(r.replies[0]!)).toMatch(/Accepted/);
    expect(await w.bot.store.campaigns.findByName('Accepted')).not.toBeNull();
    expect((await effects(w)).auditEntries).toBeGreaterThan(before.auditEntries);
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
