import { expandTemplate, type AdaptiveCardJson } from '../cards/render.js';
import type { AuditEntry } from '../services/ports/audit.js';
import type { GraphChange } from '../services/staging/campaign-policies.js';
import type { DriftModel } from '../services/staging/drift-watch.js';
import type { GateResult } from '../services/staging/gates.js';
import type { ApprovalModel, PlanView, PlannedWrite } from '../services/staging/staging-service.js';
import type { IssuedPass } from '../services/helpdesk/tap.js';

/** Render functions for the staging cards (templates in cards/). Untrusted text goes in as data, escaped. */

/**
 * Names and reasons come from Entra and from people: they must not become links or markup. Only the
 * characters that open a link or an HTML tag are escaped, so ordinary text (dates, hyphens) reads
 * as written.
 */
export function safeText(s: string): string {
  return s.replace(/[[\]<>]/g, (c) => `\\${c}`);
}

function fmt(d: Date | null | undefined): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}

export function gateLines(gates: GateResult[]): { text: string; color: string }[] {
  return gates.map((g) => ({
    text: `${g.status === 'pass' ? '✅' : g.hard ? '⛔' : '⚠️'} **${g.title}**${g.hard ? ' (hard gate)' : ''}: ${safeText(g.detail)}`,
    color: g.status === 'pass' ? 'Good' : g.hard ? 'Attention' : 'Warning',
  }));
}

const FIELDS = ['includeUsers', 'includeGroups', 'excludeUsers', 'excludeGroups'] as const;

export function changeBlocks(setup: GraphChange[], writes: PlannedWrite[]): { head: string; lines: { text: string }[] }[] {
  const out: { head: string; lines: { text: string }[] }[] = [];
  for (const s of setup) {
    const what = s.kind === 'create-strength' ? 'Create the authentication strength' : s.kind === 'restrict-strength' ? 'Restrict the strength to' : s.kind === 'create-group' ? 'Create the exemptions group' : 'Create the Conditional Access policy';
    out.push({ head: `${what}: ${s.target}`, lines: s.note ? [{ text: s.note }] : [] });
  }
  for (const w of writes) {
    const lines: { text: string }[] = [];
    for (const f of FIELDS) {
      const before = w.before?.[f] ?? [];
      const after = w.after?.[f] ?? [];
      const same = JSON.stringify(before) === JSON.stringify(after);
      lines.push({ text: same ? `${f}: [${before.join(', ')}] (unchanged)` : `${f}: [${before.join(', ')}] → [${after.join(', ')}]` });
    }
    out.push({ head: `PATCH conditions.users of ${w.policy}: ${w.action}`, lines });
  }
  return out;
}

export function renderPlanCard(v: PlanView): AdaptiveCardJson {
  const move = v.move;
  return expandTemplate('stage-plan', {
    title: move ? `Plan: ${v.cohort.name} — ${move.from} → ${move.to}` : `Plan: ${v.cohort.name} — ${v.cohort.stage}`,
    effect: move ? `After the move: ${v.effect}.` : `Now: ${v.effect}.`,
    gates: gateLines(v.gates),
    changes: changeBlocks(v.setup, v.writes),
    notes: [...(move && !move.addTo && !move.removeFrom ? ['This move changes nothing in Entra.'] : []), ...v.notes].map((text) => ({ text })),
    cohortId: v.cohort.id,
    from: v.cohort.stage,
    canAdvance: move !== null && !v.cohort.paused && v.pending === null,
    advanceTitle: move ? (move.needsApproval ? `Ask for approval to enforce` : `Advance to ${move.to}`) : '',
    canRollback: v.back !== null,
    rollbackTitle: v.back ? `Roll back to ${v.back.to}` : '',
  });
}

export function renderResultCard(title: string, lines: { text: string; color?: string }[], gates: GateResult[] = []): AdaptiveCardJson {
  return expandTemplate('stage-result', { title, lines: lines.map((l) => ({ text: l.text, color: l.color ?? 'Default' })), gates: gateLines(gates) });
}

const STATUS_LINE: Record<ApprovalModel['status'], [string, string]> = {
  pending: ['Waiting for a second admin', 'Warning'],
  approved: ['Approved', 'Good'],
  rejected: ['Rejected', 'Attention'],
  expired: ['Expired', 'Attention'],
  void: ['Void', 'Attention'],
};

