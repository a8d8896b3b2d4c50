import type { Cohort, CohortMember, DirectoryUserRecord } from '../ports/campaign-store.js';
import type { Store } from '../ports/store.js';

/**
 * `export <cohort>` (issue 6.4): the cohort's members with state, passkey kind, provider, last
 * reminder and exemption, as CSV (delivered as a file in the admin's 1:1 chat), and as pages of a card.
 */

/** Per-member facts other features keep (reminders, exemptions); absent until they are wired. */
export interface MemberFacts {
  lastReminder(cohortId: string, userIds: string[]): Promise<Map<string, Date>>;
  exemptions(cohortId: string, userIds: string[]): Promise<Map<string, { until: Date; reason: string }>>;
}

export const NO_MEMBER_FACTS: MemberFacts = {
  lastReminder: async () => new Map(),
  exemptions: async () => new Map(),
};

export interface ExportRow {
  userId: string;
  upn: string;
  displayName: string;
  accountEnabled: string;
  state: string;
  reason: string;
  kind: string;
  provider: string;
  passkeyCount: string;
  lastReminder: string;
  exemptUntil: string;
  exemptReason: string;
}

export const CSV_COLUMNS: [keyof ExportRow, string][] = [
  ['userId', 'user id'],
  ['upn', 'user principal name'],
  ['displayName', 'display name'],
  ['accountEnabled', 'account enabled'],
  ['state', 'state'],
  ['reason', 'reason'],
  ['kind', 'passkey kind'],
  ['provider', 'provider'],
  ['passkeyCount', 'passkeys'],
  ['lastReminder', 'last reminder (UTC)'],
  ['exemptUntil', 'exempt until (UTC)'],
  ['exemptReason', 'exemption reason'],
];

/**
 * One CSV field (RFC 4180). A leading =, +, - or @ (or tab/CR) is prefixed with a quote so a
 * spreadsheet never runs a display name or reason as a formula.
 */
export function csvField(value: string): string {
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: ExportRow[]): string {
  const lines = [CSV_COLUMNS.map(([, h]) => csvField(h)).join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map(([k]) => csvField(r[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export async function exportRows(store: Store, cohort: Cohort, facts: MemberFacts, page?: { offset: number; limit: number }): Promise<ExportRow[]> {
  const members: CohortMember[] = [];
  const pageSize = 5_000;
  if (page) members.push(...(await store.members.list(cohort.id, page)));
  else {
    for (let offset = 0; ; offset += pageSize) {
      const part = await store.members.list(cohort.id, { offset, limit: pageSize });
      members.push(...part);
      if (part.length < pageSize) break;
    }
  }
  const ids = members.map((m) => m.userId);
  const [records, reminders, exemptions] = await Promise.all([store.directoryUsers.getMany(ids), facts.lastReminder(cohort.id, ids), facts.exemptions(cohort.id, ids)]);
  return members.map((m) => row(m, records.get(m.userId) ?? null, reminders.get(m.userId), exemptions.get(m.userId)));
}

function row(m: CohortMember, r: DirectoryUserRecord | null, lastReminder: Date | undefined, exemption: { until: Date; reason: string } | undefined): ExportRow {
  return {
    userId: m.userId,
    upn: r?.upn ?? '',
    displayName: r?.displayName ?? '',
    accountEnabled: r?.accountEnabled === false ? 'no' : r?.accountEnabled === true ? 'yes' : '',
    state: m.state,
    reason: m.reason,
    kind: m.kind ?? '',
    provider: m.provider ?? '',
    passkeyCount: m.passkeyCount === null ? '' : String(m.passkeyCount),
    lastReminder: lastReminder ? lastReminder.toISOString().slice(0, 16).replace('T', ' ') : '',
    exemptUntil: exemption ? exemption.until.toISOString().slice(0, 16).replace('T', ' ') : '',
    exemptReason: exemption?.reason ?? '',
  };
}
