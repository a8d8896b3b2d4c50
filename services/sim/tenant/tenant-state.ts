import type { Random } from '../../ports/clock.js';
import { AUTHENTICATION_METHOD_MODES, BUILT_IN_STRENGTH_IDS, BUILT_IN_STRENGTH_POLICIES } from './auth-strengths.js';
import { badRequest, forbidden, GraphError, notFound, resourceNotFound } from './graph-http.js';
import { IntervalIndex } from './interval-index.js';
import type {
  GraphAuthenticationMethod,
  GraphAuthenticationStrengthPolicy,
  GraphConditionalAccessPolicy,
  GraphFido2CombinationConfiguration,
  GraphFido2Configuration,
  GraphFido2Method,
  GraphPasskeyProfile,
  GraphTapMethod,
  SimDirectoryRole,
  SimGroup,
  SimTapPolicy,
  SimTeamsCatalogApp,
  SimUser,
  TenantFile,
} from './model.js';
import { ROLE_TEMPLATES } from './model.js';
import { Versioned } from './versioned.js';

/** A method the user no longer has, kept so sign-ins before its removal still see it. */
export interface RemovedMethod {
  method: GraphAuthenticationMethod;
  deletedMs: number;
}

/** One entry of the group change log that delta queries read. */
export interface GroupChange {
  seq: number;
  atMs: number;
  groupId: string;
  kind: 'memberAdded' | 'memberRemoved' | 'groupCreated';
  memberId?: string;
}

/**
 * Who made an authentication-method change: the user themselves (self-service, in My Security Info)
 * or an app calling Graph (an admin operation, e.g. the bot creating a TAP or deleting a passkey).
 */
export type MethodActor = 'user' | 'app';

/**
 * One authentication-method addition or removal made while the simulator runs. Methods from the
 * tenant file predate the log and have no `added` entry. The directory audit log is derived from it.
 */
export interface MethodChange {
  /** Order of the change within the run (ties at the same instant keep this order). */
  seq: number;
  atMs: number;
  userId: string;
  kind: 'added' | 'removed';
  actor: MethodActor;
  method: GraphAuthenticationMethod;
}

export interface Installation {
  installationId: string;
  teamsAppId: string;
  userId: string;
  installedMs: number;
}

export interface PasskeyRegistration {
  aaGuid: string;
  passkeyType: 'deviceBound' | 'synced';
  attestationLevel?: 'attested' | 'notAttested';
  displayName?: string;
  model?: string;
}

export const DEFAULT_PASSKEY_PROFILE_ID = '00000000-0000-0000-0000-000000000001';
export const MAX_PASSKEY_PROFILES = 10;
export const MAX_PASSKEY_POLICY_BYTES = 20 * 1024;

const CA_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const CA_BUILT_IN_CONTROLS = [
  'block',
  'mfa',
  'compliantDevice',
  'domainJoinedDevice',
  'approvedApplication',
  'compliantApplication',
  'passwordChange',
  'unknownFutureValue',
];
const SPECIAL_USERS = ['All', 'None', 'GuestsOrExternalUsers'];

const ROLE_NAMES: Record<string, string> = {
  [ROLE_TEMPLATES.globalAdministrator]: 'Global Administrator',
  [ROLE_TEMPLATES.securityAdministrator]: 'Security Administrator',
  [ROLE_TEMPLATES.conditionalAccessAdministrator]: 'Conditional Access Administrator',
  [ROLE_TEMPLATES.authenticationPolicyAdministrator]: 'Authentication Policy Administrator',
  [ROLE_TEMPLATES.authenticationAdministrator]: 'Authentication Administrator',
  [ROLE_TEMPLATES.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE_TEMPLATES.helpdeskAdministrator]: 'Helpdesk Administrator',
  [ROLE_TEMPLATES.globalReader]: 'Global Reader',
  [ROLE_TEMPLATES.userAdministrator]: 'User Administrator',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function msOf(iso: string | null | undefined): number {
  if (!iso) return -Infinity;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** Graph PATCH: objects merge property by property; arrays and scalars are replaced whole. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    if (k.includes('@odata.')) continue;
    const cur = target[k];
    if (isPlainObject(v) && isPlainObject(cur)) target[k] = mergePatch({ ...cur }, v);
    else target[k] = structuredClone(v);
  }
  return target;
}

/**
 * The live, in-memory tenant. Every change is timestamped with the caller's clock and kept with
 * its history (methods, memberships, policy versions), because sign-ins are computed for past
 * instants and delta queries replay the change log.
 */
/** One write to a Conditional Access policy, as `onPolicyWritten` reports it. */
export interface PolicyWrite {
  kind: 'create' | 'patch' | 'delete';
  id: string;
  /** The policy after the write (null once deleted). */
  policy: GraphConditionalAccessPolicy | null;
  at: number;
}

export class TenantState {
  readonly file: TenantFile;
  readonly generatedAtMs: number;
  readonly users = new Map<string, SimUser>();
  private readonly usersByUpn = new Map<string, string>();
  /** User ids sorted, for keyset paging. */
  readonly userIdsSorted: string[];
  private readonly removed = new Map<string, RemovedMethod[]>();
  readonly groups = new Map<string, SimGroup>();
  private groupIdsSortedCache: string[] | null = null;
  readonly roles = new Map<string, SimDirectoryRole>();
  readonly membership = new IntervalIndex();
  /** Containers are directory role object ids. */
  readonly roleMembership = new IntervalIndex();
  readonly strengths = new Map<string, Versioned<GraphAuthenticationStrengthPolicy>>();
  readonly policies = new Map<string, Versioned<GraphConditionalAccessPolicy>>();
  readonly fido2: Versioned<GraphFido2Configuration>;
  tapPolicy: SimTapPolicy;
  readonly catalog: SimTeamsCatalogApp[];
  /** userId → installations. */
  readonly installations = new Map<string, Installation[]>();
  readonly changes: GroupChange[] = [];
  private seq = 0;
  /** Bumped on any change to methods (for report caches). */
  methodsVersion = 0;
  /** Method additions and removals made during the run, sorted by (atMs, seq). */
  readonly methodChanges: MethodChange[] = [];
  private methodSeq = 0;

