import type { Campaign, Cohort, DirectoryUserRecord, MemberEvaluation, ReportRowInput } from '../ports/campaign-store.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { RegistrationSource } from '../ports/registration-source.js';
import type { Store } from '../ports/store.js';
import { checkProfiles, type ProfileFinding } from '../compliance/profile-consistency.js';
import { detailIsCurrent, evaluateMember, needsDetail, rulesOf } from '../compliance/member-evaluation.js';
import { readFido2Methods } from '../compliance/passkeys.js';
import { toReportInput } from '../compliance/report-row.js';

/**
 * Keeps, for every cohort member, the picture of their passkeys and whether they comply — within
 * the Graph budgets (issue 3.2). The registration report is the sweep; fido2Methods is read only for
 * members whose cohort needs AAGUID/attestation detail or whose kind the report cannot tell, and
 * again only when their report row moved. Incremental runs ask the directory audit log who changed
 * their security info, and read only those people.
 */
export type SyncKind = 'full' | 'incremental';

export interface SyncProgress {
  phase: 'members' | 'report' | 'detail' | 'evaluate' | 'done';
  done: number;
  total: number | null;
  message: string;
}

export interface SyncSummary {
  runId: string;
  kind: SyncKind;
  /** An incremental run that had to sweep the report (no audit log, too many changes, or too long since the last run). */
  sweptReport: boolean;
  cohorts: number;
  members: number;
  joined: number;
  left: number;
  reportRows: number;
  reportRequests: number;
  changedUsers: number;
  detailReads: number;
  evaluated: number;
  durationMs: number;
  findings: Record<string, ProfileFinding[]>;
}

export interface SyncEngineDeps {
  store: Store;
  directory: Directory;
  source: RegistrationSource;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Parallel fido2Methods reads (the pacer keeps the budget; this only hides latency). */
  detailConcurrency?: number;
}

export interface SyncOptions {
  kind: SyncKind;
  campaignId?: string | null;
  requestedBy?: string | null;
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
}

/** Audit events can be written a little after the change; read back this far over the last watermark. */
const AUDIT_OVERLAP_MS = 15 * 60_000;
/** Entra keeps audit logs 30 days on P1/P2 (7 on Free); past this an incremental run sweeps. */
const AUDIT_MAX_AGE_MS = 6 * 24 * 3600_000;
/** Rows per report page the bot asks for. */
const REPORT_PAGE = 999;

const STAGE_RANK: Record<string, number> = { enforced: 0, 'report-only': 1, nudging: 2, planned: 3 };
const TIER_RANK: Record<string, number> = { tier0: 0, tier1: 1, workforce: 2 };

export const PROFILE_FINDINGS_KEY = 'passkey-profile-findings';

export class SyncEngine {
  constructor(private readonly d: SyncEngineDeps) {}

