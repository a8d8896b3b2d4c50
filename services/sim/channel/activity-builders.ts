import { createHash } from 'node:crypto';
import type { EmulatedUser, TeamsActivity } from './types.js';

/**
 * Builders for the activities Teams posts to a bot, shaped after the documented and recorded
 * payloads in test/fixtures/teams (key order too, so a diff against a fixture reads easily).
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface ChannelContext {
  serviceUrl: string;
  botAppId: string;
  botName: string;
  tenantId: string;
}

export interface ClientInfo {
  locale: string;
  country: string;
  platform: string;
  timezone: string;
}

export const DEFAULT_CLIENT: ClientInfo = {
  locale: 'en-US',
  country: 'US',
  platform: 'Web',
  timezone: 'America/Los_Angeles',
};

/** Where a user's activity happens: their 1:1 chat with the bot, or a team channel. */
export interface ChannelTarget {
  teamId: string;
  channelId: string;
  teamName?: string;
  channelName?: string;
  /** Entra group id of the team, when known. */
  aadGroupId?: string;
  /** Root message id of an existing reply chain; omitted, the message starts a new one. */
  threadId?: string;
}

export interface Stamp {
  /** The activity id to use. */
  id: string;
  now: Date;
}

export function botAccountId(botAppId: string): string {
  return `28:${botAppId}`;
}

/**
 * Stable Teams-looking ids for a user. Derived from the aadObjectId (and, for the 1:1 chat, the bot)
 * so a restarted emulator hands a bot the same ids it stored before.
 */
export function teamsIdsFor(aadObjectId: string, botAppId: string): { id: string; personalConversationId: string } {
  const id = `29:1${digest(`user|${aadObjectId.toLowerCase()}`).slice(0, 42)}`;
  const personalConversationId = `a:1${digest(`personal|${botAppId.toLowerCase()}|${aadObjectId.toLowerCase()}`).slice(0, 60)}`;
  return { id, personalConversationId };
}

