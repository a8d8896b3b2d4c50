import { GRAPH_PAGE } from '../budgets.js';
import type {
  AuthStrength,
  CallPriority,
  CaPolicy,
  CaUsers,
  GraphWrite,
  GroupWriter,
  IssuedTap,
  PolicyGateway,
  RoleMembers,
  SignInEvent,
  SignInLog,
  TapIssuer,
  TapPolicy,
} from '../ports/policy-gateway.js';
import type { Logger } from '../ports/logger.js';
import type { PasskeyPolicy } from '../ports/registration-source.js';
import { GraphRequestError } from './graph-errors.js';
import type { GraphGateway } from './graph-gateway.js';
import { odataString } from './graph-directory.js';
import { GraphRegistrationSource } from './graph-registration-source.js';

/** Sign-ins page size: the documented default and maximum (graph-facts §6). */
const SIGN_IN_PAGE = 1000;
/** Report-only results are `unknownFutureValue` without this header (graph-facts §6). */
const PREFER_UNKNOWN_ENUMS = { Prefer: 'include-unknown-enum-members' };

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function toCaPolicy(p: Record<string, unknown>): CaPolicy {
  const conditions = (p.conditions ?? {}) as Record<string, unknown>;
  const rawUsers = (conditions.users ?? {}) as Record<string, unknown>;
  const apps = (conditions.applications ?? {}) as Record<string, unknown>;
  const grant = (p.grantControls ?? null) as Record<string, unknown> | null;
  const strength = (grant?.authenticationStrength ?? null) as { id?: unknown } | null;
  const users: CaUsers = {
    ...Object.fromEntries(Object.entries(rawUsers).filter(([k]) => !k.includes('@odata.'))),
    includeUsers: strings(rawUsers.includeUsers),
    excludeUsers: strings(rawUsers.excludeUsers),
    includeGroups: strings(rawUsers.includeGroups),
    excludeGroups: strings(rawUsers.excludeGroups),
    includeRoles: strings(rawUsers.includeRoles),
    excludeRoles: strings(rawUsers.excludeRoles),
  };
  return {
    id: String(p.id),
    displayName: typeof p.displayName === 'string' ? p.displayName : '',
    state: String(p.state ?? ''),
    createdDateTime: typeof p.createdDateTime === 'string' ? p.createdDateTime : null,
    modifiedDateTime: typeof p.modifiedDateTime === 'string' ? p.modifiedDateTime : null,
    users,
    strengthId: strength && typeof strength.id === 'string' ? strength.id.toLowerCase() : null,
    builtInControls: strings(grant?.builtInControls),
    grantOperator: typeof grant?.operator === 'string' ? grant.operator : null,
    includeApplications: strings(apps.includeApplications),
    excludeApplications: strings(apps.excludeApplications),
    clientAppTypes: strings(conditions.clientAppTypes),
  };
}

function toStrength(s: Record<string, unknown>): AuthStrength {
  const configs = Array.isArray(s.combinationConfigurations) ? (s.combinationConfigurations as Record<string, unknown>[]) : [];
  return {
    id: String(s.id).toLowerCase(),
    displayName: typeof s.displayName === 'string' ? s.displayName : '',
    policyType: String(s.policyType ?? ''),
    allowedCombinations: strings(s.allowedCombinations),
    combinationConfigurations: configs.map((c) => ({ id: String(c.id), appliesToCombinations: strings(c.appliesToCombinations), allowedAAGUIDs: strings(c.allowedAAGUIDs).map((a) => a.toLowerCase()) })),
    modifiedDateTime: typeof s.modifiedDateTime === 'string' ? s.modifiedDateTime : null,
  };
}

function toSignIn(s: Record<string, unknown>): SignInEvent {
  const status = (s.status ?? {}) as { errorCode?: unknown };
  const applied = Array.isArray(s.appliedConditionalAccessPolicies) ? (s.appliedConditionalAccessPolicies as Record<string, unknown>[]) : [];
  return {
    id: String(s.id),
    createdDateTime: String(s.createdDateTime ?? ''),
    userId: String(s.userId ?? '').toLowerCase(),
    appDisplayName: typeof s.appDisplayName === 'string' ? s.appDisplayName : null,
    conditionalAccessStatus: typeof s.conditionalAccessStatus === 'string' ? s.conditionalAccessStatus : null,
    errorCode: typeof status.errorCode === 'number' ? status.errorCode : 0,
    policies: applied.map((p) => ({ id: String(p.id).toLowerCase(), result: String(p.result ?? 'unknown') })),
  };
}

function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * Conditional Access policies, authentication strengths, the exemptions group, sign-in evidence,
 * Temporary Access Passes and admin role members over Microsoft Graph. CA calls are charged to the
 * 1 request/s budget by the pacer; their 429s carry no Retry-After and the gateway backs off.
 */