  constructor(
    file: TenantFile,
    private readonly ids: Random,
  ) {
    this.file = structuredClone(file);
    this.generatedAtMs = Date.parse(this.file.tenant.generatedAt);
    for (const u of this.file.users) {
      this.users.set(u.id, u);
      this.usersByUpn.set(u.userPrincipalName.toLowerCase(), u.id);
    }
    this.userIdsSorted = [...this.users.keys()].sort();
    for (const g of this.file.groups) {
      this.groups.set(g.id, g);
      this.membership.ensureContainer(g.id);
    }
    for (const g of this.file.groups) for (const m of g.members) this.membership.add(g.id, m, -Infinity);
    for (const r of this.file.directoryRoles) {
      this.roles.set(r.id, r);
      this.roleMembership.ensureContainer(r.id);
      for (const m of r.members) this.roleMembership.add(r.id, m, -Infinity);
    }
    for (const s of this.file.authenticationStrengthPolicies) {
      if (!BUILT_IN_STRENGTH_IDS.has(s.id)) this.strengths.set(s.id, new Versioned(s, -Infinity));
    }
    for (const p of this.file.conditionalAccessPolicies) this.policies.set(p.id, new Versioned(p, -Infinity));
    this.fido2 = new Versioned(this.file.fido2Configuration, -Infinity);
    this.tapPolicy = this.file.temporaryAccessPassPolicy;
    this.catalog = this.file.teamsAppCatalog;
    for (const app of this.catalog) {
      for (const inst of app.installedFor) {
        this.addInstallation({ installationId: inst.installationId, teamsAppId: app.id, userId: inst.userId, installedMs: -Infinity });
      }
    }
  }

  get tenantId(): string {
    return this.file.tenant.id;
  }
  get domain(): string {
    return this.file.tenant.domain;
  }

  newId(): string {
    return this.ids.uuid();
  }

  // ---- users ----------------------------------------------------------------------------------

  /** By object id or UPN (case-insensitive), as `/users/{id | userPrincipalName}` accepts. */
  findUser(idOrUpn: string): SimUser | undefined {
    return this.users.get(idOrUpn) ?? this.users.get(this.usersByUpn.get(idOrUpn.toLowerCase()) ?? '');
  }

  requireUser(idOrUpn: string): SimUser {
    const u = this.findUser(idOrUpn);
    if (!u) throw resourceNotFound(idOrUpn);
    return u;
  }

  removedMethods(userId: string): readonly RemovedMethod[] {
    return this.removed.get(userId) ?? [];
  }

  /** The methods the user had at `t` (created at or before it, not yet removed). */
  methodsAt(user: SimUser, t: number): GraphAuthenticationMethod[] {
    const out: GraphAuthenticationMethod[] = [];
    for (const m of user.authenticationMethods) if (createdMs(m) <= t) out.push(m);
    for (const r of this.removedMethods(user.id)) if (createdMs(r.method) <= t && t < r.deletedMs) out.push(r.method);
    return out;
  }

  addMethod(user: SimUser, method: GraphAuthenticationMethod, now: Date, actor: MethodActor = 'user'): void {
    user.authenticationMethods.push(method);
    user.registrationLastUpdated = now.toISOString();
    this.methodsVersion++;
    this.logMethodChange({ atMs: now.getTime(), userId: user.id, kind: 'added', actor, method });
  }

  /** Removes a current method (tombstoned with its removal time); `actor` defaults to the user. */
  removeMethod(
    user: SimUser,
    methodId: string,
    now: Date,
    type?: GraphAuthenticationMethod['@odata.type'],
    actor: MethodActor = 'user',
  ): GraphAuthenticationMethod {
    const idx = user.authenticationMethods.findIndex((m) => m.id === methodId && (!type || m['@odata.type'] === type));
    if (idx === -1) throw resourceNotFound(methodId);
    const [method] = user.authenticationMethods.splice(idx, 1);
    let list = this.removed.get(user.id);
    if (!list) this.removed.set(user.id, (list = []));
    list.push({ method: method!, deletedMs: now.getTime() });
    user.registrationLastUpdated = now.toISOString();
    this.methodsVersion++;
    this.logMethodChange({ atMs: now.getTime(), userId: user.id, kind: 'removed', actor, method: method! });
    return method!;
  }

  /** Appends to the method change log, keeping it sorted by time even if the clock stepped back. */
  private logMethodChange(c: Omit<MethodChange, 'seq'>): void {
    const change: MethodChange = { ...c, seq: ++this.methodSeq };
    const log = this.methodChanges;
    let i = log.length;
    while (i > 0 && log[i - 1]!.atMs > change.atMs) i--;
    log.splice(i, 0, change);
  }

  /** The highest change sequence number so far (0 when nothing changed). */
  methodChangeSeq(): number {
    return this.methodSeq;
  }

  registerPasskey(userIdOrUpn: string, p: PasskeyRegistration, now: Date, actor: MethodActor = 'user'): GraphFido2Method {
    const user = this.requireUser(userIdOrUpn);
    if (p.passkeyType !== 'deviceBound' && p.passkeyType !== 'synced') throw badRequest(`Invalid passkeyType '${String(p.passkeyType)}'.`);
    if (!GUID.test(p.aaGuid)) throw badRequest(`Invalid aaGuid '${p.aaGuid}'.`);
    const attestationLevel = p.attestationLevel ?? (p.passkeyType === 'deviceBound' ? 'attested' : 'notAttested');
    const method: GraphFido2Method = {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
      id: Buffer.from(this.newId().replace(/-/g, ''), 'hex').toString('base64url') + '2',
      displayName: p.displayName ?? (p.passkeyType === 'synced' ? 'Passkey' : 'Security key'),
      createdDateTime: now.toISOString(),
      lastUsedDateTime: null,
      aaGuid: p.aaGuid.toLowerCase(),
      model: p.model ?? (p.passkeyType === 'synced' ? 'Synced passkey' : 'FIDO2 security key'),
      attestationCertificates: attestationLevel === 'attested' ? [this.newId().replace(/-/g, '').slice(0, 40).padEnd(40, '0')] : [],
      attestationLevel,
      passkeyType: p.passkeyType,
    };
    this.addMethod(user, method, now, actor);
    return method;
  }

