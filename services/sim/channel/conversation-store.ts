import { createHash } from 'node:crypto';
import { ADAPTIVE_CARD_CONTENT_TYPE, teamsIdsFor, type ChannelTarget } from './activity-builders.js';
import type { ActivityListener, EmulatedUser, RecordedActivity, TeamsActivity, TeamsChannelAccount } from './types.js';

export interface Conversation {
  id: string;
  kind: 'personal' | 'channel';
  /** Owner of a personal conversation. */
  aadObjectId?: string;
  /** Team of a channel conversation. */
  teamId?: string;
  activities: RecordedActivity[];
  byId: Map<string, RecordedActivity>;
  /** Content keys of card messages delivered here, for duplicate detection. */
  cardKeys: Set<string>;
}

interface Team {
  id: string;
  name?: string;
  aadGroupId?: string;
  channels: Map<string, ChannelTarget>;
  /** aadObjectIds of people seen in the team. */
  members: Set<string>;
}

interface Overlay {
  card: Record<string, unknown>;
  seq: number;
}

export interface NewUser {
  aadObjectId: string;
  name: string;
  userPrincipalName?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  /** Fixed Teams ids instead of the derived ones (to replay a recorded payload); first registration wins. */
  teamsId?: string;
  personalConversationId?: string;
}

/**
 * What the emulated Teams service knows: people, their 1:1 chats with the bot, team channels and
 * every message in them, plus each person's own view of cards (Action.Execute responses replace a
 * card for the person who pressed the button only).
 */
export class ConversationStore {
  private readonly users = new Map<string, EmulatedUser>();
  private readonly usersByTeamsId = new Map<string, EmulatedUser>();
  private readonly usersByPersonal = new Map<string, EmulatedUser>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly teams = new Map<string, Team>();
  private readonly channelToTeam = new Map<string, string>();
  private readonly overlays = new Map<string, Overlay>();
  private readonly listeners = new Set<ActivityListener>();
  private seq = 0;
  private readonly updateSeq = new WeakMap<RecordedActivity, number>();

  constructor(
    private readonly botAppId: string,
    private readonly tenantId: string,
    private readonly recordBodies: boolean,
  ) {}

  // ---- people -------------------------------------------------------------------------------

  user(u: NewUser): EmulatedUser {
    const key = u.aadObjectId.toLowerCase();
    const existing = this.users.get(key);
    if (existing) {
      // Later calls may fill in details an earlier, id-only registration lacked.
      if (u.name) existing.name = u.name;
      if (u.userPrincipalName) existing.userPrincipalName = u.userPrincipalName;
      if (u.givenName !== undefined) existing.givenName = u.givenName;
      if (u.surname !== undefined) existing.surname = u.surname;
      if (u.email !== undefined) existing.email = u.email;
      return existing;
    }
    const derived = teamsIdsFor(u.aadObjectId, this.botAppId);
    const ids = { id: u.teamsId ?? derived.id, personalConversationId: u.personalConversationId ?? derived.personalConversationId };
    if (this.usersByTeamsId.has(ids.id) || this.usersByPersonal.has(ids.personalConversationId)) {
      throw new RangeError('another user already has this Teams id or personal conversation id');
    }
    const user: EmulatedUser = {
      aadObjectId: u.aadObjectId,
      name: u.name,
      userPrincipalName: u.userPrincipalName ?? '',
      givenName: u.givenName,
      surname: u.surname,
      email: u.email,
      id: ids.id,
      personalConversationId: ids.personalConversationId,
    };
    this.users.set(key, user);
    this.usersByTeamsId.set(user.id, user);
    this.usersByPersonal.set(user.personalConversationId, user);
    return user;
  }

  findUser(aadObjectId: string): EmulatedUser | undefined {
    return this.users.get(aadObjectId.toLowerCase());
  }

  /** Resolves a member reference the way Teams does: a `29:` id, an aadObjectId, or `8:orgid:<aadObjectId>`. */
  resolveMember(idOrAad: string): EmulatedUser | undefined {
    const byTeams = this.usersByTeamsId.get(idOrAad);
    if (byTeams) return byTeams;
    const bare = idOrAad.replace(/^8:orgid:/i, '');
    return this.users.get(bare.toLowerCase());
  }

  ownerOfPersonal(conversationId: string): EmulatedUser | undefined {
    return this.usersByPersonal.get(conversationId);
  }

