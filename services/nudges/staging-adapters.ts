import { EXCLUDED_FROM_READINESS } from '../compliance/evaluate.js';
import type { MemberFacts } from '../insight/export.js';
import type { WarningCounts } from '../ports/staging-hooks.js';
import type { Store } from '../ports/store.js';

/**
 * Where reminders (issue 4) and staging (issue 5) meet: the "warned at least N times" gate counts
 * delivered reminders and final notices; reminders skip exempted people; the export shows both.
 */
export class OutboxWarningCounts implements WarningCounts {
  constructor(private readonly store: Store) {}

  async warnedAtLeast(cohortId: string, n: number): Promise<{ warned: number; notWarned: string[] }> {
    const cohort = await this.store.cohorts.get(cohortId);
    if (!cohort) return { warned: 0, notWarned: [] };
    const notReady: string[] = [];
    for (let offset = 0; ; offset += 5_000) {
      const page = await this.store.members.list(cohortId, { offset, limit: 5_000 });
      for (const m of page) {
        if (m.state === 'compliant' || (EXCLUDED_FROM_READINESS as string[]).includes(m.state) || m.isBreakGlass) continue;
        notReady.push(m.userId);
      }
      if (page.length < 5_000) break;
    }
    const sent = await this.store.nudges.outbox.warningsSent(cohort.campaignId, notReady);
    const notWarned = notReady.filter((u) => (sent.get(u) ?? 0) < n);
    return { warned: notReady.length - notWarned.length, notWarned };
  }
}

/** Exempted people get no reminders while their exemption lasts. */
export function exemptionsForNudges(store: Store) {
  return {
    async exemptUserIds(campaignId: string, now: Date): Promise<Set<string>> {
      return new Set((await store.exemptions.listActive(campaignId)).filter((e) => e.until > now).map((e) => e.userId.toLowerCase()));
    },
  };
}

/** Last reminder and exemption per member, for `export`. */
export function memberFacts(store: Store): MemberFacts {
  return {
    async lastReminder(cohortId, userIds) {
      const cohort = await store.cohorts.get(cohortId);
      if (!cohort) return new Map();
      const states = await store.nudges.users.forCampaign(cohort.campaignId, userIds);
      return new Map([...states].filter(([, s]) => s.lastReminderAt !== null).map(([u, s]) => [u, s.lastReminderAt!]));
    },
    async exemptions(cohortId) {
      const cohort = await store.cohorts.get(cohortId);
      if (!cohort) return new Map();
      return new Map((await store.exemptions.listActive(cohort.campaignId)).map((e) => [e.userId.toLowerCase(), { until: e.until, reason: e.reason }]));
    },
  };
}
