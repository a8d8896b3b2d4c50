import { fail, PHISHING_RESISTANT_STRENGTH_ID, type Outcome } from '../campaigns/campaign-service.js';
import type { Campaign, Cohort } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { CaPolicy, GroupWriter, PolicyGateway } from '../ports/policy-gateway.js';
import type { SnapshotKind } from '../ports/staging-store.js';
import type { Repositories, Store } from '../ports/store.js';
import {
  adoptProblems,
  exclusionsOf,
  exemptionsGroupName,
  mailNicknameFor,
  newPolicyBody,
  passkeyPolicySnapshot,
  policyDisplayName,
  policySnapshot,
  strengthDisplayName,
  strengthSnapshot,
  type PolicyIntent,
} from './policy-shape.js';
import { writePolicyIntent, type PolicyWriteResult } from './policy-writer.js';
import type { PolicyRole } from './stages.js';

export interface CampaignPoliciesDeps {
  store: Store;
  gateway: PolicyGateway;
  groups: GroupWriter;
  directory: Directory;
  clock: Clock;
  random: Random;
  logger: Logger;
}

/** One Graph change the bot made or would make, for plans, cards and the audit log. */
export interface GraphChange {
  kind: 'create-strength' | 'restrict-strength' | 'create-group' | 'create-policy' | 'update-policy';
  target: string;
  /** For policy updates: `conditions.users` (and state/strength) before and after. */
  before?: unknown;
  after?: unknown;
  note?: string;
}

export const policyIdOf = (c: Campaign, role: PolicyRole): string | null => (role === 'report-only' ? c.reportOnlyPolicyId : c.enforcedPolicyId);

/**
 * The campaign's Entra objects: the custom passkey-only strength (for `passkeys-only` campaigns),
 * the exemptions group, and the two CA policies — created report-only first, or adopted after their
 * shape is checked — and the snapshots drift watch compares against. Every creation is saved and
 * audited at once, so a setup cut short by a crash resumes where it stopped (objects are found by
 * their display name before anything is created twice).
 */
export class CampaignPolicies {
  constructor(private readonly d: CampaignPoliciesDeps) {}

  /** What `ensureSetup` would create, in words (for `plan`). */
  async plannedSetup(campaign: Campaign): Promise<GraphChange[]> {
    const out: GraphChange[] = [];
    if (campaign.strengthKind === 'passkeys-only' && !campaign.strengthId) {
      out.push({ kind: 'create-strength', target: strengthDisplayName(campaign.name), note: 'allowed combinations: fido2 only' });
      if (campaign.aaguidAllow.length > 0) out.push({ kind: 'restrict-strength', target: strengthDisplayName(campaign.name), note: `passkeys limited to ${campaign.aaguidAllow.length} model(s) (AAGUIDs)` });
    }
    if (!campaign.exemptionsGroupId) out.push({ kind: 'create-group', target: exemptionsGroupName(campaign.name), note: 'security group, excluded from both policies' });
    for (const role of ['report-only', 'enforced'] as const) {
      if (!policyIdOf(campaign, role)) out.push({ kind: 'create-policy', target: policyDisplayName(campaign.name, role), note: role === 'report-only' ? 'state report-only, includes nobody yet' : 'state on, includes nobody yet' });
    }
    return out;
  }

  /** Creates whatever is missing; returns the campaign as saved and what was created. */
  async ensureSetup(campaign: Campaign, actor: string): Promise<{ campaign: Campaign; changes: GraphChange[] }> {
    const changes: GraphChange[] = [];
    let c = await this.ensureStrength(campaign, actor, changes);
    c = await this.ensureExemptionsGroup(c, actor, changes);
    // Report-only first: a half-finished setup never leaves an enforcing policy without its twin.
    c = await this.ensurePolicy(c, 'report-only', actor, changes);
    c = await this.ensurePolicy(c, 'enforced', actor, changes);
    // The passkey policy's baseline for drift watch: as it is when the campaign's policies appear.
    if (!(await this.d.store.policySnapshots.get(c.id, 'passkey-policy'))) await this.resnapshot(c, ['passkey-policy'], actor, 'baseline at setup');
    return { campaign: c, changes };
  }

