/**
 * The simulated tenant's file format (version 1). A tenant file is plain JSON; its JSON Schema lives
 * next to this file (`tenant.schema.json`) and is documented in `docs/tenant-file.md`.
 *
 * Objects keep Microsoft Graph field names and shapes (graph-facts.md), so the simulated tenant can
 * serve them as Graph would. Fields the simulator derives (e.g. `methodsRegistered` in the
 * registration report, `appliedConditionalAccessPolicies` in sign-ins) are NOT stored here.
 */

export const TENANT_FILE_VERSION = 1;

export interface TenantFile {
  $schema?: string;
  version: 1;
  tenant: TenantInfo;
  users: SimUser[];
  groups: SimGroup[];
  /** Activated directory roles and their direct members (user ids or role-assignable group ids). */
  directoryRoles: SimDirectoryRole[];
  /** Custom authentication strengths; the built-ins (…0002, …0003, …0004) always exist and are not listed. */
  authenticationStrengthPolicies: GraphAuthenticationStrengthPolicy[];
  /** Conditional Access policies in Graph shape (v1.0). */
  conditionalAccessPolicies: GraphConditionalAccessPolicy[];
  /** The FIDO2 (passkey) method configuration with passkey profiles, in Graph shape (v1.0). */
  fido2Configuration: GraphFido2Configuration;
  /** Temporary Access Pass method policy (lifetimes and one-time use). */
  temporaryAccessPassPolicy: SimTapPolicy;
  /** The organisation's Teams app catalog. */
  teamsAppCatalog: SimTeamsCatalogApp[];
  /** How the simulator writes sign-ins (volume, apps). */
  signInProfile: SimSignInProfile;
  /** Simulator behaviour switches for the [unconfirmed] facts, so the bot is tested both ways. */
  behaviour: SimBehaviour;
}

export interface TenantInfo {
  id: string;
  displayName: string;
  /** Verified default domain, e.g. `contoso.example`. */
  domain: string;
  /** IANA zone used when a user has neither mailbox settings nor usage location. */
  defaultTimeZone: string;
  /** Seed the generator used (absent for hand-written files). */
  seed?: number;
  /** When the file was generated (ISO 8601); the clock origin for generated timestamps. */
  generatedAt: string;
}

export interface SimUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  /** ISO 3166 alpha-2, e.g. `US`. */
  usageLocation: string | null;
  /** BCP 47, e.g. `en-US`. */
  preferredLanguage: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  /** Manager's user id. */
  managerId: string | null;
  /** `GET /users/{id}/mailboxSettings` source; `null` when the user has no mailbox (Graph answers 404). */
  mailboxSettings: { timeZone: string } | null;
  /** Authentication methods in Graph shape (each with `@odata.type`). */
  authenticationMethods: GraphAuthenticationMethod[];
  /** `lastUpdatedDateTime` of the registration details report for this user. */
  registrationLastUpdated: string;
  /** Registered devices (Graph `registeredDevices` subset) for readiness checks. */
  devices: SimDevice[];
  /** Teams: whether the org blocks the bot's app for this user (install answers 403). */
  teamsAppBlocked?: boolean;
  /** Ground truth for tests; the simulator never serves it. */
  truth: SimUserTruth;
}

export interface SimUserTruth {
  /** The persona the generator used (e.g. `no-passkey`, `synced-icloud`, `security-key`, `pm-only-1password`). */
  persona: string;
  isBreakGlass: boolean;
  isVip: boolean;
  /** Directory role template ids the user holds (directly or through a group). */
  roleTemplateIds: string[];
}

export interface SimDevice {
  id: string;
  displayName: string;
  /** `iOS`, `Android`, `Windows`, `MacMDM`/`macOS`. */
  operatingSystem: string;
  operatingSystemVersion: string;
}

export interface SimGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  /** `[]` for security groups, `["DynamicMembership"]` for dynamic ones, `["Unified"]` for M365 groups. */
  groupTypes: string[];
  membershipRule: string | null;
  isAssignableToRole: boolean;
  /** Direct members: user ids and group ids (nesting). */
  members: string[];
  /** Direct owners (user ids). */
  owners: string[];
}

export interface SimDirectoryRole {
  /** Activated role object id. */
  id: string;
  roleTemplateId: string;
  displayName: string;
  /** Direct members: user ids or role-assignable group ids. */
  members: string[];
}

export interface SimTapPolicy {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  defaultLength: number;
}

export interface SimTeamsCatalogApp {
  /** Catalog id (not the manifest id). */
  id: string;
  /** The manifest id (`TEAMS_APP_ID`). */
  externalId: string;
  displayName: string;
  distributionMethod: 'organization' | 'store' | 'sideloaded';
  /** Users who already have the app installed personally, with the installation id. */
  installedFor: { userId: string; installationId: string }[];
}

export interface SimSignInProfile {
  /** Interactive sign-ins per enabled user per working day (deterministic per user and day). */
  perUserPerWorkday: number;
  /** Application display names and ids users sign in to. */
  apps: { appId: string; appDisplayName: string }[];
}

export interface SimBehaviour {
  /**
   * How `methodsRegistered` spells passkeys ([unconfirmed] in graph-facts.md §3):
   * `current` = passKeyDeviceBound / passKeyDeviceBoundAuthenticator / passKeyDeviceBoundWindowsHello /
   * passKeySynced; `noSynced` = as current but synced passkeys are not listed at all;
   * `legacy` = every FIDO2 passkey as `fido2SecurityKey`.
   */
  registrationReportPasskeyValues: 'current' | 'noSynced' | 'legacy';
  /** Page size of the registration details report when `$top` is absent, and whether `$top` is accepted. */
  registrationReportPageSize: number;
  registrationReportAcceptsTop: boolean;
  /** A repeated installedApps POST for an installed app: 409 Conflict, or 201 again ([unconfirmed]). */
  duplicateInstallAnswer: 409 | 201;
  /**
   * Whether `$filter=appliedConditionalAccessPolicies/any(p:p/id eq '…')` is accepted on sign-ins
   * ([unconfirmed] syntax); when false the simulator answers 400 as Graph does for unsupported filters.
   */
  signInsPolicyFilterSupported: boolean;
}

