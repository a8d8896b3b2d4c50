import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BudgetTable } from '../../budgets.js';
import type { Clock, Random } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { SeededRandom } from '../../system/clock.js';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  DEFAULT_CLIENT,
  adaptiveCardActionValue,
  adaptiveCardOf,
  buildBotAddedPersonal,
  buildBotRemovedPersonal,
  buildInstallationUpdatePersonal,
  buildInvokeActivity,
  buildMessageActivity,
  findExecuteActions,
  type ChannelContext,
  type ChannelTarget,
  type ClientInfo,
} from './activity-builders.js';
import { BotConnectorService } from './bot-connector.js';
import { ChannelSigner, JWKS_PATH, OPENID_CONFIGURATION_PATH } from './channel-signer.js';
import { baseChannelId, ConversationStore, type NewUser } from './conversation-store.js';
import { BodyTooLargeError, checkBotEndpoint, connectorError, isLoopbackHost, postToBot, readBody, sendJson } from './http-util.js';
import {
  CHARGED_KINDS,
  type ActivityListener,
  type ChannelCounters,
  type ChargedKind,
  type EmulatedUser,
  type FaultPlan,
  type InstallResult,
  type InvokeResult,
  type RecordedActivity,
  type RecordedCall,
  type TeamsActivity,
  type TokenKind,
  type TurnResult,
} from './types.js';

export interface ChannelEmulatorOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages. Loopback only; may be set later. */
  botEndpoint?: string;
  /** The bot's app id; the bot's account id is `28:<botAppId>`. */
  botAppId: string;
  /** The bot's display name in `recipient.name` and @mentions (default 'Passkey Rollout'). */
  botName?: string;
  tenantId: string;
  clock: Clock;
  /** Samples random faults (default: a fixed-seed generator, so runs repeat). */
  random?: Random;
  /** Already scaled; `connector.global` and `connector.conversation` are enforced. */
  budgets: BudgetTable;
  /** Loopback only (default 127.0.0.1). */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /**
   * When set, every activity posted to the bot carries a Bot Framework-style RS256 JWT and the
   * emulator serves the OpenID metadata and JWKS for its key. `clock` stamps the tokens (default:
   * the emulator's clock). botbuilder checks `nbf`/`exp` against the machine clock, so an emulator
   * running on a clock moved days ahead needs `signing.clock` set to a real-time clock.
   */
  signing?: { keyId?: string; clock?: Clock } | null;
  /** Consulted on 1:1 creation and sends: Teams refuses (403) users who do not have the app. */
  isAppInstalled?: (aadObjectId: string) => boolean;
  logger?: Logger;
  /** Defaults for the `clientInfo` entity, locale and timezone of users' activities. */
  client?: Partial<ClientInfo>;
  /** Activities over this size are refused with 413 MessageSizeTooBig (default 100 KiB, Teams' documented ceiling). */
  maxMessageBytes?: number;
  /** Keep request and activity bodies (default true). Benchmarks of 100k users may turn this off to save memory. */
  recordBodies?: boolean;
  /** How long to wait for the bot to answer a posted activity (default 60 s). */
  botTimeoutMs?: number;
}

export interface SendMessageOptions {
  channel?: ChannelTarget;
  mentionBot?: boolean;
  locale?: string;
  timezone?: string;
  /** Top-level fields laid over the built activity (for odd or hostile variants). */
  valueOverrides?: Partial<TeamsActivity>;
  /** Override the Authorization token: a raw JWT, or null for none. Default: a valid token when signing is on. */
  token?: string | null;
}

export interface PressCardButtonOptions {
  /** Refuse (throw) when the card has no Action.Execute with this verb (default true). */
  strict?: boolean;
  locale?: string;
  timezone?: string;
  token?: string | null;
}

export interface SendInvokeOptions {
  /** Invoke name (default `adaptiveCard/action`). */
  name?: string;
  /** The message the invoke is about (a card's activity id). */
  replyToId?: string;
  /** The conversation (default: the user's 1:1 chat). */
  conversationId?: string;
  valueOverrides?: Partial<TeamsActivity>;
  token?: string | null;
  locale?: string;
  timezone?: string;
}

