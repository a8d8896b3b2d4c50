import type { SignInEvent } from '../ports/policy-gateway.js';

/**
 * Report-only evidence (graph-facts §6): what the report-only policy *would* have done to the
 * cohort's sign-ins. `reportOnlyFailure` = the sign-in would have been blocked; `reportOnlyInterrupted`
 * = the user would have been asked for a method they have (a prompt, not a lockout). Pure.
 */
export interface UserEvidence {
  userId: string;
  signIns: number;
  failures: number;
  interruptions: number;
}

export interface EvidenceSummary {
  policyId: string;
  from: Date;
  to: Date;
  /** Sign-ins of cohort members the policy was evaluated for. */
  signIns: number;
  usersSeen: number;
  /** Members with at least one would-be failure / interruption. */
  failedUsers: number;
  interruptedUsers: number;
  /** Results that came back as `unknownFutureValue` (the Prefer header was not honoured). */
  unknownResults: number;
  /** The users with the most would-be failures, for the card. */
  worst: UserEvidence[];
}

const WORST = 10;

export function summarizeEvidence(policyId: string, events: Iterable<SignInEvent>, members: ReadonlySet<string>, from: Date, to: Date): EvidenceSummary {
  const id = policyId.toLowerCase();
  const per = new Map<string, UserEvidence>();
  let signIns = 0;
  let unknownResults = 0;
  for (const e of events) {
    if (!members.has(e.userId)) continue;
    const applied = e.policies.find((p) => p.id === id);
    if (!applied) continue;
    signIns++;
    const u = per.get(e.userId) ?? { userId: e.userId, signIns: 0, failures: 0, interruptions: 0 };
    u.signIns++;
    if (applied.result === 'reportOnlyFailure') u.failures++;
    else if (applied.result === 'reportOnlyInterrupted') u.interruptions++;
    else if (applied.result === 'unknownFutureValue') unknownResults++;
    per.set(e.userId, u);
  }
  const users = [...per.values()];
  return {
    policyId: id,
    from,
    to,
    signIns,
    usersSeen: users.length,
    failedUsers: users.filter((u) => u.failures > 0).length,
    interruptedUsers: users.filter((u) => u.interruptions > 0).length,
    unknownResults,
    worst: users
      .filter((u) => u.failures > 0)
      .sort((a, b) => b.failures - a.failures || a.userId.localeCompare(b.userId))
      .slice(0, WORST),
  };
}

export interface GuardSummary {
  signIns: number;
  blocked: number;
  blockedUsers: number;
  /** blocked / signIns, 0–100. */
  sharePct: number;
}

/** The enforced policy's real results for the cohort: `failure` = the sign-in was blocked. */
export function summarizeEnforcement(policyId: string, events: Iterable<SignInEvent>, members: ReadonlySet<string>): GuardSummary {
  const id = policyId.toLowerCase();
  let signIns = 0;
  let blocked = 0;
  const users = new Set<string>();
  for (const e of events) {
    if (!members.has(e.userId)) continue;
    const applied = e.policies.find((p) => p.id === id);
    if (!applied || (applied.result !== 'success' && applied.result !== 'failure')) continue;
    signIns++;
    if (applied.result === 'failure') {
      blocked++;
      users.add(e.userId);
    }
  }
  return { signIns, blocked, blockedUsers: users.size, sharePct: signIns === 0 ? 0 : Math.round((blocked / signIns) * 1000) / 10 };
}
