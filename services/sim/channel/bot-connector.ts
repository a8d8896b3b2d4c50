import type { BudgetTable } from '../../budgets.js';
import type { Clock, Random } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { baseChannelId, type Conversation, type ConversationStore } from './conversation-store.js';
import { FaultInjector } from './fault-injector.js';
import { connectorError, decodeSegments } from './http-util.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import type { CallKind, ChannelCounters, ChargedKind, RecordedActivity, RecordedCall, TeamsActivity } from './types.js';

export interface ConnectorRequest {
  method: string;
  /** Path as received (percent-encoded), without the query. */
  rawPath: string;
  query: string;
  body: Buffer | null;
  authorized: boolean;
}

export interface ConnectorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface BotConnectorOptions {
  botAppId: string;
  tenantId: string;
  clock: Clock;
  random: Random;
  budgets: BudgetTable;
  store: ConversationStore;
  logger?: Logger;
  isAppInstalled?: (aadObjectId: string) => boolean;
  /** Bigger activities are refused with 413 MessageSizeTooBig. */
  maxMessageBytes: number;
  recordBodies: boolean;
  nextActivityId: () => string;
}

export interface OpenTurn {
  conversationId: string;
  activityId: string;
  replies: RecordedActivity[];
  updates: RecordedActivity[];
}

