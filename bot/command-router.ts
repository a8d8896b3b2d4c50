import type { ConversationReference } from 'botbuilder';
import type { Access, BotRole } from '../services/access/roles.js';
import { parseCommand, USAGE, type Command, type CommandKind } from '../services/commands/parse-command.js';
import type { Logger } from '../services/ports/logger.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { Actor, TurnInfo } from './turn.js';

/** What a command answers: text (markdown), one or more cards, or both. */
export interface Reply {
  text?: string;
  cards?: AdaptiveCardJson[];
  /** Other Teams attachments (file consent and file info cards). */
  attachments?: { contentType: string; name?: string; contentUrl?: string; content?: unknown }[];
}

export interface CommandContext {
  actor: Actor & { aadObjectId: string };
  /** Where to answer later (progress of long work): this turn's conversation. */
  reference: Partial<ConversationReference>;
  access: Access;
  turn: TurnInfo;
  logger: Logger;
  /** Correlation id of this turn, shown to the user when something fails. */
  ref: string;
}

export type CommandHandler<K extends CommandKind = CommandKind> = (command: Extract<Command, { kind: K }>, ctx: CommandContext) => Promise<Reply>;

export interface CommandSpec<K extends CommandKind = CommandKind> {
  kind: K;
  /** Lowest bot role that may run it (admin ⊃ helpdesk ⊃ user). */
  role: BotRole;
  section: 'Everyone' | 'Helpdesk' | 'Campaigns' | 'Cohorts' | 'Stages' | 'Insight' | 'Demo';
  summary: string;
  handler: CommandHandler<K>;
}

export type CommandTable = { [K in CommandKind]?: CommandSpec<K> };

const ROLE_RANK: Record<BotRole, number> = { user: 0, helpdesk: 1, admin: 2 };

export function mayRun(access: Access, spec: { role: BotRole }): boolean {
  return ROLE_RANK[access.role] >= ROLE_RANK[spec.role];
}

export function roleLabel(role: BotRole): string {
  return role === 'admin' ? 'an admin' : role === 'helpdesk' ? 'helpdesk' : 'a user (no admin or helpdesk role)';
}

/**
 * Parses the text, checks the acting user's role (read from Entra for this turn), and runs the
 * handler. Expected failures become one-line answers with a usage hint; nothing here throws for
 * bad input.
 */
export class CommandRouter {
  constructor(private readonly table: CommandTable) {}

  specs(): CommandSpec[] {
    return Object.values(this.table) as CommandSpec[];
  }

  async handle(text: string, ctx: CommandContext): Promise<Reply> {
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      const e = parsed.error;
      const usage = e.usage ? `\n\nUsage: \`${e.usage}\`` : '';
      return { text: `${e.message}${usage}` };
    }
    const command = parsed.command;
    const spec = this.table[command.kind] as CommandSpec | undefined;
    if (!spec) {
      return { text: `\`${USAGE[command.kind].split(' <')[0]}\` is not available in this deployment. Say \`help\` for what is.` };
    }
    if (!mayRun(ctx.access, spec)) {
      ctx.logger.info({ command: command.kind, role: ctx.access.role }, 'command refused: role');
      const need = spec.role === 'admin' ? 'admins' : 'helpdesk and admins';
      return { text: `\`${USAGE[command.kind]}\` is for ${need}. You are ${roleLabel(ctx.access.role)} according to Microsoft Entra.` };
    }
    return spec.handler(command as never, ctx);
  }
}
