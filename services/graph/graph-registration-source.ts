import { GRAPH_PAGE } from '../budgets.js';
import type { Fido2MethodRecord } from '../compliance/passkeys.js';
import type { Logger } from '../ports/logger.js';
import type { PasskeyPolicy, PasskeyProfilePolicy, RegistrationRow, RegistrationSource, SecurityInfoChanges } from '../ports/registration-source.js';
import { GraphRequestError } from './graph-errors.js';
import type { GraphGateway } from './graph-gateway.js';

const REPORT = '/reports/authenticationMethods/userRegistrationDetails';
const REPORT_SELECT = 'id,userPrincipalName,userDisplayName,userType,isAdmin,isPasswordlessCapable,methodsRegistered,lastUpdatedDateTime';

/**
 * The registration picture from Graph: the report (the sweep, at 5 requests per 10 s, so every page
 * is as large as Graph allows), one user's fido2Methods, and the directory audit log for changes.
 * Background priority: people waiting in chat go first.
 */
export class GraphRegistrationSource implements RegistrationSource {
  /** Whether the report accepts `$top` ([unconfirmed]): learnt on the first 400, then remembered. */
  private topAccepted = true;

  constructor(
    private readonly graph: GraphGateway,
    private readonly logger: Logger,
  ) {}

  async *reportPages(signal?: AbortSignal): AsyncIterable<RegistrationRow[]> {
    const withTop = `${REPORT}?$top=${GRAPH_PAGE.registrationDetails}&$select=${REPORT_SELECT}`;
    const without = `${REPORT}?$select=${REPORT_SELECT}`;
    let pages = this.graph.pages<RegistrationRow>(this.topAccepted ? withTop : without, { signal, priority: 'background' })[Symbol.asyncIterator]();
    let first = true;
    for (;;) {
      let next: IteratorResult<{ value: RegistrationRow[] }>;
      try {
        next = await pages.next();
      } catch (e) {
        if (first && this.topAccepted && e instanceof GraphRequestError && e.kind === 'bad_request') {
          // The report's page size is not documented; some tenants may refuse $top. Retry without it.
          this.logger.warn({ status: e.status, code: e.code }, 'registration report refused $top; paging with its default size');
          this.topAccepted = false;
          pages = this.graph.pages<RegistrationRow>(without, { signal, priority: 'background' })[Symbol.asyncIterator]();
          first = false;
          continue;
        }
        throw e;
      }
      first = false;
      if (next.done) return;
      yield next.value.value;
    }
  }

  async reportFor(userId: string): Promise<RegistrationRow | null> {
    return this.graph.getOrNull<RegistrationRow>(`${REPORT}/${encodeURIComponent(userId)}`, { priority: 'background' });
  }

  async fido2Methods(userId: string): Promise<Fido2MethodRecord[] | null> {
    try {
      return await this.graph.all<Fido2MethodRecord>(`/users/${encodeURIComponent(userId)}/authentication/fido2Methods`, { priority: 'background' });
    } catch (e) {
      if (e instanceof GraphRequestError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async securityInfoChangesSince(since: Date): Promise<SecurityInfoChanges> {
    const filter = `loggedByService eq 'Authentication Methods' and activityDateTime ge ${since.toISOString()}`;
    try {
      const ids = new Set<string>();
      for await (const page of this.graph.pages<{ targetResources?: { id?: string; type?: string }[] }>(`/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}&$top=1000`, { priority: 'background' })) {
        for (const e of page.value) {
          for (const t of e.targetResources ?? []) if (t.id && (t.type ?? 'User').toLowerCase() === 'user') ids.add(t.id.toLowerCase());
        }
      }
      return { userIds: [...ids], complete: true };
    } catch (e) {
      if (e instanceof GraphRequestError && (e.kind === 'forbidden' || e.kind === 'bad_request' || e.kind === 'not_found')) {
        this.logger.warn({ status: e.status, code: e.code }, 'directory audit log not readable; incremental sync falls back to the report sweep');
        return { userIds: [], complete: false };
      }
      throw e;
    }
  }

  async passkeyPolicy(): Promise<PasskeyPolicy | null> {
    const c = await this.graph.getOrNull<Record<string, unknown>>('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2', { priority: 'background' });
    if (!c) return null;
    const profiles = Array.isArray(c.passkeyProfiles) ? (c.passkeyProfiles as Record<string, unknown>[]) : [];
    const targets = Array.isArray(c.includeTargets) ? (c.includeTargets as Record<string, unknown>[]) : [];
    const restrictions = (v: unknown): PasskeyProfilePolicy['keyRestrictions'] => {
      if (!v || typeof v !== 'object') return null;
      const r = v as Record<string, unknown>;
      return { isEnforced: r.isEnforced === true, enforcementType: String(r.enforcementType ?? 'block'), aaGuids: Array.isArray(r.aaGuids) ? (r.aaGuids as string[]).map((a) => a.toLowerCase()) : [] };
    };
    return {
      state: String(c.state ?? 'enabled'),
      defaultProfileId: typeof c.defaultPasskeyProfile === 'string' ? c.defaultPasskeyProfile : null,
      profiles: profiles.map((p) => ({
        id: String(p.id),
        name: String(p.name ?? p.id),
        passkeyTypes: String(p.passkeyTypes ?? 'deviceBound,synced'),
        attestationEnforcement: String(p.attestationEnforcement ?? 'disabled'),
        keyRestrictions: restrictions(p.keyRestrictions),
      })),
      includeTargets: targets.map((t) => ({ id: String(t.id).toLowerCase(), allowedPasskeyProfiles: Array.isArray(t.allowedPasskeyProfiles) ? (t.allowedPasskeyProfiles as string[]) : [] })),
      excludeTargets: Array.isArray(c.excludeTargets) ? (c.excludeTargets as { id: string }[]).map((t) => String(t.id).toLowerCase()) : [],
      legacy: profiles.length === 0 ? { isAttestationEnforced: c.isAttestationEnforced === true, keyRestrictions: restrictions(c.keyRestrictions) } : null,
    };
  }
}