// ---- Graph shapes (subset the simulator stores; field names as documented) -------------------

export type GraphAuthenticationMethod =
  | GraphFido2Method
  | GraphWindowsHelloMethod
  | GraphAuthenticatorMethod
  | GraphPhoneMethod
  | GraphPasswordMethod
  | GraphEmailMethod
  | GraphSoftwareOathMethod
  | GraphTapMethod;

export interface GraphFido2Method {
  '@odata.type': '#microsoft.graph.fido2AuthenticationMethod';
  id: string;
  displayName: string;
  createdDateTime: string;
  lastUsedDateTime: string | null;
  aaGuid: string;
  model: string;
  attestationCertificates: string[];
  attestationLevel: 'attested' | 'notAttested';
  passkeyType: 'deviceBound' | 'synced';
}

export interface GraphWindowsHelloMethod {
  '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod';
  id: string;
  displayName: string;
  createdDateTime: string;
  keyStrength: 'normal' | 'weak' | 'unknown';
}

export interface GraphAuthenticatorMethod {
  '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod';
  id: string;
  displayName: string;
  deviceTag: string;
  phoneAppVersion: string;
  createdDateTime: string;
}

export interface GraphPhoneMethod {
  '@odata.type': '#microsoft.graph.phoneAuthenticationMethod';
  id: string;
  phoneNumber: string;
  phoneType: 'mobile' | 'alternateMobile' | 'office';
  smsSignInState: string;
}

export interface GraphPasswordMethod {
  '@odata.type': '#microsoft.graph.passwordAuthenticationMethod';
  id: string;
  password: null;
  createdDateTime: string;
}

export interface GraphEmailMethod {
  '@odata.type': '#microsoft.graph.emailAuthenticationMethod';
  id: string;
  emailAddress: string;
}

export interface GraphSoftwareOathMethod {
  '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod';
  id: string;
  secretKey: null;
}

export interface GraphTapMethod {
  '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod';
  id: string;
  /** Only ever returned by the create call; stored here only so tests can sign in with it. */
  temporaryAccessPass?: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  isUsable: boolean;
  methodUsabilityReason: string;
}

export interface GraphAuthenticationStrengthPolicy {
  id: string;
  displayName: string;
  description: string | null;
  policyType: 'builtIn' | 'custom';
  requirementsSatisfied: 'none' | 'mfa';
  allowedCombinations: string[];
  createdDateTime: string;
  modifiedDateTime: string;
  combinationConfigurations: GraphFido2CombinationConfiguration[];
}

export interface GraphFido2CombinationConfiguration {
  '@odata.type': '#microsoft.graph.fido2CombinationConfiguration';
  id: string;
  appliesToCombinations: string[];
  allowedAAGUIDs: string[];
}

export interface GraphConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  createdDateTime: string;
  modifiedDateTime: string | null;
  conditions: {
    clientAppTypes: string[];
    applications: { includeApplications: string[]; excludeApplications: string[] };
    users: GraphCaUsers;
    [k: string]: unknown;
  };
  grantControls: {
    operator: 'AND' | 'OR';
    builtInControls: string[];
    customAuthenticationFactors: string[];
    termsOfUse: string[];
    /** Stored as `{ id }`; served inline as the whole strength object, as live Graph does. */
    authenticationStrength: { id: string } | null;
  } | null;
  sessionControls: unknown | null;
}

export interface GraphCaUsers {
  includeUsers: string[];
  excludeUsers: string[];
  includeGroups: string[];
  excludeGroups: string[];
  includeRoles: string[];
  excludeRoles: string[];
  [k: string]: unknown;
}

export interface GraphFido2Configuration {
  '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration';
  id: 'Fido2';
  state: 'enabled' | 'disabled';
  isSelfServiceRegistrationAllowed: boolean;
  isAttestationEnforced: boolean;
  keyRestrictions: GraphFido2KeyRestrictions;
  defaultPasskeyProfile: string | null;
  excludeTargets: { id: string; targetType: 'group' }[];
  includeTargets: {
    id: string;
    targetType: 'group';
    isRegistrationRequired: boolean;
    allowedPasskeyProfiles: string[];
  }[];
  passkeyProfiles: GraphPasskeyProfile[];
}

export interface GraphFido2KeyRestrictions {
  isEnforced: boolean;
  enforcementType: 'allow' | 'block';
  aaGuids: string[];
}

export interface GraphPasskeyProfile {
  id: string;
  name: string;
  /** Flags enum as one comma-separated string: `deviceBound`, `synced` or `deviceBound,synced`. */
  passkeyTypes: string;
  attestationEnforcement: 'disabled' | 'registrationOnly';
  keyRestrictions: GraphFido2KeyRestrictions;
}

/** Directory role template ids (stable platform constants). */
export const ROLE_TEMPLATES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
} as const;

export const BUILT_IN_STRENGTHS = {
  mfa: '00000000-0000-0000-0000-000000000002',
  passwordlessMfa: '00000000-0000-0000-0000-000000000003',
  phishingResistantMfa: '00000000-0000-0000-0000-000000000004',
} as const;