const GLOBAL_KEY = 'app';
const DEFAULT_PAGE_SIZE = 200;
const MAX_PAGE_SIZE = 500;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FAULT_CODES: Record<number, [string, string]> = {
  412: ['PreconditionFailed', 'Precondition failed, please try again.'],
  429: ['Throttled', 'Too many requests.'],
  500: ['ServiceError', 'An internal error occurred.'],
  502: ['BadGateway', 'Bad gateway.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
  504: ['GatewayTimeout', 'Gateway timeout.'],
};

class Rejection {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/**
 * The Bot Connector REST API as Teams serves it to a bot: `/v3/conversations…` calls are routed,
 * validated, fault-injected, rate limited (connector.global over all charged calls, and
 * connector.conversation per conversation, on the injected clock), applied to the conversation
 * store and recorded.
 */
export class BotConnectorService {
  readonly faults: FaultInjector;
  private readonly global: SlidingWindowLimiter;
  private readonly perConversation: SlidingWindowLimiter;
  private readonly calls: RecordedCall[] = [];
  private readonly turns = new Set<OpenTurn>();
  private c: ChannelCounters = emptyCounters();
  private chargedByConversation = new Map<string, number>();
  private callSeq = 0;

  constructor(private readonly o: BotConnectorOptions) {
    this.faults = new FaultInjector(o.random);
    this.global = new SlidingWindowLimiter(o.budgets['connector.global'].windows);
    this.perConversation = new SlidingWindowLimiter(o.budgets['connector.conversation'].windows);
  }

  handle(req: ConnectorRequest): ConnectorResponse {
    const call: RecordedCall = {
      seq: ++this.callSeq,
      method: req.method,
      path: req.rawPath,
      query: req.query,
      kind: 'unknown',
      status: 0,
      responseBody: undefined,
      authorized: req.authorized,
      at: 0,
      outcome: 'rejected',
    };
    let res: ConnectorResponse;
    try {
      res = this.route(req, call);
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      res = { status: e.status, body: connectorError(e.code, e.message) };
      call.outcome = 'rejected';
    }
    call.status = res.status;
    call.responseBody = res.body;
    call.at = this.o.clock.nowMs();
    this.c.byStatus[String(res.status)] = (this.c.byStatus[String(res.status)] ?? 0) + 1;
    this.calls.push(call);
    this.o.logger?.debug(
      { kind: call.kind, status: res.status, outcome: call.outcome, conversationId: call.conversationId },
      'bot connector call',
    );
    return res;
  }

  outbound(): RecordedCall[] {
    return this.calls.map((c) => ({ ...c }));
  }

  counters(): ChannelCounters {
    return { ...this.c, byStatus: { ...this.c.byStatus } };
  }

  resetCounters(): void {
    this.c = emptyCounters();
    this.chargedByConversation = new Map();
  }

  openTurn(conversationId: string, activityId: string): OpenTurn {
    const t: OpenTurn = { conversationId, activityId, replies: [], updates: [] };
    this.turns.add(t);
    return t;
  }

  closeTurn(t: OpenTurn): void {
    this.turns.delete(t);
  }

  // ---- routing ------------------------------------------------------------------------------

  private route(req: ConnectorRequest, call: RecordedCall): ConnectorResponse {
    const seg = decodeSegments(req.rawPath);
    if (!seg) throw new Rejection(400, 'BadSyntax', 'The request path is not valid percent-encoding.');
    if (seg[0] !== 'v3' || seg[1] !== 'conversations') throw new Rejection(404, 'NotFound', 'No such Bot Connector endpoint.');
    const m = req.method.toUpperCase();
    const [, , conversationId, sub, activityId, tail] = seg;
    if (conversationId !== undefined) call.conversationId = conversationId;

    if (seg.length === 2) {
      if (m === 'POST') return this.create(req, call);
      if (m === 'GET') return this.getConversations(req, call);
      throw methodNotAllowed();
    }
    if (sub === 'activities' && seg.length === 4) {
      if (m !== 'POST') throw methodNotAllowed();
      return this.send(req, call, conversationId!, undefined);
    }
    if (sub === 'activities' && seg.length === 5) {
      call.activityId = activityId;
      if (m === 'POST') return this.send(req, call, conversationId!, activityId);
      if (m === 'PUT') return this.update(req, call, conversationId!, activityId!);
      if (m === 'DELETE') return this.delete(call, conversationId!, activityId!);
      throw methodNotAllowed();
    }
    if (sub === 'activities' && seg.length === 6 && tail === 'members') {
      call.activityId = activityId;
      if (m !== 'GET') throw methodNotAllowed();
      call.kind = 'getMembers';
      return this.getMembers(call, conversationId!);
    }
    if (sub === 'members' && seg.length === 4) {
      if (m !== 'GET') throw methodNotAllowed();
      call.kind = 'getMembers';
      return this.getMembers(call, conversationId!);
    }
    if (sub === 'members' && seg.length === 5) {
      if (m !== 'GET') throw methodNotAllowed();
      call.kind = 'getMember';
      return this.getMember(call, conversationId!, seg[4]!);
    }
    if (sub === 'pagedmembers' && seg.length === 4) {
      if (m !== 'GET') throw methodNotAllowed();
      call.kind = 'getPagedMembers';
      return this.getPagedMembers(req, call, conversationId!);
    }
    throw new Rejection(404, 'NotFound', 'No such Bot Connector endpoint.');
  }

  // ---- charged calls ------------------------------------------------------------------------

  private create(req: ConnectorRequest, call: RecordedCall): ConnectorResponse {
    call.kind = 'create';
    const body = this.parseObject(req, call);
    const channelData = asObject(body.channelData);
    const tenant = str(body.tenantId) ?? str(asObject(channelData.tenant).id);
    if (!tenant) throw new Rejection(400, 'BadArgument', 'A tenant id is required (channelData.tenant.id or tenantId).');
    if (tenant.toLowerCase() !== this.o.tenantId.toLowerCase()) throw new Rejection(403, 'Forbidden', 'The bot is not available in this tenant.');
    this.checkBot(body.bot);
    const activity = body.activity === undefined ? undefined : asActivity(body.activity);
    if (activity) this.checkSize(activity);

    const channelId = str(asObject(channelData.channel).id) ?? str(channelData.teamsChannelId);
    if (body.isGroup === true || channelId) {
      // Teams cannot create group chats proactively; a "group" create is a new post in a channel.
      if (!channelId) throw new Rejection(400, 'BadArgument', 'Group conversations can only be created in a channel (channelData.channel.id).');
      if (!this.o.store.channelTarget(channelId)) throw new Rejection(404, 'ConversationNotFound', 'Conversation not found.');
      if (!activity) throw new Rejection(400, 'BadArgument', 'Creating a channel conversation needs an activity.');
      call.conversationId = channelId;
      const refused = this.charge('create', channelId, call);
      if (refused) return refused;
      const activityId = this.o.nextActivityId();
      const conversationId = `${channelId};messageid=${activityId}`;
      const conversation = this.o.store.lookup(conversationId)!;
      this.commit('create', channelId);
      this.deliver(conversation, activityId, activity, 'create', call);
      call.conversationId = conversationId;
      return { status: 201, body: { id: conversationId, activityId } };
    }

    const members = Array.isArray(body.members) ? body.members : [];
    if (members.length !== 1) throw new Rejection(400, 'BadArgument', 'A 1:1 conversation needs exactly one member.');
    const member = asObject(members[0]);
    const ref = str(member.id) ?? str(member.aadObjectId);
    if (!ref) throw new Rejection(400, 'BadArgument', 'The member has no id.');
    let user = this.o.store.resolveMember(ref) ?? (str(member.aadObjectId) ? this.o.store.resolveMember(str(member.aadObjectId)!) : undefined);
    const bareAad = [ref, str(member.aadObjectId)].map((r) => r?.replace(/^8:orgid:/i, '')).find((r) => r && GUID.test(r));
    // Teams accepts a user's Entra object id for people it has not seen the bot talk to yet.
    if (!user && bareAad) user = this.o.store.user({ aadObjectId: bareAad, name: str(member.name) ?? '' });
    if (!user) throw new Rejection(400, 'BadArgument', 'The member could not be resolved.');
    if (this.o.isAppInstalled && !this.o.isAppInstalled(user.aadObjectId)) {
      throw new Rejection(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
    }
    const conversation = this.o.store.personal(user);
    call.conversationId = conversation.id;
    const refused = this.charge('create', conversation.id, call);
    if (refused) return refused;
    this.commit('create', conversation.id);
    if (!activity) {
      call.outcome = 'delivered';
      return { status: 201, body: { id: conversation.id } };
    }
    const activityId = this.o.nextActivityId();
    this.deliver(conversation, activityId, activity, 'create', call);
    return { status: 201, body: { id: conversation.id, activityId } };
  }

  private send(req: ConnectorRequest, call: RecordedCall, conversationId: string, replyTo: string | undefined): ConnectorResponse {
    call.kind = replyTo === undefined ? 'send' : 'reply';
    const activity = asActivity(this.parseObject(req, call));
    const conversation = this.writableConversation(conversationId);
    this.checkSize(activity);
    const kind: ChargedKind = replyTo === undefined ? 'send' : 'reply';
    const refused = this.charge(kind, conversationId, call);
    if (refused) return refused;
    this.commit(kind, conversationId);
    const activityId = this.o.nextActivityId();
    // A channel root post starts a reply chain that has its own conversation id.
    const target = replyTo === undefined && conversation.kind === 'channel' && baseChannelId(conversationId) === conversationId
      ? this.o.store.lookup(`${conversationId};messageid=${activityId}`)!
      : conversation;
    const delivered = replyTo === undefined ? activity : { ...activity, replyToId: replyTo };
    this.deliver(target, activityId, delivered, kind, call);
    return { status: 201, body: { id: activityId } };
  }

  private update(req: ConnectorRequest, call: RecordedCall, conversationId: string, activityId: string): ConnectorResponse {
    call.kind = 'update';
    const activity = asActivity(this.parseObject(req, call));
    const conversation = this.writableConversation(conversationId);
    const record = this.o.store.find(conversation, activityId);
    if (!record || record.deleted) throw new Rejection(404, 'ActivityNotFound', 'The activity was not found.');
    if (record.from !== 'bot') throw new Rejection(403, 'Forbidden', 'The bot can only update its own messages.');
    this.checkSize(activity);
    const refused = this.charge('update', conversationId, call);
    if (refused) return refused;
    this.commit('update', conversationId);
    const updated = this.o.store.update(record, activity, this.o.clock.nowMs());
    call.outcome = 'delivered';
    for (const t of this.turns) if (t.conversationId === conversationId) t.updates.push({ ...updated });
    return { status: 200, body: { id: activityId } };
  }

  private delete(call: RecordedCall, conversationId: string, activityId: string): ConnectorResponse {
    call.kind = 'delete';
    const conversation = this.writableConversation(conversationId);
    const record = this.o.store.find(conversation, activityId);
    if (!record || record.deleted) throw new Rejection(404, 'ActivityNotFound', 'The activity was not found.');
    if (record.from !== 'bot') throw new Rejection(403, 'Forbidden', 'The bot can only delete its own messages.');
    this.o.store.remove(record, this.o.clock.nowMs());
    this.c.deletes++;
    call.outcome = 'ok';
    return { status: 200 };
  }

  // ---- reads --------------------------------------------------------------------------------

  private getConversations(req: ConnectorRequest, call: RecordedCall): ConnectorResponse {
    call.kind = 'getConversations';
    call.outcome = 'ok';
    const conversations = this.o.store.conversationIds().map((c) => ({ id: c.id, isGroup: c.kind === 'channel' }));
    return { status: 200, body: { conversations } };
  }

  private getMembers(call: RecordedCall, conversationId: string): ConnectorResponse {
    const conversation = this.knownConversation(conversationId);
    call.outcome = 'ok';
    return { status: 200, body: this.o.store.members(conversation).map((u) => this.o.store.account(u)) };
  }

  private getMember(call: RecordedCall, conversationId: string, memberId: string): ConnectorResponse {
    const conversation = this.knownConversation(conversationId);
    const wanted = this.o.store.resolveMember(memberId);
    const found = wanted && this.o.store.members(conversation).find((u) => u === wanted);
    if (!found) throw new Rejection(404, 'MemberNotFoundInConversation', 'The member was not found in the conversation.');
    call.outcome = 'ok';
    return { status: 200, body: this.o.store.account(found) };
  }

  private getPagedMembers(req: ConnectorRequest, call: RecordedCall, conversationId: string): ConnectorResponse {
    const conversation = this.knownConversation(conversationId);
    const q = new URLSearchParams(req.query);
    const requested = Number(q.get('pageSize') ?? DEFAULT_PAGE_SIZE);
    const pageSize = Number.isFinite(requested) && requested > 0 ? Math.min(MAX_PAGE_SIZE, Math.floor(requested)) : DEFAULT_PAGE_SIZE;
    const token = q.get('continuationToken');
    let offset = 0;
    if (token) {
      offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) throw new Rejection(400, 'BadArgument', 'Invalid continuation token.');
    }
    const all = this.o.store.members(conversation);
    const page = all.slice(offset, offset + pageSize).map((u) => this.o.store.account(u));
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize), 'utf8').toString('base64url') : undefined;
    call.outcome = 'ok';
    return { status: 200, body: next ? { continuationToken: next, members: page } : { members: page } };
  }

  // ---- helpers ------------------------------------------------------------------------------

  private parseObject(req: ConnectorRequest, call: RecordedCall): Record<string, unknown> {
    const text = req.body?.toString('utf8') ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Rejection(400, 'BadSyntax', 'The request body is not valid JSON.');
    }
    if (this.o.recordBodies) call.body = parsed;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Rejection(400, 'BadArgument', 'The request body must be a JSON object.');
    }
    return parsed as Record<string, unknown>;
  }

  private checkBot(bot: unknown): void {
    const id = str(asObject(bot).id);
    if (!id) throw new Rejection(400, 'BadArgument', 'The bot account (bot.id) is required.');
    // The docs disagree whether bot.id carries the `28:` prefix; Teams accepts both.
    if (id !== `28:${this.o.botAppId}` && id !== this.o.botAppId) {
      throw new Rejection(403, 'Forbidden', 'bot.id does not match the calling bot.');
    }
  }

  private checkSize(activity: TeamsActivity): void {
    const bytes = Buffer.byteLength(JSON.stringify(activity));
    if (bytes > this.o.maxMessageBytes) throw new Rejection(413, 'MessageSizeTooBig', 'Message size too large.');
  }

  private knownConversation(conversationId: string): Conversation {
    const c = this.o.store.lookup(conversationId);
    if (!c) throw new Rejection(404, 'ConversationNotFound', 'Conversation not found.');
    return c;
  }

  private writableConversation(conversationId: string): Conversation {
    const c = this.knownConversation(conversationId);
    if (c.kind === 'personal' && c.aadObjectId && this.o.isAppInstalled && !this.o.isAppInstalled(c.aadObjectId)) {
      // What a bot sees after the user removed the app.
      throw new Rejection(403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
    }
    return c;
  }

  /** Fault injection then rate limits; returns the refusal, or null when the call may proceed. Consumes nothing. */
  private charge(kind: ChargedKind, conversationKey: string, call: RecordedCall): ConnectorResponse | null {
    const fault = this.faults.decide(kind);
    if (fault) {
      this.c.faults++;
      call.outcome = 'fault';
      const [code, message] = FAULT_CODES[fault.status] ?? ['ServiceError', 'Injected fault.'];
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return { status: fault.status, body: connectorError(code, message), headers };
    }
    const now = this.o.clock.nowMs();
    const g = this.global.check(GLOBAL_KEY, now);
    const c = this.perConversation.check(conversationKey, now);
    if (g.ok && c.ok) return null;
    const waitMs = Math.max(g.ok ? 0 : g.retryAfterMs, c.ok ? 0 : c.retryAfterMs);
    this.c.throttled++;
    call.outcome = 'throttled';
    return {
      status: 429,
      body: connectorError('Throttled', 'Too many requests.'),
      headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    };
  }

  private commit(kind: ChargedKind, conversationKey: string): void {
    const now = this.o.clock.nowMs();
    this.global.commit(GLOBAL_KEY, now);
    this.perConversation.commit(conversationKey, now);
    if (kind === 'send') this.c.sends++;
    else if (kind === 'reply') this.c.replies++;
    else if (kind === 'create') this.c.creates++;
    else this.c.updates++;
    const n = (this.chargedByConversation.get(conversationKey) ?? 0) + 1;
    this.chargedByConversation.set(conversationKey, n);
    if (n > this.c.perConversationMax) this.c.perConversationMax = n;
    if (this.c.firstAt === null) this.c.firstAt = now;
    this.c.lastAt = now;
  }

  private deliver(conversation: Conversation, activityId: string, activity: TeamsActivity, via: 'send' | 'reply' | 'create', call: RecordedCall): void {
    const { record, duplicate } = this.o.store.record(conversation, {
      id: activityId,
      from: 'bot',
      via,
      activity,
      at: this.o.clock.nowMs(),
    });
    if (duplicate) this.c.duplicates++;
    call.activityId = activityId;
    call.outcome = 'delivered';
    for (const t of this.turns) {
      if (t.conversationId === record.conversationId) t.replies.push({ ...record });
    }
  }
}

function methodNotAllowed(): Rejection {
  return new Rejection(405, 'MethodNotAllowed', 'The method is not allowed on this endpoint.');
}

function emptyCounters(): ChannelCounters {
  return {
    sends: 0,
    creates: 0,
    replies: 0,
    updates: 0,
    deletes: 0,
    throttled: 0,
    faults: 0,
    perConversationMax: 0,
    duplicates: 0,
    byStatus: {},
    firstAt: null,
    lastAt: null,
  };
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function asActivity(v: unknown): TeamsActivity {
  const o = asObject(v);
  if (typeof o.type !== 'string' || o.type === '') throw new Rejection(400, 'BadArgument', 'The activity needs a type.');
  return o as TeamsActivity;
}

export type { CallKind };
