import type { ConversationReference } from 'botbuilder';
import { expandTemplate } from '../../cards/render.js';
import type { CampaignService } from '../../services/campaigns/campaign-service.js';
import { resolveUser } from '../../services/directory/resolve.js';
import { describeUser } from '../../services/directory/resolve.js';
import { lookupUser, type UserLookupDeps } from '../../services/helpdesk/user-lookup.js';
import type { Clock } from '../../services/ports/clock.js';
import type { Directory } from '../../services/ports/directory.js';
import type { Store } from '../../services/ports/store.js';
import { buildStatus, deliveryLine, FAILURE_LABELS, STATE_LABELS, type StatusTarget } from '../../services/status/status-service.js';
import { statusCharts } from '../../services/status/status-charts.js';
import type { ImpactSummary } from '../../services/insight/impact.js';
import type { SyncCoordinator } from '../../services/sync/sync-coordinator.js';
import type { SyncProgress, SyncSummary } from '../../services/sync/sync-engine.js';
import type { CommandSpec, Reply } from '../command-router.js';

export interface StatusCommandDeps {
  store: Store;
  campaigns: CampaignService;
  directory: Directory;
  clock: Clock;
  sync: SyncCoordinator;
  lookup: UserLookupDeps;
  /** Sends a later message into the conversation a command came from (sync progress). */
  notify: (reference: Partial<ConversationReference>, reply: Reply) => Promise<unknown>;
}

const MAX_COHORTS_ON_CARD = 20;
const MAX_KINDS_PER_COHORT = 10;
/** A long sync reports progress at most this often. */
const PROGRESS_EVERY_MS = 30_000;

function fmtTime(d: Date | null | undefined): string {
  return d ? `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'never';
}

function summaryText(s: SyncSummary): string {
  const how = s.kind === 'full' ? 'Full sync' : s.sweptReport ? 'Incremental sync (report re-read)' : 'Incremental sync';
  return `${how} finished in ${Math.round(s.durationMs / 1000)} s: ${s.cohorts} cohort(s), ${s.members} members (${s.joined} joined, ${s.left} left), ${s.reportRows} report rows in ${s.reportRequests} report request(s), passkeys read in detail for ${s.detailReads} people. \`status\` shows the result.`;
}