  async run(o: SyncOptions): Promise<SyncSummary> {
    const { store, clock } = this.d;
    const started = clock.now();
    const runId = this.d.random.uuid();
    const log = this.d.logger.child({ syncRun: runId, kind: o.kind });
    const progress = (p: SyncProgress) => {
      o.onProgress?.(p);
      void store.syncRuns.progress(runId, { ...p }).catch(() => undefined);
    };
    let kind: SyncKind = o.kind;
    let since: Date | null = null;
    if (kind === 'incremental') {
      const last = await store.syncRuns.latest({ status: 'done' });
      if (!last?.auditWatermark || started.getTime() - last.auditWatermark.getTime() > AUDIT_MAX_AGE_MS) kind = 'full';
      else since = new Date(last.auditWatermark.getTime() - AUDIT_OVERLAP_MS);
    }
    await store.syncRuns.start({ id: runId, kind, campaignId: o.campaignId ?? null, status: 'running', requestedBy: o.requestedBy ?? null, startedAt: started, finishedAt: null, progress: {}, error: null, auditWatermark: null });
    log.info({ campaignId: o.campaignId ?? null }, 'sync started');
    const summary: SyncSummary = { runId, kind, sweptReport: false, cohorts: 0, members: 0, joined: 0, left: 0, reportRows: 0, reportRequests: 0, changedUsers: 0, detailReads: 0, evaluated: 0, durationMs: 0, findings: {} };
    try {
      const campaigns = new Map((await store.campaigns.list()).map((c) => [c.id, c]));
      const cohorts = (await store.cohorts.list(o.campaignId ?? undefined)).filter((c) => campaigns.has(c.campaignId));
      summary.cohorts = cohorts.length;

      // 1. Membership (identity budget, cheap): re-list every cohort's users, nested groups flattened.
      const breakGlass = await this.breakGlassUsers([...new Set(cohorts.map((c) => c.campaignId))]);
      const membersOf = new Map<string, string[]>();
      const joinedUsers = new Set<string>();
      for (const [i, cohort] of cohorts.entries()) {
        o.signal?.throwIfAborted();
        const users = await this.d.directory.transitiveUserMembers(cohort.groupId);
        await store.directoryUsers.upsertProfiles(users.map((u) => ({ userId: u.id, upn: u.userPrincipalName, displayName: u.displayName, accountEnabled: u.accountEnabled, userType: u.userType })), clock.now());
        const ids = users.map((u) => u.id);
        const change = await store.members.replaceMembership(cohort.id, ids, clock.now());
        await store.cohorts.recordMembershipSync(cohort.id, ids.length, clock.now());
        membersOf.set(cohort.id, ids);
        summary.joined += change.joined.length;
        summary.left += change.left.length;
        for (const u of change.joined) joinedUsers.add(u);
        progress({ phase: 'members', done: i + 1, total: cohorts.length, message: `read the members of ${i + 1} of ${cohorts.length} cohorts` });
      }
      const allMembers = new Set([...membersOf.values()].flat());
      summary.members = allMembers.size;

      // 2. Registration report (reports budget, 5 requests / 10 s).
      const forceDetail = new Set<string>();
      let sweep = kind === 'full';
      let changed: string[] = [];
      if (!sweep && since) {
        const changes = await this.d.source.securityInfoChangesSince(since);
        summary.reportRequests += 1;
        if (!changes.complete) sweep = true;
        else {
          changed = [...new Set([...changes.userIds.filter((u) => allMembers.has(u)), ...joinedUsers])];
          for (const u of changes.userIds) forceDetail.add(u);
          // Reading people one by one costs one request each; a sweep costs one per page.
          const known = await store.directoryUsers.getMany([...allMembers]);
          const pages = Math.max(1, Math.ceil(Math.max(known.size, allMembers.size) / REPORT_PAGE));
          if (changed.length > pages) sweep = true;
        }
        summary.sweptReport = sweep;
      }
      summary.changedUsers = changed.length;
      // 3 starts during 2: the people of each report page who need fido2Methods are read while the
      // next pages are fetched, so the reports budget is not left idle while the sweep pages through.
      const details = new DetailReader({
        concurrency: Math.max(1, this.d.detailConcurrency ?? 4),
        signal: o.signal,
        read: async (userId, record) => {
          const methods = await this.d.source.fido2Methods(userId);
          summary.detailReads++;
          const passkeys = methods ? readFido2Methods(methods) : [];
          await store.directoryUsers.saveFido2(userId, passkeys, record?.reportLastUpdated ?? null, clock.now());
        },
        onProgress: (done, total) => {
          if (done % 25 === 0 || done === total) progress({ phase: 'detail', done, total, message: `read the passkeys of ${done} of ${total} people who need detail` });
        },
      });
      if (sweep) {
        let page = 0;
        try {
          for await (const rows of this.d.source.reportPages(o.signal)) {
            details.throwIfFailed();
            page++;
            summary.reportRequests++;
            summary.reportRows += rows.length;
            await store.directoryUsers.upsertReportRows(rows.map((r) => toReportInput(r)), clock.now());
            const pageMembers = rows.map((r) => String(r.id).toLowerCase()).filter((u) => allMembers.has(u));
            if (pageMembers.length > 0) {
              const pageRecords = await store.directoryUsers.getMany(pageMembers);
              details.add(this.detailQueue(cohorts, campaigns, membersOf, breakGlass, pageRecords, forceDetail), pageRecords);
            }
            progress({ phase: 'report', done: summary.reportRows, total: null, message: `read ${summary.reportRows} registration report rows (${page} pages)` });
          }
        } catch (e) {
          // No detail read outlives a failed run.
          await details.abandon();
          throw e;
        }
      } else {
        for (const [i, userId] of changed.entries()) {
          o.signal?.throwIfAborted();
          const row = await this.d.source.reportFor(userId);
          summary.reportRequests++;
          const input: ReportRowInput = row
            ? toReportInput(row)
            : { userId, upn: '', displayName: '', userType: null, methodsRegistered: [], passwordlessCapable: false, isAdmin: null, lastUpdated: clock.now() };
          if (!row) {
            const prior = await store.directoryUsers.get(userId);
            if (prior) Object.assign(input, { upn: prior.upn, displayName: prior.displayName });
          }
          await store.directoryUsers.upsertReportRows([input], clock.now());
          summary.reportRows++;
          progress({ phase: 'report', done: i + 1, total: changed.length, message: `re-read ${i + 1} of ${changed.length} changed people` });
        }
      }

      // 3. fido2Methods, only where needed and only when the report row moved (most urgent first;
      //    during a sweep most of them were queued page by page above).
      const records = await store.directoryUsers.getMany([...allMembers]);
      details.add(this.detailQueue(cohorts, campaigns, membersOf, breakGlass, records, forceDetail), records);
      await details.finish();

      // 4. Compliance per member, and what the passkey policy lets each cohort register.
      const fresh = await store.directoryUsers.getMany([...allMembers]);
      const policy = await this.d.source.passkeyPolicy().catch((e: unknown) => {
        log.warn({ err: String(e) }, 'passkey policy not readable; profile consistency skipped');
        return null;
      });
      const targetGroups = await this.targetGroupMembers(policy?.includeTargets.map((t) => t.id).concat(policy.excludeTargets) ?? []);
      for (const cohort of cohorts) {
        o.signal?.throwIfAborted();
        const campaign = campaigns.get(cohort.campaignId)!;
        const rules = rulesOf(campaign);
        const bg = breakGlass.get(campaign.id) ?? new Set<string>();
        const evaluations: MemberEvaluation[] = [];
        const memberGroups = new Map<string, Set<string>>();
        for (const userId of membersOf.get(cohort.id) ?? []) {
          const { evaluation } = evaluateMember(userId, fresh.get(userId) ?? null, cohort.tier, bg.has(userId), rules);
          evaluations.push(evaluation);
          if (!bg.has(userId) && fresh.get(userId)?.accountEnabled !== false) {
            memberGroups.set(userId, new Set([...targetGroups.entries()].filter(([, members]) => members.has(userId)).map(([g]) => g)));
          }
        }
        await store.members.saveEvaluations(cohort.id, evaluations, clock.now());
        summary.evaluated += evaluations.length;
        summary.findings[cohort.id] = checkProfiles(policy, cohort.tier, memberGroups);
        progress({ phase: 'evaluate', done: summary.evaluated, total: summary.members, message: `checked ${cohort.name}` });
      }
      const previous = (await store.settings.get<Record<string, ProfileFinding[]>>(PROFILE_FINDINGS_KEY)) ?? {};
      await store.settings.set(PROFILE_FINDINGS_KEY, o.campaignId ? { ...previous, ...summary.findings } : summary.findings);

      summary.durationMs = clock.nowMs() - started.getTime();
      await store.syncRuns.progress(runId, { phase: 'done', ...summaryNumbers(summary) });
      await store.syncRuns.finish(runId, 'done', clock.now(), null, started);
      progress({ phase: 'done', done: summary.members, total: summary.members, message: 'sync finished' });
      // The run's logger already names the kind.
      const { kind: _kind, ...numbers } = summaryNumbers(summary);
      log.info(numbers, 'sync finished');
      return summary;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await store.syncRuns.finish(runId, 'failed', clock.now(), message.slice(0, 500), null).catch(() => undefined);
      log.error({ err: message }, 'sync failed');
      throw e;
    }
  }

