import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ServiceClientCredentialsFactory, TokenCredentials } from 'botframework-connector';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../../services/budgets.js';
import { OffsetClock } from '../../../services/system/clock.js';
import { ChannelEmulator, type EmulatedUser, type TokenKind } from '../../../services/sim/channel/index.js';
import { startTestBot, type RunningBot } from './helpers/test-bot.js';

const APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';
const TENANT = '11111111-1111-4111-8111-111111111111';
/** Nothing listens on the discard port: any attempt to use these would fail, and is also caught below. */
const UNREACHABLE = 'http://127.0.0.1:9';

/** Outbound credentials for the bot's replies, so no token is ever requested from Entra. */
class StaticCredentialsFactory extends ServiceClientCredentialsFactory {
  async isValidAppId(appId: string): Promise<boolean> {
    return appId === APP_ID;
  }
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }
  async createCredentials(): Promise<TokenCredentials> {
    return new TokenCredentials('static-outbound-test-token');
  }
}

/** Every TCP connection this process opens while the suite runs (net.Socket#connect covers http, https and fetch-over-http). */
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;

describe('signed activities: a botbuilder CloudAdapter with an app id trusts the emulator and nothing else', () => {
  let emu: ChannelEmulator;
  let bot: RunningBot;
  let user: EmulatedUser;

  beforeAll(async () => {
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      // http's agent passes its normalized [options, callback] pair as the first argument.
      const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const first = raw as { host?: string; port?: number; path?: string } | number | string;
      if (typeof first === 'object' && first !== null) connections.push(first.path ?? `${first.host ?? 'localhost'}:${String(first.port)}`);
      else if (typeof first === 'number') connections.push(`${typeof args[1] === 'string' ? args[1] : 'localhost'}:${first}`);
      else connections.push(String(first));
      return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;

    emu = await ChannelEmulator.start({
      botAppId: APP_ID,
      tenantId: TENANT,
      // botbuilder checks nbf/exp against the machine clock: sign on real time.
      clock: new OffsetClock(),
      budgets: scaleBudgets(DOCUMENTED_BUDGETS, 100),
      signing: {},
    });
    bot = await startTestBot({
      auth: {
        MicrosoftAppId: APP_ID,
        MicrosoftAppType: 'MultiTenant',
        MicrosoftAppPassword: 'unused-because-of-the-credentials-factory',
        ToBotFromChannelOpenIdMetadataUrl: emu.openIdMetadataUrl,
        ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
        ToBotFromEmulatorOpenIdMetadataUrl: `${UNREACHABLE}/emulator/.well-known/openidconfiguration`,
        ToChannelFromBotLoginUrl: `${UNREACHABLE}/login`,
        ToChannelFromBotOAuthScope: 'https://api.botframework.com',
        OAuthUrl: `${UNREACHABLE}/oauth`,
        CallerId: 'urn:botframework:azure',
        ValidateAuthority: false,
      },
      credentialsFactory: new StaticCredentialsFactory(),
    });
    emu.setBotEndpoint(bot.url);
    user = emu.user({ aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-000000000001', name: 'Test User1', userPrincipalName: 'TestUser1@contoso.com' });
  });

  afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    await bot?.close();
    await emu?.close();
  });

  it('serves OpenID metadata and a JWKS whose key is endorsed for msteams', async () => {
    expect(emu.openIdMetadataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration\?kid=/);
    const meta = (await (await fetch(emu.openIdMetadataUrl!)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: 'https://api.botframework.com',
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    });
    const jwks = (await (await fetch(String(meta.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    const kid = decodeProtectedHeader(emu.tokenFor('valid')!).kid;
    const key = jwks.keys.find((k) => k.kid === kid)!;
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', endorsements: ['msteams'] });
    expect(typeof key.n).toBe('string');
    expect(key).not.toHaveProperty('d');
  });

  it('its tokens verify independently (jose) with the Bot Framework claims', async () => {
    const meta = (await (await fetch(emu.openIdMetadataUrl!)).json()) as { jwks_uri: string };
    const token = emu.tokenFor('valid')!;
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(meta.jwks_uri)), {
      issuer: 'https://api.botframework.com',
      audience: APP_ID,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.serviceurl).toBe(emu.serviceUrl);
    expect(payload.exp! - payload.nbf!).toBeGreaterThan(0);
  });

  it('accepts emulator-signed activities and the bot replies with its own credentials', async () => {
    const turn = await emu.sendMessage(user, 'hello');
    expect(turn.status).toBe(200);
    expect(turn.replies.map((r) => r.text)).toEqual(['you said hello']);
    const call = emu.outbound().find((c) => c.activityId === turn.replies[0]!.id)!;
    expect(call.authorized).toBe(true);
  });

  const rejected401: TokenKind[] = ['none', 'wrongAudience', 'expired', 'otherKey', 'wrongIssuer', 'wrongServiceUrl', 'unendorsedKey'];
  for (const kind of rejected401) {
    it(`answers 401 to a '${kind}' token and never runs the bot`, async () => {
      const before = bot.bot.seen.length;
      const token = emu.tokenFor(kind);
      if (kind === 'none') expect(token).toBeNull();
      const turn = await emu.sendMessage(user, 'hello', { token });
      expect(turn.status).toBe(401);
      expect(turn.replies).toEqual([]);
      expect(bot.bot.seen.length).toBe(before);
    });
  }

  // botbuilder lets jsonwebtoken's "invalid signature" and "jwt not active" errors escape as 500
  // (only AuthenticationError becomes 401); either way the activity is refused.
  for (const kind of ['forgedKid', 'notYetValid'] as const) {
    it(`refuses a '${kind}' token (botbuilder answers 500) and never runs the bot`, async () => {
      const before = bot.bot.seen.length;
      const turn = await emu.sendMessage(user, 'hello', { token: emu.tokenFor(kind) });
      expect([401, 500]).toContain(turn.status);
      expect(bot.bot.seen.length).toBe(before);
    });
  }

  it('a garbage bearer value and a non-Bearer scheme are refused too', async () => {
    const before = bot.bot.seen.length;
    const a = await emu.sendRawActivity({ type: 'message', text: 'x', channelId: 'msteams', serviceUrl: emu.serviceUrl }, { token: 'not-a-jwt' });
    const b = await emu.sendRawActivity({ type: 'message', text: 'x', channelId: 'msteams', serviceUrl: emu.serviceUrl }, { authorization: `Basic ${emu.tokenFor('valid')}` });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(bot.bot.seen.length).toBe(before);
  });

  it('made no connection off this machine', () => {
    // The monitor saw the bot fetch the emulator's metadata and post replies to it.
    const emulatorHostPort = new URL(emu.serviceUrl).host;
    expect(connections).toContain(emulatorHostPort);
    const offHost = connections.filter((c) => !/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\]):\d+$/.test(c));
    expect(offHost).toEqual([]);
  });
});
