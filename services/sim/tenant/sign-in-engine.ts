import { optionSatisfies, type SignInOption } from './auth-strengths.js';
import type { GraphVersion } from './graph-http.js';
import { hashString, hashUuid, mix, unit } from './hash.js';
import type {
  GraphAuthenticationStrengthPolicy,
  GraphConditionalAccessPolicy,
  GraphFido2Configuration,
  GraphFido2KeyRestrictions,
  GraphFido2Method,
  SimUser,
} from './model.js';
import { BUILT_IN_STRENGTHS } from './model.js';
import { passkeyKind } from './registration-report.js';
import type { TenantState } from './tenant-state.js';
import { DAY_MS, localMidnightUtc, resolveTimeZone, weekday } from './time-zones.js';

/**
 * Sign-in logs are computed, not stored: every enabled member signs in a fixed number of times per
 * working day at hashed local times, and each event is evaluated against the tenant *as it was at
 * that instant* (methods, group memberships, policy versions). The same tenant and clock therefore
 * always give the same log, and a change made now only affects events from now on.
 */

const WORK_START_MS = 8 * 3_600_000;
const WORK_SPAN_MS = 10 * 3_600_000;
/** Sign-ins are kept 30 days (P1/P2 retention). */
export const SIGN_IN_RETENTION_MS = 30 * DAY_MS;
/** Share of sign-ins made with a passkey when the user has one. */
const PASSKEY_SHARE = 0.7;

interface SignInUser {
  user: SimUser;
  seed: number;
  zone: string;
}

/** An event before evaluation: who, when, and which of their sign-ins that day. */
export interface EventKey {
  t: number;
  /** Index into the engine's users (sorted by id). */
  u: number;
  /** Local day number (days since 1970-01-01 in the user's zone). */
  d: number;
  k: number;
}

export type PolicyResult =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied'
  | 'reportOnlyInterrupted';

export interface AppliedPolicy {
  policy: GraphConditionalAccessPolicy;
  result: PolicyResult;
  enforcedGrantControls: string[];
}

export interface SignInRecord {
  key: EventKey;
  id: string;
  user: SimUser;
  app: { appId: string; appDisplayName: string };
  /** The options used, in order (the first one, then any step-up). */
  used: SignInOption[];
  applied: AppliedPolicy[];
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  errorCode: number;
}

/** Keeps the descending order of the log: newest first, ties by user then sign-in number. */
export function compareDesc(a: EventKey, b: EventKey): number {
  return b.t - a.t || b.u - a.u || b.k - a.k;
}

export class SignInEngine {
  readonly users: SignInUser[];
  private readonly indexById = new Map<string, number>();
  private readonly dayCache = new Map<number, EventKey[]>();
  /** Served ids → keys, for `GET /auditLogs/signIns/{id}`. */
  private readonly served = new Map<string, EventKey>();

  constructor(private readonly state: TenantState) {
    const file = state.file;
    this.users = state.userIdsSorted
      .map((id) => state.users.get(id)!)
      .filter((u) => u.accountEnabled && u.userType === 'Member')
      .map((user) => ({
        user,
        seed: hashString(user.id),
        zone: resolveTimeZone(user.mailboxSettings?.timeZone, user.usageLocation, file.tenant.defaultTimeZone),
      }));
    this.users.forEach((u, i) => this.indexById.set(u.user.id, i));
  }

  userIndex(userId: string): number | undefined {
    return this.indexById.get(userId);
  }

  private perDay(): number {
    return Math.max(0, Math.floor(this.state.file.signInProfile.perUserPerWorkday));
  }

  private eventsOfUserForUtcDay(u: number, utcDay: number, out: EventKey[]): void {
    const su = this.users[u]!;
    const n = this.perDay();
    const dayStart = utcDay * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    for (let d = utcDay - 1; d <= utcDay + 1; d++) {
      const wd = weekday(d);
      if (wd === 0 || wd === 6) continue;
      const start = localMidnightUtc(su.zone, d) + WORK_START_MS;
      if (start + WORK_SPAN_MS <= dayStart || start >= dayEnd) continue;
      for (let k = 0; k < n; k++) {
        const t = start + (mix(su.seed, d, k, 0x51) % WORK_SPAN_MS);
        if (t >= dayStart && t < dayEnd) out.push({ t, u, d, k });
      }
    }
  }

