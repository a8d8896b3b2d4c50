import type { GraphAuthenticationMethod, SimBehaviour, SimUser, TenantFile } from '../../../services/sim/tenant/model.js';
import { BUILT_IN_STRENGTHS, ROLE_TEMPLATES } from '../../../services/sim/tenant/model.js';

/** A small hand-made tenant for the simulator's tests; ids are readable on purpose. */

export const T = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  alice: 'aaaaaaaa-0000-4000-8000-000000000001',
  bob: 'aaaaaaaa-0000-4000-8000-000000000002',
  carol: 'aaaaaaaa-0000-4000-8000-000000000003',
  dave: 'aaaaaaaa-0000-4000-8000-000000000004',
  erin: 'aaaaaaaa-0000-4000-8000-000000000005',
  frank: 'aaaaaaaa-0000-4000-8000-000000000006',
  gina: 'aaaaaaaa-0000-4000-8000-000000000007',
  glass: 'aaaaaaaa-0000-4000-8000-000000000008',
  pilot: 'cccccccc-0000-4000-8000-000000000001',
  wave1: 'cccccccc-0000-4000-8000-000000000002',
  nested: 'cccccccc-0000-4000-8000-000000000003',
  exempt: 'cccccccc-0000-4000-8000-000000000004',
  breakglass: 'cccccccc-0000-4000-8000-000000000005',
  dynamic: 'cccccccc-0000-4000-8000-000000000006',
  globalAdminRole: 'dddddddd-0000-4000-8000-000000000001',
  helpdeskRole: 'dddddddd-0000-4000-8000-000000000002',
  deviceBoundStrength: 'eeeeeeee-5000-4000-8000-000000000001',
  reportOnlyPolicy: 'eeeeeeee-0000-4000-8000-000000000001',
  enforcedPolicy: 'eeeeeeee-0000-4000-8000-000000000002',
  disabledPolicy: 'eeeeeeee-0000-4000-8000-000000000003',
  app: 'ffffffff-0000-4000-8000-000000000001',
  manifestId: 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001',
  aliceInstall: Buffer.from('0f0f0f0f-0000-4000-8000-000000000001##ffffffff-0000-4000-8000-000000000001').toString('base64'),
} as const;

export const AAGUID = {
  yubikey: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  icloud: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
  authenticatorIos: '90a3ccdf-635c-4729-a248-9b709135078f',
  windowsHello: '08987058-cadc-4b81-b6e1-30de50dcbe96',
  googlePm: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
} as const;

export const GENERATED_AT = '2025-12-29T00:00:00.000Z';

const password = (created = '2025-06-01T00:00:00Z'): GraphAuthenticationMethod => ({
  '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
  id: '28c10230-6103-485e-b985-444c60001490',
  password: null,
  createdDateTime: created,
});

const authenticator = (id: string): GraphAuthenticationMethod => ({
  '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  id,
  displayName: 'iPhone 15',
  deviceTag: 'SoftwareTokenActivated',
  phoneAppVersion: '6.8.7',
  createdDateTime: '2025-06-01T00:00:00Z',
});

const phone = (): GraphAuthenticationMethod => ({
  '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
  id: '3179e48a-750b-4051-897c-87b9720928f7',
  phoneNumber: '+1 2065555555',
  phoneType: 'mobile',
  smsSignInState: 'notAllowedByPolicy',
});

export function passkey(id: string, aaGuid: string, passkeyType: 'deviceBound' | 'synced', created = '2025-11-01T00:00:00Z'): GraphAuthenticationMethod {
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
    id,
    displayName: passkeyType === 'synced' ? 'iCloud Keychain' : 'YubiKey 5',
    createdDateTime: created,
    lastUsedDateTime: null,
    aaGuid,
    model: passkeyType === 'synced' ? 'iCloud Keychain' : 'YubiKey 5 Series',
    attestationCertificates: [],
    attestationLevel: passkeyType === 'synced' ? 'notAttested' : 'attested',
    passkeyType,
  };
}

