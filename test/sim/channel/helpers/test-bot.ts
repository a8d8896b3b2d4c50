import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';

export const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export function reminderCard(title: string, verbs: { verb: string; title: string; data?: Record<string, unknown> }[]): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: title, wrap: true }],
    actions: verbs.map((v) => ({ type: 'Action.Execute', title: v.title, verb: v.verb, data: v.data ?? {} })),
  };
}

/**
 * A small Teams bot on botbuilder's CloudAdapter (anonymous unless auth options are given), the way
 * the product's bot is hosted: express, JSON body, POST /api/messages.
 *   "hello"      → replies "you said hello"
 *   "card"       → replies with a reminder card (Action.Execute snooze / done)
 *   "twice"      → two replies
 *   "members"    → reads the roster through the connector and replies with the count
 *   Action.Execute "done"   → updates the card message in place and returns a thank-you card
 *   Action.Execute "snooze" → returns a card (no update)
 */
export class TestBot extends ActivityHandler {
  readonly seen: { type: string; name?: string; text?: string; authorized: boolean }[] = [];
  readonly invokes: AdaptiveCardInvokeValue[] = [];

  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = (context.activity.text ?? '').replace(/<at>.*?<\/at>/g, '').trim();
      if (text === 'hello') await context.sendActivity('you said hello');
      else if (text === 'card') {
        await context.sendActivity({
          attachments: [CardFactory.adaptiveCard(reminderCard('Register a passkey', [
            { verb: 'reminder.snooze', title: 'Snooze', data: { days: 3 } },
            { verb: 'reminder.done', title: 'Done', data: { reminderId: 'r1' } },
          ]))],
        });
      } else if (text === 'twice') {
        await context.sendActivity('one');
        await context.sendActivity('two');
      } else if (text === 'members') {
        const { TeamsInfo } = await import('botbuilder');
        const me = await TeamsInfo.getMember(context, context.activity.from.id);
        const page = await TeamsInfo.getPagedMembers(context, 10);
        await context.sendActivity(`members ${page.members.length} me ${me.aadObjectId} upn ${me.userPrincipalName}`);
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    this.seen.push({ type: context.activity.type, name: context.activity.name, text: context.activity.text, authorized: true });
    await super.run(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    this.invokes.push(value);
    const verb = value.action.verb;
    if (verb === 'reminder.done') {
      const thanks = reminderCard('Thank you, you are done', []);
      await context.updateActivity({ id: context.activity.replyToId, type: 'message', attachments: [CardFactory.adaptiveCard(thanks)] });
      return { statusCode: 200, type: CARD_TYPE, value: reminderCard('Thanks (your view)', []) };
    }
    return { statusCode: 200, type: CARD_TYPE, value: reminderCard(`Snoozed for ${String((value.action.data as { days?: number }).days)} days`, []) };
  }
}

export interface RunningBot {
  url: string;
  adapter: CloudAdapter;
  bot: TestBot;
  /** Every inbound request's status as the adapter answered it. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startTestBot(
  opts: { auth?: ConfigurationBotFrameworkAuthenticationOptions; credentialsFactory?: ServiceClientCredentialsFactory } = {},
): Promise<RunningBot> {
  const auth = new ConfigurationBotFrameworkAuthentication(opts.auth ?? {}, opts.credentialsFactory);
  const adapter = new CloudAdapter(auth);
  const bot = new TestBot();
  adapter.onTurnError = async (context, error) => {
    await context.sendActivity(`error: ${error.message}`).catch(() => undefined);
  };
  const statuses: number[] = [];
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/api/messages', async (req, res) => {
    res.on('finish', () => statuses.push(res.statusCode));
    await adapter.process(req, res, (context) => bot.run(context));
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    adapter,
    bot,
    statuses,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
