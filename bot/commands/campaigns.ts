import { z } from 'zod';
import { expandTemplate, type AdaptiveCardJson } from '../../cards/render.js';
import { VERBS } from '../../cards/verbs.js';
import type { CampaignService, Outcome } from '../../services/campaigns/campaign-service.js';
import { effectiveSettings } from '../../services/campaigns/campaign-settings.js';
import { CA_ROLE_NEEDED, mayChangeConditionalAccess } from '../../services/staging/stages.js';
import type { Campaign, Cohort } from '../../services/ports/campaign-store.js';
import type { Clock } from '../../services/ports/clock.js';
import type { Store } from '../../services/ports/store.js';
import { defineCardAction, type CardActionSpec } from '../card-actions.js';
import type { CommandContext, CommandSpec, Reply } from '../command-router.js';

export interface CampaignCommandDeps {
  campaigns: CampaignService;
  store: Store;
  clock: Clock;
  /** Starts a background membership + registration sync for a new cohort (null when none runs here). */
  onCohortAdded?: (cohort: Cohort, actor: CommandContext) => void;
  /** Starts a sync of one campaign after a rule that decides compliance changed (AAGUID lists). */
  onRulesChanged?: (campaignId: string) => void;
  /** Policy staging: adopting existing policies, and excluding new break-glass entries from them. */
  policies?: {
    adoptPolicy(campaignName: string, role: 'report-only' | 'enforced', policyId: string, actor: { id: string; name: string }): Promise<Outcome<string>>;
    applyExclusions(campaignId: string, actor: { id: string; name: string }): Promise<string>;
    setAllowList(campaignName: string, value: string, actor: { id: string; name: string }, canChangeCa: boolean): Promise<Outcome<string>>;
  };
}

export function strengthLabel(c: Campaign): string {
  switch (c.strengthKind) {
    case 'phishing-resistant':
      return 'Phishing-resistant MFA (built-in)';
    case 'passkeys-only':
      return c.strengthId ? `Passkeys only (custom strength ${c.strengthId})` : 'Passkeys only (custom strength, created with the policies)';
    case 'custom':
      return `Custom strength ${c.strengthId}`;
  }
}

function campaignFormCard(clock: Clock, values: { name?: string; deadline?: string; strength?: string; threshold?: number; error?: string } = {}): AdaptiveCardJson {
  return expandTemplate('campaign-form', {
    name: values.name ?? '',
    deadline: values.deadline ?? '',
    strength: values.strength ?? 'phishing-resistant',
    threshold: values.threshold ?? 95,
    today: clock.now().toISOString().slice(0, 10),
    error: values.error ?? '',
  });
}

function createdCard(c: Campaign, by: string): AdaptiveCardJson {
  return expandTemplate('campaign-created', {
    name: c.name,
    strength: strengthLabel(c),
    deadline: c.deadline ?? 'none set',
    threshold: `${c.thresholdPct}% of a cohort`,
    createdBy: by,
    nextSteps: `Next: add cohorts with \`cohort add <group> to ${c.name} as <tier0|tier1|workforce>\`, and break-glass accounts with \`breakglass add <user|group> to ${c.name}\`.`,
  });
}