  account(user: EmulatedUser): TeamsChannelAccount {
    const upn = user.userPrincipalName;
    const account: TeamsChannelAccount = {
      id: user.id,
      name: user.name,
      aadObjectId: user.aadObjectId,
      userPrincipalName: upn,
      email: user.email ?? upn,
      tenantId: this.tenantId,
      userRole: 'user',
    };
    if (user.givenName !== undefined) account.givenName = user.givenName;
    if (user.surname !== undefined) account.surname = user.surname;
    return account;
  }

  // ---- conversations ------------------------------------------------------------------------

  /** The user's 1:1 conversation, created on first use. */
  personal(user: EmulatedUser): Conversation {
    return this.ensure(user.personalConversationId, () => ({ kind: 'personal', aadObjectId: user.aadObjectId }));
  }

  addChannel(target: ChannelTarget): void {
    let team = this.teams.get(target.teamId);
    if (!team) {
      team = { id: target.teamId, channels: new Map(), members: new Set() };
      this.teams.set(target.teamId, team);
    }
    if (target.teamName !== undefined) team.name = target.teamName;
    if (target.aadGroupId !== undefined) team.aadGroupId = target.aadGroupId;
    const prev = team.channels.get(target.channelId);
    team.channels.set(target.channelId, { ...prev, ...target, threadId: undefined });
    this.channelToTeam.set(target.channelId, target.teamId);
  }

  channelTarget(channelId: string): ChannelTarget | undefined {
    const teamId = this.channelToTeam.get(channelId);
    return teamId ? this.teams.get(teamId)?.channels.get(channelId) : undefined;
  }

  addTeamMember(teamId: string, user: EmulatedUser): void {
    this.teams.get(teamId)?.members.add(user.aadObjectId.toLowerCase());
  }

  /**
   * The conversation a connector path names, if Teams would know it: a personal chat of a known
   * person, or a known channel (its root, or a `;messageid=` reply chain in it).
   */
  lookup(conversationId: string): Conversation | undefined {
    const existing = this.conversations.get(conversationId);
    if (existing) return existing;
    const owner = this.usersByPersonal.get(conversationId);
    if (owner) return this.personal(owner);
    const channelId = baseChannelId(conversationId);
    const teamId = this.channelToTeam.get(channelId);
    if (teamId) return this.ensure(conversationId, () => ({ kind: 'channel', teamId }));
    return undefined;
  }

  members(conversation: Conversation): EmulatedUser[] {
    if (conversation.kind === 'personal') {
      const owner = conversation.aadObjectId ? this.findUser(conversation.aadObjectId) : undefined;
      return owner ? [owner] : [];
    }
    const team = conversation.teamId ? this.teams.get(conversation.teamId) : undefined;
    return [...(team?.members ?? [])].map((aad) => this.users.get(aad)).filter((u): u is EmulatedUser => u !== undefined);
  }

  conversationIds(): { id: string; kind: 'personal' | 'channel' }[] {
    return [...this.conversations.values()].map((c) => ({ id: c.id, kind: c.kind }));
  }