export function statusCommands(d: StatusCommandDeps): CommandSpec[] {
  const status: CommandSpec<'status'> = {
    kind: 'status',
    role: 'admin',
    section: 'Cohorts',
    summary: 'Readiness per cohort: who has the right passkey, who does not and why (from the database).',
    handler: async (cmd): Promise<Reply> => {
      let target: StatusTarget = { kind: 'all' };
      if (cmd.target) {
        const cohort = await d.store.cohorts.findByName(cmd.target);
        if (cohort) target = { kind: 'cohort', cohort };
        else {
          const campaign = await d.store.campaigns.findByName(cmd.target);
          if (!campaign) return { text: `There is no campaign or cohort called "${cmd.target}". \`campaign list\` and \`cohorts\` show them.` };
          target = { kind: 'campaign', campaign };
        }
      }
      const report = await buildStatus(d.store, target);
      const staging = new Map<string, { text: string; color: string }[]>();
      for (const c of report.cohorts.slice(0, MAX_COHORTS_ON_CARD)) staging.set(c.cohort.id, await stagingLines(d.store, c.cohort.id, c.campaign.id));
      const syncLine = report.runningSync
        ? `A sync is running (started ${fmtTime(report.runningSync.startedAt)}: ${String(report.runningSync.progress.message ?? 'starting')}). Last finished sync: ${fmtTime(report.lastSync?.finishedAt)}.`
        : `Last sync: ${fmtTime(report.lastSync?.finishedAt)}${report.lastSync ? ` (${report.lastSync.kind})` : ' — say `sync`'}.`;
      const cohorts = report.cohorts.slice(0, MAX_COHORTS_ON_CARD).map((c) => ({
        name: c.cohort.name,
        campaign: c.campaign.name,
        tier: c.cohort.tier,
        stage: c.cohort.paused ? `${c.cohort.stage} (paused)` : c.cohort.stage,
        ready: c.total === 0 ? 'Not synced yet.' : `${c.compliant} of ${c.counted} ready (${c.readyPct}%) · threshold ${c.campaign.thresholdPct}%`,
        readyColor: c.total === 0 ? 'Default' : c.readyPct >= c.campaign.thresholdPct ? 'Good' : 'Warning',
        states: c.states.map((s) => ({ label: STATE_LABELS[s.state] ?? s.state, value: String(s.count) })),
        kinds: c.kinds
          .filter((k) => k.kind !== 'none')
          .slice(0, MAX_KINDS_PER_COHORT)
          .map((k) => ({ label: `${k.kind}${k.provider ? ` · ${k.provider}` : ''}`, value: String(k.count) })),
        findings: c.findings.map((f) => ({ text: `Passkey policy: ${f.message}`, color: f.severity === 'blocking' ? 'Attention' : 'Warning' })),
        staging: staging.get(c.cohort.id) ?? [],
        reminders: deliveryLine(c.delivery),
        impact: impactLine(c.impact),
        impactApps: (c.impact?.byApp ?? []).filter((a) => a.failures + a.interruptions > 0).slice(0, 5).map((a) => ({ label: a.key, value: `${a.failures} would fail, ${a.interruptions} would be prompted` })),
      }));
      const charts = statusCharts(report.cohorts, STATE_LABELS, MAX_COHORTS_ON_CARD);
      const deliveryFailures = report.delivery.failures.map((f) => ({ label: FAILURE_LABELS[f.code] ?? f.code, value: `${f.count}: ${f.reason}` }));
      const more = report.cohorts.length > MAX_COHORTS_ON_CARD ? `\n\n${report.cohorts.length - MAX_COHORTS_ON_CARD} more cohorts: ask \`status <campaign>\` or \`status <cohort>\`.` : '';
      return {
        cards: [
          expandTemplate('status', {
            title: report.title,
            syncLine,
            deliveryLine: deliveryLine(report.delivery, 'Messages to people'),
            deliveryFailures,
            cohorts,
            noCohortsHint: 'No cohorts yet: `cohort add <group> to <campaign> as <tier0|tier1|workforce>`.',
            ...charts,
          }),
        ],
        ...(more ? { text: more.trim() } : {}),
      };
    },
  };

  const sync: CommandSpec<'sync'> = {
    kind: 'sync',
    role: 'admin',
    section: 'Cohorts',
    summary: 'Re-read cohort members and their passkeys now (a full sync; `sync changes`: only what changed since the last one). Progress is posted here.',
    handler: async (cmd, ctx): Promise<Reply> => {
      let campaignId: string | null = null;
      if (cmd.campaign) {
        const c = await d.campaigns.findCampaign(cmd.campaign);
        if (!c.ok) return { text: c.message };
        campaignId = c.value.id;
      }
      let lastPost = d.clock.nowMs();
      const onProgress = (p: SyncProgress) => {
        if (p.phase === 'done' || d.clock.nowMs() - lastPost < PROGRESS_EVERY_MS) return;
        lastPost = d.clock.nowMs();
        void d.notify(ctx.reference, { text: `Sync in progress: ${p.message}.` });
      };
      const kind = cmd.changesOnly ? 'incremental' : 'full';
      const start = await d.sync.start({ kind, campaignId, requestedBy: ctx.actor.aadObjectId, onProgress });
      if (!start.started) {
        const since = start.running ? ` since ${fmtTime(start.running.startedAt)}` : '';
        return { text: `A sync is already running${since}; \`status\` shows its progress. I did not start another.` };
      }
      start.done.then(
        (s) => d.notify(ctx.reference, { text: summaryText(s) }),
        (e: unknown) => {
          ctx.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'sync failed');
          return d.notify(ctx.reference, { text: `The sync failed (ref ${ctx.ref}); what it had read so far is kept. Try again later, or see the bot's logs.` });
        },
      );
      return {
        text: cmd.changesOnly
          ? `Started a sync of what changed${cmd.campaign ? ` in "${cmd.campaign}"` : ''}: cohort members, and the people whose security info changed since the last sync (a full sync if there was none). I will post progress here.`
          : `Started a full sync${cmd.campaign ? ` of "${cmd.campaign}"` : ''}. It reads every cohort's members and the registration report, then the passkeys of the people who need a closer look; I will post progress here.`,
      };
    },
  };

  const methods: CommandSpec<'methods'> = {
    kind: 'methods',
    role: 'helpdesk',
    section: 'Helpdesk',
    summary: "Someone's sign-in methods and passkeys, their cohorts, recent sign-ins, and the next step.",
    handler: async (cmd, ctx): Promise<Reply> => {
      const r = await resolveUser(d.directory, cmd.user);
      if (r.kind === 'ambiguous') return { text: `More than one person is called "${cmd.user}". Which one?\n${r.candidates.slice(0, 10).map((u) => `- ${describeUser(u)}`).join('\n')}` };
      if (r.kind === 'not_found') {
        const near = r.suggestions.length > 0 ? ` Near matches:\n${r.suggestions.map((u) => `- ${describeUser(u)}`).join('\n')}` : '';
        return { text: `No user "${cmd.user}" was found in Entra.${near}` };
      }
      const look = await lookupUser(d.lookup, r.value, { actorCanIssueTap: ctx.access.canIssueTap !== 'none' });
      ctx.logger.info({ subject: r.value.id }, 'helpdesk lookup');
      return { cards: [methodsCard(look)] };
    },
  };

  const myStatus: CommandSpec<'my_status'> = {
    kind: 'my_status',
    role: 'user',
    section: 'Everyone',
    summary: 'Your own passkeys and what to do next.',
    handler: async (_cmd, ctx): Promise<Reply> => {
      const me = await d.directory.getUser(ctx.actor.aadObjectId);
      if (!me) return { text: 'I could not find you in the directory.' };
      const look = await lookupUser(d.lookup, me, { signIns: false });
      const worst = [...look.memberships].sort((a, b) => (a.decision.state === 'compliant' ? 1 : 0) - (b.decision.state === 'compliant' ? 1 : 0))[0];
      const summary = !worst
        ? 'You are not part of a passkey campaign yet.'
        : worst.decision.state === 'compliant'
          ? 'You are all set: you have the passkey your group needs.'
          : worst.decision.state === 'break_glass'
            ? 'This is an emergency access account: nothing to do.'
            : 'Action needed: register a passkey.';
      return {
        cards: [
          expandTemplate('my-status', {
            summary,
            color: !worst || worst.decision.state === 'compliant' || worst.decision.state === 'break_glass' ? 'Good' : 'Attention',
            nextStep: !worst ? 'Nothing to do for now.' : worst.decision.advice || (worst.decision.state === 'compliant' ? 'Nothing to do.' : worst.decision.reason),
            deadline: worst?.campaign.deadline ?? '',
            passkeys: look.passkeys.map((p) => ({ name: p.displayName ?? 'Passkey', provider: p.provider, kind: p.kind })),
          }),
        ],
      };
    },
  };

  return [status, sync, methods, myStatus] as CommandSpec[];
}