export function campaignCommands(d: CampaignCommandDeps): CommandSpec[] {
  const create: CommandSpec<'campaign_create'> = {
    kind: 'campaign_create',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Create a campaign (no arguments: a form).',
    handler: async (cmd, ctx): Promise<Reply> => {
      if (cmd.name === null) return { cards: [campaignFormCard(d.clock)] };
      const r = await d.campaigns.createCampaign(cmd, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      ctx.logger.info({ campaignId: r.value.id }, 'campaign created');
      return { cards: [createdCard(r.value, ctx.actor.name || ctx.actor.aadObjectId)] };
    },
  };

  const list: CommandSpec<'campaign_list'> = {
    kind: 'campaign_list',
    role: 'admin',
    section: 'Campaigns',
    summary: 'All campaigns with their deadline and cohorts.',
    handler: async (): Promise<Reply> => {
      const campaigns = await d.store.campaigns.list();
      const cohorts = await d.store.cohorts.list();
      const rows = campaigns.map((c) => {
        const mine = cohorts.filter((x) => x.campaignId === c.id);
        const byStage = ['planned', 'nudging', 'report-only', 'enforced'].map((s) => [s, mine.filter((x) => x.stage === s).length] as const).filter(([, n]) => n > 0);
        return {
          name: c.name,
          strength: strengthLabel(c),
          deadline: c.deadline ?? 'none',
          cohorts: mine.length === 0 ? 'no cohorts' : `${mine.length} cohort${mine.length === 1 ? '' : 's'} (${byStage.map(([s, n]) => `${n} ${s}`).join(', ')})`,
          paused: c.nudgesPaused,
        };
      });
      return { cards: [expandTemplate('campaign-list', { count: rows.length, campaigns: rows })] };
    },
  };

  const show: CommandSpec<'campaign_show'> = {
    kind: 'campaign_show',
    role: 'admin',
    section: 'Campaigns',
    summary: 'One campaign: settings, policies, break-glass, cohorts.',
    handler: async (cmd): Promise<Reply> => {
      const found = await d.campaigns.findCampaign(cmd.name);
      if (!found.ok) return { text: found.message };
      const c = found.value;
      const settings = effectiveSettings(c.settings);
      const cohorts = await d.store.cohorts.list(c.id);
      const bg = await d.store.campaigns.breakGlass(c.id);
      const rows = [];
      for (const x of cohorts) {
        const counts = await d.store.members.countsByState([x.id]);
        const total = counts.reduce((a, b) => a + b.count, 0);
        const ok = counts.find((s) => s.state === 'compliant')?.count ?? 0;
        rows.push({ name: x.name, tier: x.tier, stage: x.paused ? `${x.stage} (paused)` : x.stage, compliance: total === 0 ? 'not synced yet' : `${ok}/${total} ready` });
      }
      const warnings = [
        bg.length === 0 ? 'No break-glass accounts listed: add your emergency access accounts before any cohort reaches report-only (`breakglass add <user|group> to ' + c.name + '`).' : '',
      ].filter(Boolean);
      return {
        cards: [
          expandTemplate('campaign-show', {
            name: c.name,
            strength: strengthLabel(c),
            deadline: c.deadline ?? 'none set',
            threshold: `${c.thresholdPct}% of a cohort`,
            reminders: c.nudgesPaused ? 'paused' : `${settings.cadenceDays.join(', ')} days before the deadline, then every ${settings.overdueEveryDays} days (at most ${settings.maxReminders})`,
            reportOnlyPolicy: c.reportOnlyPolicyId ?? 'not created yet',
            enforcedPolicy: c.enforcedPolicyId ?? 'not created yet',
            breakGlass: bg.length === 0 ? 'none' : bg.map((b) => `${b.displayName} (${b.kind})`).join(', '),
            cohorts: rows,
            noCohortsHint: `None yet: \`cohort add <group> to ${c.name} as <tier0|tier1|workforce>\`.`,
            warnings: warnings.join('\n\n'),
          }),
        ],
      };
    },
  };

  const remove: CommandSpec<'campaign_remove'> = {
    kind: 'campaign_remove',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Remove a campaign that has no cohort in Conditional Access.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.campaigns.removeCampaign(cmd.name, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      return { text: `Removed the campaign "${r.value.name}" and its cohorts. The audit log keeps what it was.` };
    },
  };

  const set: CommandSpec<'campaign_set'> = {
    kind: 'campaign_set',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Change one setting: deadline, threshold, aaguid-allow, aaguid-block, cadence, hours, weekends, timezone, soak-days, failure-max, min-warnings, helpdesk, helpdesk-channel, admins-channel, exemption-days, tap-minutes, tap-once, escalation, guard, guard-share, guard-window, approval-hours, lockout-check; or adopt a policy: report-only-policy <id>, enforced-policy <id>.',
    handler: async (cmd, ctx): Promise<Reply> => {
      if (cmd.key === 'report-only-policy' || cmd.key === 'enforced-policy') {
        if (!d.policies) return { text: 'Policy staging is not available in this deployment.' };
        if (!mayChangeConditionalAccess(ctx.access)) return { text: CA_ROLE_NEEDED };
        const a = await d.policies.adoptPolicy(cmd.name, cmd.key === 'report-only-policy' ? 'report-only' : 'enforced', cmd.value, { id: ctx.actor.aadObjectId, name: ctx.actor.name });
        return { text: a.ok ? a.value : a.message };
      }
      const rulesChange = cmd.key === 'aaguid-allow' || cmd.key === 'aaguid-block';
      const resync = async (name: string): Promise<string> => {
        if (!rulesChange || !d.onRulesChanged) return '';
        const c = await d.store.campaigns.findByName(name);
        if (!c) return '';
        d.onRulesChanged(c.id);
        return ' Members are being checked against it again now; `status` shows the result when that sync ends.';
      };
      if (cmd.key === 'aaguid-allow' && d.policies) {
        const a = await d.policies.setAllowList(cmd.name, cmd.value, { id: ctx.actor.aadObjectId, name: ctx.actor.name }, mayChangeConditionalAccess(ctx.access));
        if (!a.ok) return { text: a.message };
        return { text: `${a.value}${await resync(cmd.name)}` };
      }
      const r = await d.campaigns.setCampaignSetting(cmd.name, cmd.key, cmd.value, ctx.actor.aadObjectId, {
        conversationId: ctx.turn.conversationId,
        serviceUrl: ctx.turn.serviceUrl,
        conversationType: ctx.turn.conversationType,
      });
      if (!r.ok) return { text: r.message };
      return { text: `${r.value.campaign.name}: ${r.value.said}${await resync(r.value.campaign.name)}` };
    },
  };

  const breakglass: CommandSpec<'breakglass_add'> = {
    kind: 'breakglass_add',
    role: 'admin',
    section: 'Campaigns',
    summary: 'Add an emergency access account or group: excluded from enforcement, never reminded.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.campaigns.addBreakGlass(cmd.principal, cmd.campaign, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      const policies = !d.policies
        ? ''
        : mayChangeConditionalAccess(ctx.access)
          ? await d.policies.applyExclusions(r.value.campaignId, { id: ctx.actor.aadObjectId, name: ctx.actor.name })
          : ' Your Entra roles cannot change Conditional Access, so a Security or Conditional Access Administrator must add the exclusion to existing policies (the break-glass gate stops moves until then).';
      return { text: `Added ${r.value.kind} ${r.value.displayName} as break-glass for the campaign. Both of its Conditional Access policies will exclude it.${policies}` };
    },
  };

  const cohortAdd: CommandSpec<'cohort_add'> = {
    kind: 'cohort_add',
    role: 'admin',
    section: 'Cohorts',
    summary: 'Add an Entra group as a cohort of a campaign (stage planned).',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.campaigns.addCohort(cmd, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      d.onCohortAdded?.(r.value.cohort, ctx);
      return {
        text: `Added the cohort "${r.value.cohort.name}" (group ${r.value.group.displayName}, ${r.value.cohort.tier}) to "${r.value.campaign.name}", stage planned. I am reading its members and their passkeys now; \`status ${r.value.cohort.name}\` shows them.`,
      };
    },
  };

  const cohortRemove: CommandSpec<'cohort_remove'> = {
    kind: 'cohort_remove',
    role: 'admin',
    section: 'Cohorts',
    summary: 'Remove a cohort that is not in Conditional Access.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.campaigns.removeCohort(cmd.cohort, ctx.actor.aadObjectId);
      if (!r.ok) return { text: r.message };
      return { text: `Removed the cohort "${r.value.name}". Its members get no more reminders from it.` };
    },
  };

  const cohorts: CommandSpec<'cohorts'> = {
    kind: 'cohorts',
    role: 'admin',
    section: 'Cohorts',
    summary: 'The cohorts of every campaign, or of one.',
    handler: async (cmd): Promise<Reply> => {
      let campaignId: string | undefined;
      if (cmd.campaign) {
        const c = await d.campaigns.findCampaign(cmd.campaign);
        if (!c.ok) return { text: c.message };
        campaignId = c.value.id;
      }
      const list = await d.store.cohorts.list(campaignId);
      if (list.length === 0) return { text: campaignId ? 'That campaign has no cohorts yet.' : 'There are no cohorts yet: `cohort add <group> to <campaign> as <tier0|tier1|workforce>`.' };
      const campaigns = new Map((await d.store.campaigns.list()).map((c) => [c.id, c.name]));
      const lines = list.map((x) => `- **${x.name}** — ${campaigns.get(x.campaignId)} · group ${x.groupName} · ${x.tier} · ${x.stage}${x.paused ? ' (paused)' : ''} · ${x.memberCount} members`);
      return { text: `Cohorts (${list.length}):\n${lines.join('\n')}` };
    },
  };

  return [create, list, show, set, remove, breakglass, cohortAdd, cohortRemove, cohorts] as CommandSpec[];
}