  strengthIdOf(c: Campaign): string | null {
    return c.strengthKind === 'phishing-resistant' ? (c.strengthId ?? PHISHING_RESISTANT_STRENGTH_ID) : c.strengthId;
  }

  private async ensureStrength(campaign: Campaign, actor: string, changes: GraphChange[]): Promise<Campaign> {
    if (campaign.strengthKind !== 'passkeys-only' || campaign.strengthId) return campaign;
    const name = strengthDisplayName(campaign.name);
    const existing = (await this.d.gateway.strengthsNamed(name)).find((s) => s.policyType === 'custom' && s.allowedCombinations.length === 1 && s.allowedCombinations[0] === 'fido2');
    let strength = existing ?? null;
    let requestId: string | null = null;
    if (!strength) {
      const r = await this.d.gateway.createStrength({ displayName: name, description: `Passkeys (FIDO2) only, for the passkey rollout campaign "${campaign.name}". Managed by the Passkey Rollout bot.`, allowedCombinations: ['fido2'] });
      strength = r.strength;
      requestId = r.requestId;
      changes.push({ kind: 'create-strength', target: name, note: `id ${strength.id}` });
    }
    if (campaign.aaguidAllow.length > 0 && !strength.combinationConfigurations.some((x) => x.appliesToCombinations.includes('fido2'))) {
      const r = await this.d.gateway.restrictFido2(strength.id, campaign.aaguidAllow);
      changes.push({ kind: 'restrict-strength', target: name, note: `${campaign.aaguidAllow.length} AAGUID(s)` });
      requestId = r.requestId;
      strength = (await this.d.gateway.getStrength(strength.id)) ?? strength;
    }
    const saved = await this.saveCampaign(campaign.id, (x) => ({ ...x, strengthId: strength!.id }), async (repos, next) => {
      await repos.audit.append({ at: this.d.clock.now(), actor, action: existing ? 'strength.adopt' : 'strength.create', campaignId: campaign.id, subject: strength!.id, after: strengthSnapshot(strength!), graphRequestId: requestId, details: { displayName: name } });
      await this.putSnapshot(repos, next, 'strength', strength!.id, strengthSnapshot(strength!), strength!.modifiedDateTime, actor, existing ? 'adopted' : 'created');
    });
    return saved;
  }

  /**
   * Makes the campaign's own passkey-only strength carry the campaign's AAGUID allow list: adds,
   * replaces or removes its fido2 combination configuration, audits the change and re-takes the
   * strength snapshot so drift watch does not call the bot's own write drift. Does nothing for the
   * built-in strength (it cannot be limited to models) or when the strength already matches.
   */
  async syncAllowList(campaign: Campaign, actor: string): Promise<{ outcome: 'unchanged' | 'written' | 'not-applicable'; before: string[]; after: string[] }> {
    const want = [...new Set(campaign.aaguidAllow.map((a) => a.toLowerCase()))].sort();
    if (campaign.strengthKind !== 'passkeys-only' || !campaign.strengthId) return { outcome: 'not-applicable', before: [], after: want };
    const strength = await this.d.gateway.getStrength(campaign.strengthId);
    if (!strength) throw new Error(`the campaign's authentication strength ${campaign.strengthId} is not in Entra any more`);
    const configs = strength.combinationConfigurations.filter((x) => x.appliesToCombinations.includes('fido2'));
    const have = [...new Set(configs.flatMap((x) => x.allowedAAGUIDs))].sort();
    if (configs.length <= 1 && JSON.stringify(have) === JSON.stringify(want)) return { outcome: 'unchanged', before: have, after: want };
    let requestId: string | null = null;
    if (want.length === 0) {
      for (const c of configs) requestId = (await this.d.gateway.removeFido2Restriction(strength.id, c.id)).requestId;
    } else if (configs.length === 0) {
      requestId = (await this.d.gateway.restrictFido2(strength.id, want)).requestId;
    } else {
      requestId = (await this.d.gateway.updateFido2Restriction(strength.id, configs[0]!.id, want)).requestId;
      for (const c of configs.slice(1)) await this.d.gateway.removeFido2Restriction(strength.id, c.id);
    }
    const after = (await this.d.gateway.getStrength(strength.id)) ?? strength;
    await this.d.store.transaction(async (repos) => {
      await repos.audit.append({ at: this.d.clock.now(), actor, action: 'strength.restrict', campaignId: campaign.id, subject: strength.id, before: strengthSnapshot(strength), after: strengthSnapshot(after), graphRequestId: requestId, details: { allowedAAGUIDs: want } });
      await this.putSnapshot(repos, campaign, 'strength', after.id, strengthSnapshot(after), after.modifiedDateTime, actor, 'allow list changed by the bot');
    });
    return { outcome: 'written', before: have, after: want };
  }

