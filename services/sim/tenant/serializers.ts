import type {
  GraphAuthenticationMethod,
  GraphAuthenticationStrengthPolicy,
  GraphConditionalAccessPolicy,
  GraphFido2Configuration,
  SimDevice,
  SimDirectoryRole,
  SimGroup,
  SimTapPolicy,
  SimUser,
} from './model.js';
import type { GraphVersion } from './graph-http.js';
import { hashUuidOf } from './hash.js';
import { tapUsability, type TenantState } from './tenant-state.js';

/** Graph shapes of the tenant's objects, property order as the documented examples. */

/** `GET /users` default property set (test/fixtures/graph/users-list.json). */
export const USER_DEFAULT_PROPS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

export const USER_PROPS: ReadonlySet<string> = new Set([
  ...USER_DEFAULT_PROPS,
  'accountEnabled',
  'userType',
  'department',
  'usageLocation',
  'createdDateTime',
  'mailNickname',
  'companyName',
  'employeeId',
  'onPremisesSyncEnabled',
  'country',
  'city',
  'state',
  'otherMails',
  'proxyAddresses',
  'creationType',
]);

export function userFull(u: SimUser, state: TenantState): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    department: u.department,
    usageLocation: u.usageLocation,
    createdDateTime: state.file.tenant.generatedAt,
    mailNickname: u.userPrincipalName.split('@')[0],
    companyName: state.file.tenant.displayName,
    employeeId: null,
    onPremisesSyncEnabled: null,
    country: u.usageLocation,
    city: null,
    state: null,
    otherMails: [],
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    creationType: null,
  };
}

export function userDefault(u: SimUser, state: TenantState): Record<string, unknown> {
  const full = userFull(u, state);
  const out: Record<string, unknown> = {};
  for (const k of USER_DEFAULT_PROPS) out[k] = full[k];
  return out;
}

/** Properties served for a user with or without `$select`. */
export function userSelected(u: SimUser, state: TenantState, select: string[] | undefined): Record<string, unknown> {
  if (!select) return userDefault(u, state);
  const full = userFull(u, state);
  const out: Record<string, unknown> = {};
  for (const s of select) if (s in full) out[s] = full[s];
  out.id = u.id;
  return out;
}

export const GROUP_PROPS: ReadonlySet<string> = new Set([
  'id',
  'deletedDateTime',
  'classification',
  'createdDateTime',
  'creationOptions',
  'description',
  'displayName',
  'expirationDateTime',
  'groupTypes',
  'isAssignableToRole',
  'mail',
  'mailEnabled',
  'mailNickname',
  'membershipRule',
  'membershipRuleProcessingState',
  'onPremisesSyncEnabled',
  'preferredDataLocation',
  'preferredLanguage',
  'proxyAddresses',
  'renewedDateTime',
  'resourceBehaviorOptions',
  'resourceProvisioningOptions',
  'securityEnabled',
  'securityIdentifier',
  'theme',
  'visibility',
  'members',
]);

export function groupFull(g: SimGroup, state: TenantState): Record<string, unknown> {
  const created = state.createdAt.get(g.id) ?? state.file.tenant.generatedAt;
  const mail = g.mailEnabled ? `${g.mailNickname}@${state.domain}` : null;
  return {
    id: g.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: created,
    creationOptions: [],
    description: g.description,
    displayName: g.displayName,
    expirationDateTime: null,
    groupTypes: g.groupTypes,
    isAssignableToRole: g.isAssignableToRole,
    mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: g.membershipRule ? 'On' : null,
    onPremisesSyncEnabled: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    renewedDateTime: created,
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: [],
    securityEnabled: g.securityEnabled,
    securityIdentifier: `S-1-12-1-${hashUuidOf(g.id).replace(/-/g, '').slice(0, 8)}`,
    theme: null,
    visibility: g.groupTypes.includes('Unified') ? 'Private' : null,
  };
}

export function groupSelected(g: SimGroup, state: TenantState, select: string[] | undefined): Record<string, unknown> {
  const full = groupFull(g, state);
  if (!select) return full;
  const out: Record<string, unknown> = {};
  for (const s of select) if (s in full) out[s] = full[s];
  out.id = g.id;
  return out;
}

