import type { ConversationReference } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Logger } from '../services/ports/logger.js';
import type { Reply } from './command-router.js';
import { sendReply } from './teams-app.js';

/**
 * Proactive messages into a conversation the bot already has (an admin's chat, a channel): progress
 * of a long sync, alerts. Reminders to users go through the outbox instead.
 */
export class ConversationNotifier {
  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly botAppId: string,
    private readonly logger: Logger,
  ) {}

  async notify(reference: Partial<ConversationReference>, reply: Reply): Promise<boolean> {
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, async (context) => {
        await sendReply(context, reply);
      });
      return true;
    } catch (e) {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e), conversationId: reference.conversation?.id }, 'proactive notification failed');
      return false;
    }
  }

  async text(reference: Partial<ConversationReference>, text: string): Promise<boolean> {
    return this.notify(reference, { text });
  }
}
