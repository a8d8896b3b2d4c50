/**
 * Idempotency keys of outbox messages: the same message always gets the same key, so planning it
 * twice finds the row already there (a unique constraint), and a card's key identifies the row its
 * buttons act on and lets a read-back recognise the message after a crash.
 */
export const nudgeKeys = {
  reminder: (campaignId: string, userId: string, n: number) => `reminder:${campaignId}:${userId}:${n}`,
  thanks: (campaignId: string, userId: string) => `thanks:${campaignId}:${userId}`,
  final: (cohortId: string, userId: string, enforcementDate: string) => `final:${cohortId}:${userId}:${enforcementDate}`,
  recovery: (cohortId: string, userId: string) => `recovery:${cohortId}:${userId}`,
  escalation: (campaignId: string, userId: string) => `escalation:${campaignId}:${userId}`,
  /** A help request from the card `cardKey` to one helpdesk target (a person's id or 'channel'). */
  help: (cardKey: string, target: string) => `help:${cardKey}:${target}`,
};

/**
 * What a card carries so its message can be found again: the root container's id is
 * `nudge:<key>`. Searched for with the quotes around it, so reminder …:1 never matches …:10.
 */
export function cardMarker(key: string): string {
  return `nudge:${key}`;
}

export function containsMarker(text: string, key: string): boolean {
  return text.includes(JSON.stringify(cardMarker(key)));
}
