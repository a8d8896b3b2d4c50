import { z } from 'zod';
import { expandTemplate, type AdaptiveCardJson } from '../../cards/render.js';
import { VERBS } from '../../cards/verbs.js';
import type { CampaignService } from '../../services/campaigns/campaign-service.js';
import { exportRows, toCsv, type MemberFacts } from '../../services/insight/export.js';
import type { Clock } from '../../services/ports/clock.js';
import type { Cohort } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';
import { STATE_LABELS } from '../../services/status/status-service.js';
import { defineCardAction, type CardActionSpec } from '../card-actions.js';
import type { CommandContext, CommandSpec, Reply } from '../command-router.js';

export interface ExportDeps {
  store: Store;
  campaigns: CampaignService;
  clock: Clock;
  facts: MemberFacts;
}

export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.info';
const PAGE_SIZE = 20;

export function exportFileName(cohort: Cohort, now: Date): string {
  const safe = cohort.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'cohort';
  return `${safe}-members-${now.toISOString().slice(0, 10)}.csv`;
}

async function pageCard(d: ExportDeps, cohort: Cohort, page: number): Promise<AdaptiveCardJson> {
  const total = cohort.memberCount;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const p = Math.min(Math.max(1, page), pages);
  const rows = await exportRows(d.store, cohort, d.facts, { offset: (p - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  return expandTemplate('members-page', {
    title: `${cohort.name} — members`,
    subtitle: `Page ${p} of ${pages} (${total} members). The full list is in the CSV file.`,
    cohortId: cohort.id,
    rows: rows.map((r) => ({
      name: `${r.displayName || r.userId}${r.upn ? ` (${r.upn})` : ''}`,
      line: [STATE_LABELS[r.state] ?? r.state, r.kind, r.provider, r.lastReminder ? `last reminder ${r.lastReminder}` : '', r.exemptUntil ? `exempt until ${r.exemptUntil}` : ''].filter(Boolean).join(' · '),
    })),
    hasPrevious: p > 1,
    previousPage: p - 1,
    hasNext: p < pages,
    nextPage: p + 1,
  });
}

export function exportCommands(d: ExportDeps): CommandSpec[] {
  const spec: CommandSpec<'export'> = {
    kind: 'export',
    role: 'admin',
    section: 'Insight',
    summary: "A cohort's members with state, passkey kind, provider, last reminder and exemption: a CSV file in your 1:1 chat, and pages to look at here.",
    handler: async (cmd, ctx): Promise<Reply> => {
      const found = await d.campaigns.findCohort(cmd.cohort);
      if (!found.ok) return { text: found.message };
      const cohort = found.value;
      const card = await pageCard(d, cohort, 1);
      if (ctx.turn.conversationType !== 'personal') {
        return { text: 'Files can only be sent in our 1:1 chat: ask me `export` there. Here is the first page.', cards: [card] };
      }
      const csv = toCsv(await exportRows(d.store, cohort, d.facts));
      return {
        cards: [card],
        attachments: [
          {
            contentType: FILE_CONSENT_CONTENT_TYPE,
            name: exportFileName(cohort, d.clock.now()),
            content: {
              description: `Members of the cohort ${cohort.name} (${cohort.memberCount}), with their passkey state.`,
              sizeInBytes: Buffer.byteLength(csv, 'utf8'),
              acceptContext: { cohortId: cohort.id, requestedBy: ctx.actor.aadObjectId },
              declineContext: { cohortId: cohort.id },
            },
          },
        ],
      };
    },
  };
  return [spec as CommandSpec];
}

export function exportCardActions(d: ExportDeps): CardActionSpec[] {
  return [
    defineCardAction({
      verb: VERBS.exportPage,
      role: 'admin',
      schema: z.object({ cohortId: z.string().uuid(), page: z.coerce.number().int().min(1).max(100_000) }),
      handler: async (data) => {
        const cohort = await d.store.cohorts.get(data.cohortId);
        if (!cohort) return { message: 'That cohort no longer exists.' };
        return { card: await pageCard(d, cohort, data.page) };
      },
    }),
  ];
}

export interface FileConsentAnswer {
  action: string;
  context: { cohortId?: unknown; requestedBy?: unknown } | undefined;
  uploadInfo: { uploadUrl?: string; contentUrl?: string; name?: string; uniqueId?: string; fileType?: string } | undefined;
}

/**
 * The person accepted (or declined) the file: only the admin who asked may receive it, the role is
 * read again, the CSV is built fresh and PUT to the upload URL Teams gave, then a file card is sent.
 */
export async function handleFileConsent(d: ExportDeps, answer: FileConsentAnswer, ctx: CommandContext): Promise<{ reply: Reply | null; status: number }> {
  if (answer.action !== 'accept') return { reply: { text: 'All right, I did not send the file.' }, status: 200 };
  const cohortId = typeof answer.context?.cohortId === 'string' ? answer.context.cohortId : '';
  if (answer.context?.requestedBy !== ctx.actor.aadObjectId) return { reply: { text: 'This file was offered to someone else; I did not send it.' }, status: 200 };
  if (ctx.access.role !== 'admin') return { reply: { text: 'Only admins can export cohort members.' }, status: 200 };
  const cohort = await d.store.cohorts.get(cohortId);
  if (!cohort) return { reply: { text: 'That cohort no longer exists.' }, status: 200 };
  const url = answer.uploadInfo?.uploadUrl;
  if (!url || !/^https?:\/\//.test(url)) return { reply: { text: 'Teams did not give me a place to upload the file.' }, status: 400 };
  const csv = Buffer.from(toCsv(await exportRows(d.store, cohort, d.facts)), 'utf8');
  const res = await fetch(url, { method: 'PUT', headers: { 'content-range': `bytes 0-${csv.length - 1}/${csv.length}`, 'content-length': String(csv.length) }, body: csv });
  if (!res.ok) {
    ctx.logger.warn({ status: res.status, cohortId }, 'export upload failed');
    return { reply: { text: `The upload failed (${res.status}); please ask for the export again.` }, status: 200 };
  }
  await d.store.audit.append({ at: d.clock.now(), actor: ctx.actor.aadObjectId, action: 'cohort.export', campaignId: cohort.campaignId, cohortId: cohort.id, details: { rows: cohort.memberCount, bytes: csv.length } });
  ctx.logger.info({ cohortId, bytes: csv.length }, 'cohort exported');
  return {
    reply: {
      attachments: [
        {
          contentType: FILE_INFO_CONTENT_TYPE,
          contentUrl: answer.uploadInfo?.contentUrl ?? '',
          name: answer.uploadInfo?.name ?? 'export.csv',
          content: { uniqueId: answer.uploadInfo?.uniqueId ?? '', fileType: answer.uploadInfo?.fileType ?? 'csv' },
        },
      ],
    },
    status: 200,
  };
}
