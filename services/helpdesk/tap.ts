import { fail, type Outcome } from '../campaigns/campaign-service.js';
import { effectiveSettings, DEFAULT_CAMPAIGN_SETTINGS } from '../campaigns/campaign-settings.js';
import { isPrivilegedTarget, ROLE_NAMES, type Access } from '../access/roles.js';
import { describeUser, resolveUser } from '../directory/resolve.js';
import type { Clock } from '../ports/clock.js';
import type { Directory, DirectoryUser } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { TapIssuer } from '../ports/policy-gateway.js';
import type { Store } from '../ports/store.js';

export interface TapServiceDeps {
  store: Store;
  directory: Directory;
  taps: TapIssuer;
  clock: Clock;
  logger: Logger;
}

export interface TapRequest {
  user: string;
  minutes: number | null;
  once: boolean;
}

export interface IssuedPass {
  user: DirectoryUser;
  /** Shown once to the requester; never logged, stored or audited. */
  code: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  validFrom: Date;
  validUntil: Date;
}

/**
 * Temporary Access Pass from chat (issue 5.7), only as far as Entra itself would allow the person
 * asking: Authentication Administrators for users without admin roles, Privileged Authentication
 * Administrators and Global Administrators for anyone, Helpdesk Administrators never. Lifetime and
 * one-time use follow the campaign's settings within the tenant's TAP policy. The pass goes only to
 * the requester's own 1:1 chat; the audit log records who, for whom, how long — never the pass.
 */
export class TapService {
  constructor(private readonly d: TapServiceDeps) {}

  async issue(req: TapRequest, actor: { id: string; access: Access; conversationType: string }): Promise<Outcome<IssuedPass>> {
    if (actor.conversationType !== 'personal') {
      return fail('tap_not_private', 'I only hand out Temporary Access Passes in our 1:1 chat, so nobody else sees the pass. Ask me there. Nothing was issued.');
    }
    if (actor.access.canIssueTap === 'none') {
      const held = actor.access.roleTemplateIds.map((r) => ROLE_NAMES[r]).filter(Boolean);
      return fail(
        'tap_not_allowed',
        `Entra lets only Authentication Administrators (for users without admin roles), Privileged Authentication Administrators and Global Administrators issue a Temporary Access Pass${held.length ? `; your roles (${held.join(', ')}) do not` : ''}, so I cannot do it for you either. Nothing was issued.`,
      );
    }
    const r = await resolveUser(this.d.directory, req.user);
    if (r.kind === 'ambiguous') return fail('user_ambiguous', `More than one person is called "${req.user}". Which one?\n${r.candidates.slice(0, 10).map((u) => `- ${describeUser(u)}`).join('\n')}`);
    if (r.kind === 'not_found') return fail('user_not_found', `No user "${req.user}" was found in Entra. Nothing was issued.`);
    const user = r.value;
    const privileged = isPrivilegedTarget(await this.d.directory.roleTemplateIdsOf(user.id));
    if (privileged && actor.access.canIssueTap !== 'all') {
      return fail('tap_privileged_target', `${user.displayName} holds an admin role: only a Privileged Authentication Administrator or a Global Administrator may issue them a Temporary Access Pass (Entra's rule). Nothing was issued.`);
    }
    const policy = await this.d.taps.tapPolicy();
    if (!policy || policy.state !== 'enabled') return fail('tap_disabled', 'Temporary Access Pass is turned off in this tenant\'s authentication methods policy. Nothing was issued.');
    const settings = await this.settingsFor(user.id);
    let lifetime = req.minutes ?? settings.tapLifetimeMinutes;
    if (req.minutes === null) lifetime = Math.min(Math.max(lifetime, policy.minimumLifetimeInMinutes), policy.maximumLifetimeInMinutes);
    else if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
      return fail('tap_lifetime', `The tenant's Temporary Access Pass policy allows ${policy.minimumLifetimeInMinutes} to ${policy.maximumLifetimeInMinutes} minutes, not ${lifetime}. Nothing was issued.`);
    }
    const once = req.once || settings.tapOnce || policy.isUsableOnce;
    const issued = await this.d.taps.createTap(user.id, { lifetimeInMinutes: lifetime, isUsableOnce: once });
    const now = this.d.clock.now();
    const validFrom = issued.startDateTime ? new Date(issued.startDateTime) : now;
    const validUntil = new Date(validFrom.getTime() + issued.lifetimeInMinutes * 60_000);
    await this.d.store.audit.append({
      at: now,
      actor: actor.id,
      action: 'tap.issue',
      subject: user.id.toLowerCase(),
      graphRequestId: issued.requestId,
      details: { lifetimeInMinutes: issued.lifetimeInMinutes, isUsableOnce: issued.isUsableOnce, validFrom: validFrom.toISOString(), methodId: issued.methodId, privilegedTarget: privileged, rightFrom: actor.access.canIssueTap },
    });
    this.d.logger.info({ subject: user.id, lifetimeInMinutes: issued.lifetimeInMinutes, isUsableOnce: issued.isUsableOnce }, 'temporary access pass issued');
    return { ok: true, value: { user, code: issued.code, lifetimeInMinutes: issued.lifetimeInMinutes, isUsableOnce: issued.isUsableOnce, validFrom, validUntil } };
  }

  /** The settings of the first campaign the user is in (the campaign's TAP policy), else the defaults. */
  private async settingsFor(userId: string) {
    for (const m of await this.d.store.members.ofUser(userId)) {
      const cohort = await this.d.store.cohorts.get(m.cohortId);
      const campaign = cohort ? await this.d.store.campaigns.get(cohort.campaignId) : null;
      if (campaign) return effectiveSettings(campaign.settings);
    }
    return DEFAULT_CAMPAIGN_SETTINGS;
  }
}
