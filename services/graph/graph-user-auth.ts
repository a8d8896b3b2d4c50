import type { Fido2MethodRecord } from '../compliance/passkeys.js';
import type { GraphMethod, SignInRecord, UserAuthReader } from '../ports/user-auth.js';
import type { GraphGateway } from './graph-gateway.js';
import { GraphRequestError } from './graph-errors.js';

export class GraphUserAuth implements UserAuthReader {
  constructor(private readonly graph: GraphGateway) {}

  async methods(userId: string): Promise<GraphMethod[] | null> {
    try {
      return await this.graph.all<GraphMethod>(`/users/${encodeURIComponent(userId)}/authentication/methods`);
    } catch (e) {
      if (e instanceof GraphRequestError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async fido2Methods(userId: string): Promise<Fido2MethodRecord[] | null> {
    try {
      return await this.graph.all<Fido2MethodRecord>(`/users/${encodeURIComponent(userId)}/authentication/fido2Methods`);
    } catch (e) {
      if (e instanceof GraphRequestError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async recentSignIns(userId: string, top: number): Promise<SignInRecord[]> {
    // Report-only results come back only with this header (graph-facts §6); without it they read unknownFutureValue.
    const body = await this.graph.get<{ value: SignInRecord[] }>(`/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${userId}'`)}&$top=${Math.min(Math.max(top, 1), 50)}`, {
      headers: { Prefer: 'include-unknown-enum-members' },
    });
    return (body.value ?? []).slice(0, top);
  }
}
