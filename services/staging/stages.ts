import { ROLE_TEMPLATE_IDS, type Access } from '../access/roles.js';
import type { CohortStage } from '../ports/campaign-store.js';

/**
 * The stage machine of a cohort (DESIGN.md "Stages of a cohort"):
 * planned → nudging → report-only → enforced, and back one step from report-only or enforced.
 * Pure: which moves exist, and what each does to the campaign's two Conditional Access policies.
 */
export type PolicyRole = 'report-only' | 'enforced';

export interface StageMove {
  from: CohortStage;
  to: CohortStage;
  direction: 'forward' | 'back';
  /** The policy the cohort's group is added to first (null: none). */
  addTo: PolicyRole | null;
  /** The policy the group is removed from afterwards (null: none). Target first, then source: never uncovered. */
  removeFrom: PolicyRole | null;
  /** A second admin must approve (four-eyes). */
  needsApproval: boolean;
}

const FORWARD: Partial<Record<CohortStage, StageMove>> = {
  planned: { from: 'planned', to: 'nudging', direction: 'forward', addTo: null, removeFrom: null, needsApproval: false },
  nudging: { from: 'nudging', to: 'report-only', direction: 'forward', addTo: 'report-only', removeFrom: null, needsApproval: false },
  'report-only': { from: 'report-only', to: 'enforced', direction: 'forward', addTo: 'enforced', removeFrom: 'report-only', needsApproval: true },
};

const BACK: Partial<Record<CohortStage, StageMove>> = {
  enforced: { from: 'enforced', to: 'report-only', direction: 'back', addTo: 'report-only', removeFrom: 'enforced', needsApproval: false },
  'report-only': { from: 'report-only', to: 'nudging', direction: 'back', addTo: null, removeFrom: 'report-only', needsApproval: false },
};

export function forwardMove(stage: CohortStage): StageMove | null {
  return FORWARD[stage] ?? null;
}

export function backMove(stage: CohortStage): StageMove | null {
  return BACK[stage] ?? null;
}

/** Where the cohort's group is in Entra at each stage. */
export function policyOfStage(stage: CohortStage): PolicyRole | null {
  return stage === 'report-only' ? 'report-only' : stage === 'enforced' ? 'enforced' : null;
}

/** What a stage does in Entra, in words (for plans, help and the README). */
export const STAGE_EFFECT: Record<CohortStage, string> = {
  planned: 'no Conditional Access policy; no reminders',
  nudging: 'no Conditional Access policy; reminders run toward the deadline',
  'report-only': "the cohort's group is included in the campaign's report-only policy (sign-ins are logged as if enforced)",
  enforced: "the cohort's group is included in the campaign's enforced policy (and not in the report-only one): sign-in needs the campaign's authentication strength",
};

/**
 * Changing Conditional Access through the bot needs a role that may change it in Entra: Global,
 * Security or Conditional Access Administrator — or membership of a configured bot admin group (the
 * organisation's explicit choice). An Authentication Policy Administrator is a bot admin but cannot
 * edit CA policies in Entra, so not through the bot either.
 */
export function mayChangeConditionalAccess(access: Access): boolean {
  const held = new Set(access.roleTemplateIds.map((r) => r.toLowerCase()));
  return (
    access.role === 'admin' &&
    (held.has(ROLE_TEMPLATE_IDS.globalAdministrator) || held.has(ROLE_TEMPLATE_IDS.securityAdministrator) || held.has(ROLE_TEMPLATE_IDS.conditionalAccessAdministrator) || access.sources.some((s) => s.startsWith('bot admin group')))
  );
}

export const CA_ROLE_NEEDED =
  'Changing Conditional Access needs a role that may change it in Entra (Global, Security or Conditional Access Administrator, or the bot admin group); your roles do not, so I cannot do it for you. Nothing was changed.';
