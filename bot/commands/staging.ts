import type { ConversationReference } from 'botbuilder';
import { z } from 'zod';
import { VERBS } from '../../cards/verbs.js';
import { COHORT_STAGES, type CohortStage } from '../../services/ports/campaign-store.js';
import type { Clock } from '../../services/ports/clock.js';
import type { Store } from '../../services/ports/store.js';
import type { PostedCard } from '../../services/ports/staging-store.js';
import type { DriftWatch } from '../../services/staging/drift-watch.js';
import type { ExemptionService } from '../../services/staging/exemptions.js';
import type { AdvanceResult, MoveReport, StagingActor, StagingService } from '../../services/staging/staging-service.js';
import type { TapService } from '../../services/helpdesk/tap.js';
import { CA_ROLE_NEEDED, mayChangeConditionalAccess } from '../../services/staging/stages.js';
import { defineCardAction, type CardActionSpec, type CardResult } from '../card-actions.js';
import type { CommandContext, CommandSpec, Reply } from '../command-router.js';
import { renderApprovalCard, renderAuditCards, renderDriftCard, renderPlanCard, renderResultCard, renderTapCard, safeText } from '../staging-cards.js';

export interface StagingCommandDeps {
  staging: StagingService;
  drift: DriftWatch;
  exemptions: ExemptionService;
  taps: TapService;
  store: Store;
  clock: Clock;
  /** Sends a later message into the conversation a command came from (a move that outlasted the turn). */
  notify: (reference: Partial<ConversationReference>, reply: Reply) => Promise<unknown>;
  /** How long a turn waits for a move before answering "in progress" (CA is 1 request/s). */
  answerWithinMs?: number;
}

const MAX_APPROVAL_CARDS = 10;

function actorOf(ctx: CommandContext): StagingActor {
  return { id: ctx.actor.aadObjectId, name: ctx.actor.name || ctx.actor.aadObjectId };
}

function pressedCard(ctx: CommandContext): PostedCard | null {
  return ctx.turn.replyToId ? { conversationId: ctx.turn.conversationId, serviceUrl: ctx.turn.serviceUrl, activityId: ctx.turn.replyToId, aadObjectId: ctx.actor.aadObjectId } : null;
}

function reportCard(r: MoveReport) {
  return renderResultCard(`${r.cohort.name}: ${r.from} → ${r.to}`, [{ text: r.message, color: r.ok ? 'Good' : 'Attention' }]);
}

/**
 * Waits a little for a background move so most answers come in the same turn; a move that takes
 * longer (CA is paced at 1 request/s) is reported into the conversation when it ends.
 */
async function answerOrLater(d: StagingCommandDeps, ctx: CommandContext, done: Promise<MoveReport>): Promise<MoveReport | null> {
  const stop = new AbortController();
  let finished: MoveReport | null = null;
  const timer = d.clock.sleep(d.answerWithinMs ?? 8_000, stop.signal).then(
    () => null,
    () => null,
  );
  const result = await Promise.race([done.then((r) => (finished = r)), timer]);
  stop.abort();
  if (result !== null && finished) return finished;
  done.then(
    (r) => d.notify(ctx.reference, { cards: [reportCard(r)] }),
    (e: unknown) => {
      ctx.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'stage move failed');
      return d.notify(ctx.reference, { text: `The move failed (ref ${ctx.ref}). Say \`plan\` to see where it stands.` });
    },
  );
  return null;
}

