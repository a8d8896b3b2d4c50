import type { BreakGlassEntry, Campaign, Cohort, StrengthKind, Tier } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Directory, DirectoryGroup } from '../ports/directory.js';
import type { Store } from '../ports/store.js';
import { describeGroup, describePrincipal, describeUser, isGuid, resolveGroup, resolvePrincipal, type Resolution } from '../directory/resolve.js';
import { applySetting, type SettingContext } from './apply-setting.js';

/** Expected failures as values with a code (STYLE.md): they become one-line replies. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export function fail<T = never>(code: string, message: string): Outcome<T> {
  return { ok: false, code, message };
}

export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';
export const DEFAULT_THRESHOLD_PCT = 95;

/** Looks up an authentication strength by id (Graph `policies/authenticationStrengthPolicies/{id}`). */
export interface StrengthLookup {
  getStrength(id: string): Promise<{ id: string; displayName: string; policyType: string } | null>;
}

export interface CreateCampaignInput {
  name: string | null;
  deadline: string | null;
  strength: string | null;
  threshold: number | null;
}

export interface CampaignServiceDeps {
  store: Store;
  directory: Directory;
  strengths: StrengthLookup;
  clock: Clock;
  random: Random;
}

/** Campaigns, their cohorts and break-glass lists: create, list, show, remove (issue 3.1). */
export class CampaignService {
  constructor(private readonly d: CampaignServiceDeps) {}