function user(id: string, name: string, methods: GraphAuthenticationMethod[], extra: Partial<SimUser> = {}): SimUser {
  const first = name.split(' ')[0]!;
  return {
    id,
    userPrincipalName: `${first.toLowerCase()}@contoso.example`,
    displayName: name,
    givenName: first,
    surname: name.split(' ')[1] ?? null,
    mail: `${first.toLowerCase()}@contoso.example`,
    jobTitle: 'Engineer',
    department: 'R&D',
    officeLocation: null,
    usageLocation: 'US',
    preferredLanguage: 'en-US',
    accountEnabled: true,
    userType: 'Member',
    managerId: null,
    mailboxSettings: { timeZone: 'UTC' },
    authenticationMethods: methods,
    registrationLastUpdated: '2025-12-01T00:00:00Z',
    devices: [{ id: `dev-${id.slice(-2)}`, displayName: `${first}'s laptop`, operatingSystem: 'Windows', operatingSystemVersion: '10.0.22631' }],
    truth: { persona: 'test', isBreakGlass: false, isVip: false, roleTemplateIds: [] },
    ...extra,
  };
}

export function tinyTenant(behaviour: Partial<SimBehaviour> = {}): TenantFile {
  return {
    version: 1,
    tenant: { id: T.tenantId, displayName: 'Contoso', domain: 'contoso.example', defaultTimeZone: 'UTC', generatedAt: GENERATED_AT },
    users: [
      user(T.alice, 'Alice Admin', [password(), authenticator('a1'), passkey('pk-alice', AAGUID.yubikey, 'deviceBound')]),
      user(T.bob, 'Bob Builder', [password(), phone()], { managerId: T.alice, mailboxSettings: null }),
      user(T.carol, 'Carol Synced', [password(), authenticator('c1'), passkey('pk-carol', AAGUID.icloud, 'synced')]),
      user(T.dave, 'Dave Hello', [
        password(),
        authenticator('d1'),
        {
          '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
          id: 'whfb-dave',
          displayName: 'DAVE-LAPTOP',
          createdDateTime: '2025-06-01T00:00:00Z',
          keyStrength: 'normal',
        },
        passkey('pk-dave', AAGUID.authenticatorIos, 'deviceBound'),
      ]),
      user(T.erin, 'Erin Disabled', [password()], { accountEnabled: false }),
      user(T.frank, 'Frank Guest', [password(), phone()], { userType: 'Guest', userPrincipalName: 'frank_fabrikam.example#EXT#@contoso.example' }),
      user(
        T.gina,
        'Gina Helpdesk',
        [
          password(),
          { '@odata.type': '#microsoft.graph.emailAuthenticationMethod', id: 'em-gina', emailAddress: 'gina@fabrikam.example' },
          { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: 'oath-gina', secretKey: null },
        ],
        { teamsAppBlocked: true },
      ),
      user(T.glass, 'Glass Break', [password(), passkey('pk-glass', AAGUID.yubikey, 'deviceBound')]),
    ],
    groups: [
      group(T.pilot, 'Passkey Pilot', [T.bob, T.carol]),
      group(T.wave1, 'Passkey Wave 1', [T.dave, T.nested]),
      group(T.nested, 'Wave 1 Nested', [T.alice, T.carol]),
      group(T.exempt, 'Passkey Exemptions', []),
      group(T.breakglass, 'Break Glass', [T.glass]),
      { ...group(T.dynamic, 'All Engineers', [T.alice]), groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "R&D"' },
    ],
    directoryRoles: [
      { id: T.globalAdminRole, roleTemplateId: ROLE_TEMPLATES.globalAdministrator, displayName: 'Global Administrator', members: [T.alice] },
      { id: T.helpdeskRole, roleTemplateId: ROLE_TEMPLATES.helpdeskAdministrator, displayName: 'Helpdesk Administrator', members: [T.gina] },
    ],
    authenticationStrengthPolicies: [
      {
        id: T.deviceBoundStrength,
        displayName: 'Device-bound passkeys',
        description: 'YubiKey or Microsoft Authenticator passkeys only',
        policyType: 'custom',
        requirementsSatisfied: 'mfa',
        allowedCombinations: ['fido2'],
        createdDateTime: '2025-10-01T00:00:00Z',
        modifiedDateTime: '2025-10-01T00:00:00Z',
        combinationConfigurations: [
          {
            '@odata.type': '#microsoft.graph.fido2CombinationConfiguration',
            id: 'cc-1',
            appliesToCombinations: ['fido2'],
            allowedAAGUIDs: [AAGUID.yubikey, AAGUID.authenticatorIos],
          },
        ],
      },
    ],
    conditionalAccessPolicies: [
      caPolicy(T.reportOnlyPolicy, 'Passkeys - report-only', 'enabledForReportingButNotEnforced', [T.pilot], [T.breakglass], BUILT_IN_STRENGTHS.phishingResistantMfa),
      caPolicy(T.enforcedPolicy, 'Passkeys - enforced', 'enabled', [T.wave1], [T.exempt, T.breakglass], BUILT_IN_STRENGTHS.phishingResistantMfa),
      {
        ...caPolicy(T.disabledPolicy, 'Legacy MFA for all', 'disabled', [], [], null),
        conditions: {
          clientAppTypes: ['all'],
          applications: { includeApplications: ['All'], excludeApplications: [] },
          users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] },
        },
        grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
      },
    ],
    fido2Configuration: {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
      id: 'Fido2',
      state: 'enabled',
      isSelfServiceRegistrationAllowed: true,
      isAttestationEnforced: false,
      keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] },
      defaultPasskeyProfile: '00000000-0000-0000-0000-000000000001',
      excludeTargets: [],
      includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: ['00000000-0000-0000-0000-000000000001'] }],
      passkeyProfiles: [
        {
          id: '00000000-0000-0000-0000-000000000001',
          name: 'Default passkey profile',
          passkeyTypes: 'deviceBound,synced',
          attestationEnforcement: 'disabled',
          keyRestrictions: { isEnforced: false, enforcementType: 'block', aaGuids: [] },
        },
      ],
    },
    temporaryAccessPassPolicy: {
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      minimumLifetimeInMinutes: 60,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: false,
      defaultLength: 8,
    },
    teamsAppCatalog: [
      {
        id: T.app,
        externalId: T.manifestId,
        displayName: 'Passkey Rollout',
        distributionMethod: 'organization',
        installedFor: [{ userId: T.alice, installationId: T.aliceInstall }],
      },
      { id: 'ffffffff-0000-4000-8000-000000000002', externalId: 'other-manifest', displayName: 'Other', distributionMethod: 'store', installedFor: [] },
    ],
    signInProfile: {
      perUserPerWorkday: 3,
      apps: [
        { appId: '00000002-0000-0ff1-ce00-000000000000', appDisplayName: 'Office 365 Exchange Online' },
        { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', appDisplayName: 'Microsoft Teams' },
      ],
    },
    behaviour: {
      registrationReportPasskeyValues: 'current',
      registrationReportPageSize: 3,
      registrationReportAcceptsTop: false,
      duplicateInstallAnswer: 409,
      signInsPolicyFilterSupported: true,
      ...behaviour,
    },
  };
}