export function stagingCommands(d: StagingCommandDeps): CommandSpec[] {
  const plan: CommandSpec<'plan'> = {
    kind: 'plan',
    role: 'admin',
    section: 'Stages',
    summary: 'Dry run of the next move: the exact Conditional Access changes (before and after) and the gate results. Changes nothing.',
    handler: async (cmd): Promise<Reply> => {
      const r = await d.staging.plan(cmd.cohort);
      if (!r.ok) return { text: `${r.message}\n\nUsage: \`plan <cohort>\`` };
      return { cards: [renderPlanCard(r.value)] };
    },
  };

  const advance: CommandSpec<'advance'> = {
    kind: 'advance',
    role: 'admin',
    section: 'Stages',
    summary: 'Move a cohort one stage forward after its gates pass (enforcement asks a second admin). `because <reason>` overrides a failing soft gate.',
    handler: async (cmd, ctx): Promise<Reply> => {
      if (!mayChangeConditionalAccess(ctx.access)) return { text: CA_ROLE_NEEDED };
      const r = await d.staging.advance(cmd.cohort, cmd.reason, actorOf(ctx));
      if (!r.ok) return { text: r.code === 'cohort_not_found' ? `${r.message}\n\nUsage: \`advance <cohort> [because <reason>]\`` : r.message };
      return advanceReply(d, ctx, r.value);
    },
  };

  const rollback: CommandSpec<'rollback'> = {
    kind: 'rollback',
    role: 'admin',
    section: 'Stages',
    summary: 'Move a cohort one stage back (enforced → report-only → nudging) at once, no approval needed; audited.',
    handler: async (cmd, ctx): Promise<Reply> => {
      if (!mayChangeConditionalAccess(ctx.access)) return { text: CA_ROLE_NEEDED };
      const r = await d.staging.rollback(cmd.cohort, cmd.reason, actorOf(ctx));
      if (!r.ok) return { text: r.code === 'cohort_not_found' ? `${r.message}\n\nUsage: \`rollback <cohort> [because <reason>]\`` : r.message };
      const report = await answerOrLater(d, ctx, r.value.done);
      return report ? { cards: [reportCard(report)] } : { text: `Rolling back to ${r.value.move.to}; I will post here when Entra has it.` };
    },
  };

  const pause: CommandSpec<'pause'> = {
    kind: 'pause',
    role: 'admin',
    section: 'Stages',
    summary: 'Hold a cohort where it is: no stage moves, no reminders, pending approvals void.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.staging.setPaused(cmd.cohort, true, actorOf(ctx));
      if (!r.ok) return { text: r.code === 'cohort_not_found' ? `${r.message}\n\nUsage: \`pause <cohort>\`` : r.message };
      return { text: `Paused ${r.value.name} (${r.value.stage}): it stays where it is in Entra, gets no stage moves and no reminders until \`resume ${r.value.name}\`.` };
    },
  };

  const resume: CommandSpec<'resume'> = {
    kind: 'resume',
    role: 'admin',
    section: 'Stages',
    summary: 'Let a paused cohort move and be reminded again.',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.staging.setPaused(cmd.cohort, false, actorOf(ctx));
      if (!r.ok) return { text: r.code === 'cohort_not_found' ? `${r.message}\n\nUsage: \`resume <cohort>\`` : r.message };
      return { text: `Resumed ${r.value.name} (${r.value.stage}).` };
    },
  };

  const approvals: CommandSpec<'approvals'> = {
    kind: 'approvals',
    role: 'admin',
    section: 'Stages',
    summary: 'Enforcement requests waiting for a second admin, with Approve/Reject buttons.',
    handler: async (_cmd, ctx): Promise<Reply> => {
      const list = await d.staging.pendingApprovals();
      if (list.length === 0) return { text: 'No approval requests are waiting.' };
      const more = list.length > MAX_APPROVAL_CARDS ? `${list.length - MAX_APPROVAL_CARDS} more are waiting; decide these first.` : '';
      return {
        ...(more ? { text: more } : {}),
        cards: list.slice(0, MAX_APPROVAL_CARDS).map((m) => renderApprovalCard(m, m.requestedById !== ctx.actor.aadObjectId)),
      };
    },
  };

  const exempt: CommandSpec<'exempt'> = {
    kind: 'exempt',
    role: 'helpdesk',
    section: 'Helpdesk',
    summary: "Keep someone out of their campaign's policies for some days (helpdesk and admins have a maximum each).",
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.exemptions.grant(cmd.user, cmd.days, cmd.reason, { id: ctx.actor.aadObjectId, role: ctx.access.role });
      if (!r.ok) return { text: r.message };
      const lines = r.value.granted.map((g) => `- ${g.campaign.name}: ${g.extended ? 'extended' : 'exempted'} until ${g.until.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
      return { text: `${safeText(r.value.user.displayName)} is in the exemptions group, so the campaign's policies do not apply to them:\n${lines.join('\n')}\n\nWhen it ends I take them out and tell them.` };
    },
  };

  const tap: CommandSpec<'tap'> = {
    kind: 'tap',
    role: 'helpdesk',
    section: 'Helpdesk',
    summary: 'Issue a Temporary Access Pass (only if Entra lets you; shown only to you, in our 1:1 chat).',
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await d.taps.issue({ user: cmd.user, minutes: cmd.minutes, once: cmd.once }, { id: ctx.actor.aadObjectId, access: ctx.access, conversationType: ctx.turn.conversationType });
      if (!r.ok) return { text: r.message };
      return { cards: [renderTapCard(r.value)] };
    },
  };

  const audit: CommandSpec<'audit'> = {
    kind: 'audit',
    role: 'admin',
    section: 'Insight',
    summary: 'The newest audit entries (all, or of one cohort or campaign), newest first.',
    handler: async (cmd): Promise<Reply> => {
      const n = cmd.count ?? 10;
      let filter: { cohortId?: string; campaignId?: string } = {};
      let title = 'Audit log';
      if (cmd.cohort) {
        const cohort = await d.store.cohorts.findByName(cmd.cohort);
        const campaign = cohort ? null : await d.store.campaigns.findByName(cmd.cohort);
        if (!cohort && !campaign) return { text: `There is no cohort or campaign called "${cmd.cohort}".\n\nUsage: \`audit [<cohort>] [<n>]\` · \`audit verify\`` };
        filter = cohort ? { cohortId: cohort.id } : { campaignId: campaign!.id };
        title = `Audit log — ${cohort ? cohort.name : campaign!.name}`;
      }
      const entries = await d.store.audit.recent({ ...filter, limit: n });
      if (entries.length === 0) return { text: 'The audit log has no entries for that yet.' };
      const actors = await d.store.directoryUsers.getMany([...new Set(entries.map((e) => e.actor).filter((a) => !a.startsWith('system:')))]);
      const names = new Map([...actors].map(([id, u]) => [id, u.displayName || u.upn || id]));
      return { cards: renderAuditCards(`${title} (newest first)`, entries, names, `Showing ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}. \`audit verify\` checks the whole chain.`) };
    },
  };

  const auditVerify: CommandSpec<'audit_verify'> = {
    kind: 'audit_verify',
    role: 'admin',
    section: 'Insight',
    summary: 'Recompute the audit log\'s hash chain and name the first entry that was changed or removed.',
    handler: async (): Promise<Reply> => {
      const v = await d.store.audit.verify();
      if (v.ok) return { text: `The audit log verifies: ${v.entries} entries, the hash chain is intact.${v.head ? ` Newest entry #${v.entries}, hash \`${v.head.slice(0, 16)}\`. Note it down: entries cut from the end leave a chain that still verifies, so a later check showing fewer entries, or another hash for #${v.entries}, means the log was cut.` : ''}` };
      return { text: `⛔ The audit log does NOT verify: ${v.reason} (entry #${v.brokenAt}; ${v.entries} entries before it are intact). Someone changed the database behind the bot's back.` };
    },
  };

  return [plan, advance, rollback, pause, resume, approvals, exempt, tap, audit, auditVerify] as CommandSpec[];
}