export class GraphPolicyGateway implements PolicyGateway, GroupWriter, SignInLog, TapIssuer, RoleMembers {
  /** Whether Graph accepted the policy filter on sign-ins; null until the first try. */
  private policyFilterWorks: boolean | null = null;
  private readonly passkeys: GraphRegistrationSource;

  constructor(
    private readonly graph: GraphGateway,
    private readonly logger: Logger,
  ) {
    this.passkeys = new GraphRegistrationSource(graph, logger);
  }

  // ---- Conditional Access ----------------------------------------------------------------------

  async getPolicy(id: string, priority: CallPriority = 'interactive'): Promise<CaPolicy | null> {
    const p = await this.graph.getOrNull<Record<string, unknown>>(`/identity/conditionalAccess/policies/${encodeURIComponent(id)}`, { priority });
    return p ? toCaPolicy(p) : null;
  }

  async policiesNamed(displayName: string): Promise<CaPolicy[]> {
    const list = await this.graph.all<Record<string, unknown>>(`/identity/conditionalAccess/policies?$filter=displayName eq ${odataString(displayName)}`);
    return list.map(toCaPolicy);
  }

  async createPolicy(body: Record<string, unknown>): Promise<GraphWrite & { policy: CaPolicy }> {
    const r = await this.graph.post<Record<string, unknown>>('/identity/conditionalAccess/policies', body);
    return { policy: toCaPolicy(r.body), requestId: r.requestId };
  }

  async patchPolicy(id: string, patch: Record<string, unknown>): Promise<GraphWrite> {
    const r = await this.graph.patch(`/identity/conditionalAccess/policies/${encodeURIComponent(id)}`, patch);
    return { requestId: r.requestId };
  }

  // ---- authentication strengths ----------------------------------------------------------------

  async getStrength(id: string, priority: CallPriority = 'interactive'): Promise<AuthStrength | null> {
    const s = await this.graph.getOrNull<Record<string, unknown>>(`/policies/authenticationStrengthPolicies/${encodeURIComponent(id)}`, { priority });
    return s ? toStrength(s) : null;
  }

  async strengthsNamed(displayName: string): Promise<AuthStrength[]> {
    const list = await this.graph.all<Record<string, unknown>>(`/policies/authenticationStrengthPolicies?$filter=displayName eq ${odataString(displayName)}`);
    return list.map(toStrength);
  }

  async createStrength(body: { displayName: string; description: string; allowedCombinations: string[] }): Promise<GraphWrite & { strength: AuthStrength }> {
    const r = await this.graph.post<Record<string, unknown>>('/policies/authenticationStrengthPolicies', body);
    return { strength: toStrength(r.body), requestId: r.requestId };
  }

  async restrictFido2(strengthId: string, aaguids: string[]): Promise<GraphWrite> {
    // The path the combinationConfigurations page documents (graph-facts §4).
    const r = await this.graph.post(`/identity/conditionalAccess/authenticationStrength/policies/${encodeURIComponent(strengthId)}/combinationConfigurations`, {
      '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
      allowedAAGUIDs: aaguids,
      appliesToCombinations: ['fido2'],
    });
    return { requestId: r.requestId };
  }

  async updateFido2Restriction(strengthId: string, configId: string, aaguids: string[]): Promise<GraphWrite> {
    // PATCH of a combination configuration (MGDC v1.0 authenticationcombinationconfiguration-update.md).
    const r = await this.graph.patch(`/identity/conditionalAccess/authenticationStrength/policies/${encodeURIComponent(strengthId)}/combinationConfigurations/${encodeURIComponent(configId)}`, {
      '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
      allowedAAGUIDs: aaguids,
    });
    return { requestId: r.requestId };
  }

  async removeFido2Restriction(strengthId: string, configId: string): Promise<GraphWrite> {
    const r = await this.graph.delete(`/identity/conditionalAccess/authenticationStrength/policies/${encodeURIComponent(strengthId)}/combinationConfigurations/${encodeURIComponent(configId)}`);
    return { requestId: r.requestId };
  }

  passkeyPolicy(_priority: CallPriority = 'background'): Promise<PasskeyPolicy | null> {
    return this.passkeys.passkeyPolicy();
  }

  // ---- exemptions group ------------------------------------------------------------------------

  async createSecurityGroup(displayName: string, mailNickname: string, description: string): Promise<GraphWrite & { id: string }> {
    const r = await this.graph.post<{ id: string }>('/groups', { displayName, mailNickname, description, mailEnabled: false, securityEnabled: true, groupTypes: [] });
    return { id: String(r.body.id).toLowerCase(), requestId: r.requestId };
  }