  /** All events of one UTC day, newest first (cached for the whole population). */
  eventsForUtcDay(utcDay: number, only?: number[]): EventKey[] {
    if (only) {
      const out: EventKey[] = [];
      for (const u of only) this.eventsOfUserForUtcDay(u, utcDay, out);
      return out.sort(compareDesc);
    }
    let cached = this.dayCache.get(utcDay);
    if (!cached) {
      cached = [];
      for (let u = 0; u < this.users.length; u++) this.eventsOfUserForUtcDay(u, utcDay, cached);
      cached.sort(compareDesc);
      if (this.dayCache.size >= 40) this.dayCache.delete(this.dayCache.keys().next().value!);
      this.dayCache.set(utcDay, cached);
    }
    return cached;
  }

  eventId(key: EventKey): string {
    return hashUuid(this.users[key.u]!.seed, key.d, key.k, 0x1d);
  }

  remember(id: string, key: EventKey): void {
    if (this.served.size > 200_000) this.served.clear();
    this.served.set(id, key);
  }

  lookup(id: string): EventKey | undefined {
    return this.served.get(id);
  }

  /** Evaluates one event against the tenant as it was at the event's time. */
  evaluate(key: EventKey): SignInRecord {
    const su = this.users[key.u]!;
    const user = su.user;
    const t = key.t;
    const apps = this.state.file.signInProfile.apps;
    const app = apps.length ? apps[mix(su.seed, key.d, key.k, 0x77) % apps.length]! : { appId: '00000003-0000-0000-c000-000000000000', appDisplayName: 'Microsoft Graph' };
    const groupsAtT = this.state.transitiveGroupsAt(user.id, t);
    let rolesAtT: string[] | undefined;
    const roles = () => (rolesAtT ??= this.state.roleTemplatesAt(user.id, groupsAtT, t));
    const options = this.optionsAt(user, t, groupsAtT);

    const targeted: { policy: GraphConditionalAccessPolicy; reportOnly: boolean; requirement: Requirement }[] = [];
    const listed: { policy: GraphConditionalAccessPolicy; targets: boolean }[] = [];
    for (const id of this.state.policies.keys()) {
      const policy = this.state.policyAt(id, t);
      if (!policy || policy.state === 'disabled') continue;
      const targets = policyTargets(policy, user, app.appId, groupsAtT, roles);
      listed.push({ policy, targets });
      if (targets) {
        targeted.push({ policy, reportOnly: policy.state === 'enabledForReportingButNotEnforced', requirement: this.requirementOf(policy, t) });
      }
    }

    const passwordless = options.filter((o) => !o.modes.includes('password'));
    const strengths = targeted.map((x) => x.requirement.strength).filter((s): s is GraphAuthenticationStrengthPolicy => !!s);
    let chosen: SignInOption;
    if (passwordless.length && unit(su.seed, key.d, key.k, 0x11) < PASSKEY_SHARE) {
      const fitting = passwordless.filter((o) => strengths.every((s) => optionSatisfies(s, o)));
      const pool = fitting.length ? fitting : passwordless;
      chosen = pool[mix(su.seed, key.d, key.k, 0x13) % pool.length]!;
    } else {
      chosen = options.find((o) => o.modes.includes('password') && o.modes.length > 1) ?? options.find((o) => o.modes.includes('password'))!;
    }
    const used: SignInOption[] = [chosen];
    const results = new Map<string, PolicyResult>();
    for (const x of targeted.filter((x) => !x.reportOnly)) {
      const r = x.requirement;
      if (r.block) results.set(x.policy.id, 'failure');
      else if (!r.strength) results.set(x.policy.id, 'success');
      else if (used.some((o) => optionSatisfies(r.strength!, o))) results.set(x.policy.id, 'success');
      else {
        const stepUp = options.find((o) => optionSatisfies(r.strength!, o));
        if (stepUp) {
          used.push(stepUp);
          results.set(x.policy.id, 'success');
        } else results.set(x.policy.id, 'failure');
      }
    }
    for (const x of targeted.filter((x) => x.reportOnly)) {
      const r = x.requirement;
      if (r.block) results.set(x.policy.id, 'reportOnlyFailure');
      else if (!r.strength || used.some((o) => optionSatisfies(r.strength!, o))) results.set(x.policy.id, 'reportOnlySuccess');
      else if (options.some((o) => optionSatisfies(r.strength!, o))) results.set(x.policy.id, 'reportOnlyInterrupted');
      else results.set(x.policy.id, 'reportOnlyFailure');
    }
    const applied: AppliedPolicy[] = listed.map(({ policy, targets }) => {
      const reportOnly = policy.state === 'enabledForReportingButNotEnforced';
      const result = targets ? results.get(policy.id)! : reportOnly ? 'reportOnlyNotApplied' : 'notApplied';
      return { policy, result, enforcedGrantControls: targets ? grantControlNames(policy) : [] };
    });
    const enforced = applied.filter((a) => a.policy.state === 'enabled' && a.result !== 'notApplied');
    const failed = enforced.some((a) => a.result === 'failure');
    return {
      key,
      id: this.eventId(key),
      user,
      app,
      used,
      applied,
      conditionalAccessStatus: failed ? 'failure' : enforced.length ? 'success' : 'notApplied',
      errorCode: failed ? 53003 : 0,
    };
  }

