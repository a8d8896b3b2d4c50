import { EXCLUDED_FROM_READINESS } from '../compliance/evaluate.js';
import type { WarningCounts } from '../ports/staging-hooks.js';
import type { Store } from '../ports/store.js';

/**
 * The answer where no reminder outbox runs (staging used on its own, e.g. in unit tests): "nobody
 * was warned yet". Every active member who is not compliant (break-glass and disabled accounts left
 * out) is listed as not warned, so the warnings gate fails unless they are exempted, `min-warnings`
 * is 0, or an admin overrides with a reason. bot/main.ts replaces it with the nudge service's count.
 */
export class NobodyWarnedYet implements WarningCounts {
  constructor(private readonly store: Store) {}

  async warnedAtLeast(cohortId: string, n: number): Promise<{ warned: number; notWarned: string[] }> {
    const notReady = await notReadyMembers(this.store, cohortId);
    return n <= 0 ? { warned: notReady.length, notWarned: [] } : { warned: 0, notWarned: notReady };
  }
}

/** Active members who are not compliant, break-glass and disabled accounts left out. */
export async function notReadyMembers(store: Store, cohortId: string): Promise<string[]> {
  const out: string[] = [];
  const page = 5_000;
  for (let offset = 0; ; offset += page) {
    const rows = await store.members.list(cohortId, { offset, limit: page });
    for (const m of rows) if (m.state !== 'compliant' && !(EXCLUDED_FROM_READINESS as string[]).includes(m.state)) out.push(m.userId);
    if (rows.length < page) return out;
  }
}

/** Active members counted for readiness (break-glass and disabled accounts left out). */
export async function countedMembers(store: Store, cohortId: string): Promise<Set<string>> {
  const out = new Set<string>();
  const page = 5_000;
  for (let offset = 0; ; offset += page) {
    const rows = await store.members.list(cohortId, { offset, limit: page });
    for (const m of rows) if (!(EXCLUDED_FROM_READINESS as string[]).includes(m.state)) out.add(m.userId.toLowerCase());
    if (rows.length < page) return out;
  }
}