  /** The exemptions group, created when missing, and excluded from the policies that exist. */
  async ensureExemptionsGroupFor(campaign: Campaign, actor: string): Promise<Campaign> {
    if (campaign.exemptionsGroupId) return campaign;
    const c = await this.ensureExemptionsGroup(campaign, actor, []);
    if (c.reportOnlyPolicyId || c.enforcedPolicyId) await this.ensureExclusions(c, actor);
    return c;
  }

  private async ensureExemptionsGroup(campaign: Campaign, actor: string, changes: GraphChange[]): Promise<Campaign> {
    if (campaign.exemptionsGroupId) return campaign;
    const name = exemptionsGroupName(campaign.name);
    const found = await this.d.directory.groupsNamed(name);
    let id: string;
    let requestId: string | null = null;
    if (found.length === 1) id = found[0]!.id.toLowerCase();
    else {
      const r = await this.d.groups.createSecurityGroup(name, mailNicknameFor(campaign.name, this.d.random.uuid().slice(0, 6)), `People exempted from the passkey rollout campaign "${campaign.name}" until a date; excluded from its Conditional Access policies. Managed by the Passkey Rollout bot.`);
      id = r.id;
      requestId = r.requestId;
      changes.push({ kind: 'create-group', target: name, note: `id ${id}` });
    }
    return this.saveCampaign(campaign.id, (x) => ({ ...x, exemptionsGroupId: id }), async (repos) => {
      await repos.audit.append({ at: this.d.clock.now(), actor, action: found.length === 1 ? 'exemptions-group.adopt' : 'exemptions-group.create', campaignId: campaign.id, subject: id, after: { displayName: name }, graphRequestId: requestId });
    });
  }

  private async ensurePolicy(campaign: Campaign, role: PolicyRole, actor: string, changes: GraphChange[]): Promise<Campaign> {
    if (policyIdOf(campaign, role)) return campaign;
    const strengthId = this.strengthIdOf(campaign);
    if (!strengthId) throw new Error('the campaign has no authentication strength yet');
    const name = policyDisplayName(campaign.name, role);
    const breakGlass = await this.d.store.campaigns.breakGlass(campaign.id);
    const exclusions = exclusionsOf(breakGlass, campaign.exemptionsGroupId);
    const cohorts = await this.d.store.cohorts.list(campaign.id);
    const existing = (await this.d.gateway.policiesNamed(name)).find((p) => adoptProblems(p, role, { strengthId, cohortGroupIds: cohorts.map((x) => x.groupId) }).length === 0);
    let policy: CaPolicy;
    let requestId: string | null = null;
    if (existing) {
      policy = existing;
      const w = await writePolicyIntent(this.d.gateway, existing.id, { users: { excludeUsers: exclusions.users, excludeGroups: exclusions.groups } });
      policy = w.after;
      requestId = w.requestId;
    } else {
      const r = await this.d.gateway.createPolicy(newPolicyBody({ displayName: name, role, strengthId, exclusions }));
      policy = r.policy;
      requestId = r.requestId;
      changes.push({ kind: 'create-policy', target: name, after: policySnapshot(policy), note: `id ${policy.id}` });
    }
    return this.saveCampaign(
      campaign.id,
      (x) => (role === 'report-only' ? { ...x, reportOnlyPolicyId: policy.id } : { ...x, enforcedPolicyId: policy.id }),
      async (repos, next) => {
        await repos.audit.append({ at: this.d.clock.now(), actor, action: existing ? 'policy.adopt' : 'policy.create', campaignId: campaign.id, subject: policy.id, after: policySnapshot(policy), graphRequestId: requestId, details: { role, displayName: name } });
        await this.putSnapshot(repos, next, role, policy.id, policySnapshot(policy), policy.modifiedDateTime, actor, existing ? 'adopted' : 'created');
      },
    );
  }