  private requirementOf(policy: GraphConditionalAccessPolicy, t: number): Requirement {
    const g = policy.grantControls;
    if (!g) return { block: false, strength: null };
    if (g.builtInControls.includes('block')) return { block: true, strength: null };
    if (g.authenticationStrength) return { block: false, strength: this.state.strengthAt(g.authenticationStrength.id, t) };
    if (g.builtInControls.includes('mfa')) return { block: false, strength: this.state.strengthAt(BUILT_IN_STRENGTHS.mfa, t) };
    return { block: false, strength: null };
  }

  /** The ways the user could sign in at `t`: passwordless methods first, then password + second factors. */
  optionsAt(user: SimUser, t: number, groupsAtT: Set<string>): SignInOption[] {
    const methods = this.state.methodsAt(user, t);
    const fido2 = this.state.fido2.at(t);
    const out: SignInOption[] = [];
    for (const m of methods) {
      if (m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod' && passkeyAllowed(m, fido2, groupsAtT)) {
        out.push({ modes: ['fido2'], passkey: m, label: passkeyLabel(m) });
      } else if (m['@odata.type'] === '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod') {
        out.push({ modes: ['windowsHelloForBusiness'], label: 'Windows Hello for Business' });
      }
    }
    const has = (type: string) => methods.some((m) => m['@odata.type'] === type);
    if (has('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod')) {
      out.push({ modes: ['password', 'microsoftAuthenticatorPush'], label: 'Mobile app notification' });
    }
    if (methods.some((m) => m['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod' && m.phoneType !== 'office')) {
      out.push({ modes: ['password', 'sms'], label: 'Text message' });
    }
    if (has('#microsoft.graph.softwareOathAuthenticationMethod')) out.push({ modes: ['password', 'softwareOath'], label: 'OATH verification code' });
    out.push({ modes: ['password'], label: 'Password' });
    return out;
  }

  /** Renders a record in the v1.0 or beta shape (test/fixtures/graph/sign-ins-list-*.json). */
  render(r: SignInRecord, version: GraphVersion, includeUnknownEnums: boolean): Record<string, unknown> {
    const su = this.users[r.key.u]!;
    const user = r.user;
    const h = mix(su.seed, r.key.d, r.key.k, 0x99);
    const created = new Date(r.key.t).toISOString();
    const device = user.devices.length ? user.devices[h % user.devices.length]! : null;
    const os = device ? `${device.operatingSystem} ${device.operatingSystemVersion.split('.')[0] ?? ''}`.trim() : 'Windows 10';
    const browser = browserFor(device?.operatingSystem ?? 'Windows');
    const loc = locationFor(user.usageLocation);
    const ip = `${h % 2 ? '203.0.113' : '198.51.100'}.${(mix(su.seed, 0x1f) % 254) + 1}`;
    const failed = r.errorCode !== 0;
    const applied = r.applied.map((a) => ({
      id: a.policy.id,
      displayName: a.policy.displayName,
      enforcedGrantControls: a.enforcedGrantControls,
      enforcedSessionControls: [],
      result: !includeUnknownEnums && a.result.startsWith('reportOnly') ? 'unknownFutureValue' : a.result,
    }));
    const status = {
      errorCode: r.errorCode,
      failureReason: failed ? 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.' : null,
      additionalDetails: failed ? 'The user did not satisfy the authentication strength required by a Conditional Access policy.' : null,
    };
    const common = {
      id: r.id,
      createdDateTime: created,
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      userId: user.id,
      appId: r.app.appId,
      appDisplayName: r.app.appDisplayName,
      ipAddress: ip,
      clientAppUsed: 'Browser',
    };
    const deviceDetail = {
      deviceId: device ? device.id : '',
      displayName: device ? device.displayName : null,
      operatingSystem: os,
      browser,
      isCompliant: device ? false : null,
      isManaged: device ? false : null,
      trustType: device ? 'Azure AD registered' : null,
    };
    const location = {
      city: loc.city,
      state: loc.state,
      countryOrRegion: user.usageLocation ?? loc.country,
      geoCoordinates: { altitude: null, latitude: loc.lat, longitude: loc.lon },
    };
    const correlationId = hashUuid(su.seed, r.key.d, r.key.k, 0xc0);
    if (version === 'v1.0') {
      return {
        ...common,
        correlationId,
        conditionalAccessStatus: r.conditionalAccessStatus,
        isInteractive: true,
        riskDetail: 'none',
        riskLevelAggregated: 'none',
        riskLevelDuringSignIn: 'none',
        riskState: 'none',
        riskEventTypes: [],
        resourceDisplayName: 'Microsoft Graph',
        resourceId: '00000003-0000-0000-c000-000000000000',
        status,
        deviceDetail,
        location,
        appliedConditionalAccessPolicies: applied,
      };
    }
    const mfa = r.used.some((o) => o.modes.length > 1 || !o.modes.includes('password'));
    return {
      ...common,
      userAgent: userAgentFor(device?.operatingSystem ?? 'Windows'),
      correlationId,
      conditionalAccessStatus: r.conditionalAccessStatus,
      originalRequestId: hashUuid(su.seed, r.key.d, r.key.k, 0xa1),
      authenticationProtocol: 'none',
      incomingTokenType: 'none',
      isInteractive: true,
      homeTenantId: this.state.tenantId,
      homeTenantName: '',
      isTenantRestricted: false,
      tokenIssuerName: '',
      tokenIssuerType: 'AzureAD',
      processingTimeInMilliseconds: 80 + (h % 700),
      riskDetail: 'none',
      riskLevelAggregated: 'none',
      riskLevelDuringSignIn: 'none',
      riskState: 'none',
      riskEventTypes_v2: [],
      resourceDisplayName: 'Microsoft Graph',
      resourceId: '00000003-0000-0000-c000-000000000000',
      resourceTenantId: this.state.tenantId,
      authenticationMethodsUsed: [],
      authenticationRequirement: mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
      uniqueTokenIdentifier: Buffer.from(hashUuid(su.seed, r.key.d, r.key.k, 0xb2)).toString('base64url'),
      signInIdentifier: user.userPrincipalName,
      signInEventTypes: ['interactiveUser'],
      servicePrincipalId: '',
      userType: user.userType === 'Guest' ? 'guest' : 'member',
      flaggedForReview: false,
      autonomousSystemNumber: 8075,
      crossTenantAccessType: 'none',
      status,
      deviceDetail,
      location,
      appliedConditionalAccessPolicies: applied,
      authenticationProcessingDetails: [],
      networkLocationDetails: [],
      authenticationDetails: authenticationDetails(r, created),
      authenticationRequirementPolicies: [],
      sessionLifetimePolicies: [],
    };
  }
}

interface Requirement {
  block: boolean;
  strength: GraphAuthenticationStrengthPolicy | null;
}

function keyRestrictionAllows(kr: GraphFido2KeyRestrictions | undefined, aaGuid: string): boolean {
  if (!kr || !kr.isEnforced) return true;
  const listed = kr.aaGuids.map((g) => g.toLowerCase()).includes(aaGuid.toLowerCase());
  return kr.enforcementType === 'allow' ? listed : !listed;
}

/**
 * Whether the passkey policy in force lets this passkey sign in: the user must be targeted, not
 * excluded, and the passkey must satisfy at least one profile reaching them (AAGUID restrictions
 * and passkey types apply at sign-in; attestation only at registration).
 */
export function passkeyAllowed(m: GraphFido2Method, cfg: GraphFido2Configuration | null, groups: Set<string>): boolean {
  if (!cfg || cfg.state !== 'enabled') return false;
  if (cfg.excludeTargets.some((x) => groups.has(x.id))) return false;
  const targets = cfg.includeTargets.filter((x) => x.id === 'all_users' || groups.has(x.id));
  if (!targets.length) return false;
  if (!cfg.passkeyProfiles?.length) return keyRestrictionAllows(cfg.keyRestrictions, m.aaGuid);
  const ids = new Set<string>();
  for (const x of targets) {
    const allowed = x.allowedPasskeyProfiles?.length ? x.allowedPasskeyProfiles : cfg.defaultPasskeyProfile ? [cfg.defaultPasskeyProfile] : [];
    for (const id of allowed) ids.add(id);
  }
  return cfg.passkeyProfiles.some(
    (p) => ids.has(p.id) && p.passkeyTypes.split(',').map((s) => s.trim()).includes(m.passkeyType) && keyRestrictionAllows(p.keyRestrictions, m.aaGuid),
  );
}

function policyTargets(
  p: GraphConditionalAccessPolicy,
  user: SimUser,
  appId: string,
  groups: Set<string>,
  roles: () => string[],
): boolean {
  const u = p.conditions.users;
  const isGuest = user.userType === 'Guest';
  const inUsers = (list: string[]) => list.includes(user.id) || list.includes('All') || (isGuest && list.includes('GuestsOrExternalUsers'));
  const inGroups = (list: string[]) => list.some((g) => groups.has(g));
  const inRoles = (list: string[]) => list.length > 0 && list.some((r) => roles().includes(r));
  const included = inUsers(u.includeUsers) || inGroups(u.includeGroups) || inRoles(u.includeRoles);
  if (!included) return false;
  if (inUsers(u.excludeUsers) || inGroups(u.excludeGroups) || inRoles(u.excludeRoles)) return false;
  const a = p.conditions.applications;
  const appIncluded = a.includeApplications.includes('All') || a.includeApplications.includes(appId);
  if (!appIncluded || a.excludeApplications.includes(appId)) return false;
  const types = p.conditions.clientAppTypes;
  if (types.length && !types.includes('all') && !types.includes('browser')) return false;
  return true;
}

function grantControlNames(p: GraphConditionalAccessPolicy): string[] {
  const g = p.grantControls;
  if (!g) return [];
  const names: Record<string, string> = {
    block: 'Block',
    mfa: 'Mfa',
    compliantDevice: 'RequireCompliantDevice',
    domainJoinedDevice: 'RequireDomainJoinedDevice',
    approvedApplication: 'RequireApprovedApp',
    compliantApplication: 'RequireCompliantApp',
    passwordChange: 'RequirePasswordChange',
  };
  const out = g.builtInControls.map((c) => names[c] ?? c);
  if (g.authenticationStrength) out.push('RequireAuthenticationStrength');
  return out;
}

function passkeyLabel(m: GraphFido2Method): string {
  switch (passkeyKind(m)) {
    case 'synced':
      return 'Passkey (synced)';
    case 'authenticator':
      return 'Passkey (Microsoft Authenticator)';
    case 'windowsHello':
      return 'Passkey (Windows Hello)';
    default:
      return 'Passkey (device-bound)';
  }
}

function authenticationDetails(r: SignInRecord, at: string): Record<string, unknown>[] {
  const steps: Record<string, unknown>[] = [];
  r.used.forEach((o, i) => {
    const stepUp = i > 0;
    if (o.modes.includes('password') && !stepUp) {
      steps.push(step(at, 'Password', 'Password in the cloud', true, 'Correct password', 'Primary authentication'));
    }
    if (o.modes.length === 1 && o.modes[0] === 'password') return;
    const label = o.modes.includes('password') ? o.label : o.label;
    steps.push(
      step(
        at,
        label,
        o.passkey ? o.passkey.model : label,
        true,
        o.modes.includes('password') ? 'MFA successfully completed' : 'MFA requirement satisfied by claim in the token',
        stepUp || o.modes.includes('password') ? 'Multifactor authentication' : 'Primary authentication',
      ),
    );
  });
  return steps;
}

function step(at: string, method: string, detail: string, succeeded: boolean, result: string, requirement: string): Record<string, unknown> {
  return {
    authenticationStepDateTime: at,
    authenticationMethod: method,
    authenticationMethodDetail: detail,
    succeeded,
    authenticationStepResultDetail: result,
    authenticationStepRequirement: requirement,
  };
}

function browserFor(os: string): string {
  const o = os.toLowerCase();
  if (o.includes('ios') || o.includes('mac')) return 'Safari 17.4';
  if (o.includes('android')) return 'Chrome Mobile 124.0.6367';
  return 'Edge 124.0.2478';
}

function userAgentFor(os: string): string {
  const o = os.toLowerCase();
  if (o.includes('ios')) return 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
  if (o.includes('mac')) return 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
  if (o.includes('android')) return 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36';
  return 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51';
}

const LOCATIONS: Record<string, { city: string; state: string; country: string; lat: number; lon: number }> = {
  US: { city: 'Redmond', state: 'Washington', country: 'US', lat: 47.674, lon: -122.1215 },
  CA: { city: 'Toronto', state: 'Ontario', country: 'CA', lat: 43.6532, lon: -79.3832 },
  GB: { city: 'London', state: 'England', country: 'GB', lat: 51.5072, lon: -0.1276 },
  DE: { city: 'Munich', state: 'Bavaria', country: 'DE', lat: 48.1351, lon: 11.582 },
  FR: { city: 'Paris', state: 'Ile-de-France', country: 'FR', lat: 48.8566, lon: 2.3522 },
  NL: { city: 'Amsterdam', state: 'Noord-Holland', country: 'NL', lat: 52.3676, lon: 4.9041 },
  IN: { city: 'Bengaluru', state: 'Karnataka', country: 'IN', lat: 12.9716, lon: 77.5946 },
  JP: { city: 'Tokyo', state: 'Tokyo', country: 'JP', lat: 35.6762, lon: 139.6503 },
  AU: { city: 'Sydney', state: 'New South Wales', country: 'AU', lat: -33.8688, lon: 151.2093 },
  BR: { city: 'Sao Paulo', state: 'Sao Paulo', country: 'BR', lat: -23.5505, lon: -46.6333 },
};

function locationFor(country: string | null): { city: string | null; state: string | null; country: string; lat: number | null; lon: number | null } {
  const l = country ? LOCATIONS[country.toUpperCase()] : undefined;
  return l ?? { city: null, state: null, country: country ?? '', lat: null, lon: null };
}
