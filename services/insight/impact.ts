import type { SignInEvent } from '../ports/policy-gateway.js';

/**
 * Report-only impact (issue 6.3): over the soak window, what the campaign's report-only policy would
 * have done to a cohort — would-be failures (blocked) and interruptions (prompted for a passkey they
 * have) — by person and by app. Pure; the caller reads the sign-ins.
 */
export interface ImpactByKey {
  key: string;
  signIns: number;
  failures: number;
  interruptions: number;
}

export interface ImpactSummary {
  cohortId: string;
  policyId: string;
  from: string;
  to: string;
  signIns: number;
  failures: number;
  interruptions: number;
  /** People with at least one would-be failure. */
  failedUsers: number;
  interruptedUsers: number;
  byUser: ImpactByKey[];
  byApp: ImpactByKey[];
  computedAt: string;
}

const TOP = 10;

export function summarizeImpact(cohortId: string, policyId: string, events: Iterable<SignInEvent>, members: ReadonlySet<string>, from: Date, to: Date, now: Date): ImpactSummary {
  const id = policyId.toLowerCase();
  const users = new Map<string, ImpactByKey>();
  const apps = new Map<string, ImpactByKey>();
  let signIns = 0;
  let failures = 0;
  let interruptions = 0;
  const bump = (m: Map<string, ImpactByKey>, key: string, failed: boolean, interrupted: boolean) => {
    const v = m.get(key) ?? { key, signIns: 0, failures: 0, interruptions: 0 };
    v.signIns++;
    if (failed) v.failures++;
    if (interrupted) v.interruptions++;
    m.set(key, v);
  };
  for (const e of events) {
    if (!members.has(e.userId)) continue;
    const applied = e.policies.find((p) => p.id === id);
    if (!applied) continue;
    const failed = applied.result === 'reportOnlyFailure';
    const interrupted = applied.result === 'reportOnlyInterrupted';
    signIns++;
    if (failed) failures++;
    if (interrupted) interruptions++;
    bump(users, e.userId, failed, interrupted);
    bump(apps, e.appDisplayName ?? 'unknown app', failed, interrupted);
  }
  const rank = (a: ImpactByKey, b: ImpactByKey) => b.failures - a.failures || b.interruptions - a.interruptions || a.key.localeCompare(b.key);
  const u = [...users.values()];
  return {
    cohortId,
    policyId: id,
    from: from.toISOString(),
    to: to.toISOString(),
    signIns,
    failures,
    interruptions,
    failedUsers: u.filter((x) => x.failures > 0).length,
    interruptedUsers: u.filter((x) => x.interruptions > 0).length,
    byUser: u.filter((x) => x.failures + x.interruptions > 0).sort(rank).slice(0, TOP),
    byApp: [...apps.values()].sort(rank).slice(0, TOP),
    computedAt: now.toISOString(),
  };
}