  async createCampaign(input: CreateCampaignInput, actor: string): Promise<Outcome<Campaign>> {
    const name = (input.name ?? '').trim();
    if (name === '') return fail('campaign_name_missing', 'A campaign needs a name.');
    if (name.length > 80) return fail('campaign_name_too_long', 'Campaign names are at most 80 characters.');
    if (/[\u0000-\u001f<>]/.test(name)) return fail('campaign_name_invalid', 'Campaign names cannot contain control characters or angle brackets.');
    const now = this.d.clock.now();
    if (input.deadline !== null) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.deadline) || Number.isNaN(Date.parse(`${input.deadline}T00:00:00Z`))) {
        return fail('deadline_invalid', `The deadline must be a date written YYYY-MM-DD, not "${input.deadline}".`);
      }
      if (input.deadline < now.toISOString().slice(0, 10)) return fail('deadline_past', `The deadline ${input.deadline} is in the past.`);
    }
    const threshold = input.threshold ?? DEFAULT_THRESHOLD_PCT;
    if (!(threshold >= 0 && threshold <= 100)) return fail('threshold_invalid', 'The threshold must be a percentage from 0 to 100.');

    let strengthKind: StrengthKind = 'phishing-resistant';
    let strengthId: string | null = PHISHING_RESISTANT_STRENGTH_ID;
    const s = (input.strength ?? 'phishing-resistant').toLowerCase();
    if (s === 'passkeys-only') {
      // Created as a custom authentication strength when the campaign's policies are set up.
      strengthKind = 'passkeys-only';
      strengthId = null;
    } else if (s !== 'phishing-resistant') {
      if (!isGuid(s)) return fail('strength_invalid', `The strength must be phishing-resistant, passkeys-only or an authentication strength id, not "${input.strength}".`);
      const found = await this.d.strengths.getStrength(s);
      if (!found) return fail('strength_not_found', `There is no authentication strength with id ${s} in this tenant.`);
      if (found.id.toLowerCase() === PHISHING_RESISTANT_STRENGTH_ID) {
        strengthKind = 'phishing-resistant';
      } else {
        strengthKind = 'custom';
      }
      strengthId = found.id.toLowerCase();
    }

    const campaign: Campaign = {
      id: this.d.random.uuid(),
      name,
      strengthKind,
      strengthId,
      deadline: input.deadline,
      thresholdPct: threshold,
      aaguidAllow: [],
      aaguidBlock: [],
      settings: {},
      nudgesPaused: false,
      reportOnlyPolicyId: null,
      enforcedPolicyId: null,
      exemptionsGroupId: null,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const created = await this.d.store.transaction(async (repos) => {
      const r = await repos.campaigns.create(campaign);
      if (r === 'ok') {
        await repos.audit.append({ at: now, actor, action: 'campaign.create', campaignId: campaign.id, after: summarizeCampaign(campaign) });
      }
      return r;
    });
    if (created === 'name_taken') return fail('campaign_exists', `There is already a campaign called "${name}".`);
    return { ok: true, value: campaign };
  }

  async findCampaign(name: string): Promise<Outcome<Campaign>> {
    const c = await this.d.store.campaigns.findByName(name.trim());
    if (c) return { ok: true, value: c };
    const all = await this.d.store.campaigns.list();
    const near = all.filter((x) => x.name.toLowerCase().includes(name.trim().toLowerCase().slice(0, 4))).map((x) => `"${x.name}"`);
    const hint = near.length > 0 ? ` Did you mean ${near.slice(0, 3).join(' or ')}?` : all.length === 0 ? ' There are no campaigns yet: `campaign create <name>`.' : ' `campaign list` shows them.';
    return fail('campaign_not_found', `There is no campaign called "${name.trim()}".${hint}`);
  }

  async findCohort(name: string): Promise<Outcome<Cohort>> {
    const c = await this.d.store.cohorts.findByName(name.trim());
    if (c) return { ok: true, value: c };
    const all = await this.d.store.cohorts.list();
    const q = name.trim().toLowerCase();
    const near = all.filter((x) => x.name.toLowerCase().includes(q.slice(0, 4))).map((x) => `"${x.name}"`);
    const hint = near.length > 0 ? ` Did you mean ${near.slice(0, 3).join(' or ')}?` : ' `cohorts` lists them.';
    return fail('cohort_not_found', `There is no cohort called "${name.trim()}".${hint}`);
  }

  async setCampaignSetting(name: string, key: string, value: string, actor: string, channel: SettingContext['channel']): Promise<Outcome<{ campaign: Campaign; said: string }>> {
    const found = await this.findCampaign(name);
    if (!found.ok) return found;
    const campaign = found.value;
    const resolvedUsers = new Map<string, string | null>();
    if (key === 'helpdesk' && value.toLowerCase() !== 'none') {
      for (const w of value.split(/[,\s]+/).filter(Boolean)) {
        const u = await this.d.directory.getUser(w);
        resolvedUsers.set(w.toLowerCase(), u ? u.id.toLowerCase() : null);
      }
    }
    const now = this.d.clock.now();
    const r = applySetting(campaign, key, value, { today: now.toISOString().slice(0, 10), channel, resolvedUsers, hasPolicies: campaign.reportOnlyPolicyId !== null || campaign.enforcedPolicyId !== null });
    if (!r.ok) return fail('setting_invalid', r.message);
    const next = { ...r.campaign, updatedAt: now };
    const saved = await this.d.store.transaction(async (repos) => {
      const ok = await repos.campaigns.update(next, campaign.version);
      if (ok) await repos.audit.append({ at: now, actor, action: 'campaign.set', campaignId: campaign.id, subject: key, before: settingSnapshot(campaign), after: settingSnapshot(next), details: { key, value } });
      return ok;
    });
    if (!saved) return fail('campaign_changed', 'Someone changed the campaign at the same moment; nothing was changed. Please try again.');
    return { ok: true, value: { campaign: { ...next, version: campaign.version + 1 }, said: r.said } };
  }

  async removeCampaign(name: string, actor: string): Promise<Outcome<Campaign>> {
    const found = await this.findCampaign(name);
    if (!found.ok) return found;
    const campaign = found.value;
    const cohorts = await this.d.store.cohorts.list(campaign.id);
    const live = cohorts.filter((c) => c.stage === 'report-only' || c.stage === 'enforced');
    if (live.length > 0) {
      return fail('campaign_has_live_cohorts', `"${campaign.name}" still has cohorts in Conditional Access (${live.map((c) => `${c.name}: ${c.stage}`).join(', ')}). Roll them back to nudging first, so no policy is left behind.`);
    }
    const now = this.d.clock.now();
    await this.d.store.transaction(async (repos) => {
      await repos.audit.append({ at: now, actor, action: 'campaign.remove', campaignId: campaign.id, before: { ...summarizeCampaign(campaign), cohorts: cohorts.map((c) => c.name) } });
      await repos.campaigns.remove(campaign.id);
    });
    return { ok: true, value: campaign };
  }

  async addBreakGlass(principalText: string, campaignName: string, actor: string): Promise<Outcome<BreakGlassEntry>> {
    const found = await this.findCampaign(campaignName);
    if (!found.ok) return found;
    const resolution = await resolvePrincipal(this.d.directory, principalText);
    const picked = pickOne(resolution, principalText, describePrincipal, 'account or group');
    if (!picked.ok) return picked;
    const p = picked.value;
    const now = this.d.clock.now();
    const entry: BreakGlassEntry = {
      campaignId: found.value.id,
      principalId: (p.kind === 'user' ? p.user.id : p.group.id).toLowerCase(),
      kind: p.kind,
      displayName: p.kind === 'user' ? p.user.displayName : p.group.displayName,
      addedBy: actor,
      addedAt: now,
    };
    const r = await this.d.store.transaction(async (repos) => {
      const added = await repos.campaigns.addBreakGlass(entry);
      if (added === 'ok') await repos.audit.append({ at: now, actor, action: 'breakglass.add', campaignId: entry.campaignId, subject: entry.principalId, after: { kind: entry.kind, displayName: entry.displayName } });
      return added;
    });
    if (r === 'exists') return fail('breakglass_exists', `${describePrincipal(p)} is already a break-glass ${p.kind} of "${found.value.name}".`);
    return { ok: true, value: entry };
  }

  async addCohort(input: { group: string; campaign: string; tier: Tier; named: string | null }, actor: string): Promise<Outcome<{ cohort: Cohort; group: DirectoryGroup; campaign: Campaign }>> {
    const found = await this.findCampaign(input.campaign);
    if (!found.ok) return found;
    const campaign = found.value;
    const resolution = await resolveGroup(this.d.directory, input.group);
    const picked = pickOne(resolution, input.group, describeGroup, 'group');
    if (!picked.ok) return picked;
    const group = picked.value;
    const name = (input.named ?? group.displayName).trim();
    if (name === '' || name.length > 80) return fail('cohort_name_invalid', 'Cohort names are 1 to 80 characters.');
    if (/[\u0000-\u001f<>]/.test(name)) return fail('cohort_name_invalid', 'Cohort names cannot contain control characters or angle brackets.');
    const now = this.d.clock.now();
    const cohort: Cohort = {
      id: this.d.random.uuid(),
      campaignId: campaign.id,
      name,
      groupId: group.id.toLowerCase(),
      groupName: group.displayName,
      tier: input.tier,
      stage: 'planned',
      paused: false,
      stageChangedAt: now,
      membersSyncedAt: null,
      memberCount: 0,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const r = await this.d.store.transaction(async (repos) => {
      const created = await repos.cohorts.create(cohort);
      if (created === 'ok') {
        await repos.audit.append({ at: now, actor, action: 'cohort.create', campaignId: campaign.id, cohortId: cohort.id, subject: group.id, after: { name, group: group.displayName, tier: input.tier, stage: 'planned' } });
      }
      return created;
    });
    if (r === 'name_taken') {
      return fail('cohort_exists', `There is already a cohort called "${name}" (cohort names are unique across campaigns). Add \`named <another name>\`.`);
    }
    if (r === 'group_taken') return fail('cohort_group_taken', `The group ${group.displayName} is already a cohort of "${campaign.name}".`);
    return { ok: true, value: { cohort, group, campaign } };
  }

  async removeCohort(name: string, actor: string): Promise<Outcome<Cohort>> {
    const found = await this.findCohort(name);
    if (!found.ok) return found;
    const cohort = found.value;
    if (cohort.stage === 'report-only' || cohort.stage === 'enforced') {
      return fail('cohort_live', `"${cohort.name}" is ${cohort.stage}: its group is in a Conditional Access policy. Roll it back to nudging first (\`rollback ${cohort.name}\`).`);
    }
    const now = this.d.clock.now();
    await this.d.store.transaction(async (repos) => {
      await repos.audit.append({ at: now, actor, action: 'cohort.remove', campaignId: cohort.campaignId, cohortId: cohort.id, before: { name: cohort.name, group: cohort.groupName, tier: cohort.tier, stage: cohort.stage } });
      await repos.cohorts.remove(cohort.id);
    });
    return { ok: true, value: cohort };
  }
}

