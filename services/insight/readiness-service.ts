import { rulesOf } from '../compliance/member-evaluation.js';
import { readFido2Methods } from '../compliance/passkeys.js';
import type { CampaignRules } from '../compliance/evaluate.js';
import type { Campaign, Cohort, DirectoryUserRecord, Tier } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { DeviceReader } from '../ports/devices.js';
import type { Directory, DirectoryGroup } from '../ports/directory.js';
import type { Logger } from '../ports/logger.js';
import type { PasskeyPolicy, RegistrationSource } from '../ports/registration-source.js';
import type { Store } from '../ports/store.js';
import { classifyReadiness, planWaves, type GroupReadiness, type ReadinessCategory, type Wave } from './readiness.js';

export type ReadinessTarget = { kind: 'tenant' } | { kind: 'campaign'; campaign: Campaign } | { kind: 'group'; group: DirectoryGroup };

export interface ReadinessReport {
  title: string;
  target: ReadinessTarget;
  population: number;
  counts: Record<ReadinessCategory, number>;
  groups: GroupReadiness[];
  waves: Wave[];
  /** People whose devices were read from Graph for this report. */
  devicesRead: number;
}

export interface ReadinessDeps {
  store: Store;
  directory: Directory;
  devices: DeviceReader;
  source: RegistrationSource;
  clock: Clock;
  logger: Logger;
  /** Groups looked at for a wave plan (the largest tenants have thousands). */
  maxGroups?: number;
}

/** Device lists older than this are read again. */
const DEVICES_MAX_AGE_MS = 7 * 24 * 3600_000;
/** A group with more than this share of everyone is a catch-all, not a wave. */
const CATCH_ALL_SHARE = 0.6;

const EMPTY = (): Record<ReadinessCategory, number> => ({ ready: 0, must_register: 0, device_update: 0, blocked_by_policy: 0, checking: 0, excluded: 0 });
/** Passkeys read in detail per readiness run (reports budget: 5 requests / 10 s) for people the report cannot settle. */
const MAX_DETAIL_READS = 300;

const WORKFORCE_RULES: CampaignRules = { aaguidAllow: [], aaguidBlock: [], windowsHelloForBusinessCounts: true };

/**
 * `readiness [campaign|group]` (issue 6.1): sorts people into ready / must register / needs a device
 * update / blocked by policy, from the database (registration picture), people's registered devices
 * (read from Graph only for those not ready, and only when older than a week) and the passkey policy,
 * then proposes waves.
 */
export class ReadinessService {
  constructor(private readonly d: ReadinessDeps) {}

