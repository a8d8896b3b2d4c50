import type { ConversationReference } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render.js';
import { effectiveSettings } from '../services/campaigns/campaign-settings.js';
import type { Campaign } from '../services/ports/campaign-store.js';
import type { Logger } from '../services/ports/logger.js';
import type { AdminMessage, AdminMessenger, UserNotifier } from '../services/ports/staging-hooks.js';
import type { PostedCard } from '../services/ports/staging-store.js';
import type { ConversationRefs } from '../services/ports/store.js';
import type { AdminRecipients } from '../services/staging/admin-recipients.js';
import type { DriftModel } from '../services/staging/drift-watch.js';
import type { ApprovalModel } from '../services/staging/staging-service.js';
import type { Reply } from './command-router.js';
import { channelReference, referenceOf, type ConversationNotifier } from './notifier.js';
import { renderApprovalCard, renderDriftCard } from './staging-cards.js';

function render(message: AdminMessage, viewer: string | undefined): Reply {
  switch (message.kind) {
    case 'text':
      return { text: message.text };
    case 'approval': {
      const m = message.model as ApprovalModel;
      // The requester's own copy (a channel everyone shares shows buttons; pressing them is refused for the requester).
      return { cards: [renderApprovalCard(m, viewer === undefined || viewer !== m.requestedById)] };
    }
    case 'drift':
      return { cards: [renderDriftCard(message.model as DriftModel, true)] };
  }
}

/**
 * Posts approval requests, drift alerts and guard messages to a campaign's admins: into its admins
 * channel when one is set, else into each admin's 1:1 chat with the bot (admins found through their
 * Entra directory roles and ADMIN_GROUP_IDS; only those who have the app can be reached — the others
 * see pending requests with `approvals`).
 */
export class TeamsAdminMessenger implements AdminMessenger {
  constructor(
    private readonly o: {
      notifier: () => ConversationNotifier | null;
      recipients: AdminRecipients;
      conversations: ConversationRefs;
      logger: Logger;
    },
  ) {}

  async post(campaign: Campaign, message: AdminMessage, opts: { exceptUserIds?: string[] } = {}): Promise<PostedCard[]> {
    const notifier = this.o.notifier();
    if (!notifier) return [];
    const channel = effectiveSettings(campaign.settings).adminsChannel;
    if (channel) {
      const id = await notifier.post(channelReference(channel.conversationId, channel.serviceUrl), render(message, undefined));
      return id ? [{ conversationId: channel.conversationId, serviceUrl: channel.serviceUrl, activityId: id }] : [];
    }
    const except = new Set((opts.exceptUserIds ?? []).map((x) => x.toLowerCase()));
    const ids = (await this.o.recipients.adminIds()).filter((id) => !except.has(id));
    const refs = await this.o.conversations.getMany(ids);
    const out: PostedCard[] = [];
    for (const id of ids) {
      const ref = refs.get(id);
      if (!ref) continue;
      const activityId = await notifier.post(referenceOf(ref), render(message, id));
      if (activityId) out.push({ conversationId: ref.conversationId, serviceUrl: ref.serviceUrl, activityId, aadObjectId: id });
    }
    if (out.length === 0) this.o.logger.warn({ campaignId: campaign.id, admins: ids.length }, 'no admin could be reached in Teams');
    return out;
  }

  async update(cards: PostedCard[], message: AdminMessage): Promise<void> {
    const notifier = this.o.notifier();
    if (!notifier || message.kind === 'text') return;
    const seen = new Set<string>();
    for (const c of cards) {
      const key = `${c.conversationId}|${c.activityId}`;
      if (seen.has(key) || !c.activityId) continue;
      seen.add(key);
      const card = render(message, c.aadObjectId).cards![0] as AdaptiveCardJson;
      const reference: Partial<ConversationReference> = c.conversationId.startsWith('a:') ? { ...channelReference(c.conversationId, c.serviceUrl), conversation: { id: c.conversationId, conversationType: 'personal', isGroup: false, name: '' } } : channelReference(c.conversationId, c.serviceUrl);
      await notifier.updateCard(reference, c.activityId, card);
    }
  }
}

/**
 * Tells one person something in their existing 1:1 chat with the bot. People
 * who never talked to the bot cannot be reached this way (first contact needs the nudge outbox's
 * install-and-create-conversation path); the caller records `notified: false` in the audit log.
 */
export class ConversationUserNotifier implements UserNotifier {
  constructor(
    private readonly notifier: () => ConversationNotifier | null,
    private readonly conversations: ConversationRefs,
  ) {}

  async notifyUser(userId: string, text: string): Promise<boolean> {
    const n = this.notifier();
    const ref = await this.conversations.get(userId.toLowerCase());
    if (!n || !ref) return false;
    return (await n.post(referenceOf(ref), { text })) !== null;
  }
}
