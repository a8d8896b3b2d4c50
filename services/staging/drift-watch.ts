import { createHash } from 'node:crypto';
import { fail, type Outcome } from '../campaigns/campaign-service.js';
import type { Campaign } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { PolicyGateway } from '../ports/policy-gateway.js';
import type { PasskeyPolicy } from '../ports/registration-source.js';
import type { AdminMessenger } from '../ports/staging-hooks.js';
import type { DriftAlert, DriftChange, SnapshotKind } from '../ports/staging-store.js';
import type { Store } from '../ports/store.js';
import { canonical } from './canonical.js';
import { CampaignPolicies, policyIdOf } from './campaign-policies.js';
import {
  diffPasskeyPolicySnapshots,
  diffPolicySnapshots,
  diffStrengthSnapshots,
  exclusionsOf,
  passkeyPolicySnapshot,
  policySnapshot,
  stateOfRole,
  strengthSnapshot,
  type DriftContext,
} from './policy-shape.js';
import type { PolicyRole } from './stages.js';

export interface DriftWatchDeps {
  store: Store;
  gateway: PolicyGateway;
  policies: CampaignPolicies;
  admins: AdminMessenger;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export interface DriftModel {
  alertId: string;
  campaign: string;
  kind: SnapshotKind;
  object: string;
  detectedAt: Date;
  changes: { words: string; serious: boolean }[];
  status: DriftAlert['status'];
  outcome: string;
  /** Only the CA policies can be put back by the bot (it never writes the passkey policy). */
  canReapply: boolean;
  notice: string;
}

const KIND_WORDS: Record<SnapshotKind, string> = {
  'report-only': 'report-only policy',
  enforced: 'enforced policy',
  strength: 'authentication strength',
  'passkey-policy': 'passkey (FIDO2) policy',
};

/**
 * Drift watch (issue 5.8): compares the campaign's policies, its custom strength and the passkey
 * policy with what the bot last wrote or accepted; an out-of-band change opens an alert (posted to
 * the admins as a card) that fails the drift gate until an admin acknowledges it (the live object
 * becomes the new baseline) or has the bot re-apply its settings.
 */
export class DriftWatch {
  constructor(private readonly d: DriftWatchDeps) {}

  async runOnce(): Promise<{ checked: number; opened: number; resolved: number }> {
    let checked = 0;
    let opened = 0;
    let resolved = 0;
    let passkeys: PasskeyPolicy | null | undefined;
    for (const campaign of await this.d.store.campaigns.list()) {
      if (!campaign.reportOnlyPolicyId && !campaign.enforcedPolicyId) continue;
      passkeys ??= await this.d.gateway.passkeyPolicy('background');
      const found = await this.check(campaign, passkeys);
      checked++;
      opened += found.opened;
      resolved += found.resolved;
    }
    return { checked, opened, resolved };
  }

