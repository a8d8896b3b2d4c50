import { fail, type CampaignService, type Outcome } from '../campaigns/campaign-service.js';
import { effectiveSettings } from '../campaigns/campaign-settings.js';
import type { Campaign, Cohort, CohortStage } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { CaPolicy } from '../ports/policy-gateway.js';
import type { AdminMessenger, StageListener } from '../ports/staging-hooks.js';
import type { Approval, PostedCard } from '../ports/staging-store.js';
import type { Store } from '../ports/store.js';
import { CampaignPolicies, policyIdOf, type GraphChange } from './campaign-policies.js';
import { GateGatherer, type GatheredGates } from './gate-inputs.js';
import { materialChange, verdict, type ApprovalBasis, type GateResult } from './gates.js';
import { applyUsersIntent, exemptionsGroupName, policyDisplayName, type UsersIntent } from './policy-shape.js';
import { PolicyBusy, PolicyGone } from './policy-writer.js';
import { backMove, forwardMove, STAGE_EFFECT, type PolicyRole, type StageMove } from './stages.js';

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StagingActor {
  /** aadObjectId, or `system:<job>`. */
  id: string;
  name: string;
}

export interface StagingServiceDeps {
  store: Store;
  campaigns: CampaignService;
  policies: CampaignPolicies;
  gates: GateGatherer;
  admins: AdminMessenger;
  listener: StageListener;
  clock: Clock;
  random: Random;
  logger: Logger;
}

/** A planned change to one policy's `conditions.users`, before and after (for `plan` and the cards). */
export interface PlannedWrite {
  role: PolicyRole;
  policy: string;
  action: 'add the group' | 'remove the group';
  before: UsersIntentView | null;
  after: UsersIntentView | null;
}

export interface UsersIntentView {
  includeUsers: string[];
  includeGroups: string[];
  excludeUsers: string[];
  excludeGroups: string[];
}

export interface PlanView {
  cohort: Cohort;
  campaign: Campaign;
  move: StageMove | null;
  back: StageMove | null;
  effect: string;
  gates: GateResult[];
  setup: GraphChange[];
  writes: PlannedWrite[];
  /** The open approval request, if any. */
  pending: Approval | null;
  notes: string[];
  names: Map<string, string>;
}

export interface MoveReport {
  ok: boolean;
  cohort: Cohort;
  from: CohortStage;
  to: CohortStage;
  /** What was written, in order. */
  written: { role: PolicyRole; policyId: string; outcome: string; requestId: string | null; concurrentEdits: number }[];
  message: string;
}

export interface ApprovalModel {
  approvalId: string;
  cohort: string;
  campaign: string;
  from: string;
  to: string;
  requestedBy: string;
  requestedById: string;
  requestedAt: Date;
  expiresAt: Date;
  reason: string | null;
  gates: GateResult[];
  writes: PlannedWrite[];
  status: Approval['status'];
  /** What happened, in words (empty while pending). */
  outcome: string;
  /** A notice for the person who pressed (self-approval refused, …). */
  notice: string;
}

export type AdvanceResult =
  | { kind: 'approval'; approval: Approval; model: ApprovalModel; gates: GateResult[]; reached: number }
  | { kind: 'moving'; move: StageMove; gates: GateResult[]; overridden: GateResult[]; done: Promise<MoveReport> };

const LEASE_TTL_MS = 10 * 60_000;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Moves cohorts between stages (issue 5): plan (dry run), advance with gates, four-eyes approval for
 * enforcement, rollback, pause/resume. A move writes the target policy first and the source second,
 * so a failure half way leaves the group covered by one of them, never by none; it runs outside the
 * chat turn (CA is 1 request/s) and reports back when done. One move per campaign at a time (a lease).
 */
