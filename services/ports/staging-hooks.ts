/**
 * The small edges between policy staging (issue 5) and the rest of the bot: the reminder work
 * (issue 4) and Teams. Each has a default here or in services/staging, so staging runs alone; the
 * composition root (bot/main.ts) wires the real ones.
 */
import type { Campaign } from './campaign-store.js';
import type { PostedCard } from './staging-store.js';

/**
 * Told when a cohort's stage changes, so reminders follow (issue 4's nudge service implements it).
 * Every method is a hint: the nudge planner also notices stage changes on its own, so a lost call
 * is caught up later, and each call must be idempotent.
 */
export interface StageListener {
  /** The cohort entered report-only: plan the "enforcement from <date>" notice for its non-compliant members. */
  planFinalNotices(cohortId: string, enforcementDate: Date, now: Date): Promise<void>;
  /** The cohort is enforced: plan "you are blocked, here is how to recover" for those who cannot sign in. */
  planRecoveryNotices(cohortId: string, now: Date): Promise<void>;
  /** The cohort was rolled back or paused: cancel its planned final/recovery notices. */
  cancelForCohort(cohortId: string, now: Date): Promise<void>;
}

export const NO_STAGE_LISTENER: StageListener = {
  async planFinalNotices() {},
  async planRecoveryNotices() {},
  async cancelForCohort() {},
};

/**
 * How many reminders the cohort's not-ready members have had (issue 4's outbox answers it).
 * `notWarned` = active members who are not compliant (break-glass and disabled accounts left out)
 * and were sent fewer than `n` reminders; `warned` = how many of the not-ready were sent at least `n`.
 */
export interface WarningCounts {
  warnedAtLeast(cohortId: string, n: number): Promise<{ warned: number; notWarned: string[] }>;
}

/** Sends one person a short message in their 1:1 chat with the bot; false when it could not. */
export interface UserNotifier {
  notifyUser(userId: string, text: string): Promise<boolean>;
}

/** A message for the admins of a campaign; the bot renders the cards. */
export type AdminMessage =
  | { kind: 'approval'; model: unknown }
  | { kind: 'drift'; model: unknown }
  | { kind: 'text'; text: string };

/**
 * Posts to a campaign's admins: its admins channel when one is set (`campaign set <c> admins-channel
 * here`), else each admin's 1:1 chat with the bot. Returns where the cards landed, so they can be
 * updated in place later.
 */
export interface AdminMessenger {
  post(campaign: Campaign, message: AdminMessage, opts?: { exceptUserIds?: string[] }): Promise<PostedCard[]>;
  update(cards: PostedCard[], message: AdminMessage): Promise<void>;
}

export const NO_ADMIN_MESSENGER: AdminMessenger = {
  async post() {
    return [];
  },
  async update() {},
};
