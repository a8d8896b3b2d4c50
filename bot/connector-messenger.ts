import { Agent, request } from 'undici';
import { AuthenticationConstants, type ServiceClientCredentials, type ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Logger } from '../services/ports/logger.js';
import type { ConnectorResult, Messenger, OutboundActivity } from '../services/ports/teams.js';

export interface ConnectorMessengerOptions {
  /** BOT_ID; null in demo and tests (the anonymous Bot Connector then gets no Authorization header). */
  botAppId: string | null;
  /** Outbound credentials (the adapter's factory); unused without a bot id. */
  credentialsFactory: ServiceClientCredentialsFactory | null;
  logger: Logger;
  /** Per request (default 15 s): a send without an answer by then is in doubt. */
  timeoutMs?: number;
  /** The bot's `28:` account as learnt from activities, when BOT_ID is not set. */
  learnedBotAccountId?: () => Promise<string | null>;
}

/**
 * Proactive messages through the Bot Connector REST API, called directly with undici rather than
 * botbuilder's ConnectorClient: that client retries 429/5xx up to four times by itself, which would
 * send outside the pacer and hide attempts that may have landed. Here every attempt is one HTTP
 * request whose outcome the sender sees, paces and records.
 */
export class BotConnectorMessenger implements Messenger {
  private readonly dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  private credentials: Promise<ServiceClientCredentials> | null = null;
  private learned: string | null = null;

  constructor(private readonly o: ConnectorMessengerOptions) {}

  async botAccountId(): Promise<string | null> {
    if (this.o.botAppId) return `28:${this.o.botAppId}`;
    // Demo and tests without BOT_ID: the id Teams addressed the bot with, as learnt from activities.
    this.learned ??= (await this.o.learnedBotAccountId?.()) ?? null;
    return this.learned;
  }

  createPersonalConversation(o: { serviceUrl: string; member: string; tenantId: string; botAccountId: string }): Promise<ConnectorResult<{ conversationId: string }>> {
    return this.call('POST', joinUrl(o.serviceUrl, 'v3/conversations'), {
      bot: { id: o.botAccountId },
      members: [{ id: o.member }],
      channelData: { tenant: { id: o.tenantId } },
      tenantId: o.tenantId,
      isGroup: false,
    }).then((r) => {
      if (!r.ok) return r;
      const id = typeof (r.value as { id?: unknown }).id === 'string' ? (r.value as { id: string }).id : '';
      return id ? { ok: true, value: { conversationId: id } } : { ok: false, kind: 'refused', status: 200, code: 'no_conversation_id', message: 'The Bot Connector answered without a conversation id.', retryAfterMs: null };
    });
  }

  send(o: { serviceUrl: string; conversationId: string; activity: OutboundActivity }): Promise<ConnectorResult<{ activityId: string | null }>> {
    return this.call('POST', joinUrl(o.serviceUrl, `v3/conversations/${encodeURIComponent(o.conversationId)}/activities`), o.activity).then((r) =>
      r.ok ? { ok: true, value: { activityId: typeof (r.value as { id?: unknown }).id === 'string' ? (r.value as { id: string }).id : null } } : r,
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async authorization(): Promise<string | null> {
    if (!this.o.botAppId || !this.o.credentialsFactory) return null;
    const factory = this.o.credentialsFactory;
    this.credentials ??= factory.createCredentials(this.o.botAppId, AuthenticationConstants.ToChannelFromBotOAuthScope, AuthenticationConstants.ToChannelFromBotLoginUrl, true);
    const creds = await this.credentials.catch((e: unknown) => {
      this.credentials = null;
      throw e;
    });
    // The credentials sign a request object; only its Authorization header is taken (tokens are cached by them).
    const headers = new Map<string, string>();
    await creds.signRequest({ headers: { set: (k: string, v: string) => headers.set(k.toLowerCase(), v), get: (k: string) => headers.get(k.toLowerCase()) } } as never);
    return headers.get('authorization') ?? null;
  }

  private async call(method: 'POST', url: string, body: unknown): Promise<ConnectorResult<unknown>> {
    const timeout = this.o.timeoutMs ?? 15_000;
    let status = 0;
    let text = '';
    let retryAfter: string | null = null;
    try {
      const auth = await this.authorization();
      const res = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify(body),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      const ra = res.headers['retry-after'];
      retryAfter = Array.isArray(ra) ? (ra[0] ?? null) : (ra ?? null);
      text = await res.body.text();
    } catch (e) {
      // No answer: the request may or may not have reached Teams.
      return { ok: false, kind: 'in_doubt', status: 0, code: (e as { code?: string }).code ?? 'network_error', message: e instanceof Error ? e.message : String(e), retryAfterMs: null };
    }
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    if (status >= 200 && status < 300) return { ok: true, value: parsed };
    const err = (parsed as { error?: { code?: string; message?: string } }).error ?? {};
    const code = err.code ?? `http_${status}`;
    const message = err.message ?? `HTTP ${status}`;
    const retryAfterMs = parseRetryAfter(retryAfter);
    // Refused before processing: safe to repeat (msteams-docs rate-limit.md lists 429, 412, 502, 503, 504 as retryable).
    if (status === 429 || status === 412 || status === 503) return { ok: false, kind: 'throttled', status, code, message, retryAfterMs };
    // A gateway failure may come after Teams accepted the message: check before repeating.
    if (status === 502 || status === 504 || status === 500) return { ok: false, kind: 'in_doubt', status, code, message, retryAfterMs };
    if (status === 404 || (status === 403 && /roster|notfound|conversationnotfound/i.test(code))) return { ok: false, kind: 'gone', status, code, message, retryAfterMs };
    this.o.logger.warn({ status, code, url: url.replace(/\/v3\/conversations\/[^/]+/, '/v3/conversations/…') }, 'Bot Connector refused a request');
    return { ok: false, kind: 'refused', status, code, message, retryAfterMs };
  }
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** Retry-After as delta-seconds or an HTTP date, in ms (null when absent or unreadable). */
function parseRetryAfter(v: string | null): number | null {
  if (!v) return null;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  // An HTTP-date Retry-After is relative to the server's clock; without one, treat it as a minimum pause.
  return Number.isFinite(t) ? 1000 : null;
}
