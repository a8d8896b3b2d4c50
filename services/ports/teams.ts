/**
 * The edges a reminder crosses on its way to a person: the Teams app install and the 1:1 chat's
 * Graph id (Graph), reading that chat back (Graph), the Bot Connector (Teams), and the facts about
 * people that decide when and to whom (time zone, manager).
 */

export type InstallOutcome =
  | { ok: true; alreadyInstalled: boolean }
  | { ok: false; code: 'forbidden' | 'user_not_found' | 'app_not_in_catalog' | 'transient'; message: string; retryAfterMs: number | null };

export interface TeamsProvisioning {
  /** The org catalog id of the app whose manifest id is `externalId`; null when it is not in the catalog. */
  catalogAppId(externalId: string): Promise<string | null>;
  /** Installs the app in the user's personal scope (already installed counts as success). */
  installForUser(userId: string, catalogAppId: string): Promise<InstallOutcome>;
  /** The Graph id of the 1:1 chat between the user and the app; null when the app is not installed for them. */
  chatIdFor(userId: string, catalogAppId: string): Promise<string | null>;
}

export interface ChatMessageView {
  id: string;
  createdAt: Date;
  fromBot: boolean;
  /** The body and every attachment's content, as text (cards are JSON strings). */
  contents: string[];
}

export type ChatReadResult =
  | { ok: true; messages: ChatMessageView[] }
  | { ok: false; code: 'forbidden' | 'not_found' | 'transient'; message: string };

export interface ChatHistory {
  /** The chat's messages, newest first, back to `since` (at least). */
  recentMessages(chatId: string, since: Date): Promise<ChatReadResult>;
}

export interface TimeZoneFacts {
  /** `mailboxSettings.timeZone` (Windows or IANA name); null without a mailbox or permission. */
  mailboxTimeZone: string | null;
  usageLocation: string | null;
}

export interface PeopleFacts {
  timeZoneFacts(userIds: string[]): Promise<Map<string, TimeZoneFacts>>;
  /** The person's manager; null when there is none. */
  managerOf(userId: string): Promise<{ id: string; displayName: string } | null>;
}

/** A Bot Connector call's result, as a value: the sender decides from `kind` alone. */
export type ConnectorResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /**
       * throttled: 429/412/503 — refused, safe to retry after `retryAfterMs`.
       * in_doubt: 502/504 or no answer — it may have landed; check before repeating.
       * gone: the conversation or the person's app is gone (404, 403 BotNotInConversationRoster).
       * refused: anything else (400, 401, 413 …) — repeating will not help.
       */
      kind: 'throttled' | 'in_doubt' | 'gone' | 'refused';
      status: number;
      code: string;
      message: string;
      retryAfterMs: number | null;
    };

export interface OutboundActivity {
  type: 'message';
  summary?: string;
  text?: string;
  attachments?: { contentType: string; content: unknown }[];
}

/** Proactive messages through the Bot Connector REST API (implemented in bot/, the only botbuilder user). */
export interface Messenger {
  /** The bot's own account id (`28:<app id>`): from BOT_ID, else learnt from Teams' activities; null while unknown. */
  botAccountId(): Promise<string | null>;
  /** Creates (or finds) the 1:1 conversation with `member` (an aadObjectId or a `29:` id). */
  createPersonalConversation(o: { serviceUrl: string; member: string; tenantId: string; botAccountId: string }): Promise<ConnectorResult<{ conversationId: string }>>;
  send(o: { serviceUrl: string; conversationId: string; activity: OutboundActivity }): Promise<ConnectorResult<{ activityId: string | null }>>;
}
