/** Every Action.Execute verb the cards use, in one place (card verbs are dot-namespaced). */
export const VERBS = {
  campaignCreate: 'campaign.create',
  readinessAccept: 'readiness.accept',
  exportPage: 'export.page',
  cohortAdvance: 'cohort.advance',
  cohortRollback: 'cohort.rollback',
  approvalApprove: 'approval.approve',
  approvalReject: 'approval.reject',
  driftAcknowledge: 'drift.acknowledge',
  driftReapply: 'drift.reapply',
  /** Reminder card: "I've done it" (re-check now). */
  nudgeDone: 'nudge.done',
  /** Reminder card: "Remind me tomorrow / next week". */
  nudgeSnooze: 'nudge.snooze',
  /** Reminder card: "I need help". */
  nudgeHelp: 'nudge.help',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];
