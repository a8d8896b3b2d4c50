import type { StrengthLookup } from '../campaigns/campaign-service.js';
import type { GraphGateway } from './graph-gateway.js';

/** Authentication strengths through Graph (`policies/authenticationStrengthPolicies`). */
export class GraphStrengths implements StrengthLookup {
  constructor(private readonly graph: GraphGateway) {}

  async getStrength(id: string): Promise<{ id: string; displayName: string; policyType: string } | null> {
    const s = await this.graph.getOrNull<{ id: string; displayName: string; policyType: string }>(`/policies/authenticationStrengthPolicies/${encodeURIComponent(id)}`);
    return s ? { id: s.id, displayName: s.displayName, policyType: s.policyType } : null;
  }
}
