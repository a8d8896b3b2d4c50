import { expandTemplate } from '../../cards/render.js';
import type { Directory } from '../../services/ports/directory.js';
import { roleLabel, type CommandContext, type Reply } from '../command-router.js';

/** `whoami`: the acting user's Entra identity and bot role, as read from Entra for this turn. */
export function whoamiCommand(directory: Directory) {
  return async (_command: unknown, ctx: CommandContext): Promise<Reply> => {
    const user = await directory.getUser(ctx.actor.aadObjectId);
    const because = ctx.access.sources.length > 0 ? ctx.access.sources.join(', ') : 'no admin or helpdesk directory role, and not in a configured bot group';
    const tap =
      ctx.access.canIssueTap === 'all'
        ? 'You may issue Temporary Access Passes to anyone.'
        : ctx.access.canIssueTap === 'non-privileged'
          ? 'You may issue Temporary Access Passes to users without admin roles.'
          : ctx.access.role === 'user'
            ? ''
            : 'Your Entra roles do not allow issuing Temporary Access Passes.';
    return {
      cards: [
        expandTemplate('whoami', {
          displayName: user?.displayName || ctx.actor.name || 'unknown',
          userPrincipalName: user?.userPrincipalName ?? 'not found in the directory',
          objectId: ctx.actor.aadObjectId,
          roleLabel: roleLabel(ctx.access.role),
          because,
          tap,
        }),
      ],
    };
  };
}
