import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import type { TokenKind } from './types.js';

/** The issuer Bot Framework channel tokens carry (botframework-connector `ToBotFromChannelTokenIssuer`). */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** Path of the OpenID metadata document the emulator serves (the bot's `ToBotFromChannelOpenIdMetadataUrl`). */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
/** Path of the JWKS, as login.botframework.com names it. */
export const JWKS_PATH = '/v1/.well-known/keys';

const TOKEN_LIFETIME_S = 3600;

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: { kty: string; n: string; e: string };
  endorsements: string[];
}

export interface PublishedJwk {
  kty: string;
  use: 'sig';
  kid: string;
  n: string;
  e: string;
  endorsements: string[];
}

/**
 * Plays the Bot Framework channel service's token issuer: an RSA key pair whose public half is
 * published as a JWKS with `endorsements: ['msteams']` (botframework-connector refuses keys not
 * endorsed for the activity's channelId), and RS256 JWTs with the claims the connector checks
 * (`iss`, `aud` = bot app id, `serviceurl`, `nbf`, `exp`).
 */
export class ChannelSigner {
  private readonly main: SigningKey;
  /** Published, but endorsed only for another channel: a token it signs must be refused. */
  private readonly unendorsed: SigningKey;
  private stranger?: SigningKey;

  constructor(
    private readonly botAppId: string,
    private readonly clock: Clock,
    keyId?: string,
  ) {
    this.main = makeKey(['msteams'], keyId);
    this.unendorsed = makeKey(['webchat']);
  }

  get keyId(): string {
    return this.main.kid;
  }

  jwks(): { keys: PublishedJwk[] } {
    return { keys: [this.main, this.unendorsed].map(publish) };
  }

  openIdConfiguration(baseUrl: string): Record<string, unknown> {
    const base = baseUrl.replace(/\/$/, '');
    return {
      issuer: BOT_FRAMEWORK_ISSUER,
      authorization_endpoint: `${base}/v1/.well-known/authorize`,
      jwks_uri: `${base}${JWKS_PATH}`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    };
  }

  /** A valid channel token for an activity carrying `serviceUrl`. */
  sign(serviceUrl: string): string {
    return this.tokenFor('valid', serviceUrl)!;
  }

  tokenFor(kind: TokenKind, serviceUrl: string): string | null {
    const now = Math.floor(this.clock.nowMs() / 1000);
    const claims: Record<string, unknown> = {
      serviceurl: serviceUrl,
      nbf: now - 5,
      exp: now + TOKEN_LIFETIME_S,
      iss: BOT_FRAMEWORK_ISSUER,
      aud: this.botAppId,
    };
    let key = this.main;
    let kid = this.main.kid;
    switch (kind) {
      case 'valid':
        break;
      case 'none':
        return null;
      case 'wrongAudience':
        claims.aud = '00000000-0000-4000-8000-0000000000ff';
        break;
      case 'expired':
        claims.nbf = now - 2 * TOKEN_LIFETIME_S;
        claims.exp = now - TOKEN_LIFETIME_S;
        break;
      case 'notYetValid':
        claims.nbf = now + TOKEN_LIFETIME_S;
        claims.exp = now + 2 * TOKEN_LIFETIME_S;
        break;
      case 'wrongIssuer':
        claims.iss = 'https://attacker.invalid';
        break;
      case 'wrongServiceUrl':
        claims.serviceurl = 'https://smba.trafficmanager.net/amer/';
        break;
      case 'otherKey':
        key = this.strangerKey();
        kid = key.kid;
        break;
      case 'forgedKid':
        key = this.strangerKey();
        break;
      case 'unendorsedKey':
        key = this.unendorsed;
        kid = key.kid;
        break;
      default: {
        const never: never = kind;
        throw new RangeError(`unknown token kind '${String(never)}'`);
      }
    }
    return signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims, key.privateKey);
  }

  private strangerKey(): SigningKey {
    this.stranger ??= makeKey(['msteams']);
    return this.stranger;
  }
}

function makeKey(endorsements: string[], kid?: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const publicJwk = { kty: String(jwk.kty), n: String(jwk.n), e: String(jwk.e) };
  return { kid: kid ?? thumbprint(publicJwk), privateKey, publicJwk, endorsements };
}

function publish(k: SigningKey): PublishedJwk {
  return { kty: k.publicJwk.kty, use: 'sig', kid: k.kid, n: k.publicJwk.n, e: k.publicJwk.e, endorsements: [...k.endorsements] };
}

/** RFC 7638 JWK thumbprint: a kid that is unique per key. */
function thumbprint(jwk: { kty: string; n: string; e: string }): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
}

export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}

function b64url(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}