function pickOne<T>(r: Resolution<T>, text: string, describe: (t: T) => string, what: string): Outcome<T> {
  switch (r.kind) {
    case 'found':
      return { ok: true, value: r.value };
    case 'ambiguous':
      return fail(
        `${what.split(' ')[0]}_ambiguous`,
        `More than one ${what} is called "${text.trim()}". Which one? Say it again with the id:\n${r.candidates.slice(0, 10).map((c) => `- ${describe(c)}`).join('\n')}`,
      );
    case 'not_found': {
      const near = r.suggestions.length > 0 ? ` Near matches:\n${r.suggestions.map((c) => `- ${describe(c)}`).join('\n')}` : '';
      return fail(`${what.split(' ')[0]}_not_found`, `No ${what} "${text.trim()}" was found in Entra.${near}`);
    }
  }
}

function settingSnapshot(c: Campaign): Record<string, unknown> {
  return { deadline: c.deadline, thresholdPct: c.thresholdPct, aaguidAllow: c.aaguidAllow, aaguidBlock: c.aaguidBlock, settings: c.settings };
}

export function summarizeCampaign(c: Campaign): Record<string, unknown> {
  return { name: c.name, strength: c.strengthKind, strengthId: c.strengthId, deadline: c.deadline, thresholdPct: c.thresholdPct };
}

export { describeUser };