  async assess(target: ReadinessTarget): Promise<ReadinessReport> {
    const { store, clock } = this.d;
    const people = new Map<string, { tier: Tier; rules: CampaignRules; breakGlass: boolean }>();
    let cohorts: Cohort[] = [];
    const admins = new Set<string>();
    if (target.kind === 'campaign') {
      cohorts = await store.cohorts.list(target.campaign.id);
      const rules = rulesOf(target.campaign);
      for (const c of cohorts) {
        for (const userId of await store.members.activeUserIds(c.id)) {
          const m = await store.members.get(c.id, userId);
          const prev = people.get(userId);
          // In two cohorts: the stricter tier decides.
          const tier = prev && rankTier(prev.tier) < rankTier(c.tier) ? prev.tier : c.tier;
          people.set(userId, { tier, rules, breakGlass: (m?.isBreakGlass ?? false) || (prev?.breakGlass ?? false) });
        }
      }
    } else if (target.kind === 'group') {
      for (const u of await this.d.directory.transitiveUserMembers(target.group.id)) people.set(u.id, { tier: 'workforce', rules: WORKFORCE_RULES, breakGlass: false });
    } else {
      for (let offset = 0; ; offset += 5_000) {
        const page = await store.directoryUsers.listReported(offset, 5_000);
        for (const r of page) {
          people.set(r.userId, { tier: r.isAdmin ? 'tier0' : 'workforce', rules: WORKFORCE_RULES, breakGlass: false });
          if (r.isAdmin) admins.add(r.userId);
        }
        if (page.length < 5_000) break;
      }
    }
    let records = await store.directoryUsers.getMany([...people.keys()]);
    const policy = await this.d.source.passkeyPolicy().catch(() => null);
    const targetGroups = await this.targetGroupMembers(policy);

    // People the report cannot settle (mostly admins: attestation) get their passkeys read, a bounded number.
    const pending: string[] = [];
    for (const [userId, p] of people) {
      const r = records.get(userId) ?? null;
      if (classifyReadiness(r, p.tier, p.rules, { isBreakGlass: p.breakGlass, policy, groups: groupsOf(userId, targetGroups) }) === 'checking') pending.push(userId);
    }
    for (const userId of pending.slice(0, MAX_DETAIL_READS)) {
      const methods = await this.d.source.fido2Methods(userId);
      await store.directoryUsers.saveFido2(userId, methods ? readFido2Methods(methods) : [], records.get(userId)?.reportLastUpdated ?? null, clock.now());
    }
    if (pending.length > 0) records = await store.directoryUsers.getMany([...people.keys()]);

    // Devices only for people who are not ready yet, and only when not read recently.
    const stale: string[] = [];
    for (const [userId, p] of people) {
      const r = records.get(userId) ?? null;
      const category = classifyReadiness(r, p.tier, p.rules, { isBreakGlass: p.breakGlass, policy, groups: groupsOf(userId, targetGroups) });
      if (category === 'ready' || category === 'excluded' || category === 'checking') continue;
      if (!r?.devicesReadAt || clock.nowMs() - r.devicesReadAt.getTime() > DEVICES_MAX_AGE_MS) stale.push(userId);
    }
    for (let i = 0; i < stale.length; i += 200) {
      const part = stale.slice(i, i + 200);
      const devices = await this.d.devices.devicesOf(part);
      await store.directoryUsers.saveDevices([...devices.entries()].map(([userId, list]) => ({ userId, devices: list })), clock.now());
    }
    if (stale.length > 0) records = await store.directoryUsers.getMany([...people.keys()]);

    const categoryOf = new Map<string, ReadinessCategory>();
    const counts = EMPTY();
    for (const [userId, p] of people) {
      const c = classifyReadiness(records.get(userId) ?? null, p.tier, p.rules, { isBreakGlass: p.breakGlass, policy, groups: groupsOf(userId, targetGroups) });
      categoryOf.set(userId, c);
      counts[c]++;
    }

    let groups: GroupReadiness[] = [];
    let waves: Wave[] = [];
    if (target.kind === 'campaign') {
      for (const c of cohorts) {
        const ids = await store.members.activeUserIds(c.id);
        groups.push(summarize(c.groupId, c.name, ids, categoryOf, c.tier === 'tier0'));
      }
    } else if (target.kind === 'tenant') {
      const candidates = await this.d.directory.securityGroups(this.d.maxGroups ?? 100);
      for (const g of candidates) {
        const ids = (await this.d.directory.transitiveUserMembers(g.id)).map((u) => u.id).filter((id) => people.has(id));
        if (ids.length === 0 || ids.length > people.size * CATCH_ALL_SHARE) continue;
        const privileged = ids.length > 0 && ids.every((id) => admins.has(id));
        groups.push(summarize(g.id, g.displayName, ids, categoryOf, privileged));
      }
      waves = planWaves(groups, { today: clock.now().toISOString().slice(0, 10), pilotName: /pilot/i });
    }
    const title = target.kind === 'tenant' ? 'the whole tenant' : target.kind === 'campaign' ? `campaign ${target.campaign.name}` : `group ${target.group.displayName}`;
    return { title, target, population: people.size, counts, groups, waves, devicesRead: stale.length };
  }

  private async targetGroupMembers(policy: PasskeyPolicy | null): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (!policy) return out;
    for (const g of new Set([...policy.includeTargets.map((t) => t.id), ...policy.excludeTargets])) {
      if (g === 'all_users') continue;
      out.set(g, new Set((await this.d.directory.transitiveUserMembers(g).catch(() => [])).map((u) => u.id)));
    }
    return out;
  }
}

function groupsOf(userId: string, targetGroups: Map<string, Set<string>>): Set<string> {
  return new Set([...targetGroups.entries()].filter(([, members]) => members.has(userId)).map(([g]) => g));
}

function summarize(groupId: string, displayName: string, ids: string[], categoryOf: Map<string, ReadinessCategory>, privileged: boolean): GroupReadiness {
  const counts = EMPTY();
  for (const id of ids) counts[categoryOf.get(id) ?? 'must_register']++;
  return { groupId, displayName, size: ids.length - counts.excluded, ready: counts.ready, privileged, counts, members: ids.filter((id) => categoryOf.get(id) !== 'excluded') };
}

function rankTier(t: Tier): number {
  return t === 'tier0' ? 0 : t === 'tier1' ? 1 : 2;
}

export type { DirectoryUserRecord };
