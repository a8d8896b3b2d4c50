import type { Directory } from '../../services/ports/directory.js';
import type { CardActionSpec } from '../card-actions.js';
import type { CommandRouter, CommandSpec, CommandTable, Reply } from '../command-router.js';
import { campaignCardActions, campaignCommands, type CampaignCommandDeps } from './campaigns.js';
import { statusCommands, type StatusCommandDeps } from './status.js';
import { insightCardActions, insightCommands, type InsightCommandDeps } from './insight.js';
import { exportCardActions, exportCommands, type ExportDeps } from './export.js';
import { stagingCardActions, stagingCommands, type StagingCommandDeps } from './staging.js';
import { nudgeCardActions, nudgeCommands, type NudgeCommandDeps } from './nudges.js';
import { helpCommand } from './help.js';
import { whoamiCommand } from './whoami.js';

/** Demo-only controls (the simulated tenant is in the same process). */
export interface DemoControls {
  /** Gives the acting user a directory role set in the simulated tenant, so roles still come from "Entra". */
  setRole(aadObjectId: string, role: 'user' | 'helpdesk' | 'admin'): Promise<string>;
  /** The simulated second admin presses Approve/Reject on the newest approval card in their own chat. */
  secondAdmin(decision: 'approve' | 'reject'): Promise<string>;
}

export interface CommandDeps {
  directory: Directory;
  router: () => CommandRouter;
  campaigns: CampaignCommandDeps;
  status: StatusCommandDeps;
  insight: InsightCommandDeps;
  export: ExportDeps;
  /** Policy staging, exemptions, TAP and audit (issue 5); absent in deployments without it. */
  staging?: StagingCommandDeps;
  /** Reminders (issue 4); absent in deployments without them. */
  nudges?: NudgeCommandDeps | null;
  demo?: DemoControls | null;
}

export function buildCommandTable(deps: CommandDeps): CommandTable {
  const table: CommandTable = {
    help: { kind: 'help', role: 'user', section: 'Everyone', summary: 'What you can ask me (only the commands you may use).', handler: helpCommand(() => deps.router().specs()) },
    whoami: { kind: 'whoami', role: 'user', section: 'Everyone', summary: 'Your Entra identity and your role here.', handler: whoamiCommand(deps.directory) },
  };
  for (const spec of [
    ...campaignCommands(deps.campaigns),
    ...statusCommands(deps.status),
    ...insightCommands(deps.insight),
    ...exportCommands(deps.export),
    ...(deps.staging ? stagingCommands(deps.staging) : []),
    ...(deps.nudges ? nudgeCommands(deps.nudges) : []),
  ])
    (table as Record<string, CommandSpec>)[spec.kind] = spec;
  if (deps.demo) {
    const demo = deps.demo;
    const spec: CommandSpec<'demo_role'> = {
      kind: 'demo_role',
      role: 'user',
      section: 'Demo',
      summary: 'Demo only: give yourself the Entra role of an ordinary user, helpdesk or admin in the simulated tenant.',
      handler: async (command, ctx): Promise<Reply> => ({ text: await demo.setRole(ctx.actor.aadObjectId, command.role) }),
    };
    table.demo_role = spec;
    const second: CommandSpec<'demo_second_admin'> = {
      kind: 'demo_second_admin',
      role: 'user',
      section: 'Demo',
      summary: 'Demo only: the simulated second admin (Demo Conditional Access Admin) answers the newest enforcement approval in their own Teams chat.',
      handler: async (command): Promise<Reply> => ({ text: await demo.secondAdmin(command.decision) }),
    };
    table.demo_second_admin = second;
  }
  return table;
}

export function buildCardActions(deps: CommandDeps): CardActionSpec[] {
  // Built even without deps (the verb test lists them): handlers only touch their deps when pressed.
  return [...campaignCardActions(deps.campaigns), ...insightCardActions(deps.insight), ...exportCardActions(deps.export), ...stagingCardActions(deps.staging as StagingCommandDeps), ...nudgeCardActions(deps.nudges)];
}