function group(id: string, displayName: string, members: string[]) {
  return {
    id,
    displayName,
    description: null,
    mailNickname: displayName.replace(/\W+/g, '').toLowerCase(),
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: [] as string[],
    membershipRule: null as string | null,
    isAssignableToRole: false,
    members,
    owners: [],
  };
}

function caPolicy(
  id: string,
  displayName: string,
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced',
  includeGroups: string[],
  excludeGroups: string[],
  strength: string | null,
) {
  return {
    id,
    displayName,
    state,
    createdDateTime: '2025-10-01T00:00:00Z',
    modifiedDateTime: '2025-10-02T00:00:00Z',
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'], excludeApplications: [] },
      users: { includeUsers: [], excludeUsers: [], includeGroups, excludeGroups, includeRoles: [], excludeRoles: [] },
    },
    grantControls: strength
      ? { operator: 'OR' as const, builtInControls: [], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: { id: strength } }
      : null,
    sessionControls: null,
  };
}

/** A tenant with `n` extra members in one group (for paging tests). */
export function tenantWithCohort(n: number, behaviour: Partial<SimBehaviour> = {}): TenantFile {
  const t = tinyTenant(behaviour);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`;
    ids.push(id);
    t.users.push(user(id, `Cohort User${i}`, [password(), phone()], { userPrincipalName: `cohort${i}@contoso.example`, mail: `cohort${i}@contoso.example` }));
  }
  t.groups.push({ ...group('cccccccc-0000-4000-8000-0000000000ff', 'Big Cohort', ids) });
  return t;
}