export class StagingService {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly d: StagingServiceDeps) {}

  /** Resolves when every background move started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  // ---- plan ------------------------------------------------------------------------------------

  async plan(cohortName: string): Promise<Outcome<PlanView>> {
    const found = await this.d.campaigns.findCohort(cohortName);
    if (!found.ok) return found;
    const cohort = found.value;
    const campaign = await this.campaignOf(cohort);
    const move = forwardMove(cohort.stage);
    const back = backMove(cohort.stage);
    const notes: string[] = [];
    const names = await this.namesFor(campaign);
    let gates: GateResult[] = [];
    let setup: GraphChange[] = [];
    let writes: PlannedWrite[] = [];
    if (move) {
      const g = await this.d.gates.gather(cohort, campaign, move);
      gates = g.results;
      if (move.addTo || move.removeFrom) {
        setup = await this.d.policies.plannedSetup(campaign);
        writes = this.plannedWrites(cohort, campaign, move, g.policies, names);
      }
      if (move.needsApproval) notes.push('Enforcement needs the approval of a second admin: `advance` sends the request to the other admins.');
      const v = verdict(gates, null);
      if (v.hardFailures.length > 0) notes.push('A hard gate fails: the move is not possible until it is fixed (no override).');
      else if (v.softFailures.length > 0) notes.push(`To move anyway, say \`advance ${cohort.name} because <reason>\` (the reason is recorded).`);
    } else notes.push(`${cohort.name} is ${cohort.stage}: there is no further stage.${back ? ` \`rollback ${cohort.name}\` moves it back to ${back.to}.` : ''}`);
    if (cohort.paused) notes.push(`${cohort.name} is paused: \`resume ${cohort.name}\` before moving it.`);
    const pending = await this.d.store.approvals.pendingFor(cohort.id);
    if (pending) notes.push(`An approval request is waiting since ${fmt(pending.requestedAt)} (expires ${fmt(pending.expiresAt)}): \`approvals\`.`);
    return { ok: true, value: { cohort, campaign, move, back, effect: move ? STAGE_EFFECT[move.to] : STAGE_EFFECT[cohort.stage], gates, setup, writes, pending, notes, names } };
  }

  private plannedWrites(cohort: Cohort, campaign: Campaign, move: StageMove, live: GatheredGates['policies'], names: Map<string, string>): PlannedWrite[] {
    const out: PlannedWrite[] = [];
    const exemptions = campaign.exemptionsGroupId;
    const step = (role: PolicyRole, intent: UsersIntent, action: PlannedWrite['action']) => {
      const p = live[role];
      const name = p?.displayName ?? policyDisplayName(campaign.name, role);
      if (!p) {
        // Created empty by the setup, then changed.
        const empty = { includeUsers: ['None'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] };
        out.push({ role, policy: `${name} (to be created)`, action, before: view(empty, names), after: view(applyUsersIntent(empty, intent), names) });
      } else out.push({ role, policy: `${name} (${p.id})`, action, before: view(p.users, names), after: view(applyUsersIntent(p.users, intent), names) });
    };
    if (move.addTo) step(move.addTo, { include: [cohort.groupId], excludeGroups: exemptions ? [exemptions] : [] }, 'add the group');
    if (move.removeFrom && (live[move.removeFrom] || policyIdOf(campaign, move.removeFrom))) step(move.removeFrom, { remove: [cohort.groupId] }, 'remove the group');
    return out;
  }

  // ---- advance -------------------------------------------------------------------------------

  async advance(cohortName: string, reason: string | null, actor: StagingActor, opts: { expectFrom?: CohortStage } = {}): Promise<Outcome<AdvanceResult>> {
    const found = await this.d.campaigns.findCohort(cohortName);
    if (!found.ok) return found;
    const cohort = found.value;
    if (opts.expectFrom && cohort.stage !== opts.expectFrom) return fail('stage_moved', `${cohort.name} is already ${cohort.stage} (the card was for ${opts.expectFrom}); nothing was changed.`);
    if (cohort.paused) return fail('cohort_paused', `${cohort.name} is paused; \`resume ${cohort.name}\` first. Nothing was changed.`);
    const move = forwardMove(cohort.stage);
    if (!move) return fail('wrong_stage', `${cohort.name} is already enforced; there is no further stage. Usage: \`advance <cohort> [because <reason>]\`; \`rollback ${cohort.name}\` goes back.`);
    const campaign = await this.campaignOf(cohort);

    // An approved enforcement that did not complete (Graph failed half way) is finished, not re-requested.
    if (move.needsApproval) {
      const carried = await this.d.store.approvals.approvedNotExecuted(cohort.id);
      if (carried && carried.fromStage === cohort.stage) {
        const g = await this.d.gates.gather(cohort, campaign, move);
        const hard = g.results.filter((r) => r.status === 'fail' && r.hard);
        if (hard.length > 0) return fail('gate_hard', `${cohort.name} cannot be enforced: ${hard.map((r) => `${r.title}: ${r.detail}`).join('; ')}. Nothing was changed.`);
        const done = this.track(this.executeMove(cohort.id, move, actor, { reason: carried.reason, approval: carried, gates: g.results }));
        return { ok: true, value: { kind: 'moving', move, gates: g.results, overridden: [], done } };
      }
      const pending = await this.d.store.approvals.pendingFor(cohort.id);
      if (pending) return fail('approval_pending', `${cohort.name} is already waiting for approval (asked ${fmt(pending.requestedAt)}, expires ${fmt(pending.expiresAt)}). \`approvals\` shows it. Nothing was changed.`);
    }

    const g = await this.d.gates.gather(cohort, campaign, move);
    const v = verdict(g.results, reason);
    if (v.hardFailures.length > 0) {
      return fail('gate_hard', `${cohort.name} cannot move to ${move.to}: ${v.hardFailures.map((r) => `${r.title} — ${r.detail}`).join('; ')}. This gate has no override. Nothing was changed.`);
    }
    if (!v.ok) {
      return fail('gate_soft', `${cohort.name} cannot move to ${move.to} yet: ${v.softFailures.map((r) => `${r.title} — ${r.detail}`).join('; ')}. To move anyway, say \`advance ${cohort.name} because <reason>\`. Nothing was changed.`);
    }

    if (move.needsApproval) return this.requestApproval(cohort, campaign, move, g, reason, actor, v.overridden);

    if (v.overridden.length > 0) {
      await this.d.store.audit.append({ at: this.d.clock.now(), actor: actor.id, action: 'gate.override', campaignId: campaign.id, cohortId: cohort.id, details: { move: `${move.from}→${move.to}`, reason, gates: v.overridden } });
    }
    const done = this.track(this.executeMove(cohort.id, move, actor, { reason, approval: null, gates: g.results }));
    return { ok: true, value: { kind: 'moving', move, gates: g.results, overridden: v.overridden, done } };
  }

  private async requestApproval(cohort: Cohort, campaign: Campaign, move: StageMove, g: GatheredGates, reason: string | null, actor: StagingActor, overridden: GateResult[]): Promise<Outcome<AdvanceResult>> {
    const now = this.d.clock.now();
    const settings = effectiveSettings(campaign.settings);
    const writes = this.plannedWrites(cohort, campaign, move, g.policies, await this.namesFor(campaign));
    const approval: Approval = {
      id: this.d.random.uuid(),
      cohortId: cohort.id,
      campaignId: campaign.id,
      fromStage: move.from,
      toStage: move.to,
      requestedBy: actor.id,
      requestedAt: now,
      expiresAt: new Date(now.getTime() + settings.approvalTtlHours * HOUR_MS),
      reason,
      fingerprint: g.fingerprint,
      gateInputs: g.basis as unknown as Record<string, unknown>,
      gateResults: g.results,
      plan: { writes, requestedByName: actor.name, overridden: overridden.map((o) => o.id) },
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      executedAt: null,
      cards: [],
    };
    const created = await this.d.store.transaction(async (repos) => {
      const r = await repos.approvals.create(approval);
      if (r === 'ok') {
        await repos.audit.append({ at: now, actor: actor.id, action: 'approval.request', campaignId: campaign.id, cohortId: cohort.id, subject: approval.id, details: { move: `${move.from}→${move.to}`, reason, gates: g.results, fingerprint: g.fingerprint, expiresAt: approval.expiresAt.toISOString(), overridden: overridden.map((o) => o.id) } });
      }
      return r;
    });
    if (created === 'pending_exists') return fail('approval_pending', `${cohort.name} is already waiting for approval; \`approvals\` shows it. Nothing was changed.`);
    const model = this.approvalModel(approval, cohort, campaign, '');
    let cards: PostedCard[] = [];
    try {
      cards = await this.d.admins.post(campaign, { kind: 'approval', model }, { exceptUserIds: [actor.id] });
      await this.d.store.approvals.addCards(approval.id, cards);
    } catch (e) {
      this.d.logger.warn({ err: e instanceof Error ? e.message : String(e), approvalId: approval.id }, 'approval card could not be posted');
    }
    return { ok: true, value: { kind: 'approval', approval, model, gates: g.results, reached: cards.length } };
  }

  // ---- rollback, pause, resume ---------------------------------------------------------------

  async rollback(cohortName: string, reason: string | null, actor: StagingActor, opts: { expectFrom?: CohortStage } = {}): Promise<Outcome<{ move: StageMove; done: Promise<MoveReport> }>> {
    const found = await this.d.campaigns.findCohort(cohortName);
    if (!found.ok) return found;
    const cohort = found.value;
    if (opts.expectFrom && cohort.stage !== opts.expectFrom) return fail('stage_moved', `${cohort.name} is already ${cohort.stage} (the card was for ${opts.expectFrom}); nothing was changed.`);
    const move = backMove(cohort.stage);
    if (!move) {
      return fail('wrong_stage', `${cohort.name} is ${cohort.stage}: rollback works from enforced (to report-only) or report-only (to nudging). Usage: \`rollback <cohort> [because <reason>]\`${cohort.stage === 'nudging' ? `; \`pause ${cohort.name}\` stops its reminders` : ''}. Nothing was changed.`);
    }
    await this.voidPending(cohort, actor, 'the cohort was rolled back');
    const done = this.track(this.executeMove(cohort.id, move, actor, { reason, approval: null, gates: [] }));
    return { ok: true, value: { move, done } };
  }

  async setPaused(cohortName: string, paused: boolean, actor: StagingActor): Promise<Outcome<Cohort>> {
    const found = await this.d.campaigns.findCohort(cohortName);
    if (!found.ok) return found;
    const cohort = found.value;
    if (cohort.paused === paused) return fail(paused ? 'already_paused' : 'not_paused', `${cohort.name} is ${paused ? 'already paused' : 'not paused'}; nothing was changed.`);
    const now = this.d.clock.now();
    const next: Cohort = { ...cohort, paused, updatedAt: now };
    const ok = await this.d.store.transaction(async (repos) => {
      if (!(await repos.cohorts.update(next, cohort.version))) return false;
      await repos.audit.append({ at: now, actor: actor.id, action: paused ? 'cohort.pause' : 'cohort.resume', campaignId: cohort.campaignId, cohortId: cohort.id, before: { paused: cohort.paused, stage: cohort.stage }, after: { paused, stage: cohort.stage } });
      return true;
    });
    if (!ok) return fail('cohort_changed', 'Someone changed the cohort at the same moment; nothing was changed. Please try again.');
    if (paused) {
      await this.voidPending(cohort, actor, 'the cohort was paused');
      await this.hint(() => this.d.listener.cancelForCohort(cohort.id, now));
    } else if (cohort.stage === 'report-only') {
      const campaign = await this.campaignOf(cohort);
      await this.hint(() => this.d.listener.planFinalNotices(cohort.id, this.earliestEnforcement(campaign, now), now));
    } else if (cohort.stage === 'enforced') await this.hint(() => this.d.listener.planRecoveryNotices(cohort.id, now));
    return { ok: true, value: { ...next, version: cohort.version + 1 } };
  }

  // ---- approvals -------------------------------------------------------------------------------

  /** Open requests (expired ones are expired first), as card models. */
  async pendingApprovals(): Promise<ApprovalModel[]> {
    await this.expireDue();
    const out: ApprovalModel[] = [];
    for (const a of await this.d.store.approvals.listPending()) {
      const cohort = await this.d.store.cohorts.get(a.cohortId);
      const campaign = cohort ? await this.d.store.campaigns.get(cohort.campaignId) : null;
      if (cohort && campaign) out.push(this.approvalModel(a, cohort, campaign, ''));
    }
    return out;
  }

  async approvalModelOf(id: string, notice = ''): Promise<ApprovalModel | null> {
    const a = await this.d.store.approvals.get(id);
    if (!a) return null;
    const cohort = await this.d.store.cohorts.get(a.cohortId);
    const campaign = cohort ? await this.d.store.campaigns.get(cohort.campaignId) : null;
    return cohort && campaign ? this.approvalModel(a, cohort, campaign, notice) : null;
  }

  /**
   * Approve or reject from the card. `actor` is who pressed, from the activity (never card data);
   * the router has already re-read their role from Entra. Whatever the card carried, only the
   * approval id is used. A decided request answers with its outcome and changes nothing.
   */
  async decide(approvalId: string, decision: 'approve' | 'reject', actor: StagingActor, pressed: PostedCard | null): Promise<{ model: ApprovalModel | null; done: Promise<MoveReport> | null }> {
    const a = await this.d.store.approvals.get(approvalId);
    if (!a) return { model: null, done: null };
    const now = this.d.clock.now();
    if (pressed) await this.d.store.approvals.addCards(a.id, [pressed]).catch(() => undefined);
    if (a.status !== 'pending') {
      await this.d.store.audit.append({ at: now, actor: actor.id, action: 'approval.replay', campaignId: a.campaignId, cohortId: a.cohortId, subject: a.id, details: { decision, status: a.status } });
      return { model: await this.approvalModelOf(a.id, `This request was already ${a.status}; nothing was changed.`), done: null };
    }
    if (now.getTime() >= a.expiresAt.getTime()) {
      await this.expire(a, now);
      return { model: await this.approvalModelOf(a.id, 'This request has expired; nothing was changed. Ask again with `advance`.'), done: null };
    }
    const cohort = await this.d.store.cohorts.get(a.cohortId);
    if (!cohort) return { model: null, done: null };
    const campaign = await this.campaignOf(cohort);

    if (decision === 'reject') {
      const withdrawn = actor.id === a.requestedBy;
      if (await this.d.store.approvals.decide(a.id, 'pending', 'rejected', actor.id, now, withdrawn ? 'withdrawn by the requester' : `rejected by ${actor.name}`)) {
        await this.d.store.audit.append({ at: now, actor: actor.id, action: withdrawn ? 'approval.withdraw' : 'approval.reject', campaignId: campaign.id, cohortId: cohort.id, subject: a.id });
        await this.refreshCards(a.id);
      }
      return { model: await this.approvalModelOf(a.id), done: null };
    }

    if (actor.id === a.requestedBy) {
      await this.d.store.audit.append({ at: now, actor: actor.id, action: 'approval.self_refused', campaignId: campaign.id, cohortId: cohort.id, subject: a.id });
      return { model: this.approvalModel(a, cohort, campaign, 'You asked for this move: another admin has to approve it. Nothing was changed.'), done: null };
    }

    const move = forwardMove(cohort.stage);
    let voidReason: string | null = null;
    let g: GatheredGates | null = null;
    if (cohort.stage !== a.fromStage || !move || move.to !== a.toStage) voidReason = `the cohort is now ${cohort.stage}`;
    else if (cohort.paused) voidReason = 'the cohort is paused';
    else {
      g = await this.d.gates.gather(cohort, campaign, move);
      const hard = g.results.filter((r) => r.status === 'fail' && r.hard);
      if (hard.length > 0) voidReason = hard.map((r) => `${r.title}: ${r.detail}`).join('; ');
      else voidReason = materialChange({ ...(a.gateInputs as unknown as ApprovalBasis), fingerprint: a.fingerprint }, g.basis);
    }
    if (voidReason !== null || !g || !move) {
      if (await this.d.store.approvals.decide(a.id, 'pending', 'void', actor.id, now, voidReason ?? 'void')) {
        await this.d.store.audit.append({ at: now, actor: actor.id, action: 'approval.void', campaignId: campaign.id, cohortId: cohort.id, subject: a.id, details: { reason: voidReason, gates: g?.results ?? null } });
        await this.refreshCards(a.id);
      }
      return { model: await this.approvalModelOf(a.id, `The gate inputs changed since the request (${voidReason}); the approval is void and nothing was changed. The requester can ask again with \`advance\`.`), done: null };
    }
    if (!(await this.d.store.approvals.decide(a.id, 'pending', 'approved', actor.id, now, `approved by ${actor.name}`))) {
      return { model: await this.approvalModelOf(a.id, 'Someone decided this request at the same moment; nothing more was changed.'), done: null };
    }
    await this.d.store.audit.append({ at: now, actor: actor.id, action: 'approval.approve', campaignId: campaign.id, cohortId: cohort.id, subject: a.id, details: { requestedBy: a.requestedBy, gates: g.results, fingerprint: g.fingerprint, basis: g.basis } });
    const approved = (await this.d.store.approvals.get(a.id))!;
    const done = this.track(this.executeMove(cohort.id, move, actor, { reason: a.reason, approval: approved, gates: g.results }));
    await this.refreshCards(a.id);
    return { model: await this.approvalModelOf(a.id), done };
  }

  /** Expires pending requests past their time (scheduler, and before listing). */
  async expireDue(): Promise<number> {
    const now = this.d.clock.now();
    const due = await this.d.store.approvals.duePending(now);
    for (const a of due) await this.expire(a, now);
    return due.length;
  }

  private async expire(a: Approval, now: Date): Promise<void> {
    if (await this.d.store.approvals.decide(a.id, 'pending', 'expired', 'system:expiry', now, 'expired before a second admin approved it')) {
      await this.d.store.audit.append({ at: now, actor: 'system:expiry', action: 'approval.expire', campaignId: a.campaignId, cohortId: a.cohortId, subject: a.id, details: { expiresAt: a.expiresAt.toISOString() } });
      await this.refreshCards(a.id);
    }
  }

  private async voidPending(cohort: Cohort, actor: StagingActor, why: string): Promise<void> {
    const p = await this.d.store.approvals.pendingFor(cohort.id);
    if (!p) return;
    const now = this.d.clock.now();
    if (await this.d.store.approvals.decide(p.id, 'pending', 'void', actor.id, now, why)) {
      await this.d.store.audit.append({ at: now, actor: actor.id, action: 'approval.void', campaignId: cohort.campaignId, cohortId: cohort.id, subject: p.id, details: { reason: why } });
      await this.refreshCards(p.id);
    }
  }

  private async refreshCards(approvalId: string): Promise<void> {
    const a = await this.d.store.approvals.get(approvalId);
    const model = await this.approvalModelOf(approvalId);
    if (!a || !model || a.cards.length === 0) return;
    try {
      await this.d.admins.update(a.cards, { kind: 'approval', model });
    } catch (e) {
      this.d.logger.warn({ err: e instanceof Error ? e.message : String(e), approvalId }, 'approval cards could not be updated');
    }
  }

  approvalModel(a: Approval, cohort: Cohort, campaign: Campaign, notice: string): ApprovalModel {
    const plan = a.plan as { writes?: PlannedWrite[]; requestedByName?: string };
    const outcome =
      a.status === 'pending'
        ? ''
        : a.status === 'approved'
          ? a.executedAt
            ? `Approved by ${nameOr(a.decisionNote, a.decidedBy)} — ${cohort.name} was enforced ${fmt(a.executedAt)}.`
            : `Approved by ${nameOr(a.decisionNote, a.decidedBy)} — applying the change in Entra${cohort.stage === 'enforced' ? '' : '; if it did not complete, `advance ' + cohort.name + '` finishes it'}.`
          : a.status === 'rejected'
            ? `${a.decisionNote ?? 'Rejected'} (${fmt(a.decidedAt!)}).`
            : a.status === 'expired'
              ? `Expired ${fmt(a.expiresAt)} without a second admin's approval.`
              : `Void: ${a.decisionNote ?? 'the gate inputs changed'}.`;
    return {
      approvalId: a.id,
      cohort: cohort.name,
      campaign: campaign.name,
      from: a.fromStage,
      to: a.toStage,
      requestedBy: plan.requestedByName ?? a.requestedBy,
      requestedById: a.requestedBy,
      requestedAt: a.requestedAt,
      expiresAt: a.expiresAt,
      reason: a.reason,
      gates: a.gateResults as GateResult[],
      writes: plan.writes ?? [],
      status: a.status,
      outcome,
      notice,
    };
  }

  // ---- the move itself -------------------------------------------------------------------------

  /**
   * Writes the policies (target first, then source), then records the new stage. Runs under the
   * campaign's lease. A failure leaves the stage as it was and says what was written; running the
   * same move again completes it (writes already in place are no-ops).
   */
  async executeMove(cohortId: string, move: StageMove, actor: StagingActor, ctx: { reason: string | null; approval: Approval | null; gates: GateResult[] }): Promise<MoveReport> {
    const start = await this.d.store.cohorts.get(cohortId);
    if (!start) throw new Error(`cohort ${cohortId} is gone`);
    const lease = `staging:${start.campaignId}`;
    const holder = `move:${this.d.random.uuid()}`;
    const got = await this.d.store.leases.tryAcquire(lease, holder, LEASE_TTL_MS, this.d.clock.now());
    const written: MoveReport['written'] = [];
    if (!got.acquired) {
      return { ok: false, cohort: start, from: move.from, to: move.to, written, message: `Another change to the campaign's policies is running; ${start.name} was not moved. Try again in a minute.` };
    }
    try {
      const cohort = (await this.d.store.cohorts.get(cohortId))!;
      if (cohort.stage === move.to) return { ok: true, cohort, from: move.from, to: move.to, written, message: `${cohort.name} is already ${move.to}.` };
      if (cohort.stage !== move.from) return { ok: false, cohort, from: move.from, to: move.to, written, message: `${cohort.name} is now ${cohort.stage}, not ${move.from}; nothing was changed.` };
      let campaign = await this.campaignOf(cohort);
      const setup: GraphChange[] = [];
      try {
        if (move.addTo && !policyIdOf(campaign, move.addTo)) {
          const s = await this.d.policies.ensureSetup(campaign, actor.id);
          campaign = s.campaign;
          setup.push(...s.changes);
        }
        // The strength carries the campaign's allow list before anyone more is put under it.
        if (move.addTo && (await this.d.policies.syncAllowList(campaign, actor.id)).outcome === 'written') {
          setup.push({ kind: 'restrict-strength', target: campaign.strengthId ?? '', note: `allow list ${campaign.aaguidAllow.length} AAGUID(s)` });
        }
        if (move.addTo) {
          const r = await this.d.policies.write(campaign, move.addTo, { users: { include: [cohort.groupId], excludeGroups: campaign.exemptionsGroupId ? [campaign.exemptionsGroupId] : [] } }, actor.id, 'policy.include', { move: `${move.from}→${move.to}`, group: cohort.groupId }, cohort);
          written.push({ role: move.addTo, policyId: policyIdOf(campaign, move.addTo)!, outcome: r.outcome, requestId: r.requestId, concurrentEdits: r.concurrentEdits });
        }
        if (move.removeFrom && policyIdOf(campaign, move.removeFrom)) {
          const r = await this.d.policies.write(campaign, move.removeFrom, { users: { remove: [cohort.groupId] } }, actor.id, 'policy.exclude', { move: `${move.from}→${move.to}`, group: cohort.groupId }, cohort);
          written.push({ role: move.removeFrom, policyId: policyIdOf(campaign, move.removeFrom)!, outcome: r.outcome, requestId: r.requestId, concurrentEdits: r.concurrentEdits });
        }
      } catch (e) {
        const why = e instanceof PolicyGone || e instanceof PolicyBusy ? e.message : describe(e);
        const coveredBy = written.length > 0 ? `its group is now in the ${written.map((w) => w.role).join(' and ')} policy as well, so it stays covered` : 'no policy was changed';
        await this.d.store.audit.append({ at: this.d.clock.now(), actor: actor.id, action: 'cohort.move_failed', campaignId: campaign.id, cohortId: cohort.id, details: { move: `${move.from}→${move.to}`, error: why, written, setup, approvalId: ctx.approval?.id ?? null } });
        this.d.logger.warn({ cohortId: cohort.id, move: `${move.from}→${move.to}`, err: why }, 'stage move failed');
        const again = move.direction === 'forward' ? `advance ${cohort.name}` : `rollback ${cohort.name}`;
        return { ok: false, cohort, from: move.from, to: move.to, written, message: `Moving ${cohort.name} to ${move.to} did not complete: ${why}. ${cohort.name} stays ${move.from}; ${coveredBy}. Say \`${again}\` to finish it.` };
      }
      const now = this.d.clock.now();
      const next: Cohort = { ...cohort, stage: move.to, stageChangedAt: now, updatedAt: now };
      const saved = await this.d.store.transaction(async (repos) => {
        if (!(await repos.cohorts.update(next, cohort.version))) return false;
        await repos.audit.append({
          at: now,
          actor: actor.id,
          action: move.direction === 'forward' ? 'cohort.advance' : 'cohort.rollback',
          campaignId: campaign.id,
          cohortId: cohort.id,
          subject: cohort.groupId,
          before: { stage: move.from },
          after: { stage: move.to },
          graphRequestId: written.map((w) => w.requestId).filter(Boolean).join(',') || null,
          details: { reason: ctx.reason, approvalId: ctx.approval?.id ?? null, approvedBy: ctx.approval?.decidedBy ?? null, requestedBy: ctx.approval?.requestedBy ?? null, gates: ctx.gates, written, setup },
        });
        if (ctx.approval) await repos.approvals.markExecuted(ctx.approval.id, now);
        return true;
      });
      if (!saved) return { ok: false, cohort, from: move.from, to: move.to, written, message: `${cohort.name} changed while it was being moved; its policies are written, its stage was not. Say \`plan ${cohort.name}\`.` };
      const after = { ...next, version: cohort.version + 1 };
      if (move.to === 'report-only' && move.direction === 'forward') await this.hint(() => this.d.listener.planFinalNotices(cohort.id, this.earliestEnforcement(campaign, now), now));
      else if (move.to === 'enforced') await this.hint(() => this.d.listener.planRecoveryNotices(cohort.id, now));
      else if (move.direction === 'back') await this.hint(() => this.d.listener.cancelForCohort(cohort.id, now));
      if (ctx.approval) await this.refreshCards(ctx.approval.id);
      const edits = written.reduce((n, w) => n + w.concurrentEdits, 0);
      return {
        ok: true,
        cohort: after,
        from: move.from,
        to: move.to,
        written,
        message: `${cohort.name} is now ${move.to}: ${STAGE_EFFECT[move.to]}.${edits > 0 ? ` (A policy was edited elsewhere during the move; those edits were kept.)` : ''}${setup.length > 0 ? ` Created: ${setup.map((s) => s.target).join('; ')}.` : ''}`,
      };
    } finally {
      await this.d.store.leases.release(lease, holder).catch(() => undefined);
    }
  }

  // ---- campaign policies -------------------------------------------------------------------------

  /** `campaign set <c> report-only-policy|enforced-policy <id>`: adopt an existing policy after checking its shape. */
  async adoptPolicy(campaignName: string, role: PolicyRole, policyId: string, actor: StagingActor): Promise<Outcome<string>> {
    const found = await this.d.campaigns.findCampaign(campaignName);
    if (!found.ok) return found;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(policyId.trim())) return fail('policy_id_invalid', `A policy is given by its id (a GUID), not "${policyId}".`);
    return this.underLease(found.value.id, async () => {
      const r = await this.d.policies.adopt(found.value, role, policyId.trim().toLowerCase(), actor.id);
      if (!r.ok) return r;
      return { ok: true as const, value: `"${r.value.policy.displayName}" is now the ${role} policy of "${found.value.name}"${r.value.added ? '; I added the break-glass and exemptions exclusions it lacked' : ''}.` };
    });
  }

  /**
   * `campaign set <campaign> aaguid-allow …`. On a passkeys-only campaign whose strength exists the
   * list is what Entra enforces for everyone in its policies, so the change is written to the
   * strength as well — and a narrower list is refused while a cohort is enforced: it would block
   * members with other models at once. Roll back to report-only first, and the report-only evidence
   * shows who the narrower list would stop. Other campaigns just save the setting.
   */
  async setAllowList(campaignName: string, value: string, actor: StagingActor, canChangeCa: boolean): Promise<Outcome<string>> {
    const found = await this.d.campaigns.findCampaign(campaignName);
    if (!found.ok) return found;
    const campaign = found.value;
    const carried = campaign.strengthKind === 'passkeys-only' && campaign.strengthId !== null;
    if (!carried) {
      const r = await this.d.campaigns.setCampaignSetting(campaignName, 'aaguid-allow', value, actor.id, null);
      return r.ok ? { ok: true, value: `${r.value.campaign.name}: ${r.value.said}` } : r;
    }
    if (!canChangeCa) {
      return fail('ca_role_needed', `"${campaign.name}" has its own passkey-only authentication strength in Entra, and the allow list is written into it: a Security Administrator or Conditional Access Administrator must make this change. Nothing was changed.`);
    }
    return this.underLease(campaign.id, async () => {
      const current = (await this.d.store.campaigns.get(campaign.id)) ?? campaign;
      const before = new Set(current.aaguidAllow.map((a) => a.toLowerCase()));
      const next = value.toLowerCase() === 'none' ? [] : value.split(/[,\s]+/).filter(Boolean).map((a) => a.toLowerCase());
      if (next.some((a) => !AAGUID.test(a)) || next.length > 100) {
        // Not a list we would write: the setting's own validation answers, and nothing changes.
        const r = await this.d.campaigns.setCampaignSetting(campaign.name, 'aaguid-allow', value, actor.id, null);
        return r.ok ? { ok: true as const, value: `${r.value.campaign.name}: ${r.value.said}` } : r;
      }
      const narrower = next.length > 0 && (before.size === 0 || [...before].some((a) => !next.includes(a)));
      const enforced = (await this.d.store.cohorts.list(campaign.id)).filter((c) => c.stage === 'enforced');
      if (narrower && enforced.length > 0) {
        const names = enforced.map((c) => c.name).join(', ');
        return fail(
          'allow_list_narrows_enforced',
          `"${campaign.name}" enforces its strength for ${names}: a narrower list of passkey models would block, at once, members whose passkeys are not on it. Roll ${enforced.length === 1 ? 'that cohort' : 'those cohorts'} back to report-only first (\`rollback <cohort>\`): the report-only evidence then shows who the new list would stop. Adding models or clearing the list (none) is always allowed. Nothing was changed.`,
        );
      }
      const saved = await this.d.campaigns.setCampaignSetting(campaign.name, 'aaguid-allow', value, actor.id, null);
      if (!saved.ok) return saved;
      try {
        const w = await this.d.policies.syncAllowList(saved.value.campaign, actor.id);
        const inEntra = w.outcome === 'written' ? ` I wrote it into the campaign's authentication strength in Entra${w.after.length === 0 ? ' (no model restriction now)' : ''}.` : ' The authentication strength in Entra already had this list.';
        return { ok: true as const, value: `${saved.value.campaign.name}: ${saved.value.said}${inEntra}` };
      } catch (e) {
        const why = describe(e);
        this.d.logger.warn({ campaignId: campaign.id, err: why }, 'allow list not written to the strength');
        await this.d.store.audit.append({ at: this.d.clock.now(), actor: actor.id, action: 'strength.restrict_failed', campaignId: campaign.id, subject: campaign.strengthId, details: { error: why, allowedAAGUIDs: next } });
        return {
          ok: true as const,
          value: `${saved.value.campaign.name}: ${saved.value.said} But writing it into the campaign's authentication strength in Entra failed (${why}): Entra still accepts the previous models. Say the same command again to retry; the next move of a cohort into a policy also writes it first.`,
        };
      }
    });
  }

  /** After `breakglass add`: both existing policies exclude the new account or group at once. */
  async applyExclusions(campaignId: string, actor: StagingActor): Promise<string> {
    const campaign = await this.d.store.campaigns.get(campaignId);
    if (!campaign || (!campaign.reportOnlyPolicyId && !campaign.enforcedPolicyId)) return '';
    const r = await this.underLease(campaign.id, async () => ({ ok: true as const, value: await this.d.policies.ensureExclusions(campaign, actor.id) }));
    if (!r.ok) return ` I could not update the policies now (${r.message}); the break-glass gate will stop moves until they exclude it.`;
    const written = r.value.filter((x) => x.result.outcome === 'written').map((x) => x.role);
    return written.length > 0 ? ` I added the exclusion to the ${written.join(' and ')} polic${written.length === 1 ? 'y' : 'ies'}.` : ' Both policies already exclude it.';
  }

  private async underLease<T>(campaignId: string, fn: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const lease = `staging:${campaignId}`;
    const holder = `op:${this.d.random.uuid()}`;
    const got = await this.d.store.leases.tryAcquire(lease, holder, LEASE_TTL_MS, this.d.clock.now());
    if (!got.acquired) return fail('campaign_busy', 'Another change to this campaign\'s policies is running; try again in a minute. Nothing was changed.');
    try {
      return await fn();
    } finally {
      await this.d.store.leases.release(lease, holder).catch(() => undefined);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private earliestEnforcement(campaign: Campaign, now: Date): Date {
    return new Date(now.getTime() + effectiveSettings(campaign.settings).soakDays * DAY_MS);
  }

  private async hint(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      // The nudge planner also notices stage changes on its own; a lost hint is caught up later.
      this.d.logger.warn({ err: describe(e) }, 'stage listener failed');
    }
  }

  private async campaignOf(cohort: Cohort): Promise<Campaign> {
    const c = await this.d.store.campaigns.get(cohort.campaignId);
    if (!c) throw new Error(`campaign ${cohort.campaignId} of cohort ${cohort.id} is gone`);
    return c;
  }

  async namesFor(campaign: Campaign): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const c of await this.d.store.cohorts.list(campaign.id)) names.set(c.groupId.toLowerCase(), `${c.groupName} (cohort ${c.name})`);
    for (const b of await this.d.store.campaigns.breakGlass(campaign.id)) names.set(b.principalId.toLowerCase(), `${b.displayName} (break-glass)`);
    if (campaign.exemptionsGroupId) names.set(campaign.exemptionsGroupId.toLowerCase(), exemptionsGroupName(campaign.name));
    return names;
  }
}

/** `conditions.users` with each id followed by what it is, where known. */
function view(u: { includeUsers: string[]; includeGroups: string[]; excludeUsers: string[]; excludeGroups: string[] }, names: Map<string, string>): UsersIntentView {
  const label = (id: string) => (names.has(id.toLowerCase()) ? `${id} (${names.get(id.toLowerCase())})` : id);
  return { includeUsers: u.includeUsers.map(label), includeGroups: u.includeGroups.map(label), excludeUsers: u.excludeUsers.map(label), excludeGroups: u.excludeGroups.map(label) };
}

function fmt(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function nameOr(note: string | null, id: string | null): string {
  const m = note ? /^approved by (.+)$/.exec(note) : null;
  return m ? m[1]! : (id ?? 'an admin');
}

function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'kind' in e && 'status' in e) {
    const g = e as { kind: string; status: number; code?: string };
    return `Microsoft Graph answered ${g.status} (${g.code ?? g.kind})`;
  }
  return e instanceof Error ? e.message : String(e);
}

export type { CaPolicy };