const STATE_COLOR: Record<string, string> = { compliant: 'Good', break_glass: 'Default', account_disabled: 'Default', pending_detail: 'Default' };

function methodsCard(look: Awaited<ReturnType<typeof lookupUser>>) {
  return expandTemplate('methods', {
    displayName: look.user.displayName,
    upn: look.user.userPrincipalName,
    accountState: look.user.accountEnabled === false ? 'account disabled' : 'account enabled',
    nextStep: look.nextStep,
    memberships: look.memberships.map((m) => ({
      cohort: m.cohort.name,
      campaign: m.campaign.name,
      tier: m.cohort.tier,
      stage: m.cohort.stage,
      state: STATE_LABELS[m.decision.state] ?? m.decision.state,
      reason: m.decision.reason,
      color: STATE_COLOR[m.decision.state] ?? 'Attention',
    })),
    passkeys: look.passkeys.map((p) => ({
      name: p.displayName ?? 'Passkey',
      provider: p.provider,
      kind: p.kind,
      attestation: p.attestation === 'attested' ? 'attested' : p.attestation === 'notAttested' ? 'not attested' : 'attestation unknown',
      created: p.createdAt?.slice(0, 10) ?? '?',
      lastUsed: p.lastUsedAt?.slice(0, 10) ?? 'never',
    })),
    methodsKnown: look.methods !== null,
    methods: look.methods ?? [],
    signInsKnown: look.signIns !== null,
    signIns: look.signIns ?? [],
  });
}

