import type { Logger } from '../ports/logger.js';
import type { ChatHistory, ChatMessageView, ChatReadResult, InstallOutcome, PeopleFacts, TeamsProvisioning, TimeZoneFacts } from '../ports/teams.js';
import { odataString } from './graph-directory.js';
import { GraphRequestError } from './graph-errors.js';
import type { GraphGateway } from './graph-gateway.js';

/** Messages per page of a chat read-back (the documented maximum). */
const CHAT_PAGE = 50;
/** Pages read back at most: a reminder is checked within minutes of its attempt, so it is near the top. */
const CHAT_PAGES_MAX = 4;

function transient(e: unknown): boolean {
  return e instanceof GraphRequestError && ['throttled', 'unavailable', 'timeout', 'network'].includes(e.kind);
}

/**
 * First contact through Graph (graph-facts.md §9): find the app in the org catalog, install it for
 * the person, and find the 1:1 chat's Graph id. Background priority: reminders yield to people
 * waiting in chat.
 */
export class GraphTeamsProvisioning implements TeamsProvisioning {
  constructor(
    private readonly graph: GraphGateway,
    private readonly logger: Logger,
  ) {}

  async catalogAppId(externalId: string): Promise<string | null> {
    const body = await this.graph.get<{ value: { id: string; externalId?: string }[] }>(`/appCatalogs/teamsApps?$filter=externalId eq ${odataString(externalId)}`, { priority: 'background' });
    return body.value[0]?.id ?? null;
  }

  async installForUser(userId: string, catalogAppId: string): Promise<InstallOutcome> {
    try {
      await this.graph.post(`/users/${encodeURIComponent(userId)}/teamwork/installedApps`, { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${catalogAppId}` }, { priority: 'background' });
      return { ok: true, alreadyInstalled: false };
    } catch (e) {
      if (!(e instanceof GraphRequestError)) throw e;
      // [unconfirmed] a repeated install answers 409 Conflict (graph-facts.md open item 8); 201 is handled above.
      if (e.kind === 'conflict') return { ok: true, alreadyInstalled: true };
      if (e.kind === 'forbidden') return { ok: false, code: 'forbidden', message: e.message, retryAfterMs: null };
      if (e.kind === 'not_found') {
        // The user or the catalog app is gone; tell them apart with the catalog.
        return { ok: false, code: e.message.includes('teamsApps') || e.message.toLowerCase().includes('app catalog') ? 'app_not_in_catalog' : 'user_not_found', message: e.message, retryAfterMs: null };
      }
      if (transient(e)) return { ok: false, code: 'transient', message: e.message, retryAfterMs: e.retryAfterMs };
      this.logger.warn({ err: e.toLog() }, 'app install failed');
      return { ok: false, code: 'transient', message: e.message, retryAfterMs: null };
    }
  }

  async chatIdFor(userId: string, catalogAppId: string): Promise<string | null> {
    const user = encodeURIComponent(userId);
    const list = await this.graph.get<{ value: { id: string }[] }>(`/users/${user}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq ${odataString(catalogAppId)}`, { priority: 'background' });
    const installation = list.value[0];
    if (!installation) return null;
    const chat = await this.graph.getOrNull<{ id: string }>(`/users/${user}/teamwork/installedApps/${encodeURIComponent(installation.id)}/chat`, { priority: 'background' });
    return chat?.id ?? null;
  }
}

interface GraphChatMessage {
  id: string;
  createdDateTime?: string;
  from?: { application?: { applicationIdentityType?: string } | null } | null;
  body?: { content?: string } | null;
  attachments?: { content?: unknown }[];
}

/** Reads the bot's own 1:1 chat back (Chat.Read.All): the proof a send landed. */
export class GraphChatHistory implements ChatHistory {
  constructor(private readonly graph: GraphGateway) {}

  async recentMessages(chatId: string, since: Date): Promise<ChatReadResult> {
    const out: ChatMessageView[] = [];
    try {
      let page = 0;
      for await (const p of this.graph.pages<GraphChatMessage>(`/chats/${encodeURIComponent(chatId)}/messages?$top=${CHAT_PAGE}&$orderby=createdDateTime desc`, { priority: 'background' })) {
        let older = false;
        for (const m of p.value) {
          const createdAt = new Date(m.createdDateTime ?? 0);
          if (createdAt.getTime() < since.getTime()) older = true;
          out.push({
            id: String(m.id),
            createdAt,
            fromBot: Boolean(m.from?.application),
            contents: [m.body?.content ?? '', ...(m.attachments ?? []).map((a) => (typeof a.content === 'string' ? a.content : JSON.stringify(a.content ?? '')))],
          });
        }
        if (older || ++page >= CHAT_PAGES_MAX) break;
      }
      return { ok: true, messages: out };
    } catch (e) {
      if (!(e instanceof GraphRequestError)) throw e;
      if (e.kind === 'forbidden' || e.kind === 'unauthorized') return { ok: false, code: 'forbidden', message: e.message };
      if (e.kind === 'not_found') return { ok: false, code: 'not_found', message: e.message };
      return { ok: false, code: 'transient', message: e.message };
    }
  }
}

/** Time zones (mailbox settings, usage location) and managers, read in `$batch`es of 20. */
export class GraphPeopleFacts implements PeopleFacts {
  private mailboxDenied = false;

  constructor(
    private readonly graph: GraphGateway,
    private readonly logger: Logger,
  ) {}

  async timeZoneFacts(userIds: string[]): Promise<Map<string, TimeZoneFacts>> {
    const out = new Map<string, TimeZoneFacts>();
    const ids = [...new Set(userIds)];
    for (const id of ids) out.set(id, { mailboxTimeZone: null, usageLocation: null });
    if (!this.mailboxDenied) {
      const results = await this.graph.batch<{ timeZone?: string }>(ids.map((u) => ({ method: 'GET', url: `/users/${encodeURIComponent(u)}/mailboxSettings` })), { priority: 'background' });
      results.forEach((r, i) => {
        if (r.status === 200 && typeof r.body?.timeZone === 'string' && r.body.timeZone !== '') out.get(ids[i]!)!.mailboxTimeZone = r.body.timeZone;
      });
      if (results.length > 0 && results.every((r) => r.status === 403)) {
        // No MailboxSettings.Read: stop asking; usage location and the campaign's zone stand in.
        this.mailboxDenied = true;
        this.logger.warn({}, 'mailbox settings are not readable (MailboxSettings.Read not granted); time zones come from usage location');
      }
    }
    const missing = ids.filter((u) => out.get(u)!.mailboxTimeZone === null);
    if (missing.length > 0) {
      const results = await this.graph.batch<{ usageLocation?: string | null }>(missing.map((u) => ({ method: 'GET', url: `/users/${encodeURIComponent(u)}?$select=id,usageLocation` })), { priority: 'background' });
      results.forEach((r, i) => {
        if (r.status === 200 && typeof r.body?.usageLocation === 'string') out.get(missing[i]!)!.usageLocation = r.body.usageLocation;
      });
    }
    return out;
  }

  async managerOf(userId: string): Promise<{ id: string; displayName: string } | null> {
    const m = await this.graph.getOrNull<{ id: string; displayName?: string }>(`/users/${encodeURIComponent(userId)}/manager?$select=id,displayName`, { priority: 'background' });
    return m ? { id: String(m.id).toLowerCase(), displayName: m.displayName ?? '' } : null;
  }
}