/** A member in a directoryObject collection: `@odata.type` first, as the documented examples. */
export function directoryObject(id: string, state: TenantState, select: string[] | undefined): Record<string, unknown> | undefined {
  const u = state.users.get(id);
  if (u) return { '@odata.type': '#microsoft.graph.user', ...userSelected(u, state, select) };
  const g = state.groups.get(id);
  if (g) return { '@odata.type': '#microsoft.graph.group', ...groupSelected(g, state, select) };
  return undefined;
}

export function roleObject(r: SimDirectoryRole): Record<string, unknown> {
  return {
    id: r.id,
    deletedDateTime: null,
    description: `${r.displayName} directory role.`,
    displayName: r.displayName,
    roleTemplateId: r.roleTemplateId,
  };
}

export function deviceObject(d: SimDevice, state: TenantState): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.device',
    id: d.id,
    accountEnabled: true,
    deviceId: hashUuidOf('device', d.id),
    displayName: d.displayName,
    operatingSystem: d.operatingSystem,
    operatingSystemVersion: d.operatingSystemVersion,
    isCompliant: null,
    isManaged: null,
    trustType: 'AzureAd',
    registrationDateTime: state.file.tenant.generatedAt,
  };
}

/** An authentication method as Graph serves it after creation (a TAP's code is never shown again). */
export function methodObject(m: GraphAuthenticationMethod, nowMs: number): Record<string, unknown> {
  if (m['@odata.type'] === '#microsoft.graph.temporaryAccessPassAuthenticationMethod') {
    return {
      '@odata.type': m['@odata.type'],
      id: m.id,
      temporaryAccessPass: null,
      createdDateTime: m.createdDateTime,
      startDateTime: m.startDateTime,
      lifetimeInMinutes: m.lifetimeInMinutes,
      isUsableOnce: m.isUsableOnce,
      ...tapUsability(m, nowMs),
    };
  }
  return { ...m };
}

export function strengthObject(s: GraphAuthenticationStrengthPolicy, baseUrl: string, version: GraphVersion): Record<string, unknown> {
  return {
    id: s.id,
    createdDateTime: s.createdDateTime,
    modifiedDateTime: s.modifiedDateTime,
    displayName: s.displayName,
    description: s.description,
    policyType: s.policyType,
    requirementsSatisfied: s.requirementsSatisfied,
    allowedCombinations: [...s.allowedCombinations],
    'combinationConfigurations@odata.context': `${baseUrl}/${version}/$metadata#policies/authenticationStrengthPolicies('${s.id}')/combinationConfigurations`,
    combinationConfigurations: structuredClone(s.combinationConfigurations),
  };
}

/** A CA policy with `grantControls.authenticationStrength` inline as live tenants serve it. */
export function policyObject(
  p: GraphConditionalAccessPolicy,
  state: TenantState,
  baseUrl: string,
  version: GraphVersion,
): Record<string, unknown> {
  const out = structuredClone(p) as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {
    id: p.id,
    displayName: p.displayName,
    createdDateTime: p.createdDateTime,
    modifiedDateTime: p.modifiedDateTime,
    state: p.state,
  };
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  if (p.grantControls) {
    const s = p.grantControls.authenticationStrength ? state.currentStrength(p.grantControls.authenticationStrength.id) : null;
    const { authenticationStrength: _drop, ...rest } = p.grantControls;
    ordered.grantControls = {
      ...rest,
      'authenticationStrength@odata.context': `${baseUrl}/${version}/$metadata#identity/conditionalAccess/policies('${p.id}')/grantControls/authenticationStrength/$entity`,
      authenticationStrength: s ? strengthObject(s, baseUrl, version) : null,
    };
  }
  return ordered;
}

export function fido2Object(c: GraphFido2Configuration): Record<string, unknown> {
  return structuredClone(c) as unknown as Record<string, unknown>;
}

export function tapConfigObject(p: SimTapPolicy): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
    id: 'TemporaryAccessPass',
    state: p.state,
    defaultLifetimeInMinutes: p.defaultLifetimeInMinutes,
    defaultLength: p.defaultLength,
    minimumLifetimeInMinutes: p.minimumLifetimeInMinutes,
    maximumLifetimeInMinutes: p.maximumLifetimeInMinutes,
    isUsableOnce: p.isUsableOnce,
    excludeTargets: [],
    includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  };
}