  /**
   * Creates a Temporary Access Pass under the tenant's TAP policy; returns the method with its code.
   * Passes are created through Graph by an app, so the change is logged as an admin (`app`) one.
   */
  createTap(user: SimUser, body: unknown, now: Date, actor: MethodActor = 'app'): GraphTapMethod {
    const b = (isPlainObject(body) ? body : {}) as Record<string, unknown>;
    const policy = this.tapPolicy;
    if (policy.state !== 'enabled') {
      throw forbidden('Temporary Access Pass is not enabled for this user by the authentication methods policy.', 'accessDenied');
    }
    if (!user.accountEnabled) throw badRequest('The user account is disabled.', 'badRequest');
    const lifetime = b.lifetimeInMinutes === undefined ? policy.defaultLifetimeInMinutes : b.lifetimeInMinutes;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
      throw badRequest(
        `Invalid LifetimeInMinutes specified. The valid range between ${policy.minimumLifetimeInMinutes} and ${policy.maximumLifetimeInMinutes}.`,
        'badRequest',
      );
    }
    let isUsableOnce = policy.isUsableOnce;
    if (b.isUsableOnce !== undefined) {
      if (typeof b.isUsableOnce !== 'boolean') throw badRequest('Invalid value for isUsableOnce.', 'badRequest');
      if (policy.isUsableOnce && b.isUsableOnce === false) {
        throw badRequest('The Temporary Access Pass policy only allows one-time use passes.', 'badRequest');
      }
      isUsableOnce = b.isUsableOnce;
    }
    let startMs = now.getTime();
    if (b.startDateTime !== undefined && b.startDateTime !== null) {
      const s = typeof b.startDateTime === 'string' ? Date.parse(b.startDateTime) : NaN;
      if (Number.isNaN(s)) throw badRequest('Invalid startDateTime.', 'badRequest');
      startMs = Math.max(s, now.getTime());
    }
    for (const old of user.authenticationMethods.filter((m) => m['@odata.type'] === '#microsoft.graph.temporaryAccessPassAuthenticationMethod')) {
      this.removeMethod(user, old.id, now, undefined, actor);
    }
    const code = this.tapCode(policy.defaultLength);
    this.issuedTaps.push(code);
    const method: GraphTapMethod = {
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      id: this.newId(),
      temporaryAccessPass: code,
      createdDateTime: now.toISOString(),
      startDateTime: new Date(startMs).toISOString(),
      lifetimeInMinutes: lifetime,
      isUsableOnce,
      isUsable: false,
      methodUsabilityReason: 'NotYetValid',
    };
    Object.assign(method, tapUsability(method, now.getTime()));
    this.addMethod(user, method, now, actor);
    return method;
  }

  /** Every Temporary Access Pass code this tenant has issued (tests scan logs for them). */
  issuedTapCodes(): readonly string[] {
    return this.issuedTaps;
  }

  private readonly issuedTaps: string[] = [];

  private tapCode(length: number): string {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789+!#$%&@';
    let s = '';
    const n = Math.max(8, Math.min(48, length || 8));
    const hex = Array.from({ length: Math.ceil(n / 16) + 1 }, () => this.newId().replace(/-/g, '')).join('');
    for (let i = 0; i < n; i++) s += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
    return s;
  }

  // ---- groups ---------------------------------------------------------------------------------

  groupIdsSorted(): string[] {
    if (!this.groupIdsSortedCache) this.groupIdsSortedCache = [...this.groups.keys()].sort();
    return this.groupIdsSortedCache;
  }

  requireGroup(id: string): SimGroup {
    const g = this.groups.get(id);
    if (!g) throw resourceNotFound(id);
    return g;
  }

  /** A directory object the tenant knows (user or group), for `$ref` and membership writes. */
  objectKind(id: string): 'user' | 'group' | undefined {
    if (this.users.has(id)) return 'user';
    if (this.groups.has(id)) return 'group';
    return undefined;
  }

  private log(change: Omit<GroupChange, 'seq'>): void {
    this.changes.push({ ...change, seq: ++this.seq });
  }

  currentSeq(): number {
    return this.seq;
  }

  addGroupMember(groupId: string, memberId: string, now: Date): void {
    const g = this.requireGroup(groupId);
    if (!this.objectKind(memberId)) throw resourceNotFound(memberId);
    if (g.groupTypes.includes('DynamicMembership')) {
      throw badRequest('Insufficient privileges to complete the operation. Members of a dynamic group cannot be changed.', 'Request_BadRequest');
    }
    if (memberId === groupId) throw badRequest('A group cannot be a member of itself.', 'Request_BadRequest');
    if (this.membership.has(groupId, memberId)) {
      throw badRequest("One or more added object references already exist for the following modified properties: 'members'.", 'Request_BadRequest');
    }
    if (this.objectKind(memberId) === 'group' && this.isTransitiveMemberOf(groupId, memberId)) {
      throw badRequest('Adding this group would create a membership cycle.', 'Request_BadRequest');
    }
    this.membership.add(groupId, memberId, now.getTime());
    this.log({ atMs: now.getTime(), groupId, kind: 'memberAdded', memberId });
  }

  removeGroupMember(groupId: string, memberId: string, now: Date): void {
    this.requireGroup(groupId);
    if (!this.membership.remove(groupId, memberId, now.getTime())) throw resourceNotFound(memberId);
    this.log({ atMs: now.getTime(), groupId, kind: 'memberRemoved', memberId });
  }

  createGroup(body: unknown, now: Date): SimGroup {
    if (!isPlainObject(body)) throw badRequest('A request body is required.', 'Request_BadRequest');
    const b = body;
    for (const k of ['displayName', 'mailNickname']) {
      if (typeof b[k] !== 'string' || !(b[k] as string).trim()) {
        throw badRequest(`Invalid value specified for property '${k}' of resource 'Group'.`, 'Request_BadRequest');
      }
    }
    for (const k of ['mailEnabled', 'securityEnabled']) {
      if (typeof b[k] !== 'boolean') throw badRequest(`Invalid value specified for property '${k}' of resource 'Group'.`, 'Request_BadRequest');
    }
    const groupTypes = Array.isArray(b.groupTypes) ? (b.groupTypes as string[]) : [];
    if (b.mailEnabled === true && !groupTypes.includes('Unified')) {
      throw badRequest('Creating mail-enabled security groups is not supported through Microsoft Graph.', 'Request_BadRequest');
    }
    const memberIds: string[] = [];
    const binds = b['members@odata.bind'];
    if (binds !== undefined) {
      if (!Array.isArray(binds)) throw badRequest("Invalid value for 'members@odata.bind'.", 'Request_BadRequest');
      for (const ref of binds) {
        const id = idFromReference(String(ref));
        if (!id || !this.objectKind(id)) throw resourceNotFound(id ?? String(ref));
        memberIds.push(id);
      }
    }
    const owners: string[] = [];
    const ownerBinds = b['owners@odata.bind'];
    if (Array.isArray(ownerBinds)) {
      for (const ref of ownerBinds) {
        const id = idFromReference(String(ref));
        if (!id || !this.users.has(id)) throw resourceNotFound(id ?? String(ref));
        owners.push(id);
      }
    }
    const group: SimGroup = {
      id: this.newId(),
      displayName: (b.displayName as string).trim(),
      description: typeof b.description === 'string' ? b.description : null,
      mailNickname: b.mailNickname as string,
      mailEnabled: b.mailEnabled as boolean,
      securityEnabled: b.securityEnabled as boolean,
      groupTypes,
      membershipRule: null,
      isAssignableToRole: b.isAssignableToRole === true,
      members: [],
      owners,
    };
    this.groups.set(group.id, group);
    this.groupIdsSortedCache = null;
    this.membership.ensureContainer(group.id);
    this.createdAt.set(group.id, now.toISOString());
    this.log({ atMs: now.getTime(), groupId: group.id, kind: 'groupCreated' });
    for (const m of memberIds) {
      this.membership.add(group.id, m, now.getTime());
      this.log({ atMs: now.getTime(), groupId: group.id, kind: 'memberAdded', memberId: m });
    }
    return group;
  }

  /** Creation times of groups made during the run (file groups use the tenant's generatedAt). */
  readonly createdAt = new Map<string, string>();

  /** Is `memberId` (user or group) inside `groupId`, directly or through nesting, now? */
  isTransitiveMemberOf(memberId: string, groupId: string): boolean {
    return this.transitiveGroupsOf(memberId).has(groupId);
  }

  /** Every group `memberId` belongs to now, directly or through nesting. */
  transitiveGroupsOf(memberId: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...this.membership.parents(memberId)];
    while (stack.length) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      for (const p of this.membership.parents(g)) if (!seen.has(p)) stack.push(p);
    }
    return seen;
  }

  /** Every group `memberId` belonged to at `t`. */
  transitiveGroupsAt(memberId: string, t: number): Set<string> {
    const seen = new Set<string>();
    const stack = this.membership.parentsAt(memberId, t);
    while (stack.length) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      for (const p of this.membership.parentsAt(g, t)) if (!seen.has(p)) stack.push(p);
    }
    return seen;
  }

  private flatCache = new Map<string, { version: number; ids: string[] }>();

  /** Every user and group under `groupId` (nesting flattened, no duplicates), sorted by id. */
  transitiveMemberIds(groupId: string): string[] {
    const cached = this.flatCache.get(groupId);
    if (cached && cached.version === this.membership.version) return cached.ids;
    const seen = new Set<string>();
    const stack = [...this.membership.members(groupId)];
    while (stack.length) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      if (this.groups.has(m)) for (const c of this.membership.members(m)) if (!seen.has(c)) stack.push(c);
    }
    seen.delete(groupId);
    const ids = [...seen].sort();
    if (this.flatCache.size > 1000) this.flatCache.clear();
    this.flatCache.set(groupId, { version: this.membership.version, ids });
    return ids;
  }

  // ---- directory roles ------------------------------------------------------------------------

  findRoleByTemplate(templateId: string): SimDirectoryRole | undefined {
    for (const r of this.roles.values()) if (r.roleTemplateId === templateId) return r;
    return undefined;
  }

  /** Role template ids the user holds now (directly or through a role-assignable group). */
  roleTemplatesOf(userId: string): string[] {
    const holders = new Set([userId, ...this.transitiveGroupsOf(userId)]);
    const out: string[] = [];
    for (const r of this.roles.values()) {
      for (const m of this.roleMembership.members(r.id)) {
        if (holders.has(m)) {
          out.push(r.roleTemplateId);
          break;
        }
      }
    }
    return out;
  }

  /** Role template ids the user held at `t`, given the groups they were in then. */
  roleTemplatesAt(userId: string, groupsAtT: Set<string>, t: number): string[] {
    const out: string[] = [];
    for (const r of this.roles.values()) {
      if (this.roleMembership.hasAt(r.id, userId, t)) {
        out.push(r.roleTemplateId);
        continue;
      }
      for (const g of groupsAtT) {
        if (this.roleMembership.hasAt(r.id, g, t)) {
          out.push(r.roleTemplateId);
          break;
        }
      }
    }
    return out;
  }

  /** Sets the user's direct role assignments to exactly these templates (activating roles as needed). */
  setDirectoryRoles(userIdOrUpn: string, roleTemplateIds: string[], now: Date): void {
    const user = this.requireUser(userIdOrUpn);
    const wanted = new Set(roleTemplateIds);
    for (const t of wanted) {
      if (!GUID.test(t)) throw badRequest(`Invalid role template id '${t}'.`);
      if (!this.findRoleByTemplate(t)) {
        const role: SimDirectoryRole = { id: this.newId(), roleTemplateId: t, displayName: ROLE_NAMES[t] ?? 'Directory role', members: [] };
        this.roles.set(role.id, role);
        this.roleMembership.ensureContainer(role.id);
      }
    }
    for (const r of this.roles.values()) {
      const has = this.roleMembership.has(r.id, user.id);
      if (wanted.has(r.roleTemplateId) && !has) this.roleMembership.add(r.id, user.id, now.getTime());
      if (!wanted.has(r.roleTemplateId) && has) this.roleMembership.remove(r.id, user.id, now.getTime());
    }
  }

  // ---- authentication strengths ---------------------------------------------------------------

  strengthAt(id: string, t: number): GraphAuthenticationStrengthPolicy | null {
    const builtIn = BUILT_IN_STRENGTH_POLICIES.find((p) => p.id === id);
    if (builtIn) return builtIn;
    return this.strengths.get(id)?.at(t) ?? null;
  }

  currentStrength(id: string): GraphAuthenticationStrengthPolicy | null {
    return this.strengthAt(id, Infinity);
  }

  allStrengths(): GraphAuthenticationStrengthPolicy[] {
    const custom = [...this.strengths.values()].map((v) => v.current()).filter((v): v is GraphAuthenticationStrengthPolicy => v !== null);
    return [...BUILT_IN_STRENGTH_POLICIES, ...custom];
  }

  createStrength(body: unknown, now: Date): GraphAuthenticationStrengthPolicy {
    if (!isPlainObject(body)) throw badRequest('A request body is required.');
    const displayName = body.displayName;
    if (typeof displayName !== 'string' || !displayName.trim()) throw badRequest("The property 'displayName' is required.");
    if (this.allStrengths().some((s) => s.displayName.toLowerCase() === displayName.trim().toLowerCase())) {
      throw badRequest(`An authentication strength policy with the display name '${displayName}' already exists.`);
    }
    const allowed = validateCombinations(body.allowedCombinations);
    const configs = body.combinationConfigurations === undefined ? [] : body.combinationConfigurations;
    if (!Array.isArray(configs)) throw badRequest("The property 'combinationConfigurations' must be a collection.");
    const iso = now.toISOString();
    const policy: GraphAuthenticationStrengthPolicy = {
      id: this.newId(),
      createdDateTime: iso,
      modifiedDateTime: iso,
      displayName: displayName.trim(),
      description: typeof body.description === 'string' ? body.description : null,
      policyType: 'custom',
      requirementsSatisfied: 'mfa',
      allowedCombinations: allowed,
      combinationConfigurations: configs.map((c) => this.validateCombinationConfig(c, allowed)),
    };
    this.strengths.set(policy.id, new Versioned<GraphAuthenticationStrengthPolicy>(null, -Infinity));
    this.strengths.get(policy.id)!.set(policy, now.getTime());
    return policy;
  }

  private requireCustomStrength(id: string): { v: Versioned<GraphAuthenticationStrengthPolicy>; cur: GraphAuthenticationStrengthPolicy } {
    if (BUILT_IN_STRENGTH_IDS.has(id)) throw badRequest('Built-in authentication strength policies cannot be modified.', 'badRequest');
    const v = this.strengths.get(id);
    const cur = v?.current();
    if (!v || !cur) throw notFound(`Authentication strength policy '${id}' was not found.`, 'itemNotFound');
    return { v, cur };
  }

  patchStrength(id: string, body: unknown, now: Date): GraphAuthenticationStrengthPolicy {
    const { v, cur } = this.requireCustomStrength(id);
    if (!isPlainObject(body)) throw badRequest('A request body is required.');
    const next = structuredClone(cur);
    for (const [k, val] of Object.entries(body)) {
      if (k.includes('@odata.')) continue;
      if (k === 'displayName') {
        if (typeof val !== 'string' || !val.trim()) throw badRequest("Invalid value for 'displayName'.");
        if (this.allStrengths().some((s) => s.id !== id && s.displayName.toLowerCase() === val.trim().toLowerCase())) {
          throw badRequest(`An authentication strength policy with the display name '${val}' already exists.`);
        }
        next.displayName = val.trim();
      } else if (k === 'description') {
        next.description = typeof val === 'string' ? val : null;
      } else if (k === 'createdDateTime' || k === 'modifiedDateTime') {
        continue;
      } else if (JSON.stringify(val) === JSON.stringify((cur as unknown as Record<string, unknown>)[k])) {
        // A read-modify-write may send read-only properties back unchanged.
        continue;
      } else if (k === 'allowedCombinations') {
        throw badRequest("Use the updateAllowedCombinations action to change 'allowedCombinations'.");
      } else {
        throw badRequest(`Property '${k}' cannot be updated.`);
      }
    }
    next.modifiedDateTime = now.toISOString();
    v.set(next, now.getTime());
    return next;
  }

  updateAllowedCombinations(id: string, body: unknown, now: Date): GraphAuthenticationStrengthPolicy {
    const { v, cur } = this.requireCustomStrength(id);
    const next = structuredClone(cur);
    next.allowedCombinations = validateCombinations(isPlainObject(body) ? body.allowedCombinations : undefined);
    next.modifiedDateTime = now.toISOString();
    v.set(next, now.getTime());
    return next;
  }

  deleteStrength(id: string, now: Date): void {
    const { v } = this.requireCustomStrength(id);
    const inUse = this.currentPolicies().some((p) => p.grantControls?.authenticationStrength?.id === id);
    if (inUse) throw badRequest('The authentication strength policy is referenced by one or more Conditional Access policies and cannot be deleted.');
    v.set(null, now.getTime());
  }

  private validateCombinationConfig(c: unknown, allowed: string[]): GraphFido2CombinationConfiguration {
    if (!isPlainObject(c)) throw badRequest('Invalid combination configuration.');
    if (c['@odata.type'] !== '#microsoft.graph.fido2CombinationConfiguration') {
      throw badRequest("Only '#microsoft.graph.fido2CombinationConfiguration' combination configurations are supported here.");
    }
    const applies = c.appliesToCombinations;
    if (!Array.isArray(applies) || applies.length !== 1 || applies[0] !== 'fido2') {
      throw badRequest("A fido2 combination configuration must apply to exactly ['fido2'].");
    }
    if (!allowed.includes('fido2')) throw badRequest("The policy's allowed combinations do not include 'fido2'.");
    const aaguids = c.allowedAAGUIDs;
    if (!Array.isArray(aaguids) || aaguids.some((g) => typeof g !== 'string' || !GUID.test(g))) {
      throw badRequest("The property 'allowedAAGUIDs' must be a collection of GUIDs.");
    }
    return {
      '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
      id: this.newId(),
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: (aaguids as string[]).map((g) => g.toLowerCase()),
    };
  }

  addCombinationConfiguration(strengthId: string, body: unknown, now: Date): GraphFido2CombinationConfiguration {
    const { v, cur } = this.requireCustomStrength(strengthId);
    if (cur.combinationConfigurations.some((c) => c.appliesToCombinations.includes('fido2'))) {
      throw badRequest("A combination configuration for 'fido2' already exists on this policy.");
    }
    const cfg = this.validateCombinationConfig(body, cur.allowedCombinations);
    const next = structuredClone(cur);
    next.combinationConfigurations.push(cfg);
    next.modifiedDateTime = now.toISOString();
    v.set(next, now.getTime());
    return cfg;
  }

  patchCombinationConfiguration(strengthId: string, configId: string, body: unknown, now: Date): void {
    const { v, cur } = this.requireCustomStrength(strengthId);
    const next = structuredClone(cur);
    const cfg = next.combinationConfigurations.find((c) => c.id === configId);
    if (!cfg) throw notFound(`Combination configuration '${configId}' was not found.`, 'itemNotFound');
    if (!isPlainObject(body)) throw badRequest('A request body is required.');
    if (body.allowedAAGUIDs !== undefined) {
      const a = body.allowedAAGUIDs;
      if (!Array.isArray(a) || a.some((g) => typeof g !== 'string' || !GUID.test(g))) {
        throw badRequest("The property 'allowedAAGUIDs' must be a collection of GUIDs.");
      }
      cfg.allowedAAGUIDs = (a as string[]).map((g) => g.toLowerCase());
    }
    next.modifiedDateTime = now.toISOString();
    v.set(next, now.getTime());
  }

  deleteCombinationConfiguration(strengthId: string, configId: string, now: Date): void {
    const { v, cur } = this.requireCustomStrength(strengthId);
    const next = structuredClone(cur);
    const before = next.combinationConfigurations.length;
    next.combinationConfigurations = next.combinationConfigurations.filter((c) => c.id !== configId);
    if (next.combinationConfigurations.length === before) throw notFound(`Combination configuration '${configId}' was not found.`, 'itemNotFound');
    next.modifiedDateTime = now.toISOString();
    v.set(next, now.getTime());
  }

  // ---- conditional access ---------------------------------------------------------------------

  currentPolicies(): GraphConditionalAccessPolicy[] {
    const out: GraphConditionalAccessPolicy[] = [];
    for (const v of this.policies.values()) {
      const p = v.current();
      if (p) out.push(p);
    }
    return out;
  }

  requirePolicy(id: string): { v: Versioned<GraphConditionalAccessPolicy>; cur: GraphConditionalAccessPolicy } {
    const v = this.policies.get(id);
    const cur = v?.current();
    if (!v || !cur) throw notFound(`Could not find the conditional access policy with id '${id}'.`, 'ResourceNotFound');
    return { v, cur };
  }

  private readonly policyListeners = new Set<(e: PolicyWrite) => void>();

  /**
   * Called synchronously after every Conditional Access policy write (create, PATCH, delete), from
   * Graph or from the test, with the policy as written: tests check invariants after each write.
   */
  onPolicyWritten(fn: (e: PolicyWrite) => void): () => void {
    this.policyListeners.add(fn);
    return () => void this.policyListeners.delete(fn);
  }

  private policyWritten(e: PolicyWrite): void {
    for (const fn of this.policyListeners) fn(e);
  }

  createPolicy(body: unknown, now: Date): GraphConditionalAccessPolicy {
    if (!isPlainObject(body)) throw badRequest('A request body is required.');
    const draft = mergePatch({}, body) as Record<string, unknown>;
    delete draft.id;
    const policy = this.normalizePolicy({
      ...draft,
      id: this.newId(),
      createdDateTime: now.toISOString(),
      modifiedDateTime: null,
    });
    const v = new Versioned<GraphConditionalAccessPolicy>(null, -Infinity);
    v.set(policy, now.getTime());
    this.policies.set(policy.id, v);
    this.policyWritten({ kind: 'create', id: policy.id, policy: structuredClone(policy), at: now.getTime() });
    return policy;
  }

  patchPolicy(id: string, patch: unknown, now: Date): GraphConditionalAccessPolicy {
    const { v, cur } = this.requirePolicy(id);
    if (!isPlainObject(patch)) throw badRequest('A request body is required.');
    if (patch.id !== undefined && patch.id !== id) throw badRequest("The property 'id' cannot be changed.");
    const p = { ...patch };
    delete p.createdDateTime;
    delete p.modifiedDateTime;
    const merged = mergePatch(structuredClone(cur) as unknown as Record<string, unknown>, p);
    const next = this.normalizePolicy({ ...merged, id, createdDateTime: cur.createdDateTime, modifiedDateTime: now.toISOString() });
    v.set(next, now.getTime());
    this.policyWritten({ kind: 'patch', id, policy: structuredClone(next), at: now.getTime() });
    return next;
  }

  deletePolicy(id: string, now: Date): void {
    const { v } = this.requirePolicy(id);
    v.set(null, now.getTime());
    this.policyWritten({ kind: 'delete', id, policy: null, at: now.getTime() });
  }

  policyAt(id: string, t: number): GraphConditionalAccessPolicy | null {
    return this.policies.get(id)?.at(t) ?? null;
  }

  /** Checks a whole policy and fills the arrays Graph always returns. */
  private normalizePolicy(raw: Record<string, unknown>): GraphConditionalAccessPolicy {
    const displayName = raw.displayName;
    if (typeof displayName !== 'string' || !displayName.trim()) throw badRequest("The property 'displayName' is required.", 'BadRequest');
    if (typeof raw.state !== 'string' || !CA_STATES.includes(raw.state)) {
      throw badRequest(`Invalid value '${String(raw.state)}' for property 'state'. Expected one of: ${CA_STATES.join(', ')}.`, 'BadRequest');
    }
    const conditions = raw.conditions;
    if (!isPlainObject(conditions)) throw badRequest("The property 'conditions' is required.", 'BadRequest');
    const users = conditions.users;
    if (!isPlainObject(users)) throw badRequest("The property 'conditions.users' is required.", 'BadRequest');
    const apps = conditions.applications;
    if (!isPlainObject(apps)) throw badRequest("The property 'conditions.applications' is required.", 'BadRequest');
    const arr = (o: Record<string, unknown>, k: string, where: string): string[] => {
      const v = o[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`The property '${where}.${k}' must be a collection of strings.`, 'BadRequest');
      return v as string[];
    };
    const u = {
      ...users,
      includeUsers: arr(users, 'includeUsers', 'conditions.users'),
      excludeUsers: arr(users, 'excludeUsers', 'conditions.users'),
      includeGroups: arr(users, 'includeGroups', 'conditions.users'),
      excludeGroups: arr(users, 'excludeGroups', 'conditions.users'),
      includeRoles: arr(users, 'includeRoles', 'conditions.users'),
      excludeRoles: arr(users, 'excludeRoles', 'conditions.users'),
    };
    if (!u.includeUsers.length && !u.includeGroups.length && !u.includeRoles.length && !isPlainObject(users.includeGuestsOrExternalUsers)) {
      throw badRequest('Conditional Access policy must include users, groups or roles.', 'BadRequest');
    }
    for (const id of [...u.includeUsers, ...u.excludeUsers]) {
      if (!SPECIAL_USERS.includes(id) && !this.users.has(id)) throw badRequest(`Invalid user id '${id}' in conditions.users.`, 'BadRequest');
    }
    for (const id of [...u.includeGroups, ...u.excludeGroups]) {
      if (!this.groups.has(id)) throw badRequest(`Invalid group id '${id}' in conditions.users.`, 'BadRequest');
    }
    for (const id of [...u.includeRoles, ...u.excludeRoles]) {
      if (!GUID.test(id)) throw badRequest(`Invalid role template id '${id}' in conditions.users.`, 'BadRequest');
    }
    const a = {
      ...apps,
      includeApplications: arr(apps, 'includeApplications', 'conditions.applications'),
      excludeApplications: arr(apps, 'excludeApplications', 'conditions.applications'),
    };
    const clientAppTypes = arr(conditions, 'clientAppTypes', 'conditions');
    let grant: GraphConditionalAccessPolicy['grantControls'] = null;
    const g = raw.grantControls;
    if (g !== undefined && g !== null) {
      if (!isPlainObject(g)) throw badRequest("Invalid value for 'grantControls'.", 'BadRequest');
      const operator = g.operator ?? 'OR';
      if (operator !== 'AND' && operator !== 'OR') throw badRequest(`Invalid value '${String(operator)}' for 'grantControls.operator'.`, 'BadRequest');
      const builtIn = arr(g, 'builtInControls', 'grantControls');
      for (const c of builtIn) if (!CA_BUILT_IN_CONTROLS.includes(c)) throw badRequest(`Invalid built-in control '${c}'.`, 'BadRequest');
      let strength: { id: string } | null = null;
      const s = g.authenticationStrength;
      if (s !== undefined && s !== null) {
        if (!isPlainObject(s) || typeof s.id !== 'string') throw badRequest("Invalid value for 'grantControls.authenticationStrength'.", 'BadRequest');
        if (!this.currentStrength(s.id)) throw badRequest(`The authentication strength policy '${s.id}' does not exist.`, 'BadRequest');
        strength = { id: s.id };
      }
      if (strength && builtIn.includes('mfa')) {
        throw badRequest("'mfa' and an authentication strength cannot be required together.", 'BadRequest');
      }
      grant = {
        operator,
        builtInControls: builtIn,
        customAuthenticationFactors: arr(g, 'customAuthenticationFactors', 'grantControls'),
        termsOfUse: arr(g, 'termsOfUse', 'grantControls'),
        authenticationStrength: strength,
      };
      if (!builtIn.length && !strength && !grant.customAuthenticationFactors.length && !grant.termsOfUse.length) {
        throw badRequest('Grant controls must require at least one control.', 'BadRequest');
      }
    }
    const session = raw.sessionControls ?? null;
    if (!grant && !session) throw badRequest('A Conditional Access policy needs grant controls or session controls.', 'BadRequest');
    return {
      ...(raw as object),
      id: raw.id as string,
      displayName: displayName.trim(),
      state: raw.state as GraphConditionalAccessPolicy['state'],
      createdDateTime: raw.createdDateTime as string,
      modifiedDateTime: (raw.modifiedDateTime as string | null) ?? null,
      conditions: { ...conditions, clientAppTypes, applications: a, users: u },
      grantControls: grant,
      sessionControls: session,
    } as GraphConditionalAccessPolicy;
  }

  // ---- passkey (FIDO2) policy -----------------------------------------------------------------

  patchFido2(body: unknown, now: Date): GraphFido2Configuration {
    if (!isPlainObject(body)) throw badRequest('A request body is required.');
    if (body['@odata.type'] !== '#microsoft.graph.fido2AuthenticationMethodConfiguration') {
      throw badRequest("The request body must carry '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration'.", 'badRequest');
    }
    if (body.id !== undefined && String(body.id).toLowerCase() !== 'fido2') throw badRequest("The property 'id' cannot be changed.", 'badRequest');
    const cur = this.fido2.current()!;
    const next = mergePatch(structuredClone(cur) as unknown as Record<string, unknown>, body) as unknown as GraphFido2Configuration;
    next['@odata.type'] = '#microsoft.graph.fido2AuthenticationMethodConfiguration';
    next.id = 'Fido2';
    this.validateFido2(next, cur);
    this.fido2.set(next, now.getTime());
    return next;
  }

  private validateFido2(next: GraphFido2Configuration, cur: GraphFido2Configuration): void {
    const fail = (m: string) => {
      throw badRequest(m, 'badRequest');
    };
    if (next.state !== 'enabled' && next.state !== 'disabled') fail(`Invalid value '${String(next.state)}' for 'state'.`);
    if (!Array.isArray(next.passkeyProfiles)) next.passkeyProfiles = [];
    if (!Array.isArray(next.includeTargets)) fail("'includeTargets' must be a collection.");
    if (!Array.isArray(next.excludeTargets)) fail("'excludeTargets' must be a collection.");
    const profiles = next.passkeyProfiles;
    if (profiles.length > MAX_PASSKEY_PROFILES) {
      fail(`A passkey policy can have at most ${MAX_PASSKEY_PROFILES} passkey profiles; ${profiles.length} were sent.`);
    }
    const ids = new Set<string>();
    for (const p of profiles as Partial<GraphPasskeyProfile>[]) {
      if (!p || typeof p !== 'object') fail('Invalid passkey profile.');
      if (!p.id) p.id = this.newId();
      if (ids.has(p.id)) fail(`Duplicate passkey profile id '${p.id}'.`);
      ids.add(p.id);
      if (typeof p.name !== 'string' || !p.name.trim()) fail(`Passkey profile '${p.id}' needs a name.`);
      const types = typeof p.passkeyTypes === 'string' ? p.passkeyTypes.split(',').map((s) => s.trim()).filter(Boolean) : [];
      if (!types.length || types.some((t) => t !== 'deviceBound' && t !== 'synced')) {
        fail(`Passkey profile '${p.name}': 'passkeyTypes' must be 'deviceBound', 'synced' or 'deviceBound,synced'.`);
      }
      p.passkeyTypes = types.join(',');
      if (p.attestationEnforcement !== 'disabled' && p.attestationEnforcement !== 'registrationOnly') {
        fail(`Passkey profile '${p.name}': invalid 'attestationEnforcement' '${String(p.attestationEnforcement)}'.`);
      }
      if (p.attestationEnforcement === 'registrationOnly' && !types.includes('deviceBound')) {
        fail(`Passkey profile '${p.name}': attestation cannot be enforced when only synced passkeys are allowed (synced passkeys do not support attestation).`);
      }
      const kr = p.keyRestrictions ?? { isEnforced: false, enforcementType: 'allow', aaGuids: [] };
      if (kr.enforcementType !== 'allow' && kr.enforcementType !== 'block') fail(`Passkey profile '${p.name}': invalid 'enforcementType'.`);
      if (!Array.isArray(kr.aaGuids) || kr.aaGuids.some((g) => !GUID.test(g))) fail(`Passkey profile '${p.name}': 'aaGuids' must be GUIDs.`);
      p.keyRestrictions = { isEnforced: kr.isEnforced === true, enforcementType: kr.enforcementType, aaGuids: kr.aaGuids.map((g) => g.toLowerCase()) };
    }
    if (profiles.length) {
      if (!next.defaultPasskeyProfile) {
        next.defaultPasskeyProfile = ids.has(DEFAULT_PASSKEY_PROFILE_ID) ? DEFAULT_PASSKEY_PROFILE_ID : profiles[0]!.id;
      }
      if (!ids.has(next.defaultPasskeyProfile)) {
        fail(`The default passkey profile '${next.defaultPasskeyProfile}' cannot be removed.`);
      }
    } else if (cur.passkeyProfiles.length) {
      fail('Passkey profiles cannot all be removed; the default passkey profile must remain.');
    }
    for (const t of next.includeTargets) {
      if (!t || typeof t.id !== 'string') fail('Invalid include target.');
      if (t.targetType !== 'group') fail(`Invalid targetType '${String(t.targetType)}'; only 'group' is supported.`);
      if (t.id !== 'all_users' && !this.groups.has(t.id)) fail(`Include target '${t.id}' is not a group in this tenant.`);
      if (!Array.isArray(t.allowedPasskeyProfiles)) t.allowedPasskeyProfiles = [];
      if (typeof t.isRegistrationRequired !== 'boolean') t.isRegistrationRequired = false;
      for (const pid of t.allowedPasskeyProfiles) {
        if (!ids.has(pid)) {
          const wasProfile = cur.passkeyProfiles.some((p) => p.id === pid);
          fail(
            wasProfile
              ? `Passkey profile '${pid}' is still targeted by include target '${t.id}' and cannot be removed.`
              : `Include target '${t.id}' refers to unknown passkey profile '${pid}'.`,
          );
        }
      }
    }
    for (const t of next.excludeTargets) {
      if (!t || typeof t.id !== 'string' || t.targetType !== 'group') fail('Invalid exclude target.');
      if (!this.groups.has(t.id)) fail(`Exclude target '${t.id}' is not a group in this tenant.`);
    }
    if (profiles.length) {
      const def = profiles.find((p) => p.id === next.defaultPasskeyProfile)!;
      next.isAttestationEnforced = def.attestationEnforcement === 'registrationOnly';
      next.keyRestrictions = structuredClone(def.keyRestrictions);
    }
    const size = Buffer.byteLength(JSON.stringify(next), 'utf8');
    if (size > MAX_PASSKEY_POLICY_BYTES) {
      fail(`The passkey (FIDO2) policy would be ${size} bytes; the limit is ${MAX_PASSKEY_POLICY_BYTES} bytes (20 KB).`);
    }
  }

  // ---- Teams ----------------------------------------------------------------------------------

  findCatalogApp(id: string): SimTeamsCatalogApp | undefined {
    return this.catalog.find((a) => a.id === id);
  }

  installationsOf(userId: string): Installation[] {
    return this.installations.get(userId) ?? [];
  }

  private addInstallation(inst: Installation): void {
    let list = this.installations.get(inst.userId);
    if (!list) this.installations.set(inst.userId, (list = []));
    list.push(inst);
  }

  /** Installs the catalog app for the user. `existing` is set when it was already installed. */
  installApp(user: SimUser, teamsAppId: string, now: Date): { installation: Installation; existing: boolean } {
    const app = this.findCatalogApp(teamsAppId);
    if (!app) throw notFound(`The Teams app '${teamsAppId}' was not found in the app catalog.`, 'NotFound');
    if (!user.accountEnabled) throw forbidden('The user account is disabled.', 'Forbidden');
    if (user.teamsAppBlocked) throw forbidden('The app is blocked for this user by the organization\'s app permission policy.', 'Forbidden');
    const prior = this.installationsOf(user.id).find((i) => i.teamsAppId === teamsAppId);
    if (prior) return { installation: prior, existing: true };
    const installationId = Buffer.from(`${this.newId()}##${teamsAppId}`, 'utf8').toString('base64');
    const installation = { installationId, teamsAppId, userId: user.id, installedMs: now.getTime() };
    this.addInstallation(installation);
    app.installedFor.push({ userId: user.id, installationId });
    return { installation, existing: false };
  }
}