async function advanceReply(d: StagingCommandDeps, ctx: CommandContext, r: AdvanceResult): Promise<Reply> {
  if (r.kind === 'approval') {
    const reach = r.reached > 0 ? `I sent the request to ${r.reached} other admin${r.reached === 1 ? '' : 's'}.` : 'No other admin could be reached in Teams; they see the request with `approvals`.';
    return { text: `Enforcement of ${r.model.cohort} needs a second admin. ${reach} It expires ${r.approval.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`, cards: [renderApprovalCard(r.model, false)] };
  }
  const report = await answerOrLater(d, ctx, r.done);
  const overridden = r.overridden.length > 0 ? [{ text: `Soft gates overridden with your reason: ${r.overridden.map((g) => g.title).join(', ')} (recorded).`, color: 'Warning' }] : [];
  if (report) return { cards: [renderResultCard(`${report.cohort.name}: ${report.from} → ${report.to}`, [...overridden, { text: report.message, color: report.ok ? 'Good' : 'Attention' }], r.gates)] };
  return { cards: [renderResultCard(`${r.move.from} → ${r.move.to}`, [...overridden, { text: 'The gates passed; changing the Conditional Access policies now (1 request per second). I will post here when it is done.' }], r.gates)] };
}

const stage = z.enum(COHORT_STAGES as [CohortStage, ...CohortStage[]]);