const DEFAULT_BOT_NAME = 'Passkey Rollout';
const DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Plays the Teams service for tests, benchmarks and the demo: posts Teams-shaped activities to the
 * bot's `/api/messages` and serves the Bot Connector REST API the bot calls back on, recording
 * every call and enforcing the Teams rate limits. Loopback only; nothing leaves the machine.
 */
export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';

export class ChannelEmulator {
  private readonly files = new Map<string, { name: string; declaredSize: number; bytes: Buffer | null }>();
  private fileSeq = 0;
  readonly serviceUrl: string;
  readonly openIdMetadataUrl?: string;
  readonly botAppId: string;
  readonly tenantId: string;

  private botUrl?: URL;
  private readonly ctx: ChannelContext;
  private readonly client: ClientInfo;
  private readonly connector: BotConnectorService;
  private readonly store: ConversationStore;
  private readonly signer?: ChannelSigner;
  private lastId = 0;
  private closed = false;

  private constructor(
    private readonly o: ChannelEmulatorOptions,
    private readonly server: http.Server,
    serviceUrl: string,
    store: ConversationStore,
    connector: BotConnectorService,
    signer: ChannelSigner | undefined,
  ) {
    this.serviceUrl = serviceUrl;
    this.botAppId = o.botAppId;
    this.tenantId = o.tenantId;
    this.store = store;
    this.connector = connector;
    this.signer = signer;
    this.client = { ...DEFAULT_CLIENT, ...o.client };
    this.ctx = { serviceUrl, botAppId: o.botAppId, botName: o.botName ?? DEFAULT_BOT_NAME, tenantId: o.tenantId };
    if (signer) {
      // The key id in the query keeps botbuilder's per-URL metadata cache from serving an earlier
      // emulator's keys when a later one in the same process gets the same port.
      this.openIdMetadataUrl = `${serviceUrl.replace(/\/$/, '')}${OPENID_CONFIGURATION_PATH}?kid=${encodeURIComponent(signer.keyId)}`;
    }
    if (o.botEndpoint) this.botUrl = checkBotEndpoint(o.botEndpoint);
  }

