/** Every Action.Execute verb the cards use, in one place (card verbs are dot-namespaced). */
export const VERBS = {
  campaignCreate: 'campaign.create',
  readinessAccept: 'readiness.accept',
  exportPage: 'export.page',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];