/** `19:…;messageid=…` — the id Teams gives a reply chain in a channel. */
export function threadConversationId(channelId: string, rootMessageId: string): string {
  return `${channelId};messageid=${rootMessageId}`;
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

export function clientInfoEntity(client: ClientInfo): Record<string, unknown> {
  return { locale: client.locale, country: client.country, platform: client.platform, timezone: client.timezone, type: 'clientInfo' };
}

/** The user's wall-clock time with its UTC offset, as Teams writes `localTimestamp`. */
export function localTimestamp(now: Date, timeZone: string): string {
  const offsetMinutes = utcOffsetMinutes(now, timeZone);
  const shifted = new Date(now.getTime() + offsetMinutes * 60_000).toISOString().replace(/Z$/, '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function utcOffsetMinutes(now: Date, timeZone: string): number {
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value;
  } catch {
    return 0;
  }
  const m = /GMT([+-])(\d{1,2})(?::?(\d{2}))?/.exec(name ?? '');
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fromUser(user: EmulatedUser): NonNullable<TeamsActivity['from']> {
  return { id: user.id, name: user.name, aadObjectId: user.aadObjectId };
}

function recipient(ctx: ChannelContext): NonNullable<TeamsActivity['recipient']> {
  return { id: botAccountId(ctx.botAppId), name: ctx.botName };
}

function personalConversation(ctx: ChannelContext, user: EmulatedUser): NonNullable<TeamsActivity['conversation']> {
  return { conversationType: 'personal', tenantId: ctx.tenantId, id: user.personalConversationId };
}

function channelConversation(ctx: ChannelContext, conversationId: string): NonNullable<TeamsActivity['conversation']> {
  return { isGroup: true, conversationType: 'channel', tenantId: ctx.tenantId, id: conversationId };
}

/**
 * channelData of a channel activity. Typed messages still carry the deprecated
 * `teamsChannelId`/`teamsTeamId` (live recording); card actions do not (message-action-submit-value).
 */
function channelChannelData(ctx: ChannelContext, target: ChannelTarget, legacyIds = true): Record<string, unknown> {
  const team: Record<string, unknown> = { id: target.teamId };
  if (target.teamName !== undefined) team.name = target.teamName;
  if (target.aadGroupId !== undefined) team.aadGroupId = target.aadGroupId;
  const channel: Record<string, unknown> = { id: target.channelId };
  if (target.channelName !== undefined) channel.name = target.channelName;
  const legacy = legacyIds ? { teamsChannelId: target.channelId, teamsTeamId: target.teamId } : {};
  return { ...legacy, channel, team, tenant: { id: ctx.tenantId } };
}

export interface MessageOptions {
  channel?: ChannelTarget;
  mentionBot?: boolean;
  client: ClientInfo;
  /** Include the `text/html` attachment Teams adds to typed messages (default true). */
  htmlAttachment?: boolean;
}

/** A message typed by `user` in their 1:1 chat with the bot, or in a channel (optionally @mentioning the bot). */
export function buildMessageActivity(ctx: ChannelContext, user: EmulatedUser, text: string, stamp: Stamp, opts: MessageOptions): TeamsActivity {
  const mention = opts.mentionBot === true;
  const mentionTag = `<at>${ctx.botName}</at>`;
  const fullText = mention ? `${mentionTag} ${text}` : text;
  const html = mention
    ? `<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">${escapeHtml(ctx.botName)}</span> ${escapeHtml(text)}</div>\n</div>`
    : `<div><div>${escapeHtml(text)}</div>\n</div>`;
  const entities: Record<string, unknown>[] = [];
  if (mention) entities.push({ mentioned: { id: botAccountId(ctx.botAppId), name: ctx.botName }, text: mentionTag, type: 'mention' });
  entities.push(clientInfoEntity(opts.client));

  const conversation = opts.channel
    ? channelConversation(ctx, threadConversationId(opts.channel.channelId, opts.channel.threadId ?? stamp.id))
    : personalConversation(ctx, user);
  const activity: TeamsActivity = {
    type: 'message',
    id: stamp.id,
    timestamp: stamp.now.toISOString(),
    localTimestamp: localTimestamp(stamp.now, opts.client.timezone),
    serviceUrl: ctx.serviceUrl,
    channelId: 'msteams',
    from: fromUser(user),
    conversation,
    recipient: recipient(ctx),
    textFormat: 'plain',
    text: fullText,
  };
  if (opts.htmlAttachment !== false) activity.attachments = [{ contentType: 'text/html', content: html }];
  activity.entities = entities;
  activity.channelData = opts.channel ? channelChannelData(ctx, opts.channel) : { tenant: { id: ctx.tenantId } };
  activity.locale = opts.client.locale;
  return activity;
}

export interface InvokeOptions {
  name: string;
  value: unknown;
  /** The conversation the invoke happens in (the card message's). */
  conversationId: string;
  /** Channel details when the conversation is a channel thread. */
  channel?: ChannelTarget;
  replyToId?: string;
  client: ClientInfo;
}

/** An invoke from the Teams client, e.g. `adaptiveCard/action` when a card's Action.Execute is pressed. */
export function buildInvokeActivity(ctx: ChannelContext, user: EmulatedUser, stamp: Stamp, opts: InvokeOptions): TeamsActivity {
  const activity: TeamsActivity = {
    name: opts.name,
    type: 'invoke',
    timestamp: stamp.now.toISOString(),
    localTimestamp: localTimestamp(stamp.now, opts.client.timezone),
    id: stamp.id,
    channelId: 'msteams',
    serviceUrl: ctx.serviceUrl,
    from: fromUser(user),
    conversation: opts.channel ? channelConversation(ctx, opts.conversationId) : personalConversation(ctx, { ...user, personalConversationId: opts.conversationId }),
    recipient: recipient(ctx),
    entities: [clientInfoEntity(opts.client)],
    channelData: opts.channel
      ? { ...channelChannelData(ctx, opts.channel, false), source: { name: 'message' } }
      : { tenant: { id: ctx.tenantId }, source: { name: 'message' } },
  };
  if (opts.replyToId !== undefined) activity.replyToId = opts.replyToId;
  activity.value = opts.value;
  activity.locale = opts.client.locale;
  return activity;
}

/** The `adaptiveCard/action` invoke value Teams sends for an Action.Execute button. */
export function adaptiveCardActionValue(action: { verb: string; data?: Record<string, unknown>; id?: string }, trigger: 'manual' | 'automatic' = 'manual'): Record<string, unknown> {
  return {
    action: { type: 'Action.Execute', id: action.id ?? '', verb: action.verb, data: action.data ?? {} },
    trigger,
  };
}

/** `conversationUpdate` Teams sends when the bot is added to a user's personal scope (fixture conversation-update-bot-added-personal). */
export function buildBotAddedPersonal(ctx: ChannelContext, user: EmulatedUser, stamp: Stamp): TeamsActivity {
  return {
    membersAdded: [{ id: botAccountId(ctx.botAppId) }, { id: user.id, aadObjectId: user.aadObjectId }],
    type: 'conversationUpdate',
    timestamp: stamp.now.toISOString(),
    id: stamp.id,
    channelId: 'msteams',
    serviceUrl: ctx.serviceUrl,
    from: { id: user.id, aadObjectId: user.aadObjectId },
    conversation: personalConversation(ctx, user),
    recipient: recipient(ctx),
    channelData: { tenant: { id: ctx.tenantId } },
  };
}

/** `conversationUpdate` with the bot in `membersRemoved`, sent when the user uninstalls the app. */
export function buildBotRemovedPersonal(ctx: ChannelContext, user: EmulatedUser, stamp: Stamp): TeamsActivity {
  return {
    membersRemoved: [{ id: botAccountId(ctx.botAppId) }],
    type: 'conversationUpdate',
    timestamp: stamp.now.toISOString(),
    id: stamp.id,
    channelId: 'msteams',
    serviceUrl: ctx.serviceUrl,
    from: { id: user.id, aadObjectId: user.aadObjectId },
    conversation: personalConversation(ctx, user),
    recipient: recipient(ctx),
    channelData: { tenant: { id: ctx.tenantId } },
  };
}

/** `installationUpdate` for the personal scope (same shape as fixture installation-update-add-team, without team data). */
export function buildInstallationUpdatePersonal(
  ctx: ChannelContext,
  user: EmulatedUser,
  stamp: Stamp,
  action: 'add' | 'remove',
  client: ClientInfo,
): TeamsActivity {
  return {
    type: 'installationUpdate',
    id: stamp.id,
    timestamp: stamp.now.toISOString(),
    serviceUrl: ctx.serviceUrl,
    channelId: 'msteams',
    from: { id: user.id, aadObjectId: user.aadObjectId },
    recipient: recipient(ctx),
    locale: client.locale,
    entities: [{ type: 'clientInfo', locale: client.locale }],
    conversation: personalConversation(ctx, user),
    channelData: { tenant: { id: ctx.tenantId }, source: { name: 'message' } },
    action,
  };
}

/** Every `Action.Execute` in a card (body, action sets, actions, show-card sub-cards), for finding a pressed button. */
export function findExecuteActions(card: unknown): { verb?: string; id?: string; data?: unknown; title?: string }[] {
  const found: { verb?: string; id?: string; data?: unknown; title?: string }[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const obj = node as Record<string, unknown>;
    if (obj.type === 'Action.Execute') {
      found.push({ verb: str(obj.verb), id: str(obj.id), data: obj.data, title: str(obj.title) });
    }
    for (const [k, v] of Object.entries(obj)) {
      // A card's `refresh` action is not a button anyone can press.
      if (k === 'refresh') continue;
      walk(v);
    }
  };
  walk(card);
  return found;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The first Adaptive Card carried by an activity, if any. */
export function adaptiveCardOf(activity: { attachments?: unknown } | undefined): Record<string, unknown> | undefined {
  const atts = activity?.attachments;
  if (!Array.isArray(atts)) return undefined;
  for (const a of atts) {
    if (a && typeof a === 'object' && (a as { contentType?: unknown }).contentType === ADAPTIVE_CARD_CONTENT_TYPE) {
      let content = (a as { content?: unknown }).content;
      // Some senders put the card in as a JSON string; Teams accepts both.
      if (typeof content === 'string') {
        try {
          content = JSON.parse(content);
        } catch {
          return undefined;
        }
      }
      if (content && typeof content === 'object') return content as Record<string, unknown>;
    }
  }
  return undefined;
}