  /**
   * Takes an existing policy as the campaign's `role` policy after checking its shape; adds the
   * break-glass and exemptions exclusions it lacks.
   */
  async adopt(campaign: Campaign, role: PolicyRole, policyId: string, actor: string): Promise<Outcome<{ campaign: Campaign; policy: CaPolicy; added: boolean }>> {
    const cohorts = await this.d.store.cohorts.list(campaign.id);
    const live = cohorts.filter((c) => c.stage === 'report-only' || c.stage === 'enforced');
    if (live.length > 0) return fail('cohorts_live', `Cohorts of "${campaign.name}" are in Conditional Access (${live.map((c) => `${c.name}: ${c.stage}`).join(', ')}); roll them back to nudging before changing its policies.`);
    const policy = await this.d.gateway.getPolicy(policyId);
    if (!policy) return fail('policy_not_found', `There is no Conditional Access policy with id ${policyId}.`);
    const other = role === 'report-only' ? campaign.enforcedPolicyId : campaign.reportOnlyPolicyId;
    if (other && other.toLowerCase() === policy.id.toLowerCase()) return fail('policy_same', 'The report-only and the enforced policy must be two different policies.');
    let strengthId = this.strengthIdOf(campaign);
    let adoptStrength: string | null = null;
    if (!strengthId && campaign.strengthKind === 'passkeys-only' && policy.strengthId) {
      const s = await this.d.gateway.getStrength(policy.strengthId);
      if (s && s.policyType === 'custom' && s.allowedCombinations.length === 1 && s.allowedCombinations[0] === 'fido2') {
        strengthId = s.id;
        adoptStrength = s.id;
      }
    }
    const problems = adoptProblems(policy, role, { strengthId, cohortGroupIds: cohorts.map((c) => c.groupId) });
    if (problems.length > 0) return fail('policy_shape', `I cannot use "${policy.displayName}" as the ${role} policy: ${problems.join('; ')}.`);
    const breakGlass = await this.d.store.campaigns.breakGlass(campaign.id);
    const exclusions = exclusionsOf(breakGlass, campaign.exemptionsGroupId);
    const w = await writePolicyIntent(this.d.gateway, policy.id, { users: { excludeUsers: exclusions.users, excludeGroups: exclusions.groups } });
    const saved = await this.saveCampaign(
      campaign.id,
      (x) => ({ ...(role === 'report-only' ? { ...x, reportOnlyPolicyId: policy.id } : { ...x, enforcedPolicyId: policy.id }), ...(adoptStrength ? { strengthId: adoptStrength } : {}) }),
      async (repos, next) => {
        await repos.audit.append({ at: this.d.clock.now(), actor, action: 'policy.adopt', campaignId: campaign.id, subject: policy.id, before: policySnapshot(w.before), after: policySnapshot(w.after), graphRequestId: w.requestId, details: { role, displayName: policy.displayName, exclusionsAdded: w.outcome === 'written' } });
        await this.putSnapshot(repos, next, role, policy.id, policySnapshot(w.after), w.after.modifiedDateTime, actor, 'adopted');
      },
    );
    return { ok: true, value: { campaign: saved, policy: w.after, added: w.outcome === 'written' } };
  }

  /** Makes both existing policies exclude every break-glass entry and the exemptions group (after `breakglass add`, a new group). */
  async ensureExclusions(campaign: Campaign, actor: string): Promise<{ role: PolicyRole; result: PolicyWriteResult }[]> {
    const breakGlass = await this.d.store.campaigns.breakGlass(campaign.id);
    const exclusions = exclusionsOf(breakGlass, campaign.exemptionsGroupId);
    const out: { role: PolicyRole; result: PolicyWriteResult }[] = [];
    for (const role of ['report-only', 'enforced'] as const) {
      const id = policyIdOf(campaign, role);
      if (!id) continue;
      const result = await this.write(campaign, role, { users: { excludeUsers: exclusions.users, excludeGroups: exclusions.groups } }, actor, 'policy.exclusions', {});
      out.push({ role, result });
    }
    return out;
  }

