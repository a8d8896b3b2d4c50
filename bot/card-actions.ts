import type { z } from 'zod';
import type { AdaptiveCardJson } from '../cards/render.js';
import type { BotRole } from '../services/access/roles.js';
import type { CommandContext } from './command-router.js';
import { mayRun, roleLabel } from './command-router.js';

/**
 * Adaptive Card Action.Execute verbs. Each verb validates its `data` at runtime (teams-ai only casts
 * it) and is checked against the clicking user's role read from Entra — never against anything in
 * the card. A handler answers with the refreshed card, so the card updates in place and a second
 * press cannot repeat the action.
 */
export type CardResult = { card: AdaptiveCardJson } | { message: string };

export interface CardActionSpec<S extends z.ZodTypeAny = z.ZodTypeAny> {
  verb: string;
  role: BotRole;
  schema: S;
  handler: (data: z.infer<S>, ctx: CommandContext) => Promise<CardResult>;
}

export class CardActionRouter {
  private readonly specs = new Map<string, CardActionSpec>();

  constructor(specs: CardActionSpec[]) {
    for (const s of specs) this.specs.set(s.verb, s);
  }

  verbs(): string[] {
    return [...this.specs.keys()];
  }

  async handle(verb: string, data: unknown, ctx: CommandContext): Promise<CardResult> {
    const spec = this.specs.get(verb);
    if (!spec) return { message: 'That button is not something I recognise any more. Say `help` to see what I can do.' };
    if (!mayRun(ctx.access, spec)) {
      ctx.logger.info({ verb, role: ctx.access.role }, 'card action refused: role');
      return { message: `Only ${spec.role === 'admin' ? 'admins' : 'helpdesk and admins'} can do that. You are ${roleLabel(ctx.access.role)} according to Microsoft Entra.` };
    }
    const parsed = spec.schema.safeParse(data ?? {});
    if (!parsed.success) {
      ctx.logger.info({ verb, issues: parsed.error.issues.length }, 'card action refused: data');
      return { message: 'That card sent something I cannot use. Please start again from a new card.' };
    }
    return spec.handler(parsed.data, ctx);
  }
}

/** Keeps the handler's data typed by its schema while the router holds specs of any schema. */
export function defineCardAction<S extends z.ZodTypeAny>(spec: CardActionSpec<S>): CardActionSpec {
  return spec as unknown as CardActionSpec;
}