  private async check(campaign: Campaign, passkeys: PasskeyPolicy | null): Promise<{ opened: number; resolved: number }> {
    const { store, clock } = this.d;
    const ctx = await this.context(campaign);
    const cohorts = await store.cohorts.list(campaign.id);
    const drift = new Map<SnapshotKind, { objectId: string; changes: DriftChange[]; affects: string[] }>();
    const watched: SnapshotKind[] = [];
    for (const role of ['report-only', 'enforced'] as const) {
      const id = policyIdOf(campaign, role);
      if (!id) continue;
      watched.push(role);
      const live = await this.d.gateway.getPolicy(id, 'background');
      const snap = await store.policySnapshots.get(campaign.id, role);
      if (!live) {
        drift.set(role, { objectId: id, changes: [{ field: 'policy', before: id, after: null, words: `the ${role} policy ${id} was deleted`, serious: true }], affects: ['*'] });
        continue;
      }
      if (!snap) {
        await store.policySnapshots.put({ campaignId: campaign.id, kind: role, objectId: id, snapshot: policySnapshot(live), modifiedAt: live.modifiedDateTime, takenAt: clock.now(), takenBy: 'system:drift-watch', reason: 'first look' });
        continue;
      }
      const changes = diffPolicySnapshots(snap.snapshot, policySnapshot(live), ctx);
      if (changes.length > 0) drift.set(role, { objectId: id, changes, affects: ['*'] });
    }
    if (campaign.strengthKind !== 'phishing-resistant' && campaign.strengthId) {
      const snap = await store.policySnapshots.get(campaign.id, 'strength');
      if (snap) {
        watched.push('strength');
        const live = await this.d.gateway.getStrength(campaign.strengthId, 'background');
        const changes = live ? diffStrengthSnapshots(snap.snapshot, strengthSnapshot(live)) : [{ field: 'strength', before: campaign.strengthId, after: null, words: 'the authentication strength was deleted', serious: true }];
        if (changes.length > 0) drift.set('strength', { objectId: campaign.strengthId, changes, affects: ['*'] });
      }
    }
    if (passkeys) {
      watched.push('passkey-policy');
      const snap = await store.policySnapshots.get(campaign.id, 'passkey-policy');
      if (!snap) {
        await store.policySnapshots.put({ campaignId: campaign.id, kind: 'passkey-policy', objectId: 'fido2', snapshot: passkeyPolicySnapshot(passkeys), modifiedAt: null, takenAt: clock.now(), takenBy: 'system:drift-watch', reason: 'first look' });
      } else {
        const { changes, affects } = diffPasskeyPolicySnapshots(snap.snapshot, passkeyPolicySnapshot(passkeys), cohorts.map((c) => ({ id: c.id, groupId: c.groupId })));
        if (changes.length > 0) drift.set('passkey-policy', { objectId: 'fido2', changes, affects: affects.length > 0 ? affects : [] });
      }
    }

    let opened = 0;
    let resolved = 0;
    const open = await store.driftAlerts.openFor(campaign.id);
    for (const kind of watched) {
      const found = drift.get(kind);
      const existing = open.find((a) => a.kind === kind);
      if (!found) {
        if (existing && (await store.driftAlerts.close(existing.id, 'resolved', 'system:drift-watch', clock.now()))) {
          resolved++;
          await store.audit.append({ at: clock.now(), actor: 'system:drift-watch', action: 'drift.resolved', campaignId: campaign.id, subject: existing.objectId, details: { kind, alertId: existing.id, why: 'the object is as the bot last wrote it again' } });
          await this.refresh(existing.id, '');
        }
        continue;
      }
      const signature = createHash('sha256').update(canonical(found.changes.map((c) => [c.field, c.before, c.after]))).digest('hex');
      if (existing?.signature === signature) continue;
      const now = clock.now();
      let alertId: string;
      if (existing) {
        await store.driftAlerts.updateChanges(existing.id, signature, found.changes, found.affects, now);
        alertId = existing.id;
      } else {
        const alert: DriftAlert = { id: this.d.random.uuid(), campaignId: campaign.id, kind, objectId: found.objectId, detectedAt: now, signature, changes: found.changes, affects: found.affects, status: 'open', decidedBy: null, decidedAt: null, cards: [] };
        if ((await store.driftAlerts.create(alert)) !== 'ok') continue;
        alertId = alert.id;
        opened++;
      }
      await store.audit.append({ at: now, actor: 'system:drift-watch', action: 'drift.detected', campaignId: campaign.id, subject: found.objectId, details: { kind, alertId, changes: found.changes, affects: found.affects } });
      this.d.logger.warn({ campaignId: campaign.id, kind, changes: found.changes.length }, 'out-of-band change detected');
      const model = await this.modelOf(alertId, '');
      if (model) {
        try {
          const cards = await this.d.admins.post(campaign, { kind: 'drift', model });
          await store.driftAlerts.addCards(alertId, cards);
        } catch (e) {
          this.d.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'drift alert could not be posted');
        }
      }
    }
    return { opened, resolved };
  }

  /** The live object becomes the baseline; the gate passes again. */
  async acknowledge(alertId: string, actor: { id: string; name: string }): Promise<Outcome<DriftModel>> {
    const alert = await this.d.store.driftAlerts.get(alertId);
    if (!alert) return fail('alert_not_found', 'That drift alert no longer exists.');
    if (alert.status !== 'open') return { ok: true, value: (await this.modelOf(alert.id, `This alert was already ${alert.status}; nothing was changed.`))! };
    const campaign = await this.d.store.campaigns.get(alert.campaignId);
    if (!campaign) return fail('campaign_not_found', 'The campaign of that alert was removed.');
    await this.d.policies.resnapshot(campaign, [alert.kind], actor.id, 'drift acknowledged');
    if (await this.d.store.driftAlerts.close(alert.id, 'acknowledged', actor.id, this.d.clock.now())) {
      await this.d.store.audit.append({ at: this.d.clock.now(), actor: actor.id, action: 'drift.acknowledge', campaignId: campaign.id, subject: alert.objectId, details: { kind: alert.kind, alertId: alert.id, changes: alert.changes } });
    }
    await this.refresh(alert.id, '');
    return { ok: true, value: (await this.modelOf(alert.id, `Acknowledged: the ${KIND_WORDS[alert.kind]} as it is now is the new baseline.`))! };
  }