const campaignFormData = z.object({
  name: z.string().max(200).optional().default(''),
  deadline: z.string().max(20).optional().default(''),
  strength: z.enum(['phishing-resistant', 'passkeys-only']).optional().default('phishing-resistant'),
  threshold: z.union([z.number(), z.string().max(10)]).optional(),
});

export function campaignCardActions(d: CampaignCommandDeps): CardActionSpec[] {
  const create = defineCardAction({
    verb: VERBS.campaignCreate,
    role: 'admin',
    schema: campaignFormData,
    handler: async (data, ctx) => {
      const threshold = data.threshold === undefined || data.threshold === '' ? null : Number(data.threshold);
      const values = { name: data.name, deadline: data.deadline, strength: data.strength, threshold: threshold ?? 95 };
      if (threshold !== null && !Number.isFinite(threshold)) return { card: campaignFormCard(d.clock, { ...values, threshold: 95, error: 'The threshold must be a number from 0 to 100.' }) };
      const r = await d.campaigns.createCampaign({ name: data.name, deadline: data.deadline === '' ? null : data.deadline, strength: data.strength, threshold }, ctx.actor.aadObjectId);
      if (!r.ok) return { card: campaignFormCard(d.clock, { ...values, error: r.message }) };
      return { card: createdCard(r.value, ctx.actor.name || ctx.actor.aadObjectId) };
    },
  });
  return [create];
}
