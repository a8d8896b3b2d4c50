import { badRequest, forbidden, GraphError, notFound } from '../graph-http.js';
import { collection, contextUrl, ok, type RouteContext, type Router } from '../route-kit.js';

/**
 * Messages of a 1:1 chat between a user and the bot (Graph `chatMessage`), as the Teams service
 * recorded them. The simulated tenant does not keep chats itself: the `chatMessages` hook (wired by
 * services/sim/world.ts to the channel emulator) supplies them.
 *
 * Shape as documented (MGDC v1.0 `api/chat-list-messages.md`, `api/chatmessage-get.md`, resource
 * `chatMessage`): bot messages carry `from.application` (applicationIdentityType "bot"), an Adaptive
 * Card attachment carries its card as a JSON *string* in `attachments[].content`, and the body points
 * at it with `<attachment id="…"></attachment>`. `$top` is at most 50; `$orderby` supports
 * lastModifiedDateTime (default) and createdDateTime, descending only.
 */
export interface SimChatMessage {
  id: string;
  from: { kind: 'bot'; appId: string; displayName: string } | { kind: 'user'; userId: string; displayName: string };
  createdMs: number;
  modifiedMs: number;
  deletedMs: number | null;
  text: string | null;
  summary: string | null;
  attachments: { contentType: string; content: unknown }[];
}

/** Who the chat belongs to and what is in it; null when Teams has no such chat. */
export interface SimChatSource {
  userId: string;
  messages: SimChatMessage[];
}

const PAGE_MAX = 50;
const PAGE_DEFAULT = 20;
/** The permissions the documented 403 names for this API. */
const CHAT_READ_PERMISSIONS = 'Chat.Read.All, Chat.ReadWrite.All, ChatMessage.Read.Chat';

function attachmentId(messageId: string, index: number): string {
  return `${messageId}${String(index).padStart(4, '0')}`.replace(/\D/g, '').slice(-32).padStart(32, '0');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderChatMessage(m: SimChatMessage, chatId: string, tenantId: string): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const attachments = m.attachments.map((a, i) => ({
    id: attachmentId(m.id, i),
    contentType: a.contentType,
    contentUrl: null,
    content: typeof a.content === 'string' ? a.content : JSON.stringify(a.content ?? null),
    name: null,
    thumbnailUrl: null,
    teamsAppId: null,
  }));
  const body = [m.text ? `<p>${escapeHtml(m.text)}</p>` : '', ...attachments.map((a) => `<attachment id="${a.id}"></attachment>`)].join('');
  return {
    id: m.id,
    replyToId: null,
    etag: String(m.modifiedMs),
    messageType: 'message',
    createdDateTime: iso(m.createdMs),
    lastModifiedDateTime: iso(m.modifiedMs),
    lastEditedDateTime: m.modifiedMs > m.createdMs && m.deletedMs === null ? iso(m.modifiedMs) : null,
    deletedDateTime: m.deletedMs === null ? null : iso(m.deletedMs),
    subject: null,
    summary: m.summary,
    chatId,
    importance: 'normal',
    locale: 'en-us',
    webUrl: null,
    channelIdentity: null,
    policyViolation: null,
    eventDetail: null,
    from:
      m.from.kind === 'bot'
        ? { device: null, user: null, application: { '@odata.type': '#microsoft.graph.teamworkApplicationIdentity', id: m.from.appId, displayName: m.from.displayName, applicationIdentityType: 'bot' } }
        : { device: null, application: null, user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: m.from.userId, displayName: m.from.displayName, userIdentityType: 'aadUser', tenantId } },
    body: { contentType: 'html', content: body },
    attachments,
    mentions: [],
    reactions: [],
    messageHistory: [],
  };
}

function source(ctx: RouteContext): { chatId: string; chat: SimChatSource } {
  if (ctx.hooks.chatReadGranted && !ctx.hooks.chatReadGranted()) {
    throw forbidden(`Missing role permissions on the request. API requires one of '${CHAT_READ_PERMISSIONS}'. Roles on the request do not include them.`, 'Forbidden');
  }
  const chatId = ctx.params.chatId!;
  const chat = ctx.hooks.chatMessages?.(chatId) ?? null;
  if (!chat) throw notFound(`Chat '${chatId}' was not found.`, 'NotFound');
  if (ctx.params.userId) {
    const user = ctx.state.requireUser(ctx.params.userId);
    if (user.id.toLowerCase() !== chat.userId.toLowerCase()) throw notFound(`Chat '${chatId}' was not found for this user.`, 'NotFound');
  }
  return { chatId, chat };
}

function listMessages(ctx: RouteContext) {
  const { chatId, chat } = source(ctx);
  ctx.query.allowOnly(['$top', '$orderby', '$skiptoken']);
  const top = ctx.query.top(PAGE_MAX) ?? PAGE_DEFAULT;
  const orderby = (ctx.query.get('$orderby') ?? 'lastModifiedDateTime desc').trim();
  const m = /^(lastModifiedDateTime|createdDateTime)(\s+(desc|asc))?$/i.exec(orderby);
  if (!m) throw badRequest(`$orderby '${orderby}' is not supported; use lastModifiedDateTime or createdDateTime desc.`, 'BadRequest');
  if ((m[3] ?? 'desc').toLowerCase() !== 'desc') throw badRequest('Only descending order is supported.', 'BadRequest');
  const byCreated = m[1]!.toLowerCase() === 'createddatetime';
  const sorted = [...chat.messages].sort((a, b) => (byCreated ? b.createdMs - a.createdMs : b.modifiedMs - a.modifiedMs) || (a.id < b.id ? 1 : -1));
  const skip = decodeSkip(ctx.query.get('$skiptoken'));
  const page = sorted.slice(skip, skip + top);
  const next = skip + top < sorted.length ? Buffer.from(String(skip + top), 'utf8').toString('base64url') : undefined;
  const params = new URLSearchParams({ $top: String(top), $orderby: orderby });
  return collection(
    ctx,
    `chats('${encodeURIComponent(chatId)}')/messages`,
    page.map((x) => renderChatMessage(x, chatId, ctx.state.tenantId)),
    { next: next ? `${ctx.baseUrl}/${ctx.version}${ctx.req.path}?${params.toString()}&$skiptoken=${next}` : undefined },
  );
}

function getMessage(ctx: RouteContext) {
  const { chatId, chat } = source(ctx);
  const found = chat.messages.find((x) => x.id === ctx.params.messageId);
  if (!found) throw notFound(`Message '${ctx.params.messageId}' was not found.`, 'NotFound');
  return ok({ '@odata.context': contextUrl(ctx, `chats('${encodeURIComponent(chatId)}')/messages/$entity`), ...renderChatMessage(found, chatId, ctx.state.tenantId) });
}

function decodeSkip(token: string | undefined): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw new GraphError(400, 'BadRequest', 'Invalid $skiptoken.');
  return n;
}

export function registerChatRoutes(r: Router): void {
  r.add('GET', '/chats/{chatId}/messages', listMessages)
    .add('GET', '/chats/{chatId}/messages/{messageId}', getMessage)
    .add('GET', '/users/{userId}/chats/{chatId}/messages', listMessages)
    .add('GET', '/users/{userId}/chats/{chatId}/messages/{messageId}', getMessage);
}