  /** Break-glass users per campaign: listed users plus the transitive members of listed groups. */
  private async breakGlassUsers(campaignIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const id of campaignIds) {
      const set = new Set<string>();
      for (const e of await this.d.store.campaigns.breakGlass(id)) {
        if (e.kind === 'user') set.add(e.principalId);
        else for (const u of await this.d.directory.transitiveUserMembers(e.principalId)) set.add(u.id);
      }
      out.set(id, set);
    }
    return out;
  }

  /** Who needs a fido2Methods read, most urgent first (enforced cohorts, then tier0). */
  private detailQueue(
    cohorts: Cohort[],
    campaigns: Map<string, Campaign>,
    membersOf: Map<string, string[]>,
    breakGlass: Map<string, Set<string>>,
    records: Map<string, DirectoryUserRecord>,
    forceDetail: Set<string>,
  ): string[] {
    const rank = new Map<string, number>();
    const ordered = [...cohorts].sort((a, b) => (STAGE_RANK[a.stage] ?? 9) - (STAGE_RANK[b.stage] ?? 9) || (TIER_RANK[a.tier] ?? 9) - (TIER_RANK[b.tier] ?? 9));
    ordered.forEach((cohort, cohortRank) => {
      const campaign = campaigns.get(cohort.campaignId)!;
      const rules = rulesOf(campaign);
      const bg = breakGlass.get(campaign.id) ?? new Set<string>();
      for (const userId of membersOf.get(cohort.id) ?? []) {
        if (rank.has(userId)) continue;
        const record = records.get(userId) ?? null;
        if (!record || !needsDetail(record, cohort.tier, bg.has(userId), rules)) continue;
        if (detailIsCurrent(record) && !forceDetail.has(userId)) continue;
        rank.set(userId, cohortRank);
      }
    });
    return [...rank.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([u]) => u);
  }

  private async targetGroupMembers(groupIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const g of new Set(groupIds)) {
      if (g === 'all_users') continue;
      try {
        out.set(g, new Set((await this.d.directory.transitiveUserMembers(g)).map((u) => u.id)));
      } catch {
        out.set(g, new Set());
      }
    }
    return out;
  }
}

