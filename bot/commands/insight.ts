import { z } from 'zod';
import { expandTemplate, type AdaptiveCardJson } from '../../cards/render.js';
import { VERBS } from '../../cards/verbs.js';
import type { CampaignService } from '../../services/campaigns/campaign-service.js';
import { resolveGroup } from '../../services/directory/resolve.js';
import { READINESS_LABELS, type ReadinessCategory } from '../../services/insight/readiness.js';
import type { ReadinessReport, ReadinessService, ReadinessTarget } from '../../services/insight/readiness-service.js';
import type { Cohort } from '../../services/ports/campaign-store.js';
import type { Directory } from '../../services/ports/directory.js';
import type { Store } from '../../services/ports/store.js';
import { defineCardAction, type CardActionSpec } from '../card-actions.js';
import type { CommandSpec, Reply } from '../command-router.js';

export interface InsightCommandDeps {
  store: Store;
  directory: Directory;
  campaigns: CampaignService;
  readiness: ReadinessService;
  /** Reads new cohorts right away (a sync started or queued). */
  onCohortAdded?: (cohort: Cohort) => void;
}

const MAX_ROWS = 25;
const ORDER: ReadinessCategory[] = ['ready', 'must_register', 'device_update', 'blocked_by_policy', 'checking', 'excluded'];

export async function readinessCard(r: ReadinessReport, campaignNames: string[]): Promise<AdaptiveCardJson> {
  const slices = ORDER.filter((c) => r.counts[c] > 0).map((c) => ({ legend: READINESS_LABELS[c], value: r.counts[c] }));
  const pct = (n: number, of: number) => (of === 0 ? '0%' : `${Math.round((n / of) * 100)}%`);
  const waves = r.waves.slice(0, MAX_ROWS);
  const canAccept = waves.length > 0 && campaignNames.length > 0;
  return expandTemplate('readiness', {
    title: r.title,
    population: r.population,
    slices,
    facts: slices.map((x) => ({ legend: x.legend, value: String(x.value) })),
    donutFallback: slices.map((s) => `${s.legend}: ${s.value}`).join(' · '),
    groupsTitle: r.target.kind === 'campaign' ? 'By cohort' : 'By group',
    groups: r.groups.slice(0, MAX_ROWS).map((g) => ({ name: g.displayName, line: `${g.size} people · ${pct(g.ready, g.size)} ready · ${g.counts.device_update} need a device update · ${g.counts.blocked_by_policy} blocked` })),
    waves: waves.map((w) => ({ start: w.start, name: w.name, line: `${w.size} new people · ${w.readyPct}% ready · ${w.tier}` })),
    note: [
      r.groups.length > MAX_ROWS ? `${r.groups.length - MAX_ROWS} more groups not shown.` : '',
      r.waves.length === 0 && r.target.kind === 'tenant' ? 'No wave plan: no security group of a useful size was found.' : '',
      r.waves.length > 0 && campaignNames.length === 0 ? 'Create a campaign first (`campaign create`) to turn these waves into cohorts.' : '',
      r.devicesRead > 0 ? `Registered devices were read for ${r.devicesRead} people.` : '',
    ]
      .filter(Boolean)
      .join(' '),
    canAccept,
    campaigns: campaignNames.map((name) => ({ name })),
    defaultCampaign: campaignNames[0] ?? '',
    acceptWaves: waves.map((w) => ({ groupId: w.groupId, tier: w.tier })),
  });
}

export function insightCommands(d: InsightCommandDeps): CommandSpec[] {
  const readiness: CommandSpec<'readiness'> = {
    kind: 'readiness',
    role: 'admin',
    section: 'Insight',
    summary: 'Who is ready, who must register, who needs a device update or is blocked by the passkey policy — and a proposed wave plan.',
    handler: async (cmd): Promise<Reply> => {
      let target: ReadinessTarget = { kind: 'tenant' };
      if (cmd.target) {
        const campaign = await d.store.campaigns.findByName(cmd.target);
        if (campaign) target = { kind: 'campaign', campaign };
        else {
          const g = await resolveGroup(d.directory, cmd.target);
          if (g.kind === 'ambiguous') return { text: `More than one group is called "${cmd.target}". Use its id:\n${g.candidates.slice(0, 10).map((x) => `- ${x.displayName} (${x.id})`).join('\n')}` };
          if (g.kind === 'not_found') return { text: `There is no campaign or group called "${cmd.target}".` };
          target = { kind: 'group', group: g.value };
        }
      }
      const report = await d.readiness.assess(target);
      if (report.population === 0) return { text: target.kind === 'tenant' ? 'Nobody is known yet: run `sync` once so the registration report is read.' : `Nobody is in ${report.title} yet (run \`sync\`).` };
      const campaigns = (await d.store.campaigns.list()).map((c) => c.name);
      return { cards: [await readinessCard(report, target.kind === 'tenant' ? campaigns : [])] };
    },
  };
  return [readiness as CommandSpec];
}

const acceptData = z.object({
  campaign: z.string().min(1).max(200),
  waves: z
    .array(z.object({ groupId: z.string().regex(/^[0-9a-f-]{36}$/i), tier: z.enum(['tier0', 'tier1', 'workforce']) }))
    .min(1)
    .max(100),
});

export function insightCardActions(d: InsightCommandDeps): CardActionSpec[] {
  return [
    defineCardAction({
      verb: VERBS.readinessAccept,
      role: 'admin',
      schema: acceptData,
      handler: async (data, ctx) => {
        const lines: string[] = [];
        for (const w of data.waves) {
          // The card only carries ids; the group is looked up again and the campaign checked, as for a typed command.
          const r = await d.campaigns.addCohort({ group: w.groupId, campaign: data.campaign, tier: w.tier, named: null }, ctx.actor.aadObjectId);
          if (r.ok) d.onCohortAdded?.(r.value.cohort);
          lines.push(r.ok ? `Created cohort "${r.value.cohort.name}" (${w.tier}).` : r.message.split('\n')[0]!);
        }
        return { card: expandTemplate('readiness-accepted', { campaign: data.campaign, lines: lines.map((text) => ({ text })) }) };
      },
    }),
  ];
}
