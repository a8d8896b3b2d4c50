import type { GraphVersion } from './graph-http.js';
import { hashString, hashUuidOf } from './hash.js';
import type { GraphAuthenticationMethod, TenantFile } from './model.js';
import type { MethodChange, TenantState } from './tenant-state.js';

const DAY_MS = 86_400_000;

/**
 * Audit logs are kept 30 days on Entra ID P1/P2 (entra-docs
 * `docs/identity/monitoring-health/reference-reports-data-retention.md`, 01/06/2026).
 */
export const AUDIT_RETENTION_MS = 30 * DAY_MS;

/** `initiatedBy.app` of entries made through Graph (the app the simulator plays the caller of). */
export interface AuditApp {
  appId: string;
  displayName: string;
  servicePrincipalId: string;
  servicePrincipalName: string;
}

export const AUDIT_CATEGORY = 'UserManagement';
export const AUDIT_SERVICE = 'Authentication Methods';

/** The four activities an authentication-method change is logged as (entra-docs `reference-audit-activities.md`). */
export const AUDIT_ACTIVITIES = {
  userRegistered: 'User registered security info',
  userDeleted: 'User deleted security info',
  adminRegistered: 'Admin registered security info',
  adminDeleted: 'Admin deleted security info',
} as const;

/**
 * How each method type is named. `detail` is the `additionalDetails` "Method" value (the names the
 * Security info page uses); `reason` the noun in `resultReason`. Microsoft documents only the
 * FIDO2 ("User registered Fido2 Authentication Method") and TAP ("User registered temporary access
 * pass method", "Admin registered temporary access pass method for user") phrasings; the others
 * follow the same pattern.
 */
const METHOD_NAMES: Record<GraphAuthenticationMethod['@odata.type'], { detail: string; reason: string }> = {
  '#microsoft.graph.fido2AuthenticationMethod': { detail: 'Passkey', reason: 'Fido2 Authentication Method' },
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': { detail: 'Windows Hello for Business', reason: 'Windows Hello for Business' },
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': {
    detail: 'Microsoft Authenticator',
    reason: 'Authenticator App with Notification and Code',
  },
  '#microsoft.graph.phoneAuthenticationMethod': { detail: 'Phone', reason: 'phone method' },
  '#microsoft.graph.passwordAuthenticationMethod': { detail: 'Password', reason: 'password method' },
  '#microsoft.graph.emailAuthenticationMethod': { detail: 'Email', reason: 'email method' },
  '#microsoft.graph.softwareOathAuthenticationMethod': { detail: 'Software OATH token', reason: 'software OATH token method' },
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': { detail: 'Temporary Access Pass', reason: 'temporary access pass method' },
};

/** The `additionalDetails` "Method" value: passkeys say which kind. */
export function methodDetail(m: GraphAuthenticationMethod): string {
  if (m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod') {
    return m.passkeyType === 'synced' ? 'Passkey (synced)' : 'Passkey (device-bound)';
  }
  return METHOD_NAMES[m['@odata.type']]?.detail ?? 'Other';
}

export function activityOf(c: Pick<MethodChange, 'kind' | 'actor'>): string {
  if (c.actor === 'user') return c.kind === 'added' ? AUDIT_ACTIVITIES.userRegistered : AUDIT_ACTIVITIES.userDeleted;
  return c.kind === 'added' ? AUDIT_ACTIVITIES.adminRegistered : AUDIT_ACTIVITIES.adminDeleted;
}

function resultReasonOf(c: MethodChange): string {
  const noun = METHOD_NAMES[c.method['@odata.type']]?.reason ?? 'authentication method';
  const verb = c.kind === 'added' ? 'registered' : 'deleted';
  return c.actor === 'user' ? `User ${verb} ${noun}` : `Admin ${verb} ${noun} for user`;
}

/** The default caller app: the organisation's Teams app in the catalog (the bot), else a fixed one. */
export function defaultAuditApp(file: TenantFile): AuditApp {
  const app = file.teamsAppCatalog.find((a) => a.distributionMethod === 'organization') ?? file.teamsAppCatalog[0];
  const appId = app?.externalId ?? hashUuidOf(file.tenant.id, 'sim-caller-app');
  const displayName = app?.displayName ?? 'Graph client';
  return { appId, displayName, servicePrincipalId: hashUuidOf(file.tenant.id, appId, 'servicePrincipal'), servicePrincipalName: displayName };
}

/**
 * The Entra directory audit log, as far as authentication methods go: derived on request from the
 * tenant's method change log, never stored. Every change made during the run is one entry at its
 * time; ids and correlation ids are hashes of the change, so repeated listings and paging agree.
 */
export class DirectoryAuditLog {
  private readonly byId = new Map<string, MethodChange>();
  /** How many changes of `state.methodChanges` (by seq) the id index has seen. */
  private indexedSeq = 0;

  constructor(
    private readonly state: TenantState,
    private readonly app: AuditApp,
  ) {}

  /** `Authentication Methods_<guid>`: the service-prefixed form live entries (and Entra PowerShell examples) show. */
  idOf(c: MethodChange): string {
    return `${AUDIT_SERVICE}_${hashUuidOf(this.state.tenantId, c.userId, c.method.id, c.kind, String(c.atMs))}`;
  }

  /** Changes one Graph call (or one self-service action) made for a user at one instant share a correlation id. */
  correlationIdOf(c: MethodChange): string {
    return hashUuidOf(this.state.tenantId, 'correlation', c.userId, c.actor, String(c.atMs));
  }

  /** The change an entry id names (whatever its age; callers apply time and retention). */
  find(id: string): MethodChange | undefined {
    const seq = this.state.methodChangeSeq();
    if (seq !== this.indexedSeq) {
      for (const c of this.state.methodChanges) if (c.seq > this.indexedSeq) this.byId.set(this.idOf(c), c);
      this.indexedSeq = seq;
    }
    return this.byId.get(id);
  }

  /** A `directoryAudit` in the documented v1.0 or beta shape (key order of the docs' examples). */
  render(c: MethodChange, version: GraphVersion): Record<string, unknown> {
    const user = this.state.users.get(c.userId);
    const upn = user?.userPrincipalName ?? null;
    const displayName = user?.displayName ?? null;
    const out: Record<string, unknown> = {
      id: this.idOf(c),
      category: AUDIT_CATEGORY,
      correlationId: this.correlationIdOf(c),
      result: 'success',
      resultReason: resultReasonOf(c),
      activityDisplayName: activityOf(c),
      activityDateTime: new Date(c.atMs).toISOString(),
      loggedByService: AUDIT_SERVICE,
      operationType: c.kind === 'added' ? 'Add' : 'Delete',
    };
    if (version === 'beta') out.userAgent = null;
    out.initiatedBy =
      c.actor === 'user'
        ? {
            app: null,
            user: {
              id: c.userId,
              displayName,
              userPrincipalName: upn,
              ipAddress: ipAddressOf(c.userId),
              userType: user?.userType ?? null,
              homeTenantId: null,
              homeTenantName: null,
            },
          }
        : {
            app: { ...this.app },
            user: null,
          };
    out.targetResources = [
      {
        id: c.userId,
        displayName,
        type: 'User',
        userPrincipalName: upn,
        groupType: null,
        modifiedProperties: [],
      },
    ];
    out.additionalDetails = [{ key: 'Method', value: methodDetail(c.method) }];
    return out;
  }
}

/** A stable documentation-range address per user (RFC 5737), like the sign-in logs use. */
function ipAddressOf(userId: string): string {
  return `198.51.100.${(hashString(userId) % 254) + 1}`;
}
