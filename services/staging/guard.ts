import { effectiveSettings } from '../campaigns/campaign-settings.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { SignInEvent, SignInLog } from '../ports/policy-gateway.js';
import type { AdminMessenger } from '../ports/staging-hooks.js';
import type { Store } from '../ports/store.js';
import { summarizeEnforcement, type GuardSummary } from './evidence.js';
import type { StagingService } from './staging-service.js';
import { backMove } from './stages.js';
import { countedMembers } from './warning-counts.js';

export interface GuardDeps {
  store: Store;
  signIns: SignInLog;
  staging: StagingService;
  admins: AdminMessenger;
  clock: Clock;
  logger: Logger;
}

/** Fewer sign-ins than this in the window say nothing either way. */
export const GUARD_MIN_SIGN_INS = 5;
const MINUTE_MS = 60_000;

export interface GuardOutcome {
  cohortId: string;
  summary: GuardSummary;
  tripped: boolean;
  rolledBack: boolean;
}

/**
 * The enforcement guard (issue 5.5): for every enforced cohort, the share of its members' sign-ins
 * the enforced policy blocked in the last `guard-window` minutes. Above `guard-share` (and with
 * enough sign-ins to judge) the bot rolls the cohort back to report-only by itself and tells the
 * admins why. Runs on the scheduler's replica.
 */
export class EnforcementGuard {
  constructor(private readonly d: GuardDeps) {}

  async runOnce(): Promise<GuardOutcome[]> {
    const out: GuardOutcome[] = [];
    for (const cohort of await this.d.store.cohorts.list()) {
      if (cohort.stage !== 'enforced') continue;
      const campaign = await this.d.store.campaigns.get(cohort.campaignId);
      if (!campaign?.enforcedPolicyId) continue;
      const settings = effectiveSettings(campaign.settings);
      if (!settings.guardEnabled) continue;
      const now = this.d.clock.now();
      const from = new Date(Math.max(now.getTime() - settings.guardWindowMinutes * MINUTE_MS, cohort.stageChangedAt.getTime()));
      const members = await countedMembers(this.d.store, cohort.id);
      const events: SignInEvent[] = [];
      for await (const page of this.d.signIns.signInsForPolicy(campaign.enforcedPolicyId, from, now, 'background')) events.push(...page);
      const summary = summarizeEnforcement(campaign.enforcedPolicyId, events, members);
      const tripped = summary.signIns >= GUARD_MIN_SIGN_INS && summary.sharePct > settings.guardBlockedSharePct;
      await this.d.store.guardStates.put({ cohortId: cohort.id, checkedAt: now, windowFrom: from, windowTo: now, signIns: summary.signIns, blocked: summary.blocked, blockedUsers: summary.blockedUsers, trippedAt: tripped ? now : null, details: { sharePct: summary.sharePct, limitPct: settings.guardBlockedSharePct } });
      let rolledBack = false;
      if (tripped) {
        const why = `${summary.blocked} of ${summary.signIns} sign-ins (${summary.sharePct}%) by ${summary.blockedUsers} member(s) were blocked in the last ${Math.round((now.getTime() - from.getTime()) / MINUTE_MS)} minutes; the limit is ${settings.guardBlockedSharePct}%`;
        await this.d.store.audit.append({ at: now, actor: 'system:guard', action: 'guard.trip', campaignId: campaign.id, cohortId: cohort.id, details: { ...summary, limitPct: settings.guardBlockedSharePct, windowFrom: from.toISOString(), windowTo: now.toISOString() } });
        this.d.logger.warn({ cohortId: cohort.id, ...summary }, 'enforcement guard tripped');
        const move = backMove('enforced')!;
        const report = await this.d.staging.executeMove(cohort.id, move, { id: 'system:guard', name: 'the enforcement guard' }, { reason: `guard: ${why}`, approval: null, gates: [] });
        rolledBack = report.ok;
        const text = report.ok
          ? `The enforcement guard rolled **${cohort.name}** (${campaign.name}) back to report-only: ${why}. Nobody is blocked by the campaign any more; sign-ins are logged as before. Look at who is blocked (\`status ${cohort.name}\`), fix it, then \`advance ${cohort.name}\` again.`
          : `The enforcement guard tried to roll **${cohort.name}** (${campaign.name}) back to report-only because ${why}, but the move failed: ${report.message} Roll it back by hand: \`rollback ${cohort.name}\`.`;
        await this.d.admins.post(campaign, { kind: 'text', text }).catch((e: unknown) => this.d.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'guard message could not be posted'));
      }
      out.push({ cohortId: cohort.id, summary, tripped, rolledBack });
    }
    return out;
  }
}