  private ensure(id: string, init: () => Pick<Conversation, 'kind' | 'aadObjectId' | 'teamId'>): Conversation {
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, ...init(), activities: [], byId: new Map(), cardKeys: new Set() };
      this.conversations.set(id, c);
    }
    return c;
  }

  // ---- messages -----------------------------------------------------------------------------

  /** Records a delivered activity. Returns it and whether its card content had already been delivered here. */
  record(
    conversation: Conversation,
    input: { id: string; from: 'bot' | 'user'; via: RecordedActivity['via']; activity: TeamsActivity; at: number; aadObjectId?: string },
  ): { record: RecordedActivity; duplicate: boolean } {
    const activity = input.activity;
    const contentKey = contentKeyOf(activity);
    const hasCard = Array.isArray(activity.attachments) && activity.attachments.length > 0;
    const duplicate = input.from === 'bot' && activity.type === 'message' && hasCard && conversation.cardKeys.has(contentKey);
    if (input.from === 'bot' && hasCard) conversation.cardKeys.add(contentKey);
    const stored: TeamsActivity = this.recordBodies
      ? { ...activity, id: input.id, conversation: { ...(activity.conversation ?? {}), id: conversation.id } }
      : { type: activity.type, id: input.id };
    const record: RecordedActivity = {
      id: input.id,
      conversationId: conversation.id,
      from: input.from,
      via: input.via,
      type: typeof activity.type === 'string' ? activity.type : 'message',
      activity: stored,
      contentKey,
      at: input.at,
      updates: 0,
      deleted: false,
    };
    if (typeof activity.text === 'string' && this.recordBodies) record.text = activity.text;
    if (typeof activity.replyToId === 'string') record.replyToId = activity.replyToId;
    if (input.aadObjectId) record.aadObjectId = input.aadObjectId;
    conversation.activities.push(record);
    conversation.byId.set(record.id, record);
    this.updateSeq.set(record, ++this.seq);
    this.emit(record, 'created');
    return { record, duplicate };
  }

  find(conversation: Conversation, activityId: string): RecordedActivity | undefined {
    return conversation.byId.get(activityId);
  }

  update(record: RecordedActivity, activity: TeamsActivity, at: number): RecordedActivity {
    record.activity = this.recordBodies
      ? { ...activity, id: record.id, conversation: { ...(activity.conversation ?? {}), id: record.conversationId } }
      : { type: activity.type, id: record.id };
    if (typeof activity.type === 'string') record.type = activity.type;
    if (typeof activity.text === 'string' && this.recordBodies) record.text = activity.text;
    else delete record.text;
    record.contentKey = contentKeyOf(activity);
    record.updates++;
    record.updatedAt = at;
    this.updateSeq.set(record, ++this.seq);
    this.emit(record, 'updated');
    return record;
  }

  remove(record: RecordedActivity, at: number): void {
    record.deleted = true;
    record.updatedAt = at;
    this.updateSeq.set(record, ++this.seq);
    this.emit(record, 'deleted');
  }

  /** What the person who pressed a button now sees in place of the card message. */
  setUserView(aadObjectId: string, record: RecordedActivity, card: Record<string, unknown>): void {
    this.overlays.set(overlayKey(aadObjectId, record), { card, seq: ++this.seq });
  }

  /** A person's view of a conversation: messages in order, deleted ones gone, their own card views applied. */
  viewFor(aadObjectId: string, conversationId: string): RecordedActivity[] {
    const c = this.conversations.get(conversationId);
    if (!c) return [];
    return c.activities
      .filter((a) => !a.deleted && a.type === 'message')
      .map((a) => {
        const overlay = this.overlays.get(overlayKey(aadObjectId, a));
        if (overlay && overlay.seq > (this.updateSeq.get(a) ?? 0)) {
          const attachments = [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: overlay.card }];
          return { ...a, activity: { ...a.activity, attachments }, view: 'invokeResponse' as const };
        }
        return { ...a };
      });
  }

  list(conversationId: string): RecordedActivity[] {
    return (this.conversations.get(conversationId)?.activities ?? []).map((a) => ({ ...a }));
  }

  /** Every message the bot sent a user in their 1:1 chat (for child-process benchmarks). */
  allPersonalMessages(): RecordedActivity[] {
    const out: RecordedActivity[] = [];
    for (const c of this.conversations.values()) {
      if (c.kind === 'personal') out.push(...c.activities.filter((a) => a.from === 'bot').map((a) => ({ ...a })));
    }
    return out;
  }

  // ---- listeners ----------------------------------------------------------------------------

  onActivity(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  allRecords(): RecordedActivity[] {
    const out: RecordedActivity[] = [];
    for (const c of this.conversations.values()) out.push(...c.activities);
    return out;
  }

  private emit(record: RecordedActivity, change: 'created' | 'updated' | 'deleted'): void {
    for (const l of [...this.listeners]) {
      try {
        l({ ...record }, change);
      } catch {
        // A failing test listener must not break the emulator's answer to the bot.
      }
    }
  }
}

function overlayKey(aadObjectId: string, record: RecordedActivity): string {
  return `${aadObjectId.toLowerCase()}|${record.conversationId}|${record.id}`;
}

/** The channel a conversation id belongs to: `19:…@thread.tacv2;messageid=123` → `19:…@thread.tacv2`. */
export function baseChannelId(conversationId: string): string {
  const i = conversationId.indexOf(';messageid=');
  return i >= 0 ? conversationId.slice(0, i) : conversationId;
}

/** Hash of what a person sees: the text and the attachments. */
export function contentKeyOf(activity: TeamsActivity): string {
  const visible = { text: activity.text ?? null, attachments: activity.attachments ?? null };
  return createHash('sha256').update(stableStringify(visible)).digest('base64url').slice(0, 32);
}

function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}
