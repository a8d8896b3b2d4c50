import { CardFactory, MessageFactory, type ConversationReference } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { Logger } from '../services/ports/logger.js';
import type { ConversationRef } from '../services/ports/store.js';
import type { Reply } from './command-router.js';

/**
 * Proactive messages into a conversation the bot already has (an admin's chat, a channel): progress
 * of a long sync, alerts, approval requests. Reminders to users go through the outbox instead.
 */
export class ConversationNotifier {
  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly botAppId: string,
    private readonly logger: Logger,
  ) {}

  async notify(reference: Partial<ConversationReference>, reply: Reply): Promise<boolean> {
    return (await this.post(reference, reply)) !== null;
  }

  async text(reference: Partial<ConversationReference>, text: string): Promise<boolean> {
    return this.notify(reference, { text });
  }

  /** Sends the reply; answers the id of the last activity sent (a card, to update later), or null when it failed. */
  async post(reference: Partial<ConversationReference>, reply: Reply): Promise<string | null> {
    let last: string | null = null;
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
        if (reply.text) {
          const message = MessageFactory.text(reply.text);
          message.textFormat = 'markdown';
          last = (await context.sendActivity(message))?.id ?? last;
        }
        for (const card of reply.cards ?? []) last = (await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card))))?.id ?? last;
      });
      return last ?? '';
    } catch (e) {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e), conversationId: reference.conversation?.id }, 'proactive notification failed');
      return null;
    }
  }

  /** Replaces a card the bot posted earlier (Bot Connector `PUT …/activities/{id}`). */
  async updateCard(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCardJson): Promise<boolean> {
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
        await context.updateActivity({ id: activityId, type: 'message', attachments: [CardFactory.adaptiveCard(card)] });
      });
      return true;
    } catch (e) {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e), conversationId: reference.conversation?.id }, 'card update failed');
      return false;
    }
  }
}

/** A stored 1:1 reference as botbuilder wants it for a proactive turn. */
export function referenceOf(ref: ConversationRef): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    serviceUrl: ref.serviceUrl,
    conversation: { id: ref.conversationId, conversationType: 'personal', tenantId: ref.tenantId, isGroup: false, name: '' },
    bot: { id: ref.botId, name: '' },
    user: { id: ref.teamsUserId, name: '', aadObjectId: ref.aadObjectId },
  };
}

/** A channel (or any conversation) reference from its id and service URL. */
export function channelReference(conversationId: string, serviceUrl: string): Partial<ConversationReference> {
  return { channelId: 'msteams', serviceUrl, conversation: { id: conversationId, conversationType: 'channel', isGroup: true, name: '' } };
}
