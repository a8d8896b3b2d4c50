import { fail, type Outcome } from '../campaigns/campaign-service.js';
import { effectiveSettings } from '../campaigns/campaign-settings.js';
import { describeUser, resolveUser } from '../directory/resolve.js';
import type { BotRole } from '../access/roles.js';
import type { Campaign } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Directory, DirectoryUser } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { GroupWriter } from '../ports/policy-gateway.js';
import type { UserNotifier } from '../ports/staging-hooks.js';
import type { Exemption } from '../ports/staging-store.js';
import type { Store } from '../ports/store.js';
import type { CampaignPolicies } from './campaign-policies.js';

export interface ExemptionServiceDeps {
  store: Store;
  directory: Directory;
  groups: GroupWriter;
  policies: CampaignPolicies;
  notifier: UserNotifier;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export interface GrantedExemption {
  campaign: Campaign;
  until: Date;
  extended: boolean;
}

const DAY_MS = 24 * 3600_000;

/**
 * Exemptions (issue 5.6): a person goes into the campaign's exemptions group (excluded from both of
 * its policies) until a date; the expiry job takes them out again and tells them. Helpdesk may grant
 * up to `exemptionMaxDaysHelpdesk` days, admins up to `exemptionMaxDaysAdmin`.
 */
export class ExemptionService {
  constructor(private readonly d: ExemptionServiceDeps) {}

  async grant(userText: string, days: number, reason: string, actor: { id: string; role: BotRole }): Promise<Outcome<{ user: DirectoryUser; granted: GrantedExemption[] }>> {
    if (reason.trim().length < 3) return fail('reason_missing', 'An exemption needs a reason: `exempt <user> for <days> because <reason>`. Nothing was changed.');
    const r = await resolveUser(this.d.directory, userText);
    if (r.kind === 'ambiguous') return fail('user_ambiguous', `More than one person is called "${userText}". Which one?\n${r.candidates.slice(0, 10).map((u) => `- ${describeUser(u)}`).join('\n')}`);
    if (r.kind === 'not_found') return fail('user_not_found', `No user "${userText}" was found in Entra. Nothing was changed.`);
    const user = r.value;
    const campaigns = await this.campaignsOf(user.id);
    if (campaigns.length === 0) return fail('not_in_cohort', `${user.displayName} is not in any cohort, so there is nothing to exempt them from. Nothing was changed.`);
    for (const c of campaigns) {
      const s = effectiveSettings(c.settings);
      const max = actor.role === 'admin' ? s.exemptionMaxDaysAdmin : s.exemptionMaxDaysHelpdesk;
      if (days > max) {
        return fail('exemption_too_long', `${actor.role === 'admin' ? 'Admins' : 'Helpdesk'} may exempt someone from "${c.name}" for at most ${max} days, not ${days}${actor.role !== 'admin' ? '; ask an admin for longer' : ''}. Nothing was changed.`);
      }
    }
    const granted: GrantedExemption[] = [];
    for (let campaign of campaigns) {
      campaign = await this.d.policies.ensureExemptionsGroupFor(campaign, actor.id);
      const groupId = campaign.exemptionsGroupId!;
      const added = await this.d.groups.addMember(groupId, user.id);
      const now = this.d.clock.now();
      const until = new Date(now.getTime() + days * DAY_MS);
      const e: Exemption = { id: this.d.random.uuid(), campaignId: campaign.id, userId: user.id.toLowerCase(), until, reason, grantedBy: actor.id, grantedAt: now, removedAt: null, removedBy: null, removalReason: null };
      const res = await this.d.store.transaction(async (repos) => {
        const g = await repos.exemptions.grant(e);
        await repos.audit.append({
          at: now,
          actor: actor.id,
          action: g.extended ? 'exemption.extend' : 'exemption.grant',
          campaignId: campaign.id,
          subject: user.id.toLowerCase(),
          before: g.previousUntil ? { until: g.previousUntil.toISOString() } : null,
          after: { until: until.toISOString(), group: groupId },
          graphRequestId: added.requestId,
          details: { days, reason, role: actor.role, alreadyInGroup: added.already },
        });
        return g;
      });
      granted.push({ campaign, until, extended: res.extended });
    }
    return { ok: true, value: { user, granted } };
  }

  /** Takes people whose exemption ran out out of the exemptions group, and tells them (scheduler). */
  async expireDue(): Promise<number> {
    const now = this.d.clock.now();
    let n = 0;
    for (const e of await this.d.store.exemptions.due(now)) {
      const campaign = await this.d.store.campaigns.get(e.campaignId);
      let requestId: string | null = null;
      let absent = false;
      if (campaign?.exemptionsGroupId) {
        const r = await this.d.groups.removeMember(campaign.exemptionsGroupId, e.userId);
        requestId = r.requestId;
        absent = r.absent;
      }
      const name = campaign?.name ?? 'the passkey campaign';
      const notified = await this.d.notifier
        .notifyUser(e.userId, `Your exemption from "${name}" ended today. The sign-in rules of your group apply to you again: if you have not registered a passkey yet, do it now at https://aka.ms/mysecurityinfo, or ask the helpdesk for help.`)
        .catch(() => false);
      await this.d.store.transaction(async (repos) => {
        if (!(await repos.exemptions.end(e.id, now, 'system:expiry', 'expired'))) return;
        await repos.audit.append({ at: now, actor: 'system:expiry', action: 'exemption.expire', campaignId: e.campaignId, subject: e.userId, before: { until: e.until.toISOString() }, after: null, graphRequestId: requestId, details: { notified, wasInGroup: !absent } });
      });
      n++;
    }
    return n;
  }

  async active(campaignId?: string): Promise<Exemption[]> {
    return this.d.store.exemptions.listActive(campaignId);
  }

  private async campaignsOf(userId: string): Promise<Campaign[]> {
    const out = new Map<string, Campaign>();
    for (const m of await this.d.store.members.ofUser(userId)) {
      const cohort = await this.d.store.cohorts.get(m.cohortId);
      if (!cohort || out.has(cohort.campaignId)) continue;
      const c = await this.d.store.campaigns.get(cohort.campaignId);
      if (c) out.set(c.id, c);
    }
    return [...out.values()];
  }
}