  /**
   * One audited write to one of the campaign's policies, with the new snapshot (the bot's own
   * writes are never drift). Audit and snapshot go in one transaction.
   */
  async write(campaign: Campaign, role: PolicyRole, intent: PolicyIntent, actor: string, action: string, details: Record<string, unknown>, cohort?: Cohort): Promise<PolicyWriteResult> {
    const id = policyIdOf(campaign, role);
    if (!id) throw new Error(`the campaign has no ${role} policy`);
    const result = await writePolicyIntent(this.d.gateway, id, intent);
    if (result.outcome === 'written' || result.concurrentEdits > 0) {
      await this.d.store.transaction(async (repos) => {
        await repos.audit.append({
          at: this.d.clock.now(),
          actor,
          action,
          campaignId: campaign.id,
          cohortId: cohort?.id ?? null,
          subject: id,
          before: { users: result.before.users, state: result.before.state, strengthId: result.before.strengthId, modifiedDateTime: result.before.modifiedDateTime },
          after: { users: result.after.users, state: result.after.state, strengthId: result.after.strengthId, modifiedDateTime: result.after.modifiedDateTime },
          graphRequestId: result.requestId,
          details: { role, outcome: result.outcome, concurrentEdits: result.concurrentEdits, ...details },
        });
        await this.putSnapshot(repos, campaign, role, id, policySnapshot(result.after), result.after.modifiedDateTime, actor, action);
      });
    }
    return result;
  }

  /** Accepts the live objects as the new baseline (drift acknowledged). */
  async resnapshot(campaign: Campaign, kinds: SnapshotKind[], actor: string, reason: string): Promise<void> {
    for (const kind of kinds) {
      if (kind === 'report-only' || kind === 'enforced') {
        const id = policyIdOf(campaign, kind);
        const p = id ? await this.d.gateway.getPolicy(id) : null;
        if (p) await this.putSnapshot(this.d.store, campaign, kind, p.id, policySnapshot(p), p.modifiedDateTime, actor, reason);
      } else if (kind === 'strength') {
        const s = campaign.strengthId && campaign.strengthKind !== 'phishing-resistant' ? await this.d.gateway.getStrength(campaign.strengthId) : null;
        if (s) await this.putSnapshot(this.d.store, campaign, kind, s.id, strengthSnapshot(s), s.modifiedDateTime, actor, reason);
      } else {
        const p = await this.d.gateway.passkeyPolicy();
        if (p) await this.putSnapshot(this.d.store, campaign, kind, 'fido2', passkeyPolicySnapshot(p), null, actor, reason);
      }
    }
  }

  private async putSnapshot(repos: Repositories, campaign: Campaign, kind: SnapshotKind, objectId: string, snapshot: Record<string, unknown>, modifiedAt: string | null, actor: string, reason: string): Promise<void> {
    await repos.policySnapshots.put({ campaignId: campaign.id, kind, objectId, snapshot, modifiedAt, takenAt: this.d.clock.now(), takenBy: actor, reason });
  }

  /** Optimistic update of the campaign row, with the audit in the same transaction; retried on a version clash. */
  private async saveCampaign(id: string, change: (c: Campaign) => Campaign, alsoInTx: (repos: Repositories, next: Campaign) => Promise<void>): Promise<Campaign> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.d.store.campaigns.get(id);
      if (!current) throw new Error(`campaign ${id} is gone`);
      const next = { ...change(current), updatedAt: this.d.clock.now() };
      const saved = await this.d.store.transaction(async (repos) => {
        if (!(await repos.campaigns.update(next, current.version))) return false;
        await alsoInTx(repos, next);
        return true;
      });
      if (saved) return { ...next, version: current.version + 1 };
    }
    throw new Error('the campaign kept changing while I saved it');
  }
}
