import type { CampaignRules } from '../compliance/evaluate.js';
import { decide } from '../compliance/member-evaluation.js';
import { profilesReaching } from '../compliance/profile-consistency.js';
import type { DeviceRecord, DirectoryUserRecord, Tier } from '../ports/campaign-store.js';
import type { PasskeyPolicy } from '../ports/registration-source.js';

/**
 * Readiness (issue 6.1): where each person stands before a rollout. Pure.
 *  - ready: already has a passkey that satisfies the tier they would be in;
 *  - must register: no suitable passkey, and a device able to make one (or no device known);
 *  - needs a device update: every registered device is below the passkey minimums;
 *  - blocked by policy: the passkey profiles reaching them cannot satisfy their tier.
 * Outside cohorts the bot reads passkeys only from the registration report, so a synced passkey
 * counts as ready there; the lockout check (a lone passkey in an Entra-SSO password manager) runs
 * for cohort members, whose passkeys are read in detail.
 */
export type ReadinessCategory = 'ready' | 'must_register' | 'device_update' | 'blocked_by_policy' | 'checking' | 'excluded';

export const READINESS_LABELS: Record<ReadinessCategory, string> = {
  ready: 'ready (has a suitable passkey)',
  must_register: 'must register (device able)',
  device_update: 'needs a device update first',
  blocked_by_policy: 'blocked by the passkey policy',
  checking: 'passkey details not read yet',
  excluded: 'not counted (disabled or break-glass)',
};

/** Passkey minimums by platform (Microsoft's passkey support matrix). */
export const DEVICE_MINIMUMS: { match: RegExp; minMajor: number; label: string }[] = [
  { match: /^(ios|ipados|iphone|ipad)/i, minMajor: 16, label: 'iOS 16' },
  { match: /^android/i, minMajor: 9, label: 'Android 9' },
  { match: /^windows/i, minMajor: 10, label: 'Windows 10' },
  { match: /^(mac|macos|macmdm|mac os)/i, minMajor: 13, label: 'macOS 13' },
];

export function deviceIsAble(d: DeviceRecord): boolean | null {
  const rule = DEVICE_MINIMUMS.find((r) => r.match.test(d.operatingSystem.trim()));
  if (!rule) return null; // a platform without a rule (Linux, unknown): no verdict
  const major = Number.parseInt(d.operatingSystemVersion.trim().split('.')[0] ?? '', 10);
  if (!Number.isFinite(major)) return null;
  return major >= rule.minMajor;
}

/** What a tier needs from the passkey policy: device-bound (tier0/1) or any. */
function policyAllowsTier(policy: PasskeyPolicy | null, groups: Set<string>, tier: Tier): boolean {
  if (!policy) return true;
  if (policy.state !== 'enabled') return false;
  const reach = profilesReaching(policy, groups);
  if (reach.excluded || reach.profiles.length === 0) return false;
  const types = (p: { passkeyTypes: string }) => p.passkeyTypes.split(',').map((t) => t.trim());
  if (tier === 'workforce') return reach.profiles.some((p) => types(p).includes('deviceBound') || types(p).includes('synced'));
  return reach.profiles.some((p) => types(p).includes('deviceBound'));
}

export function classifyReadiness(
  record: DirectoryUserRecord | null,
  tier: Tier,
  rules: CampaignRules,
  opts: { isBreakGlass?: boolean; policy: PasskeyPolicy | null; groups: Set<string> },
): ReadinessCategory {
  if (opts.isBreakGlass || record?.accountEnabled === false) return 'excluded';
  const d = decide(record, tier, false, rules);
  if (d.state === 'compliant') return 'ready';
  if (d.state === 'pending_detail') return 'checking';
  if (!policyAllowsTier(opts.policy, opts.groups, tier)) return 'blocked_by_policy';
  const devices = record?.devices ?? [];
  const verdicts = devices.map(deviceIsAble).filter((v): v is boolean => v !== null);
  if (verdicts.length > 0 && verdicts.every((v) => !v)) return 'device_update';
  return 'must_register';
}

export interface GroupReadiness {
  groupId: string;
  displayName: string;
  size: number;
  ready: number;
  privileged: boolean;
  counts: Record<ReadinessCategory, number>;
  /** Member ids, so overlapping groups are not counted twice in a plan. */
  members?: string[];
}

export interface Wave {
  name: string;
  groupId: string;
  groupName: string;
  tier: Tier;
  size: number;
  readyPct: number;
  /** 'YYYY-MM-DD': when to move it to nudging. */
  start: string;
}

export interface WavePlanOptions {
  today: string;
  /** Days between waves. */
  gapDays?: number;
  /** The pilot is at most this share of everyone (and at least a handful of people). */
  pilotMaxShare?: number;
  /** A group named like this is preferred as the pilot. */
  pilotName?: RegExp;
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * A proposed rollout: a small, low-impact pilot without privileged roles first, then the groups in
 * order of how ready they already are (least friction first), privileged groups as tier0 last-but-
 * early enough to protect them, each a fixed number of days apart.
 */
export function planWaves(groups: GroupReadiness[], o: WavePlanOptions): Wave[] {
  const gap = o.gapDays ?? 14;
  const total = groups.reduce((a, g) => a + g.size, 0);
  const maxPilot = Math.max(5, Math.floor(total * (o.pilotMaxShare ?? 0.05)));
  const candidates = groups.filter((g) => g.size > 0);
  const pct = (g: GroupReadiness) => (g.size === 0 ? 0 : g.ready / g.size);
  const covered = new Set<string>();
  /** People a group adds that no earlier wave has. */
  const fresh = (g: GroupReadiness): number => (g.members ? g.members.filter((m) => !covered.has(m)).length : g.size);
  const take = (g: GroupReadiness) => g.members?.forEach((m) => covered.add(m));
  const pilot =
    candidates.find((g) => !g.privileged && o.pilotName?.test(g.displayName) && g.size <= maxPilot) ??
    [...candidates].filter((g) => !g.privileged && g.size <= maxPilot && g.size >= 3).sort((a, b) => pct(b) - pct(a) || a.size - b.size)[0];
  const waves: Wave[] = [];
  let start = addDays(o.today, 7);
  if (pilot) {
    waves.push({ name: `Pilot: ${pilot.displayName}`, groupId: pilot.groupId, groupName: pilot.displayName, tier: 'workforce', size: fresh(pilot), readyPct: Math.round(pct(pilot) * 100), start });
    take(pilot);
    start = addDays(start, gap);
  }
  const privileged = candidates.filter((g) => g.privileged && g !== pilot);
  let added = false;
  for (const g of privileged) {
    const n = fresh(g);
    if (n === 0) continue;
    waves.push({ name: `Privileged: ${g.displayName}`, groupId: g.groupId, groupName: g.displayName, tier: 'tier0', size: n, readyPct: Math.round(pct(g) * 100), start });
    take(g);
    added = true;
  }
  if (added) start = addDays(start, gap);
  const rest = candidates.filter((g) => !g.privileged && g !== pilot).sort((a, b) => pct(b) - pct(a) || b.size - a.size);
  let i = 0;
  for (const g of rest) {
    const n = fresh(g);
    if (n === 0) continue;
    i++;
    waves.push({ name: `Wave ${i}: ${g.displayName}`, groupId: g.groupId, groupName: g.displayName, tier: 'workforce', size: n, readyPct: Math.round(pct(g) * 100), start });
    take(g);
    start = addDays(start, gap);
  }
  return waves;
}
