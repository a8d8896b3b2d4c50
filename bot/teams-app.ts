import { ActivityTypes, CardFactory, ConfigurationBotFrameworkAuthentication, MessageFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { AuthenticationConstants, type ServiceClientCredentialsFactory } from 'botframework-connector';
import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import type { Config } from '../services/config/load-config.js';
import { AccessResolver } from '../services/access/access-resolver.js';
import { GraphRequestError } from '../services/graph/graph-errors.js';
import { permissionDeniedMessage } from '../services/graph/permissions.js';
import type { Random } from '../services/ports/clock.js';
import type { Logger } from '../services/ports/logger.js';
import type { CardActionRouter } from './card-actions.js';
import type { CommandContext, CommandRouter, Reply } from './command-router.js';
import type { FileConsentAnswer } from './commands/export.js';
import { actorOf, turnInfoOf } from './turn.js';

/** Where the bot keeps each user's 1:1 conversation reference for proactive messages. */
export interface ConversationRefSink {
  upsert(ref: {
    aadObjectId: string;
    tenantId: string;
    teamsUserId: string;
    conversationId: string;
    serviceUrl: string;
    botId: string;
    source: 'installation' | 'message' | 'created';
    updatedAt: Date;
  }): Promise<void>;
}

export interface TeamsAppDeps {
  config: Config;
  logger: Logger;
  random: Random;
  now: () => Date;
  access: AccessResolver;
  router: CommandRouter;
  cardActions: CardActionRouter;
  conversations: ConversationRefSink;
  /** ChannelData OpenID metadata override (sovereign clouds; local key in tests). */
  openIdMetadataUrl?: string | null;
  /** Teams' file consent answer (`fileConsent/invoke`) for files the bot offered. */
  fileConsent?: (answer: FileConsentAnswer, ctx: CommandContext) => Promise<{ reply: Reply | null; status: number }>;
  /** Outbound Bot Connector credentials (tests: a fixed token, so nothing asks Entra for one). */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** Observes every turn error (tests watch it: an invalid activity can still answer 200). */
  onTurnError?: (error: unknown, activity: Partial<Activity>) => void;
}

export interface TeamsBot {
  adapter: TeamsAdapter;
  app: Application;
  /**
   * Checks an activity's Bot Framework token the way the adapter will (same options, same keys) and
   * throws when it is not valid. The adapter itself answers 500 for some bad tokens (a bad
   * signature, `nbf` in the future), so the HTTP endpoint checks first and answers 401.
   */
  authenticate(activity: Partial<Activity>, authHeader: string): Promise<void>;
}

function adapterAuthOptions(config: Config, openIdMetadataUrl: string | null | undefined): Record<string, string | boolean> {
  if (!config.bot.id) return {};
  const type = config.bot.type === 'UserAssignedMsi' ? 'UserAssignedMSI' : config.bot.type;
  return {
    MicrosoftAppId: config.bot.id,
    MicrosoftAppType: type,
    ...(config.bot.password ? { MicrosoftAppPassword: config.bot.password } : {}),
    ...(config.bot.tenantId ? { MicrosoftAppTenantId: config.bot.tenantId } : {}),
    // Setting any one endpoint makes botbuilder take every endpoint from the options (unset ones
    // would be undefined), so an override carries the whole public-cloud set with it.
    ...(openIdMetadataUrl
      ? {
          ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
          ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
          ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
          ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
          ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
          OAuthUrl: AuthenticationConstants.OAuthUrl,
          CallerId: 'urn:botframework:azure',
          ValidateAuthority: true,
        }
      : {}),
  };
}

/**
 * The Teams-facing application: one message route that hands the text to the command router, the
 * Action.Execute invoke route, and the installation routes that record conversation references.
 */
export function createTeamsBot(deps: TeamsAppDeps): TeamsBot {
  const adapter = new TeamsAdapter(adapterAuthOptions(deps.config, deps.openIdMetadataUrl), deps.credentialsFactory);
  const auth = new ConfigurationBotFrameworkAuthentication(adapterAuthOptions(deps.config, deps.openIdMetadataUrl), deps.credentialsFactory);
  const app = new Application({
    adapter,
    botAppId: deps.config.bot.id ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  app.activity(ActivityTypes.Message, async (context) => {
    const ref = newRef(deps.random);
    const logger = turnLogger(deps.logger, context, ref);
    if (!(await sameTenant(context, deps, logger))) return;
    await rememberConversation(context, deps, 'message', logger);
    const actor = actorOf(context);
    const text = typeof context.activity.text === 'string' ? context.activity.text : '';
    if (!actor.aadObjectId) {
      await context.sendActivity(MessageFactory.text('I could not tell who you are (the message carried no Entra object id), so I cannot run commands for you.'));
      return;
    }
    let reply: Reply;
    try {
      const access = await deps.access.resolve(actor.aadObjectId);
      reply = await deps.router.handle(text, { actor: { ...actor, aadObjectId: actor.aadObjectId }, access, turn: turnInfoOf(context), logger, ref, reference: TurnContext.getConversationReference(context.activity) });
    } catch (error) {
      logger.error({ err: describeError(error) }, 'command failed');
      reply = { text: failureText(error, ref) };
    }
    await sendReply(context, reply);
  });

  app.adaptiveCards.actionExecute(/.*/, async (context) => {
    const ref = newRef(deps.random);
    const logger = turnLogger(deps.logger, context, ref);
    if (!(await sameTenant(context, deps, logger, false))) return 'This bot serves another organisation.';
    const action = (context.activity.value as { action?: { verb?: unknown; data?: unknown } } | undefined)?.action ?? {};
    const verb = typeof action.verb === 'string' ? action.verb : '';
    const actor = actorOf(context);
    if (!actor.aadObjectId) return 'I could not tell who pressed that (no Entra object id), so I did nothing.';
    try {
      const access = await deps.access.resolve(actor.aadObjectId);
      const result = await deps.cardActions.handle(verb, action.data, { actor: { ...actor, aadObjectId: actor.aadObjectId }, access, turn: turnInfoOf(context), logger, ref, reference: TurnContext.getConversationReference(context.activity) });
      return 'card' in result ? (result.card as never) : result.message;
    } catch (error) {
      logger.error({ err: describeError(error), verb }, 'card action failed');
      return failureText(error, ref);
    }
  });

  app.addRoute(
    async (context) => context.activity.type === ActivityTypes.Invoke && context.activity.name === 'fileConsent/invoke',
    async (context) => {
      const ref = newRef(deps.random);
      const logger = turnLogger(deps.logger, context, ref);
      let status = 200;
      const actor = actorOf(context);
      try {
        if (!deps.fileConsent || !actor.aadObjectId || !(await sameTenant(context, deps, logger, false))) {
          status = 400;
        } else {
          const v = (context.activity.value ?? {}) as Record<string, unknown>;
          const access = await deps.access.resolve(actor.aadObjectId);
          const out = await deps.fileConsent(
            { action: String(v.action ?? ''), context: v.context as FileConsentAnswer['context'], uploadInfo: v.uploadInfo as FileConsentAnswer['uploadInfo'] },
            { actor: { ...actor, aadObjectId: actor.aadObjectId }, access, turn: turnInfoOf(context), logger, ref, reference: TurnContext.getConversationReference(context.activity) },
          );
          status = out.status;
          if (out.reply) await sendReply(context, out.reply);
        }
      } catch (error) {
        logger.error({ err: describeError(error) }, 'file consent failed');
        await context.sendActivity(failureText(error, ref)).catch(() => undefined);
      }
      await context.sendActivity({ type: 'invokeResponse', value: { status } });
    },
    true,
  );

  app.conversationUpdate('membersAdded', async (context) => {
    const logger = turnLogger(deps.logger, context, newRef(deps.random));
    // Activities come from outside: a member entry may be anything (null crashed this turn once).
    const added: unknown[] = Array.isArray(context.activity.membersAdded) ? context.activity.membersAdded : [];
    const botAdded = added.some((m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === context.activity.recipient?.id);
    if (botAdded && context.activity.conversation?.conversationType === 'personal') {
      await rememberConversation(context, deps, 'installation', logger);
    }
  });

  app.activity('installationUpdate', async (context) => {
    const logger = turnLogger(deps.logger, context, newRef(deps.random));
    const action = String(context.activity.action ?? '').toLowerCase();
    if (action.startsWith('add') && context.activity.conversation?.conversationType === 'personal') {
      await rememberConversation(context, deps, 'installation', logger);
    }
  });

  app.error(async (context, error) => {
    const ref = newRef(deps.random);
    deps.logger.error({ ref, err: describeError(error), activityType: context.activity?.type }, 'turn error');
    deps.onTurnError?.(error, context.activity ?? {});
    if (context.activity?.type === ActivityTypes.Message && context.activity.conversation?.id) {
      await context.sendActivity(`Something went wrong on my side (ref ${ref}).`).catch(() => undefined);
    }
  });

  return {
    adapter,
    app,
    async authenticate(activity, authHeader) {
      await auth.authenticateRequest(activity as Activity, authHeader);
    },
  };
}

/**
 * What a person is told when their request failed: a missing Graph permission names the permission
 * (an admin can fix it); a busy service says so; anything else gets the reference to the logged error.
 */
export function failureText(error: unknown, ref: string): string {
  if (error instanceof GraphRequestError) {
    if (error.kind === 'forbidden') {
      const m = permissionDeniedMessage(error.method, error.path);
      if (m) return `${m} (ref ${ref})`;
    }
    if (error.kind === 'throttled' || error.kind === 'unavailable' || error.kind === 'timeout') {
      return `Microsoft Graph is busy right now (ref ${ref}). Nothing was changed; please try again in a minute.`;
    }
  }
  return `Something went wrong on my side (ref ${ref}). Nothing was changed; please try again, or give the ref to your admin.`;
}

export async function sendReply(context: TurnContext, reply: Reply): Promise<void> {
  if (reply.text) {
    const message = MessageFactory.text(reply.text);
    message.textFormat = 'markdown';
    await context.sendActivity(message);
  }
  for (const card of reply.cards ?? []) {
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }
  for (const attachment of reply.attachments ?? []) {
    await context.sendActivity(MessageFactory.attachment(attachment));
  }
}

async function sameTenant(context: TurnContext, deps: TeamsAppDeps, logger: Logger, reply = true): Promise<boolean> {
  const tenant = turnInfoOf(context).tenantId;
  if (tenant === null || tenant === deps.config.tenantId.toLowerCase()) return true;
  logger.warn({ tenant }, 'activity from another tenant refused');
  if (reply) await context.sendActivity('This bot serves another organisation, so it cannot help you here.');
  return false;
}

async function rememberConversation(context: TurnContext, deps: TeamsAppDeps, source: 'installation' | 'message', logger: Logger): Promise<void> {
  const a = context.activity;
  if (a.conversation?.conversationType !== 'personal') return;
  const actor = actorOf(context);
  if (!actor.aadObjectId || !a.serviceUrl || !a.conversation?.id) return;
  const tenant = turnInfoOf(context).tenantId ?? deps.config.tenantId;
  try {
    const ref: Partial<ConversationReference> = TurnContext.getConversationReference(a);
    await deps.conversations.upsert({
      aadObjectId: actor.aadObjectId,
      tenantId: tenant,
      teamsUserId: actor.teamsUserId,
      conversationId: ref.conversation!.id,
      serviceUrl: a.serviceUrl,
      botId: a.recipient?.id ?? '',
      source,
      updatedAt: deps.now(),
    });
  } catch (error) {
    // A lost reference only costs a conversation re-creation later; the user's turn goes on.
    logger.warn({ err: describeError(error) }, 'could not store conversation reference');
  }
}

function turnLogger(logger: Logger, context: TurnContext, ref: string): Logger {
  return logger.child({
    ref,
    activityId: context.activity?.id,
    activityType: context.activity?.type,
    conversationId: context.activity?.conversation?.id,
    aadObjectId: context.activity?.from?.aadObjectId,
  });
}

function newRef(random: Random): string {
  return random.uuid().slice(0, 8);
}

export function describeError(error: unknown): Record<string, unknown> {
  if (error && typeof error === 'object' && 'toLog' in error && typeof (error as { toLog: unknown }).toLog === 'function') {
    return (error as { toLog: () => Record<string, unknown> }).toLog();
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
