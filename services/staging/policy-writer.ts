import type { CaPolicy, PolicyGateway } from '../ports/policy-gateway.js';
import { intentSatisfied, patchForIntent, type PolicyIntent } from './policy-shape.js';

/**
 * One change to a Conditional Access policy, done safely without ETags (none are documented for CA
 * policies, graph-facts §5): read → compute the whole `conditions.users` → read again and compare
 * `modifiedDateTime` (someone edited it in the portal meanwhile? start over from their version) →
 * PATCH → read back and verify the intent is there. Edits made by others are never overwritten:
 * what is written is always their latest version with the bot's intent applied.
 */
export interface PolicyWriteResult {
  outcome: 'written' | 'unchanged';
  /** The version the intent was applied to (the latest one when others edited meanwhile). */
  before: CaPolicy;
  after: CaPolicy;
  requestId: string | null;
  /** Times the policy changed under us and the intent was re-applied to the newer version. */
  concurrentEdits: number;
}

export class PolicyGone extends Error {
  constructor(readonly policyId: string) {
    super(`the Conditional Access policy ${policyId} no longer exists`);
  }
}

export class PolicyBusy extends Error {
  constructor(readonly policyId: string, attempts: number) {
    super(`the Conditional Access policy ${policyId} kept changing while I tried to update it (${attempts} attempts)`);
  }
}

const MAX_ATTEMPTS = 5;

export async function writePolicyIntent(gateway: PolicyGateway, policyId: string, intent: PolicyIntent): Promise<PolicyWriteResult> {
  let concurrentEdits = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = await gateway.getPolicy(policyId);
    if (!read) throw new PolicyGone(policyId);
    if (intentSatisfied(read, intent)) return { outcome: 'unchanged', before: read, after: read, requestId: null, concurrentEdits };
    const patch = patchForIntent(read, intent);
    const check = await gateway.getPolicy(policyId);
    if (!check) throw new PolicyGone(policyId);
    if (check.modifiedDateTime !== read.modifiedDateTime) {
      concurrentEdits++;
      continue;
    }
    const { requestId } = await gateway.patchPolicy(policyId, patch);
    const back = await gateway.getPolicy(policyId);
    if (!back) throw new PolicyGone(policyId);
    if (intentSatisfied(back, intent)) return { outcome: 'written', before: read, after: back, requestId, concurrentEdits };
    // Someone undid it between our write and the read-back: go again on their version.
    concurrentEdits++;
  }
  throw new PolicyBusy(policyId, MAX_ATTEMPTS);
}
