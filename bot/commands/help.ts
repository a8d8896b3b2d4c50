import { expandTemplate, type AdaptiveCardJson } from '../../cards/render.js';
import { USAGE } from '../../services/commands/parse-command.js';
import { mayRun, roleLabel, type CommandSpec, type CommandContext, type Reply } from '../command-router.js';

const SECTION_ORDER: CommandSpec['section'][] = ['Everyone', 'Helpdesk', 'Campaigns', 'Cohorts', 'Stages', 'Insight', 'Demo'];

/** `help [command]`: the commands the acting user may run, grouped; or one command's usage. */
export function helpCommand(specs: () => CommandSpec[]) {
  return async (command: { topic: string | null }, ctx: CommandContext): Promise<Reply> => {
    const allowed = specs().filter((s) => mayRun(ctx.access, s));
    if (command.topic) {
      const topic = command.topic.toLowerCase();
      const matches = allowed.filter((s) => USAGE[s.kind].toLowerCase().startsWith(topic) || s.kind.replace(/_/g, ' ').startsWith(topic));
      if (matches.length === 0) return { text: `No command you can use starts with "${topic}". Say \`help\` for the list.` };
      return { text: matches.map((s) => `\`${USAGE[s.kind]}\` — ${s.summary}`).join('\n\n') };
    }
    const sections = SECTION_ORDER.map((title) => ({
      title,
      commands: allowed.filter((s) => s.section === title).map((s) => ({ usage: USAGE[s.kind], summary: s.summary })),
    })).filter((s) => s.commands.length > 0);
    const card: AdaptiveCardJson = expandTemplate('help', { roleLabel: roleLabel(ctx.access.role), sections });
    return { cards: [card] };
  };
}