  async addMember(groupId: string, userId: string): Promise<GraphWrite & { already: boolean }> {
    try {
      const r = await this.graph.post(`/groups/${encodeURIComponent(groupId)}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` });
      return { requestId: r.requestId, already: false };
    } catch (e) {
      // Graph answers 400 "One or more added object references already exist" for a member already there.
      if (e instanceof GraphRequestError && e.kind === 'bad_request' && /already exist/i.test(e.message)) return { requestId: e.requestId, already: true };
      throw e;
    }
  }

  async removeMember(groupId: string, userId: string): Promise<GraphWrite & { absent: boolean }> {
    try {
      const r = await this.graph.delete(`/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}/$ref`);
      return { requestId: r.requestId, absent: false };
    } catch (e) {
      if (e instanceof GraphRequestError && e.kind === 'not_found') return { requestId: e.requestId, absent: true };
      throw e;
    }
  }

  // ---- sign-ins --------------------------------------------------------------------------------

  async *signInsForPolicy(policyId: string, from: Date, to: Date, priority: CallPriority = 'interactive'): AsyncIterable<SignInEvent[]> {
    const id = policyId.toLowerCase();
    const window = `createdDateTime ge ${isoSeconds(from)} and createdDateTime le ${isoSeconds(to)}`;
    const opts = { headers: PREFER_UNKNOWN_ENUMS, priority };
    if (this.policyFilterWorks !== false) {
      const filter = `${window} and appliedConditionalAccessPolicies/any(p:p/id eq '${id}')`;
      let first = true;
      try {
        for await (const page of this.graph.pages<Record<string, unknown>>(`/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=${SIGN_IN_PAGE}`, opts)) {
          first = false;
          this.policyFilterWorks = true;
          yield page.value.map(toSignIn);
        }
        return;
      } catch (e) {
        // The syntax is [unconfirmed]: a 400 on the first page means Graph does not take it; read
        // the window and keep the policy's sign-ins here instead.
        if (!(first && e instanceof GraphRequestError && e.kind === 'bad_request')) throw e;
        this.policyFilterWorks = false;
        this.logger.info({ code: e.code }, 'sign-ins: policy filter refused, filtering locally');
      }
    }
    for await (const page of this.graph.pages<Record<string, unknown>>(`/auditLogs/signIns?$filter=${encodeURIComponent(window)}&$top=${SIGN_IN_PAGE}`, opts)) {
      yield page.value.map(toSignIn).filter((s) => s.policies.some((p) => p.id === id));
    }
  }

  // ---- Temporary Access Pass -------------------------------------------------------------------

  async tapPolicy(): Promise<TapPolicy | null> {
    const c = await this.graph.getOrNull<Record<string, unknown>>('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass');
    if (!c) return null;
    const n = (k: string, d: number) => (typeof c[k] === 'number' ? (c[k] as number) : d);
    return {
      state: String(c.state ?? 'disabled'),
      defaultLifetimeInMinutes: n('defaultLifetimeInMinutes', 60),
      minimumLifetimeInMinutes: n('minimumLifetimeInMinutes', 10),
      maximumLifetimeInMinutes: n('maximumLifetimeInMinutes', 480),
      isUsableOnce: c.isUsableOnce === true,
    };
  }

  async createTap(userId: string, o: { lifetimeInMinutes: number; isUsableOnce: boolean }): Promise<IssuedTap> {
    const r = await this.graph.post<Record<string, unknown>>(`/users/${encodeURIComponent(userId)}/authentication/temporaryAccessPassMethods`, {
      lifetimeInMinutes: o.lifetimeInMinutes,
      isUsableOnce: o.isUsableOnce,
    });
    const b = r.body;
    return {
      methodId: String(b.id),
      code: String(b.temporaryAccessPass ?? ''),
      startDateTime: typeof b.startDateTime === 'string' ? b.startDateTime : null,
      lifetimeInMinutes: typeof b.lifetimeInMinutes === 'number' ? b.lifetimeInMinutes : o.lifetimeInMinutes,
      isUsableOnce: b.isUsableOnce === true,
      requestId: r.requestId,
    };
  }

  // ---- admins ----------------------------------------------------------------------------------

  async usersWithRoles(roleTemplateIds: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const t of roleTemplateIds) {
      try {
        const members = await this.graph.all<Record<string, unknown>>(`/directoryRoles(roleTemplateId='${encodeURIComponent(t)}')/members?$select=id&$top=${GRAPH_PAGE.members}`);
        for (const m of members) {
          const type = String(m['@odata.type'] ?? '#microsoft.graph.user');
          if (type === '#microsoft.graph.user') out.add(String(m.id).toLowerCase());
        }
      } catch (e) {
        // A role nobody was ever given is not activated in the tenant: Graph answers 404.
        if (e instanceof GraphRequestError && e.kind === 'not_found') continue;
        throw e;
      }
    }
    return [...out];
  }
}
