/**
 * Shapes shared by the channel emulator's parts and its callers (tests, benchmarks, the demo).
 * Plain data only: the emulator is product code under `services/` and imports no Bot Framework SDK.
 */

/** A Teams activity as it travels over the wire (the subset of Bot Framework's schema Teams uses). */
export interface TeamsActivity {
  type: string;
  id?: string;
  name?: string;
  timestamp?: string;
  localTimestamp?: string;
  channelId?: string;
  serviceUrl?: string;
  from?: { id: string; name?: string; aadObjectId?: string; role?: string };
  recipient?: { id: string; name?: string; role?: string };
  conversation?: {
    id: string;
    conversationType?: string;
    tenantId?: string;
    isGroup?: boolean;
    name?: string;
  };
  text?: string;
  textFormat?: string;
  locale?: string;
  attachments?: { contentType: string; content?: unknown; contentUrl?: string; name?: string }[];
  entities?: Record<string, unknown>[];
  channelData?: Record<string, unknown>;
  replyToId?: string;
  value?: unknown;
  action?: string;
  membersAdded?: { id: string; name?: string; aadObjectId?: string }[];
  membersRemoved?: { id: string; name?: string; aadObjectId?: string }[];
  [key: string]: unknown;
}

/** A person using Teams, as the emulator knows them. Ids are stable per aadObjectId and bot. */
export interface EmulatedUser {
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
  givenName?: string;
  surname?: string;
  email?: string;
  /** Teams user id (`29:…`). */
  id: string;
  /** The user's 1:1 conversation id with the bot (`a:…`). */
  personalConversationId: string;
}

/** `TeamsChannelAccount`, as `GET /v3/conversations/{id}/members` returns it. */
export interface TeamsChannelAccount {
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipalName: string;
  email: string;
  givenName?: string;
  surname?: string;
  tenantId: string;
  userRole: 'user' | 'guest' | 'anonymous';
}

export type CallKind =
  | 'create'
  | 'send'
  | 'reply'
  | 'update'
  | 'delete'
  | 'getMembers'
  | 'getMember'
  | 'getPagedMembers'
  | 'getConversations'
  | 'unknown';

/** The kinds of Bot Connector call that are charged to the rate limits and can be faulted. */
export type ChargedKind = 'create' | 'send' | 'reply' | 'update';
export const CHARGED_KINDS: readonly ChargedKind[] = ['create', 'send', 'reply', 'update'];

/** One Bot Connector call the bot made, with the emulator's answer. */
export interface RecordedCall {
  seq: number;
  method: string;
  /** The raw request path (still percent-encoded), without the query. */
  path: string;
  query: string;
  kind: CallKind;
  /** Decoded conversation id from the path (or, for `create`, the conversation it resolved to). */
  conversationId?: string;
  /** Decoded activity id from the path (or the id the emulator assigned). */
  activityId?: string;
  /** The parsed request body (omitted when the emulator runs with `recordBodies: false`). */
  body?: unknown;
  status: number;
  responseBody: unknown;
  /** Whether the bot sent an Authorization header (its value is never kept). */
  authorized: boolean;
  /** Clock time (ms) the call was answered. */
  at: number;
  /** Why the call failed: 'throttled' (rate limit), 'fault' (injected), or an error code. */
  outcome: 'delivered' | 'ok' | 'throttled' | 'fault' | 'rejected';
}

/** A message in a conversation: sent by the bot through the connector, or by a user from the Teams client. */
export interface RecordedActivity {
  id: string;
  conversationId: string;
  from: 'bot' | 'user';
  /** How it arrived: the connector call kind for the bot's messages, 'client' for users'. */
  via: 'send' | 'reply' | 'create' | 'client';
  type: string;
  text?: string;
  /** The full activity as last sent (after updates); `{}`-like when bodies are not recorded. */
  activity: TeamsActivity;
  replyToId?: string;
  /** aadObjectId of the sender for user messages. */
  aadObjectId?: string;
  /** Stable hash of the visible content (text + attachments), for duplicate detection. */
  contentKey: string;
  at: number;
  updatedAt?: number;
  /** How many times the bot updated it. */
  updates: number;
  deleted: boolean;
  /**
   * Set by `messagesFor` when the user sees a card from an `adaptiveCard/action` invoke response
   * (Teams replaces the card for the person who pressed the button only).
   */
  view?: 'invokeResponse';
}

export interface TurnResult {
  /** The bot's HTTP status for the activity the emulator posted. */
  status: number;
  body: unknown;
  /** Activities the bot sent during this turn: replies to the incoming id and sends to the conversation. */
  replies: RecordedActivity[];
  /** The activity the emulator posted. */
  activity: TeamsActivity;
}

export interface InvokeResult extends TurnResult {
  /** The card message, if the bot also updated it (PUT) during the turn. */
  updated?: RecordedActivity;
}

export interface InstallResult extends TurnResult {
  conversationUpdate: TurnResult;
  installationUpdate: TurnResult;
}

export interface ChannelCounters {
  /** Delivered `POST …/activities` (new messages to a conversation). */
  sends: number;
  /** Delivered conversation creations. */
  creates: number;
  /** Delivered `POST …/activities/{id}`. */
  replies: number;
  updates: number;
  deletes: number;
  /** 429s from the enforced rate limits (injected 429 faults count under `faults`). */
  throttled: number;
  /** Injected faults answered. */
  faults: number;
  /** The most charged (delivered) calls any single conversation received. */
  perConversationMax: number;
  /** Messages whose card content (attachments) had already been delivered to the same conversation. */
  duplicates: number;
  /** Every connector call by the HTTP status the emulator answered. */
  byStatus: Record<string, number>;
  /** Clock time (ms) of the first and last delivered charged call, null when none. */
  firstAt: number | null;
  lastAt: number | null;
}

export interface FaultPlan {
  /** Probability in [0, 1] that an eligible call fails (sampled with the injected Random). */
  rate: number;
  /** Statuses to answer with, picked uniformly. */
  statuses: number[];
  /** Retry-After seconds on injected 429s (default 1) and, when set, on the other statuses too. */
  retryAfterSeconds?: number;
  /** Which call kinds may fail (default all charged kinds). */
  kinds?: ChargedKind[];
}

export type ActivityListener = (activity: RecordedActivity, change: 'created' | 'updated' | 'deleted') => void;

/** The deliberately bad (or good) tokens `tokenFor` can mint for authentication tests. */
export type TokenKind =
  | 'valid'
  /** `aud` is some other app id. */
  | 'wrongAudience'
  /** `exp` an hour in the past. */
  | 'expired'
  /** `nbf` an hour in the future. */
  | 'notYetValid'
  /** Signed by a key the JWKS does not publish (its own `kid`). */
  | 'otherKey'
  /** Signed by another key but claiming the published key's `kid` (a forgery). */
  | 'forgedKid'
  /** `iss` is not the Bot Framework channel service. */
  | 'wrongIssuer'
  /** `serviceurl` claim differs from the activity's serviceUrl. */
  | 'wrongServiceUrl'
  /** Signed by a published key whose endorsements do not include `msteams`. */
  | 'unendorsedKey'
  /** No token at all (`tokenFor` returns null). */
  | 'none';