/**
 * Reads people's fido2Methods with a few requests in flight (the pacer keeps the budget; this only
 * hides latency), taking work as it is found: each person once per run, in the order added.
 */
class DetailReader {
  private readonly queue: string[] = [];
  private readonly records = new Map<string, DirectoryUserRecord | undefined>();
  private readonly seen = new Set<string>();
  private readonly workers = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;
  private done = 0;

  constructor(
    private readonly o: {
      concurrency: number;
      signal?: AbortSignal;
      read: (userId: string, record: DirectoryUserRecord | undefined) => Promise<void>;
      onProgress: (done: number, total: number) => void;
    },
  ) {}

  add(userIds: string[], records: Map<string, DirectoryUserRecord>): void {
    for (const u of userIds) {
      if (this.seen.has(u)) continue;
      this.seen.add(u);
      this.queue.push(u);
      this.records.set(u, records.get(u));
    }
    while (!this.failure && this.workers.size < this.o.concurrency && this.workers.size < this.queue.length) {
      const w: Promise<void> = this.work().catch((e: unknown) => {
        this.failure ??= { error: e };
      });
      this.workers.add(w);
      void w.finally(() => this.workers.delete(w));
    }
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Stops taking work and waits for the reads in flight (their errors are dropped). */
  async abandon(): Promise<void> {
    this.failure ??= { error: new Error('abandoned') };
    this.queue.length = 0;
    while (this.workers.size > 0) await Promise.all([...this.workers]);
  }

  /** Waits for everything added so far; throws the first read that failed. */
  async finish(): Promise<void> {
    while (this.workers.size > 0) await Promise.all([...this.workers]);
    if (this.failure) throw this.failure.error;
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.failure) return;
      this.o.signal?.throwIfAborted();
      const userId = this.queue.shift();
      if (!userId) return;
      await this.o.read(userId, this.records.get(userId));
      this.records.delete(userId);
      this.done++;
      this.o.onProgress(this.done, this.seen.size);
    }
  }
}


function summaryNumbers(s: SyncSummary): Record<string, number | string | boolean> {
  return {
    kind: s.kind,
    sweptReport: s.sweptReport,
    cohorts: s.cohorts,
    members: s.members,
    joined: s.joined,
    left: s.left,
    reportRows: s.reportRows,
    reportRequests: s.reportRequests,
    changedUsers: s.changedUsers,
    detailReads: s.detailReads,
    evaluated: s.evaluated,
    durationMs: s.durationMs,
  };
}