/** Exemptions, a waiting approval, open drift alerts and the guard's last look (issue 5), from the database. */
async function stagingLines(store: Store, cohortId: string, campaignId: string): Promise<{ text: string; color: string }[]> {
  const out: { text: string; color: string }[] = [];
  const exemptions = [];
  for (const e of await store.exemptions.listActive(campaignId)) if (await store.members.get(cohortId, e.userId)) exemptions.push(e);
  if (exemptions.length > 0) out.push({ text: `Exemptions: ${exemptions.length} active (next ends ${fmtTime(exemptions[0]!.until)})`, color: 'Default' });
  const pending = await store.approvals.pendingFor(cohortId);
  if (pending) out.push({ text: `Enforcement approval waiting since ${fmtTime(pending.requestedAt)} (expires ${fmtTime(pending.expiresAt)})`, color: 'Warning' });
  const drift = (await store.driftAlerts.openFor(campaignId)).filter((a) => a.affects.includes('*') || a.affects.includes(cohortId));
  if (drift.length > 0) out.push({ text: `Drift: ${drift.length} open alert(s) — forward moves blocked until acknowledged or re-applied`, color: 'Attention' });
  const recent = await store.audit.recent({ cohortId, limit: 30 });
  const lastMove = recent.find((e) => e.action === 'cohort.advance' || e.action === 'cohort.rollback' || e.action === 'cohort.move_failed');
  if (lastMove?.action === 'cohort.move_failed') {
    out.push({ text: `A stage move did not complete (${String(lastMove.details.move ?? '')}, ${fmtTime(lastMove.at)}): its group may be in both policies. Say advance or rollback again to finish it.`, color: 'Attention' });
  } else {
    // Approved but never carried out, and no failure recorded: the move is running, or the bot stopped during it.
    const carried = await store.approvals.approvedNotExecuted(cohortId);
    const cohort = carried ? await store.cohorts.get(cohortId) : null;
    if (carried && cohort && cohort.stage === carried.fromStage) {
      out.push({ text: `Enforcement was approved ${fmtTime(carried.decidedAt ?? carried.requestedAt)} but has not been carried out yet. If it is not done in a few minutes, say \`advance ${cohort.name}\` to finish it (no new approval needed).`, color: 'Warning' });
    }
  }
  const guard = await store.guardStates.get(cohortId);
  if (guard) out.push({ text: `Guard: ${guard.blocked} of ${guard.signIns} sign-ins blocked in the last check (${fmtTime(guard.checkedAt)})${guard.trippedAt ? ' — tripped, rolled back' : ''}`, color: guard.trippedAt ? 'Attention' : 'Default' });
  return out;
}

/** One line of report-only evidence for the status card (from the last stored summary). */
function impactLine(i: ImpactSummary | null): string {
  if (!i) return '';
  const since = i.from.slice(0, 10);
  if (i.signIns === 0) return `Report-only since ${since}: no sign-ins of members evaluated yet (as of ${i.computedAt.slice(0, 16).replace('T', ' ')} UTC).`;
  return `Report-only since ${since}: ${i.signIns} sign-ins; ${i.failures} would have been blocked (${i.failedUsers} people), ${i.interruptions} would have prompted for a passkey (${i.interruptedUsers} people).`;
}