  static async start(o: ChannelEmulatorOptions): Promise<ChannelEmulator> {
    const host = o.host ?? '127.0.0.1';
    if (!isLoopbackHost(host)) throw new TypeError(`the channel emulator binds to loopback only, got ${host}`);
    if (o.botEndpoint) checkBotEndpoint(o.botEndpoint);
    const recordBodies = o.recordBodies !== false;
    const store = new ConversationStore(o.botAppId, o.tenantId, recordBodies);
    const signer = o.signing ? new ChannelSigner(o.botAppId, o.signing.clock ?? o.clock, o.signing.keyId) : undefined;

    let emulator: ChannelEmulator | undefined;
    const server = http.createServer((req, res) => {
      if (!emulator) {
        sendJson(res, 503, connectorError('ServiceUnavailable', 'starting'));
        return;
      }
      emulator.serve(req, res).catch((e: unknown) => {
        o.logger?.error({ err: e instanceof Error ? e.message : String(e) }, 'channel emulator request failed');
        if (!res.headersSent) sendJson(res, 500, connectorError('ServiceError', 'emulator error'));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const hostPart = addr.family === 'IPv6' || host.includes(':') ? `[${addr.address}]` : addr.address;
    const serviceUrl = `http://${hostPart}:${addr.port}/`;

    const idSource = { next: (): string => '' };
    const connector = new BotConnectorService({
      botAppId: o.botAppId,
      tenantId: o.tenantId,
      clock: o.clock,
      random: o.random ?? new SeededRandom(0x7ea5),
      budgets: o.budgets,
      store,
      logger: o.logger,
      isAppInstalled: o.isAppInstalled,
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      recordBodies,
      nextActivityId: () => idSource.next(),
    });
    emulator = new ChannelEmulator(o, server, serviceUrl, store, connector, signer);
    const e = emulator;
    idSource.next = () => e.nextId();
    o.logger?.info({ serviceUrl, signing: Boolean(signer) }, 'channel emulator listening');
    return emulator;
  }

  setBotEndpoint(url: string): void {
    this.botUrl = checkBotEndpoint(url);
  }

  // ---- the Teams client side ----------------------------------------------------------------

  /** A person using Teams. Same aadObjectId → same `29:` id and 1:1 conversation id, also across restarts. */
  user(u: NewUser): EmulatedUser {
    return this.store.user(u);
  }

  findUser(aadObjectId: string): EmulatedUser | undefined {
    return this.store.findUser(aadObjectId);
  }

  /** Makes a team channel known (sendMessage with `channel` does this too), so the bot may post in it. */
  addTeamChannel(target: ChannelTarget, members: EmulatedUser[] = []): void {
    this.store.addChannel(target);
    for (const m of members) this.store.addTeamMember(target.teamId, m);
  }

  /** A message the user types in their 1:1 chat with the bot, or in a channel (optionally @mentioning the bot). */
  async sendMessage(from: EmulatedUser, text: string, opts: SendMessageOptions = {}): Promise<TurnResult> {
    const client = this.clientFor(opts);
    if (opts.channel) this.addTeamChannel(opts.channel, [from]);
    const activity = buildMessageActivity(this.ctx, from, text, this.stamp(), {
      channel: opts.channel,
      mentionBot: opts.mentionBot,
      client,
    });
    if (opts.valueOverrides) Object.assign(activity, opts.valueOverrides);
    const conversationId = activity.conversation?.id ?? from.personalConversationId;
    const conversation = opts.channel ? this.store.lookup(conversationId) : this.store.personal(from);
    if (conversation) {
      this.store.record(conversation, {
        id: String(activity.id),
        from: 'user',
        via: 'client',
        activity,
        at: this.o.clock.nowMs(),
        aadObjectId: from.aadObjectId,
      });
    }
    return this.runTurn(activity, conversationId, opts.token);
  }

  /**
   * Presses an Action.Execute button on a card message the bot sent, as Teams does: an
   * `adaptiveCard/action` invoke whose `replyToId` is the card message, and `data` the button's
   * data merged with `action.data` (the card's input values). When the bot answers with a card,
   * that card replaces the message for this user only, as in Teams.
   */
  async pressCardButton(
    from: EmulatedUser,
    cardMessage: RecordedActivity,
    action: { verb: string; data?: Record<string, unknown>; id?: string },
    opts: PressCardButtonOptions = {},
  ): Promise<InvokeResult> {
    const view = this.store.viewFor(from.aadObjectId, cardMessage.conversationId).find((a) => a.id === cardMessage.id);
    const seen = view ?? (this.store.list(cardMessage.conversationId).find((a) => a.id === cardMessage.id && !a.deleted));
    if (!seen) throw new Error(`card message ${cardMessage.id} is not (or no longer) in conversation ${cardMessage.conversationId}`);
    const card = adaptiveCardOf(seen.activity);
    const buttons = findExecuteActions(card);
    const button = buttons.find((b) => b.verb === action.verb);
    if (!button && opts.strict !== false) {
      const verbs = buttons.map((b) => b.verb).filter(Boolean).join(', ') || 'none';
      throw new Error(`the card has no Action.Execute with verb '${action.verb}' (verbs on it: ${verbs})`);
    }
    const buttonData = button?.data && typeof button.data === 'object' && !Array.isArray(button.data) ? (button.data as Record<string, unknown>) : {};
    const value = adaptiveCardActionValue({ verb: action.verb, data: { ...buttonData, ...(action.data ?? {}) }, id: action.id ?? button?.id });
    const result = await this.invoke(from, value, {
      name: 'adaptiveCard/action',
      replyToId: cardMessage.id,
      conversationId: cardMessage.conversationId,
      token: opts.token,
      locale: opts.locale,
      timezone: opts.timezone,
    });
    const body = result.body as { statusCode?: unknown; type?: unknown; value?: unknown } | undefined;
    if (
      result.status === 200 &&
      body &&
      body.statusCode === 200 &&
      body.type === ADAPTIVE_CARD_CONTENT_TYPE &&
      body.value &&
      typeof body.value === 'object'
    ) {
      const conversation = this.store.lookup(cardMessage.conversationId);
      const record = conversation && this.store.find(conversation, cardMessage.id);
      if (record) this.store.setUserView(from.aadObjectId, record, body.value as Record<string, unknown>);
    }
    return result;
  }

  /**
   * The person answers a file consent card (Teams' "send a file in personal chat" flow): Teams sends
   * the bot a `fileConsent/invoke` with an upload URL (OneDrive's, in real Teams; the emulator's
   * `_upload/<id>` here), the bot PUTs the file there and posts a file info card.
   */
  async answerFileConsent(from: EmulatedUser, message: RecordedActivity, action: 'accept' | 'decline' = 'accept'): Promise<InvokeResult & { fileId: string | null }> {
    const attachment = ((message.activity as { attachments?: { contentType?: string; name?: string; content?: Record<string, unknown> }[] }).attachments ?? []).find(
      (a) => a.contentType === FILE_CONSENT_CONTENT_TYPE,
    );
    if (!attachment) throw new Error(`message ${message.id} has no file consent card`);
    const name = attachment.name ?? 'file';
    const content = attachment.content ?? {};
    const fileId = action === 'accept' ? `file-${++this.fileSeq}` : null;
    const value = {
      type: 'fileUpload',
      action,
      context: action === 'accept' ? content.acceptContext : content.declineContext,
      ...(fileId
        ? {
            uploadInfo: {
              contentUrl: `${this.serviceUrl}_files/${fileId}/${encodeURIComponent(name)}`,
              name,
              uploadUrl: `${this.serviceUrl}_upload/${fileId}`,
              fileType: name.includes('.') ? name.split('.').pop() : '',
              uniqueId: fileId,
            },
          }
        : {}),
    };
    if (fileId) this.files.set(fileId, { name, declaredSize: Number(content.sizeInBytes ?? 0), bytes: null });
    const result = await this.invoke(from, value, { name: 'fileConsent/invoke', replyToId: message.id, conversationId: message.conversationId });
    return { ...result, fileId };
  }

  /** What the bot uploaded for a file consent (null until it did). */
  uploadedFile(fileId: string): { name: string; bytes: Buffer | null } | null {
    const f = this.files.get(fileId);
    return f ? { name: f.name, bytes: f.bytes } : null;
  }

  /** Any invoke at all (hostile-input tests): `value` is sent as given. */
  sendInvoke(from: EmulatedUser, value: unknown, opts: SendInvokeOptions = {}): Promise<InvokeResult> {
    return this.invoke(from, value, opts);
  }

  /** Posts anything to the bot. `token`: undefined → a valid token when signing is on; null → no header; string → that bearer token. */
  async sendRawActivity(body: unknown, opts: { token?: string | null; authorization?: string } = {}): Promise<{ status: number; body: unknown }> {
    const url = this.requireBot();
    const headers: Record<string, string> = {};
    const auth = opts.authorization ?? this.authorizationFor(opts.token);
    if (auth) headers.authorization = auth;
    const res = await postToBot(url, body, headers, this.o.botTimeoutMs ?? 60_000);
    return { status: res.status, body: res.body };
  }

  /** A token for authentication tests (requires signing). `none` gives null. */
  tokenFor(kind: TokenKind): string | null {
    if (!this.signer) throw new Error('tokenFor needs the emulator started with signing');
    return this.signer.tokenFor(kind, this.serviceUrl);
  }

  /** The bot is added in personal scope: `conversationUpdate` (membersAdded with the bot) and `installationUpdate` add. */
  async installForUser(user: EmulatedUser, opts: { token?: string | null } = {}): Promise<InstallResult> {
    this.store.personal(user);
    const conversationUpdate = await this.runTurn(buildBotAddedPersonal(this.ctx, user, this.stamp('f:')), user.personalConversationId, opts.token);
    const installationUpdate = await this.runTurn(
      buildInstallationUpdatePersonal(this.ctx, user, this.stamp('f:'), 'add', this.client),
      user.personalConversationId,
      opts.token,
    );
    return combine(conversationUpdate, installationUpdate);
  }

  /** The user removes the app: `installationUpdate` remove and `conversationUpdate` with the bot in membersRemoved. */
  async uninstallForUser(user: EmulatedUser, opts: { token?: string | null } = {}): Promise<InstallResult> {
    const installationUpdate = await this.runTurn(
      buildInstallationUpdatePersonal(this.ctx, user, this.stamp('f:'), 'remove', this.client),
      user.personalConversationId,
      opts.token,
    );
    const conversationUpdate = await this.runTurn(buildBotRemovedPersonal(this.ctx, user, this.stamp('f:')), user.personalConversationId, opts.token);
    return combine(conversationUpdate, installationUpdate);
  }

  // ---- what the bot sent --------------------------------------------------------------------

  outbound(): RecordedCall[] {
    return this.connector.outbound();
  }

  /** The user's 1:1 conversation as they see it now: messages in order (theirs and the bot's), updates and their card views applied, deleted ones gone. */
  messagesFor(aadObjectId: string, opts: { from?: 'bot' | 'user' } = {}): RecordedActivity[] {
    const user = this.store.findUser(aadObjectId);
    if (!user) return [];
    const all = this.store.viewFor(aadObjectId, user.personalConversationId);
    return opts.from ? all.filter((a) => a.from === opts.from) : all;
  }

  /** Everything recorded in a conversation (all types, deleted ones flagged), as the service holds it. */
  conversation(conversationId: string): RecordedActivity[] {
    return this.store.list(conversationId);
  }

  counters(): ChannelCounters {
    return this.connector.counters();
  }

  resetCounters(): void {
    this.connector.resetCounters();
  }

  setFaults(plan: FaultPlan | null): void {
    this.connector.faults.setPlan(plan);
  }

  failNext(n: number, status: number, kinds?: ChargedKind[], retryAfterSeconds?: number): void {
    this.connector.faults.failNext(n, status, kinds, retryAfterSeconds);
  }

  onActivityRecorded(listener: ActivityListener): () => void {
    return this.store.onActivity(listener);
  }

  /**
   * The first recorded activity (already there, or arriving within `timeoutMs` of real time) that
   * matches. Updates count as arrivals, so a predicate can wait for a card to change.
   */
  waitFor(predicate: (a: RecordedActivity) => boolean, timeoutMs: number): Promise<RecordedActivity> {
    const existing = this.store.allRecords().find((a) => safe(predicate, a));
    if (existing) return Promise.resolve({ ...existing });
    return new Promise((resolve, reject) => {
      // A harness deadline in real time: with a FakeClock nothing would ever wake an injected-clock sleep.
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`no matching activity within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.store.onActivity((a) => {
        if (!safe(predicate, a)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(a);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- internals ----------------------------------------------------------------------------

  private async invoke(from: EmulatedUser, value: unknown, opts: SendInvokeOptions): Promise<InvokeResult> {
    const conversationId = opts.conversationId ?? from.personalConversationId;
    const channel = conversationId.startsWith('a:') ? undefined : this.store.channelTarget(baseChannelId(conversationId));
    if (!channel) this.store.personal(from);
    const activity = buildInvokeActivity(this.ctx, from, this.stamp('f:'), {
      name: opts.name ?? 'adaptiveCard/action',
      value,
      conversationId,
      channel,
      replyToId: opts.replyToId,
      client: this.clientFor(opts),
    });
    if (opts.valueOverrides) Object.assign(activity, opts.valueOverrides);
    return this.runTurn(activity, conversationId, opts.token, opts.replyToId);
  }

  private async runTurn(activity: TeamsActivity, conversationId: string, token: string | null | undefined, watchActivityId?: string): Promise<InvokeResult> {
    const url = this.requireBot();
    const turn = this.connector.openTurn(conversationId, String(activity.id ?? ''));
    try {
      const headers: Record<string, string> = {};
      const auth = this.authorizationFor(token);
      if (auth) headers.authorization = auth;
      const res = await postToBot(url, activity, headers, this.o.botTimeoutMs ?? 60_000);
      this.o.logger?.debug({ type: activity.type, name: activity.name, activityId: activity.id, status: res.status }, 'activity posted to bot');
      const result: InvokeResult = {
        status: res.status,
        body: res.body,
        replies: turn.replies.filter((r) => r.type === 'message'),
        activity,
      };
      if (watchActivityId !== undefined) {
        const updated = turn.updates.filter((u) => u.id === watchActivityId).pop();
        if (updated) result.updated = updated;
      }
      return result;
    } finally {
      this.connector.closeTurn(turn);
    }
  }

  private authorizationFor(token: string | null | undefined): string | undefined {
    if (token === null) return undefined;
    if (typeof token === 'string') return `Bearer ${token}`;
    return this.signer ? `Bearer ${this.signer.sign(this.serviceUrl)}` : undefined;
  }

  private requireBot(): URL {
    if (!this.botUrl) throw new Error('the channel emulator has no bot endpoint yet (setBotEndpoint)');
    return this.botUrl;
  }

  private clientFor(opts: { locale?: string; timezone?: string }): ClientInfo {
    return { ...this.client, ...(opts.locale ? { locale: opts.locale } : {}), ...(opts.timezone ? { timezone: opts.timezone } : {}) };
  }

  private stamp(prefix = ''): { id: string; now: Date } {
    return { id: `${prefix}${this.nextId()}`, now: this.o.clock.now() };
  }

  /** Message ids like Teams': epoch milliseconds, kept unique and increasing even when the clock stands still. */
  private nextId(): string {
    const now = Math.floor(this.o.clock.nowMs());
    this.lastId = Math.max(now, this.lastId + 1);
    return String(this.lastId);
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = q >= 0 ? rawUrl.slice(q + 1) : '';
    const method = (req.method ?? 'GET').toUpperCase();

    if (rawPath === OPENID_CONFIGURATION_PATH || rawPath === '/v1/.well-known/openidconfiguration') {
      req.resume();
      if (!this.signer || method !== 'GET') return sendJson(res, 404, connectorError('NotFound', 'signing is off'));
      return sendJson(res, 200, this.signer.openIdConfiguration(this.serviceUrl));
    }
    if (rawPath === JWKS_PATH) {
      req.resume();
      if (!this.signer || method !== 'GET') return sendJson(res, 404, connectorError('NotFound', 'signing is off'));
      return sendJson(res, 200, this.signer.jwks());
    }
    if (rawPath.startsWith('/_emulator/')) return this.serveAdmin(req, res, method, rawPath, query);
    if (rawPath.startsWith('/_upload/') || rawPath.startsWith('/_files/')) return this.serveFiles(req, res, method, rawPath);
    if (rawPath.startsWith('/v3/')) {
      let body: Buffer | null = null;
      if (method === 'POST' || method === 'PUT') {
        try {
          body = await readBody(req, MAX_REQUEST_BYTES);
        } catch (e) {
          if (e instanceof BodyTooLargeError) return sendJson(res, 413, connectorError('MessageSizeTooBig', 'Message size too large.'));
          throw e;
        }
      } else {
        req.resume();
      }
      const out = this.connector.handle({ method, rawPath, query, body, authorized: Boolean(req.headers.authorization) });
      return sendJson(res, out.status, out.body, out.headers);
    }
    req.resume();
    sendJson(res, 404, connectorError('NotFound', 'No such endpoint.'));
  }

  /** OneDrive's part of the file consent flow: an upload URL taking one PUT with Content-Range, and the file's URL. */
  private async serveFiles(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string): Promise<void> {
    const upload = /^\/_upload\/([^/]+)$/.exec(path);
    if (upload && method === 'PUT') {
      const f = this.files.get(upload[1]!);
      if (!f) {
        req.resume();
        return sendJson(res, 404, { error: { code: 'itemNotFound', message: 'The upload session does not exist.' } });
      }
      const body = await readBody(req, 10 * 1024 * 1024);
      const range = /^bytes 0-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== body.length - 1 || Number(range[2]) !== body.length) {
        return sendJson(res, 400, { error: { code: 'invalidRange', message: 'Content-Range must be bytes 0-(n-1)/n for the whole file.' } });
      }
      f.bytes = body;
      return sendJson(res, 201, { id: upload[1], name: f.name, size: body.length });
    }
    const file = /^\/_files\/([^/]+)\//.exec(path);
    req.resume();
    if (file && method === 'GET') {
      const f = this.files.get(file[1]!);
      if (f?.bytes) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.bytes.length });
        res.end(f.bytes);
        return;
      }
    }
    sendJson(res, 404, { error: { code: 'itemNotFound', message: 'No such file.' } });
  }

  private async serveAdmin(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, query: string): Promise<void> {
    const params = new URLSearchParams(query);
    if (method === 'GET') {
      req.resume();
      if (path === '/_emulator/counters') return sendJson(res, 200, this.counters());
      if (path === '/_emulator/messages') {
        const aad = params.get('aadObjectId');
        const conv = params.get('conversationId');
        if (aad) return sendJson(res, 200, this.messagesFor(aad));
        if (conv) return sendJson(res, 200, this.conversation(conv));
        return sendJson(res, 200, this.store.allPersonalMessages());
      }
      if (path === '/_emulator/outbound') {
        const since = Number(params.get('since') ?? 0);
        return sendJson(res, 200, this.outbound().filter((c) => c.seq > since));
      }
      if (path === '/_emulator/health') return sendJson(res, 200, { serviceUrl: this.serviceUrl, openIdMetadataUrl: this.openIdMetadataUrl ?? null });
      return sendJson(res, 404, connectorError('NotFound', 'No such emulator endpoint.'));
    }
    if (method !== 'POST') {
      req.resume();
      return sendJson(res, 405, connectorError('MethodNotAllowed', 'GET or POST only.'));
    }
    let parsed: unknown = null;
    try {
      const text = (await readBody(req, 64 * 1024)).toString('utf8');
      parsed = text.trim() === '' ? null : JSON.parse(text);
    } catch {
      return sendJson(res, 400, connectorError('BadSyntax', 'The request body is not valid JSON.'));
    }
    try {
      if (path === '/_emulator/counters/reset') {
        this.resetCounters();
        return sendJson(res, 200, this.counters());
      }
      if (path === '/_emulator/faults') {
        applyFaultRequest(this, parsed);
        return sendJson(res, 200, { ok: true });
      }
    } catch (e) {
      return sendJson(res, 400, connectorError('BadArgument', e instanceof Error ? e.message : String(e)));
    }
    return sendJson(res, 404, connectorError('NotFound', 'No such emulator endpoint.'));
  }
}

/**
 * `POST /_emulator/faults` accepts a FaultPlan, `null` (clear), or
 * `{ plan?: FaultPlan | null, failNext?: { n, status, kinds?, retryAfterSeconds? } }`.
 */
function applyFaultRequest(emulator: ChannelEmulator, body: unknown): void {
  if (body === null) {
    emulator.setFaults(null);
    return;
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw new TypeError('expected a fault plan object or null');
  const o = body as Record<string, unknown>;
  if ('rate' in o || 'statuses' in o) {
    emulator.setFaults(toPlan(o));
    return;
  }
  if ('plan' in o) emulator.setFaults(o.plan === null ? null : toPlan(o.plan));
  if ('failNext' in o) {
    const f = o.failNext as Record<string, unknown> | null;
    if (!f || typeof f !== 'object') throw new TypeError('failNext must be an object');
    emulator.failNext(Number(f.n), Number(f.status), toKinds(f.kinds), f.retryAfterSeconds === undefined ? undefined : Number(f.retryAfterSeconds));
  }
}

function toPlan(v: unknown): FaultPlan {
  if (!v || typeof v !== 'object') throw new TypeError('fault plan must be an object');
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.statuses)) throw new TypeError('fault plan needs statuses[]');
  return {
    rate: Number(o.rate),
    statuses: o.statuses.map(Number),
    retryAfterSeconds: o.retryAfterSeconds === undefined ? undefined : Number(o.retryAfterSeconds),
    kinds: toKinds(o.kinds),
  };
}

function toKinds(v: unknown): ChargedKind[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new TypeError('kinds must be an array');
  return v.map((k) => {
    if (!CHARGED_KINDS.includes(k as ChargedKind)) throw new RangeError(`unknown kind '${String(k)}'`);
    return k as ChargedKind;
  });
}

function combine(conversationUpdate: TurnResult, installationUpdate: TurnResult): InstallResult {
  const failed = [conversationUpdate, installationUpdate].find((t) => t.status < 200 || t.status >= 300);
  const last = failed ?? installationUpdate;
  return {
    status: last.status,
    body: last.body,
    replies: [...conversationUpdate.replies, ...installationUpdate.replies],
    activity: last.activity,
    conversationUpdate,
    installationUpdate,
  };
}

function safe(predicate: (a: RecordedActivity) => boolean, a: RecordedActivity): boolean {
  try {
    return predicate(a);
  } catch {
    return false;
  }
}