function validateCombinations(v: unknown): string[] {
  if (!Array.isArray(v) || !v.length) throw badRequest("The property 'allowedCombinations' must be a non-empty collection.");
  const out: string[] = [];
  for (const combo of v) {
    if (typeof combo !== 'string') throw badRequest('Invalid authentication method combination.');
    const parts = combo.split(',').map((p) => p.trim());
    for (const p of parts) {
      if (!AUTHENTICATION_METHOD_MODES.has(p)) throw badRequest(`'${combo}' is not a valid authentication method combination.`);
    }
    if (parts.length === 1 && ['password', 'sms', 'voice', 'email', 'federatedSingleFactor', 'x509CertificateSingleFactor'].includes(parts[0]!)) {
      throw badRequest(`'${combo}' is a single-factor combination and cannot be allowed by an authentication strength.`);
    }
    out.push(parts.join(','));
  }
  return [...new Set(out)];
}

/** `…/directoryObjects/{id}`, `…/users/{id}`, `…/groups/{id}` → id. */
export function idFromReference(ref: string): string | undefined {
  const m = /\/(?:directoryObjects|users|groups)\/([^/?#]+)\/?$/i.exec(ref.trim());
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export function createdMs(m: GraphAuthenticationMethod): number {
  return 'createdDateTime' in m ? msOf((m as { createdDateTime?: string }).createdDateTime) : -Infinity;
}

/** TAP usability at `nowMs` (documented reasons: NotYetValid, EnabledByPolicy, Expired). */
export function tapUsability(m: GraphTapMethod, nowMs: number): { isUsable: boolean; methodUsabilityReason: string } {
  const start = Date.parse(m.startDateTime);
  const end = start + m.lifetimeInMinutes * 60_000;
  if (nowMs < start) return { isUsable: false, methodUsabilityReason: 'NotYetValid' };
  if (nowMs >= end) return { isUsable: false, methodUsabilityReason: 'Expired' };
  return { isUsable: true, methodUsabilityReason: 'EnabledByPolicy' };
}

export { GraphError };
