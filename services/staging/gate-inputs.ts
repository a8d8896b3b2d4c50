import { effectiveSettings } from '../campaigns/campaign-settings.js';
import type { Campaign, Cohort } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { CallPriority, CaPolicy, PolicyGateway, SignInEvent, SignInLog } from '../ports/policy-gateway.js';
import type { WarningCounts } from '../ports/staging-hooks.js';
import type { Store } from '../ports/store.js';
import { buildStatus } from '../status/status-service.js';
import { summarizeEvidence } from './evidence.js';
import { evaluateGates, fingerprintOf, type ApprovalBasis, type GateInputs, type GateResult } from './gates.js';
import { diffPolicySnapshots, missingBreakGlass, policySnapshot, type DriftContext } from './policy-shape.js';
import { policyIdOf } from './campaign-policies.js';
import type { StageMove } from './stages.js';
import { countedMembers } from './warning-counts.js';

export interface GateGathererDeps {
  store: Store;
  gateway: PolicyGateway;
  signIns: SignInLog;
  warnings: WarningCounts;
  clock: Clock;
}

export interface GatheredGates {
  inputs: GateInputs;
  results: GateResult[];
  basis: ApprovalBasis;
  fingerprint: string;
  /** The policies as read now (null: not created yet, or gone). */
  policies: { 'report-only': CaPolicy | null; enforced: CaPolicy | null };
  /** Policy ids the campaign names but Graph does not have any more. */
  missingPolicies: string[];
}

const DAY_MS = 24 * 3600_000;

/**
 * Collects what the gates look at, from the database (readiness, exemptions, drift alerts) and from
 * Graph (the two policies, and sign-ins for the report-only evidence), then evaluates them.
 */
export class GateGatherer {
  constructor(private readonly d: GateGathererDeps) {}

  async gather(cohort: Cohort, campaign: Campaign, move: StageMove, priority: CallPriority = 'interactive'): Promise<GatheredGates> {
    const { store, gateway, clock } = this.d;
    const now = clock.now();
    const settings = effectiveSettings(campaign.settings);
    const status = (await buildStatus(store, { kind: 'cohort', cohort })).cohorts[0];
    const breakGlass = await store.campaigns.breakGlass(campaign.id);
    const policies: GatheredGates['policies'] = { 'report-only': null, enforced: null };
    const missingPolicies: string[] = [];
    for (const role of ['report-only', 'enforced'] as const) {
      const id = policyIdOf(campaign, role);
      if (!id) continue;
      policies[role] = await gateway.getPolicy(id, priority);
      if (!policies[role]) missingPolicies.push(`${role} policy ${id}`);
    }

    // Drift: open alerts concerning this cohort, plus what differs from the snapshots right now
    // (so a portal edit counts even before the drift watch has run).
    const findings: string[] = [];
    for (const a of await store.driftAlerts.openFor(campaign.id)) {
      if (a.affects.includes('*') || a.affects.includes(cohort.id)) findings.push(...a.changes.map((c) => `${a.kind}: ${c.words}`));
    }
    for (const m of missingPolicies) findings.push(`the ${m} no longer exists`);
    const cohorts = await store.cohorts.list(campaign.id);
    const ctx: DriftContext = {
      breakGlassUsers: breakGlass.filter((b) => b.kind === 'user').map((b) => b.principalId),
      breakGlassGroups: breakGlass.filter((b) => b.kind === 'group').map((b) => b.principalId),
      exemptionsGroupId: campaign.exemptionsGroupId,
      cohortGroups: new Map(cohorts.map((c) => [c.groupId.toLowerCase(), c.name])),
      names: new Map(breakGlass.map((b) => [b.principalId.toLowerCase(), b.displayName])),
    };
    for (const role of ['report-only', 'enforced'] as const) {
      const p = policies[role];
      if (!p) continue;
      const snap = await store.policySnapshots.get(campaign.id, role);
      if (!snap) continue;
      for (const c of diffPolicySnapshots(snap.snapshot, policySnapshot(p), ctx)) {
        const line = `${role}: ${c.words}`;
        if (!findings.includes(line)) findings.push(line);
      }
    }

    let evidence: GateInputs['evidence'] = null;
    let failureSharePct = 0;
    if (move.to === 'enforced') {
      const since = new Date(Math.max(cohort.stageChangedAt.getTime(), now.getTime() - settings.soakDays * DAY_MS));
      const members = await countedMembers(store, cohort.id);
      const ro = policies['report-only'];
      let summary = null;
      let unavailable: string | null = null;
      if (!ro) unavailable = 'the campaign has no report-only policy';
      else {
        const events: SignInEvent[] = [];
        for await (const page of this.d.signIns.signInsForPolicy(ro.id, since, now, priority)) events.push(...page);
        summary = summarizeEvidence(ro.id, events, members, since, now);
      }
      evidence = { summary, unavailable, soakDays: settings.soakDays, inReportOnlySince: cohort.stageChangedAt, counted: status?.counted ?? 0, maxPct: settings.reportOnlyFailureMaxPct };
      failureSharePct = summary && evidence.counted > 0 ? Math.round((summary.failedUsers / evidence.counted) * 1000) / 10 : 0;
    }

    let warnings: GateInputs['warnings'] = null;
    if (move.to === 'enforced') {
      const counted = status?.counted ?? 0;
      const nonCompliant = counted - (status?.compliant ?? 0);
      const w = await this.d.warnings.warnedAtLeast(cohort.id, settings.minWarnings);
      const exemptedIds = new Set((await store.exemptions.listActive(campaign.id)).map((e) => e.userId.toLowerCase()));
      const exempted = w.notWarned.filter((u) => exemptedIds.has(u.toLowerCase())).length;
      warnings = { minWarnings: settings.minWarnings, nonCompliant, notWarned: w.notWarned.length, exempted };
    }

    const inputs: GateInputs = {
      move,
      now,
      synced: { membersSyncedAt: cohort.membersSyncedAt, members: status?.total ?? 0 },
      compliance: { counted: status?.counted ?? 0, compliant: status?.compliant ?? 0, readyPct: status?.readyPct ?? 0, thresholdPct: campaign.thresholdPct },
      evidence,
      breakGlass: {
        entries: breakGlass.length,
        missing: (['report-only', 'enforced'] as const)
          .filter((role) => policies[role] !== null)
          .map((role) => ({ policy: role, names: missingBreakGlass(policies[role]!, breakGlass).map((b) => b.displayName) })),
      },
      drift: { findings },
      warnings,
    };
    const results = evaluateGates(inputs);
    const basis: ApprovalBasis = {
      gates: results.map((r) => ({ id: r.id, status: r.status })),
      policies: (['report-only', 'enforced'] as const).map((role) => ({ id: policies[role]?.id ?? null, modified: policies[role]?.modifiedDateTime ?? null })),
      breakGlass: breakGlass.map((b) => b.principalId),
      strengthId: campaign.strengthId,
      settings: { thresholdPct: campaign.thresholdPct, soakDays: settings.soakDays, failureMaxPct: settings.reportOnlyFailureMaxPct, minWarnings: settings.minWarnings },
      readyPct: status?.readyPct ?? 0,
      failureSharePct,
    };
    return { inputs, results, basis, fingerprint: fingerprintOf(basis), policies, missingPolicies };
  }
}
