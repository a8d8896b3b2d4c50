import { z } from 'zod';
import { renderReminderCard, renderThanksCard } from '../../cards/nudge-cards.js';
import { VERBS } from '../../cards/verbs.js';
import { describeUser, resolveUser } from '../../services/directory/resolve.js';
import type { CardView, NudgeCommandResult, NudgeService } from '../../services/nudges/nudge-service.js';
import type { Directory } from '../../services/ports/directory.js';
import type { Store } from '../../services/ports/store.js';
import { defineCardAction, type CardActionSpec, type CardResult } from '../card-actions.js';
import type { CommandSpec, Reply } from '../command-router.js';

export interface NudgeCommandDeps {
  nudges: NudgeService;
  store: Store;
  directory: Directory;
  /** Wakes the sender so planned messages go out now rather than at its next tick (optional). */
  kick?: () => void;
}

function resultText(r: NudgeCommandResult, who: string, now: boolean): string {
  const parts: string[] = [];
  if (r.planned > 0) parts.push(`${r.planned} new reminder${r.planned === 1 ? '' : 's'} planned`);
  if (r.alreadyPlanned > 0) parts.push(`${r.alreadyPlanned} already waiting${now ? ' (moved to now)' : ''}`);
  if (r.skipped > 0) parts.push(`${r.skipped} skipped (ready already, break-glass, disabled, or still being checked)`);
  const when = now
    ? 'They go out now, whatever the hour in each person\'s time zone.'
    : r.waitingForWorkingHours > 0
      ? `${r.waitingForWorkingHours} of them wait for the start of that person's working hours (their own time zone); say \`nudge ${who} now\` to send at once.`
      : 'They go out now (it is working hours for everyone concerned).';
  return `${parts.join(', ') || 'Nothing to send'} for ${who}${r.campaigns.length ? ` (${r.campaigns.join(', ')})` : ''}. ${when} \`status\` shows delivery.`;
}

export function nudgeCommands(d: NudgeCommandDeps): CommandSpec[] {
  const nudge: CommandSpec<'nudge'> = {
    kind: 'nudge',
    role: 'helpdesk',
    section: 'Helpdesk',
    summary: 'Send someone (helpdesk, admin) or a whole cohort (admin) an extra reminder; `now` ignores their working hours and snoozes.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const cohort = await d.store.cohorts.findByName(cmd.target);
      if (cohort) {
        if (ctx.access.role !== 'admin') return { text: 'Only admins can remind a whole cohort; helpdesk can `nudge <user>`.' };
        const r = await d.nudges.nudgeCohort(cohort, { now: cmd.now }, ctx.actor.aadObjectId);
        if (!r.ok) return { text: r.message };
        d.kick?.();
        return { text: resultText(r.value, cohort.name, cmd.now) };
      }
      const u = await resolveUser(d.directory, cmd.target);
      if (u.kind === 'ambiguous') return { text: `More than one person is called "${cmd.target}". Which one?\n${u.candidates.slice(0, 10).map((c) => `- ${describeUser(c)}`).join('\n')}` };
      if (u.kind === 'not_found') return { text: `There is no cohort or user "${cmd.target}". \`cohorts\` lists the cohorts.` };
      const r = await d.nudges.nudgeUser(u.value.id, { now: cmd.now }, ctx.actor.aadObjectId);
      if (!r.ok) return { text: `${u.value.displayName}: ${r.message}` };
      d.kick?.();
      return { text: resultText(r.value, u.value.displayName, cmd.now) };
    },
  };

  const pause: CommandSpec<'pause_nudges'> = {
    kind: 'pause_nudges',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Stop every reminder of a campaign (planned ones are cancelled).',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.nudges.setNudgesPaused(cmd.campaign, true, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      if (!r.value.changed) return { text: `Reminders for ${r.value.campaign.name} were already paused.` };
      return { text: `Reminders for ${r.value.campaign.name} are paused; ${r.value.cancelled} planned message${r.value.cancelled === 1 ? '' : 's'} cancelled. Requests for help still reach the helpdesk. \`resume nudges ${r.value.campaign.name}\` picks the cadence up again.` };
    },
  };

  const resume: CommandSpec<'resume_nudges'> = {
    kind: 'resume_nudges',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Start a campaign\'s reminders again (the cadence picks up where it was).',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.nudges.setNudgesPaused(cmd.campaign, false, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      if (!r.value.changed) return { text: `Reminders for ${r.value.campaign.name} were not paused.` };
      d.kick?.();
      return { text: `Reminders for ${r.value.campaign.name} are on again; the next planning round (within a few minutes) schedules what is due, in each person's working hours.` };
    },
  };

  return [nudge, pause, resume] as CommandSpec[];
}

function viewToResult(v: CardView): CardResult {
  switch (v.kind) {
    case 'message':
      return { message: v.text };
    case 'thanks':
      return { card: renderThanksCard(v.payload) };
    case 'reminder':
      return { card: renderReminderCard(v.payload, v.state) };
  }
}

const keyData = z.object({ key: z.string().min(1).max(400) });

/** The reminder card's buttons. Any user may press them; the service checks the card was theirs. */
export function nudgeCardActions(deps: NudgeCommandDeps | null | undefined): CardActionSpec[] {
  const off: CardResult = { message: 'Reminders are not set up in this deployment.' };
  const d = deps ?? null;
  return [
    defineCardAction({
      verb: VERBS.nudgeDone,
      role: 'user',
      schema: keyData,
      handler: async (data, ctx) => (d ? viewToResult(await d.nudges.cardDone(data.key, ctx.actor.aadObjectId)) : off),
    }),
    defineCardAction({
      verb: VERBS.nudgeSnooze,
      role: 'user',
      schema: keyData.extend({ until: z.enum(['tomorrow', 'week']) }),
      handler: async (data, ctx) => (d ? viewToResult(await d.nudges.cardSnooze(data.key, data.until, ctx.actor.aadObjectId)) : off),
    }),
    defineCardAction({
      verb: VERBS.nudgeHelp,
      role: 'user',
      schema: keyData,
      handler: async (data, ctx) => {
        if (!d) return off;
        const view = await d.nudges.cardHelp(data.key, ctx.actor.aadObjectId);
        d.kick?.();
        return viewToResult(view);
      },
    }),
  ];
}