  /**
   * Puts back what the bot owns in the policy (state, strength, the cohort groups per their stage,
   * break-glass and exemptions exclusions) on top of the live version; other edits stay.
   */
  async reapply(alertId: string, actor: { id: string; name: string }): Promise<Outcome<DriftModel>> {
    const alert = await this.d.store.driftAlerts.get(alertId);
    if (!alert) return fail('alert_not_found', 'That drift alert no longer exists.');
    if (alert.status !== 'open') return { ok: true, value: (await this.modelOf(alert.id, `This alert was already ${alert.status}; nothing was changed.`))! };
    if (alert.kind !== 'report-only' && alert.kind !== 'enforced') {
      return fail('not_reappliable', `I do not write the ${KIND_WORDS[alert.kind]}: change it back in the Entra portal, or acknowledge the alert.`);
    }
    const campaign = await this.d.store.campaigns.get(alert.campaignId);
    if (!campaign) return fail('campaign_not_found', 'The campaign of that alert was removed.');
    const role: PolicyRole = alert.kind;
    if (!policyIdOf(campaign, role) || !(await this.d.gateway.getPolicy(policyIdOf(campaign, role)!))) {
      return fail('policy_gone', `The ${role} policy no longer exists; acknowledge the alert and adopt or create a new one (\`campaign set ${campaign.name} ${role}-policy <id>\`).`);
    }
    const cohorts = await this.d.store.cohorts.list(campaign.id);
    const breakGlass = await this.d.store.campaigns.breakGlass(campaign.id);
    const ex = exclusionsOf(breakGlass, campaign.exemptionsGroupId);
    const strengthId = this.d.policies.strengthIdOf(campaign);
    const w = await this.d.policies.write(
      campaign,
      role,
      {
        state: stateOfRole(role),
        ...(strengthId ? { strengthId } : {}),
        users: { include: cohorts.filter((c) => c.stage === role).map((c) => c.groupId), remove: cohorts.filter((c) => c.stage !== role).map((c) => c.groupId), excludeUsers: ex.users, excludeGroups: ex.groups },
      },
      actor.id,
      'policy.reapply',
      { alertId: alert.id },
    );
    if (await this.d.store.driftAlerts.close(alert.id, 'reapplied', actor.id, this.d.clock.now())) {
      await this.d.store.audit.append({ at: this.d.clock.now(), actor: actor.id, action: 'drift.reapply', campaignId: campaign.id, subject: alert.objectId, graphRequestId: w.requestId, details: { kind: alert.kind, alertId: alert.id, outcome: w.outcome } });
    }
    await this.refresh(alert.id, '');
    return { ok: true, value: (await this.modelOf(alert.id, `Re-applied: the ${KIND_WORDS[alert.kind]} has the bot's settings again${w.concurrentEdits > 0 ? ' (edits made meanwhile were kept)' : ''}.`))! };
  }

  async modelOf(alertId: string, notice: string): Promise<DriftModel | null> {
    const a = await this.d.store.driftAlerts.get(alertId);
    if (!a) return null;
    const campaign = await this.d.store.campaigns.get(a.campaignId);
    const outcome =
      a.status === 'open'
        ? 'Forward moves of the affected cohorts are blocked until this is acknowledged or re-applied.'
        : a.status === 'acknowledged'
          ? `Acknowledged ${fmt(a.decidedAt)}: the change is the new baseline.`
          : a.status === 'reapplied'
            ? `Re-applied ${fmt(a.decidedAt)}: the bot's settings are back.`
            : `Resolved ${fmt(a.decidedAt)}: the object is as the bot last wrote it again.`;
    return {
      alertId: a.id,
      campaign: campaign?.name ?? a.campaignId,
      kind: a.kind,
      object: `${KIND_WORDS[a.kind]} ${a.objectId}`,
      detectedAt: a.detectedAt,
      changes: a.changes.map((c) => ({ words: c.words, serious: c.serious })),
      status: a.status,
      outcome,
      canReapply: a.kind === 'report-only' || a.kind === 'enforced',
      notice,
    };
  }

  private async refresh(alertId: string, notice: string): Promise<void> {
    const a = await this.d.store.driftAlerts.get(alertId);
    const model = await this.modelOf(alertId, notice);
    if (!a || !model || a.cards.length === 0) return;
    await this.d.admins.update(a.cards, { kind: 'drift', model }).catch((e: unknown) => this.d.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'drift cards could not be updated'));
  }

  private async context(campaign: Campaign): Promise<DriftContext> {
    const breakGlass = await this.d.store.campaigns.breakGlass(campaign.id);
    const cohorts = await this.d.store.cohorts.list(campaign.id);
    return {
      breakGlassUsers: breakGlass.filter((b) => b.kind === 'user').map((b) => b.principalId),
      breakGlassGroups: breakGlass.filter((b) => b.kind === 'group').map((b) => b.principalId),
      exemptionsGroupId: campaign.exemptionsGroupId,
      cohortGroups: new Map(cohorts.map((c) => [c.groupId.toLowerCase(), c.name])),
      names: new Map(breakGlass.map((b) => [b.principalId.toLowerCase(), b.displayName])),
    };
  }
}

function fmt(d: Date | null): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}