/** `canAct`: show Approve/Reject (pending, and the viewer is not the requester). */
export function renderApprovalCard(m: ApprovalModel, canAct: boolean): AdaptiveCardJson {
  const [label, color] = STATUS_LINE[m.status];
  return expandTemplate('approval-request', {
    title: `Approval needed: enforce ${m.cohort}`,
    statusLine: m.outcome ? `${label} — ${m.outcome}` : label,
    statusColor: color,
    notice: m.notice,
    cohort: m.cohort,
    campaign: m.campaign,
    move: `${m.from} → ${m.to}`,
    requestedBy: m.requestedBy,
    requestedAt: fmt(m.requestedAt),
    expiresAt: fmt(m.expiresAt),
    reason: m.reason ? safeText(m.reason) : 'none (every gate passed)',
    gates: gateLines(m.gates),
    changes: changeBlocks([], m.writes),
    canAct: canAct && m.status === 'pending',
    approvalId: m.approvalId,
  });
}

export function renderDriftCard(m: DriftModel, canAct: boolean): AdaptiveCardJson {
  return expandTemplate('drift-alert', {
    title: `Out-of-band change: ${m.campaign}`,
    subtitle: `The ${m.object} was changed outside the bot (found ${fmt(m.detectedAt)}).`,
    notice: m.notice,
    changes: m.changes.map((c) => ({ text: `${c.serious ? '⛔' : '•'} ${safeText(c.words)}`, color: c.serious ? 'Attention' : 'Default' })),
    outcome: m.outcome,
    canAct: canAct && m.status === 'open',
    canReapply: canAct && m.status === 'open' && m.canReapply,
    alertId: m.alertId,
  });
}

export function renderTapCard(p: IssuedPass): AdaptiveCardJson {
  return expandTemplate('tap-issued', {
    user: `${p.user.displayName} (${p.user.userPrincipalName})`,
    code: p.code,
    valid: `${fmt(p.validFrom)} to ${fmt(p.validUntil)} (${p.lifetimeInMinutes} minutes)`,
    use: p.isUsableOnce ? 'once' : 'more than once, until it expires',
  });
}

const ENTRIES_PER_CARD = 25;
const DETAIL_CHARS = 400;

/** Audit entries, newest first, a page per card so each stays far below the size limit. */
export function renderAuditCards(title: string, entries: AuditEntry[], names: Map<string, string>, footer: string): AdaptiveCardJson[] {
  const cards: AdaptiveCardJson[] = [];
  const pages = Math.max(1, Math.ceil(entries.length / ENTRIES_PER_CARD));
  for (let p = 0; p < pages; p++) {
    const slice = entries.slice(p * ENTRIES_PER_CARD, (p + 1) * ENTRIES_PER_CARD);
    cards.push(
      expandTemplate('audit-log', {
        title: pages > 1 ? `${title} (${p + 1}/${pages})` : title,
        entries: slice.map((e) => ({ head: `#${e.seq} · ${fmt(e.at)} · ${safeText(names.get(e.actor) ?? e.actor)} · ${e.action}`, detail: safeText(auditDetail(e)) })),
        footer: p === pages - 1 ? footer : '',
      }),
    );
  }
  return cards;
}

export function auditDetail(e: AuditEntry): string {
  const parts: string[] = [];
  const d = e.details ?? {};
  if (e.subject) parts.push(`subject ${e.subject}`);
  const before = e.before as Record<string, unknown> | null;
  const after = e.after as Record<string, unknown> | null;
  if (before && after && 'stage' in before && 'stage' in after) parts.push(`${String(before.stage)} → ${String(after.stage)}`);
  else if (after && 'until' in after) parts.push(`until ${String(after.until)}`);
  if (typeof d.reason === 'string' && d.reason) parts.push(`reason: ${d.reason}`);
  if (typeof d.move === 'string') parts.push(`move ${d.move}`);
  if (typeof d.role === 'string' && typeof d.outcome === 'string') parts.push(`${d.role} policy ${d.outcome}`);
  if (Array.isArray(d.gates) && d.gates.length > 0) parts.push(`gates: ${(d.gates as { id?: string; status?: string }[]).map((g) => `${g.id} ${g.status}`).join(', ')}`);
  if (typeof d.approvalId === 'string') parts.push(`approval ${d.approvalId.slice(0, 8)}`);
  if (typeof d.error === 'string') parts.push(`error: ${d.error}`);
  if (e.graphRequestId) parts.push(`Graph request ${e.graphRequestId}`);
  const s = parts.join(' · ');
  return s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS - 1)}…` : s;
}