export function stagingCardActions(d: StagingCommandDeps): CardActionSpec[] {
  const moveData = z.object({ cohortId: z.string().uuid(), from: stage, reason: z.string().max(500).optional() });
  const approvalData = z.object({ approvalId: z.string().uuid() });
  const alertData = z.object({ alertId: z.string().uuid() });

  const advance = defineCardAction({
    verb: VERBS.cohortAdvance,
    role: 'admin',
    schema: moveData,
    handler: async (data, ctx): Promise<CardResult> => {
      if (!mayChangeConditionalAccess(ctx.access)) return { message: CA_ROLE_NEEDED };
      const cohort = await d.store.cohorts.get(data.cohortId);
      if (!cohort) return { message: 'That cohort no longer exists.' };
      const reason = data.reason && data.reason.trim() !== '' ? data.reason.trim() : null;
      const r = await d.staging.advance(cohort.name, reason, actorOf(ctx), { expectFrom: data.from });
      if (!r.ok) return { card: renderResultCard(`${cohort.name}: not moved`, [{ text: r.message, color: 'Attention' }]) };
      const reply = await advanceReply(d, ctx, r.value);
      return { card: reply.cards![0]! };
    },
  });

  const rollback = defineCardAction({
    verb: VERBS.cohortRollback,
    role: 'admin',
    schema: moveData,
    handler: async (data, ctx): Promise<CardResult> => {
      if (!mayChangeConditionalAccess(ctx.access)) return { message: CA_ROLE_NEEDED };
      const cohort = await d.store.cohorts.get(data.cohortId);
      if (!cohort) return { message: 'That cohort no longer exists.' };
      const r = await d.staging.rollback(cohort.name, data.reason?.trim() || null, actorOf(ctx), { expectFrom: data.from });
      if (!r.ok) return { card: renderResultCard(`${cohort.name}: not moved`, [{ text: r.message, color: 'Attention' }]) };
      const report = await answerOrLater(d, ctx, r.value.done);
      return { card: report ? reportCard(report) : renderResultCard(`${cohort.name}: rolling back to ${r.value.move.to}`, [{ text: 'Changing the Conditional Access policies now; I will post here when it is done.' }]) };
    },
  });

  const decide = (decision: 'approve' | 'reject') =>
    defineCardAction({
      verb: decision === 'approve' ? VERBS.approvalApprove : VERBS.approvalReject,
      role: 'admin',
      schema: approvalData,
      handler: async (data, ctx): Promise<CardResult> => {
        if (decision === 'approve' && !mayChangeConditionalAccess(ctx.access)) return { message: CA_ROLE_NEEDED };
        const r = await d.staging.decide(data.approvalId, decision, actorOf(ctx), pressedCard(ctx));
        if (!r.model) return { message: 'That approval request no longer exists.' };
        // The presser's own view: no buttons once decided, and none for the requester.
        return { card: renderApprovalCard(r.model, r.model.requestedById !== ctx.actor.aadObjectId) };
      },
    });

  const drift = (what: 'acknowledge' | 'reapply') =>
    defineCardAction({
      verb: what === 'acknowledge' ? VERBS.driftAcknowledge : VERBS.driftReapply,
      role: 'admin',
      schema: alertData,
      handler: async (data, ctx): Promise<CardResult> => {
        if (what === 'reapply' && !mayChangeConditionalAccess(ctx.access)) return { message: CA_ROLE_NEEDED };
        const r = what === 'acknowledge' ? await d.drift.acknowledge(data.alertId, actorOf(ctx)) : await d.drift.reapply(data.alertId, actorOf(ctx));
        if (!r.ok) return { message: r.message };
        return { card: renderDriftCard(r.value, true) };
      },
    });

  return [advance, rollback, decide('approve'), decide('reject'), drift('acknowledge'), drift('reapply')];
}
