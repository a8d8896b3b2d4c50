/**
 * Every Microsoft Graph **application** permission the bot needs, which features use it, the Graph
 * operations behind each one, the least-privileged choice and the broader permissions that would also
 * work. `docs/permissions.md` is the human version of this table, `scripts/grant-graph-permissions.sh`
 * grants what it lists, and `permissionHintFor` turns a Graph 403 into "the app has not been granted X".
 *
 * Sources: the permission tables of the Graph API reference (microsoft-graph-docs-contrib
 * `api-reference/v1.0/api/*.md` and `includes/permissions/*-permissions.md`) and
 * `../shared/docs/graph-facts.md`. Where a source is ambiguous the entry says so in `unconfirmed`.
 */

export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What the bot does with Graph, in the words an error message uses ("I can't <what>"). */
export const FEATURES = {
  'user-lookup': 'look up users in the directory',
  'roles-check': 'check directory roles and admin/helpdesk groups',
  'cohort-members': 'read the members of cohort groups',
  'registration-sync': 'sync passkey registrations (registration details report)',
  'passkey-details': "read users' passkey details (kind, provider, attestation)",
  'helpdesk-methods': "look up a user's authentication methods",
  'tap': 'issue a Temporary Access Pass',
  'policy-read': 'read Conditional Access policies and authentication strengths',
  'policy-staging': "change the campaign's Conditional Access policies and authentication strength",
  'passkey-profiles': 'read the passkey (FIDO2) policy and its passkey profiles',
  'sign-in-evidence': 'read sign-in logs for report-only evidence',
  'exemptions-group': 'add and remove members of the exemptions group',
  'exemptions-group-create': 'create the exemptions group',
  'proactive-install': 'install the app for people who never opened it (first reminder)',
  'time-zones': "read people's time zone from their mailbox settings",
  'readiness-devices': "read people's registered devices (readiness)",
  'manager-escalation': "look up people's managers (reminder escalation)",
  'delivery-check': "check after a crash whether a reminder reached someone (read the bot's own 1:1 chat back)",
} as const;

export type Feature = keyof typeof FEATURES;

/**
 * `required`: the bot cannot run a campaign without it. `recommended`: granted by default; without it
 * the named features answer with a clear message and everything else works. `optional`: not granted
 * unless asked for (`grant-graph-permissions.sh --all`), because it is broad for what it adds.
 */
export type PermissionLevel = 'required' | 'recommended' | 'optional';

export interface GraphOperation {
  method: GraphMethod;
  /**
   * Path after the version segment, without query. `{name}` stands for one path segment, or for the
   * inside of a key segment (`directoryRoles(roleTemplateId='{id}')`). Matching ignores case.
   */
  path: string;
  feature: Feature;
  /** Other permissions the same operation needs at the same time (e.g. CA writes also need Policy.Read.All). */
  alsoNeeds?: string[];
}

export interface GraphPermission {
  /** The permission's value as Microsoft Graph names its app role, e.g. `User.Read.All`. */
  name: string;
  level: PermissionLevel;
  features: Feature[];
  operations: GraphOperation[];
  /** Why this one and not a broader one (the least-privileged reasoning). */
  leastPrivilege: string;
  /** Broader permissions that would also work (never needed; listed so reviewers can compare). */
  broaderAlternatives: string[];
  /** What stops working, and what the bot says, when the permission is not granted. */
  withoutIt: string;
  /** Set when the documentation is ambiguous or silent on a point this entry relies on. */
  unconfirmed?: string;
  /** Where the permission requirement is documented. */
  source: string;
}

const USER_AUTH_METHOD_TYPES = [
  'phoneMethods',
  'emailMethods',
  'microsoftAuthenticatorMethods',
  'windowsHelloForBusinessMethods',
  'softwareOathMethods',
  'passwordMethods',
  'temporaryAccessPassMethods',
] as const;

const STRENGTH_ROOTS = ['/policies/authenticationStrengthPolicies', '/identity/conditionalAccess/authenticationStrength/policies'] as const;

export const GRAPH_PERMISSIONS: readonly GraphPermission[] = [
  {
    name: 'User.Read.All',
    level: 'required',
    features: ['user-lookup', 'roles-check', 'manager-escalation', 'readiness-devices', 'time-zones'],
    operations: [
      { method: 'GET', path: '/users', feature: 'user-lookup' },
      { method: 'GET', path: '/users/{id}', feature: 'user-lookup' },
      { method: 'GET', path: '/users/delta', feature: 'user-lookup' },
      { method: 'GET', path: '/users/{id}/manager', feature: 'manager-escalation' },
      { method: 'GET', path: '/users/{id}/registeredDevices', feature: 'readiness-devices' },
      { method: 'GET', path: '/users/{id}/transitiveMemberOf', feature: 'roles-check' },
      { method: 'GET', path: '/users/{id}/transitiveMemberOf/microsoft.graph.group', feature: 'roles-check' },
      { method: 'GET', path: '/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole', feature: 'roles-check', alsoNeeds: ['RoleManagement.Read.Directory'] },
    ],
    leastPrivilege:
      'Least privileged application permission for list/get user, manager, registeredDevices and transitiveMemberOf. ' +
      'User.ReadBasic.All is not enough: it omits accountEnabled, usageLocation (time-zone fallback) and department.',
    broaderAlternatives: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    withoutIt: 'Nothing works: the bot cannot resolve who is writing to it or who is in a cohort. Every command answers that the app lacks User.Read.All.',
    source: 'MGDC v1.0 includes/permissions/user-list-transitivememberof-permissions.md, user-list-registereddevices-permissions.md; api/user-get.md, user-list-manager.md',
  },
  {
    name: 'GroupMember.Read.All',
    level: 'required',
    features: ['cohort-members', 'roles-check', 'registration-sync'],
    operations: [
      { method: 'GET', path: '/groups', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/delta', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/delta()', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/members', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/members/microsoft.graph.user', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/members/microsoft.graph.group', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/members/$count', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/transitiveMembers', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.user', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.group', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/transitiveMembers/$count', feature: 'cohort-members' },
      { method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.user/$count', feature: 'cohort-members' },
      { method: 'POST', path: '/users/{id}/checkMemberGroups', feature: 'roles-check' },
    ],
    leastPrivilege:
      'Reads groups and their memberships, nothing else about groups (no settings, no conversations). ' +
      'The generated permission table for List groups currently names Group-NestingSupport.ReadWrite.All as "least privileged"; ' +
      'that is a write permission for nested-group support and is not what this read-only use needs.',
    broaderAlternatives: ['Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All'],
    withoutIt: 'Cohorts cannot be added or synced, and ADMIN_GROUP_IDS / HELPDESK_GROUP_IDS are ignored (roles come only from directory roles).',
    unconfirmed: 'checkMemberGroups on a user: the least-privileged pair documented for users is User.ReadBasic.All + GroupMember.Read.All; User.Read.All (granted anyway) covers the user part.',
    source: 'MGDC v1.0 api/group-list-transitivemembers.md, api/group-delta.md, includes/permissions/group-list-permissions.md; graph-facts.md §8',
  },
  {
    name: 'RoleManagement.Read.Directory',
    level: 'required',
    features: ['roles-check'],
    operations: [
      { method: 'GET', path: '/directoryRoles', feature: 'roles-check' },
      { method: 'GET', path: '/directoryRoles/{id}', feature: 'roles-check' },
      { method: 'GET', path: '/directoryRoles/{id}/members', feature: 'roles-check' },
      { method: 'GET', path: "/directoryRoles(roleTemplateId='{id}')", feature: 'roles-check' },
      { method: 'GET', path: "/directoryRoles(roleTemplateId='{id}')/members", feature: 'roles-check' },
      { method: 'GET', path: '/directoryRoles/roleTemplateId={id}/members', feature: 'roles-check' },
    ],
    leastPrivilege:
      'Least privileged permission to read directory roles and their members. Needed beside User.Read.All because ' +
      'transitiveMemberOf returns objects of types the app cannot read with limited information, and the bot needs ' +
      "each role's roleTemplateId to map Entra roles to bot roles.",
    broaderAlternatives: ['Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'],
    withoutIt: 'Nobody is recognised as admin or helpdesk through directory roles; only members of ADMIN_GROUP_IDS / HELPDESK_GROUP_IDS are.',
    unconfirmed: 'Which fields of a directoryRole come back through transitiveMemberOf with User.Read.All alone is not documented ("limited information"); the bot plans for roleTemplateId to be missing without this permission.',
    source: 'MGDC v1.0 api/directoryrole-get.md, api/directoryrole-list-members.md; includes/limited-info.md',
  },
  {
    name: 'AuditLog.Read.All',
    level: 'required',
    features: ['registration-sync', 'sign-in-evidence', 'helpdesk-methods'],
    operations: [
      { method: 'GET', path: '/reports/authenticationMethods/userRegistrationDetails', feature: 'registration-sync' },
      { method: 'GET', path: '/reports/authenticationMethods/userRegistrationDetails/{id}', feature: 'registration-sync' },
      { method: 'GET', path: '/reports/authenticationMethods/usersRegisteredByMethod({args})', feature: 'registration-sync' },
      { method: 'GET', path: '/auditLogs/signIns', feature: 'sign-in-evidence', alsoNeeds: ['Policy.Read.All'] },
      { method: 'GET', path: '/auditLogs/signIns/{id}', feature: 'sign-in-evidence', alsoNeeds: ['Policy.Read.All'] },
    ],
    leastPrivilege:
      'Least privileged permission for the user registration details report and for sign-in logs. The report is ' +
      'the bot\'s sweep (one request per page instead of one per user). Sign-ins need Policy.Read.All as well, or ' +
      'appliedConditionalAccessPolicies is silently left out of every sign-in.',
    broaderAlternatives: ['UserAuthenticationMethod.Read.All (registration report only)', 'Directory.Read.All (sign-ins only)'],
    withoutIt: 'No registration sync (status, reminders and gates have no data) and no report-only evidence for the sign-in gate. Without Directory.Read.All beside it, the directory audit log (incremental sync) is not readable and every sync sweeps the whole report.',
    source: 'MGDC v1.0 includes/permissions/authenticationmethodsroot-list-userregistrationdetails-permissions.md, signin-list-permissions.md, includes/signins-roles-for-ca-data.md; graph-facts.md §3, §6. Needs Entra ID P1/P2.',
  },
  {
    name: 'Policy.Read.All',
    level: 'required',
    features: ['policy-read', 'passkey-profiles', 'sign-in-evidence'],
    operations: [
      { method: 'GET', path: '/identity/conditionalAccess/policies', feature: 'policy-read' },
      { method: 'GET', path: '/identity/conditionalAccess/policies/{id}', feature: 'policy-read' },
      ...STRENGTH_ROOTS.flatMap((root): GraphOperation[] => [
        { method: 'GET', path: root, feature: 'policy-read' },
        { method: 'GET', path: `${root}/{id}`, feature: 'policy-read' },
        { method: 'GET', path: `${root}/{id}/usage`, feature: 'policy-read' },
        { method: 'GET', path: `${root}/{id}/usage()`, feature: 'policy-read' },
        { method: 'GET', path: `${root}/{id}/combinationConfigurations`, feature: 'policy-read' },
        { method: 'GET', path: `${root}/{id}/combinationConfigurations/{id}`, feature: 'policy-read' },
      ]),
      { method: 'GET', path: '/policies/authenticationMethodsPolicy', feature: 'passkey-profiles' },
      { method: 'GET', path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}', feature: 'passkey-profiles' },
    ],
    leastPrivilege:
      'Required for Conditional Access reads (and, per a Graph known issue, also for CA writes) and for the CA results in sign-in logs. ' +
      'Authentication strengths and the passkey policy alone would need only Policy.Read.AuthenticationMethod, but since ' +
      'Policy.Read.All is needed anyway it covers them and one permission fewer is granted.',
    broaderAlternatives: ['Policy.ReadWrite.ConditionalAccess (CA only)', 'Policy.Read.AuthenticationMethod (strengths and passkey policy only, narrower)', 'Policy.ReadWrite.AuthenticationMethod'],
    withoutIt: 'Stages, gates and drift watch cannot read the policies; passkey-profile checks and the report-only sign-in gate are unavailable.',
    source: 'MGDC v1.0 api/conditionalaccessroot-list-policies.md, includes/permissions/authenticationmethodspolicy-get-permissions.md, learn authenticationstrengthpolicy-get; graph-facts.md §1, §4, §5, §6',
  },
  {
    name: 'Policy.ReadWrite.ConditionalAccess',
    level: 'recommended',
    features: ['policy-staging'],
    operations: [
      { method: 'POST', path: '/identity/conditionalAccess/policies', feature: 'policy-staging', alsoNeeds: ['Policy.Read.All'] },
      { method: 'PATCH', path: '/identity/conditionalAccess/policies/{id}', feature: 'policy-staging', alsoNeeds: ['Policy.Read.All'] },
      { method: 'DELETE', path: '/identity/conditionalAccess/policies/{id}', feature: 'policy-staging', alsoNeeds: ['Policy.Read.All'] },
      ...STRENGTH_ROOTS.flatMap((root): GraphOperation[] => [
        { method: 'POST', path: root, feature: 'policy-staging' },
        { method: 'PATCH', path: `${root}/{id}`, feature: 'policy-staging' },
        { method: 'DELETE', path: `${root}/{id}`, feature: 'policy-staging' },
        { method: 'POST', path: `${root}/{id}/updateAllowedCombinations`, feature: 'policy-staging' },
        { method: 'POST', path: `${root}/{id}/combinationConfigurations`, feature: 'policy-staging' },
        { method: 'PATCH', path: `${root}/{id}/combinationConfigurations/{id}`, feature: 'policy-staging' },
        { method: 'DELETE', path: `${root}/{id}/combinationConfigurations/{id}`, feature: 'policy-staging' },
      ]),
    ],
    leastPrivilege:
      'The only application permission that can create and update Conditional Access policies; also allowed for custom authentication strengths. ' +
      '(Policy.ReadWrite.AuthenticationMethod would also allow the strengths, but not the CA policies, and would add write access to every authentication method policy.)',
    broaderAlternatives: ['Policy.ReadWrite.AuthenticationMethod (strengths only, broader on method policies)'],
    withoutIt: 'Status, reminders and helpdesk lookups work; plan shows the dry run, but advance/rollback/pause answer that the app cannot change CA policies. An admin can make the same change in the Entra portal.',
    source: 'MGDC v1.0 api/conditionalaccessroot-post-policies.md, api/conditionalaccesspolicy-update.md (known issue: Policy.Read.All also required), api/authenticationstrengthpolicy-post-combinationconfigurations.md; graph-facts.md §4, §5',
  },
  {
    name: 'UserAuthMethod-Passkey.Read.All',
    level: 'recommended',
    features: ['passkey-details', 'helpdesk-methods'],
    operations: [
      { method: 'GET', path: '/users/{id}/authentication/fido2Methods', feature: 'passkey-details' },
      { method: 'GET', path: '/users/{id}/authentication/fido2Methods/{id}', feature: 'passkey-details' },
    ],
    leastPrivilege: 'Reads only passkeys (FIDO2 methods), and only for the users whose cohort needs AAGUID or attestation detail. Chosen over UserAuthenticationMethod.Read.All for this call.',
    broaderAlternatives: ['UserAuthenticationMethod.Read.All', 'UserAuthMethod-Passkey.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'],
    withoutIt: 'Passkey kind comes only from the registration report; tier0 cohorts (AAGUID allow list, attestation) cannot be evaluated and show as "unknown" with this reason.',
    source: 'MGDC v1.0 includes/permissions/fido2authenticationmethod-list-permissions.md; graph-facts.md §2',
  },
  {
    name: 'UserAuthenticationMethod.Read.All',
    level: 'recommended',
    features: ['helpdesk-methods'],
    operations: [
      { method: 'GET', path: '/users/{id}/authentication/methods', feature: 'helpdesk-methods' },
      { method: 'GET', path: '/users/{id}/authentication/methods/{id}', feature: 'helpdesk-methods' },
      ...USER_AUTH_METHOD_TYPES.flatMap((type): GraphOperation[] => [
        { method: 'GET', path: `/users/{id}/authentication/${type}`, feature: 'helpdesk-methods' },
        { method: 'GET', path: `/users/{id}/authentication/${type}/{id}`, feature: 'helpdesk-methods' },
      ]),
    ],
    leastPrivilege:
      'Least privileged permission for the list of all of a user\'s methods, which the helpdesk card shows in one request. ' +
      'Per-type granular permissions (UserAuthMethod-Phone.Read.All, UserAuthMethod-TAP.Read.All, …) exist, but reading each type ' +
      'separately would cost one request per type against the 5-requests-per-10-seconds reports budget.',
    broaderAlternatives: ['UserAuthenticationMethod.ReadWrite.All'],
    withoutIt: 'The helpdesk card shows passkeys and the registration report\'s summary only, with a note that other methods cannot be read.',
    source: 'MGDC v1.0 includes/permissions/authentication-list-methods-2-permissions.md; graph-facts.md §2',
  },
  {
    name: 'UserAuthenticationMethod.ReadWrite.All',
    level: 'optional',
    features: ['tap'],
    operations: [{ method: 'POST', path: '/users/{id}/authentication/temporaryAccessPassMethods', feature: 'tap' }],
    leastPrivilege:
      'The permission the Create temporaryAccessPassMethod page documents for application calls. It is broad: it can add and ' +
      'delete any authentication method of any user, which is why it is optional and not granted by default.',
    broaderAlternatives: [],
    withoutIt: '`tap <user>` answers that the app may not issue Temporary Access Passes; helpdesk issues them in the Entra portal (the bot still shows who needs one).',
    unconfirmed:
      'The granular UserAuthMethod-TAP.ReadWrite.All is listed in newer generated permission tables for TAP methods, but the create page ' +
      'does not document it as sufficient (graph-facts.md §7, open item 7). Granting it instead of UserAuthenticationMethod.ReadWrite.All may work; test in your tenant.',
    source: 'MGDC v1.0 api/authentication-post-temporaryaccesspassmethods.md; includes/permissions/authentication-post-temporaryaccesspassmethods-permissions.md',
  },
  {
    name: 'GroupMember.ReadWrite.All',
    level: 'recommended',
    features: ['exemptions-group'],
    operations: [
      { method: 'POST', path: '/groups/{id}/members/$ref', feature: 'exemptions-group' },
      { method: 'DELETE', path: '/groups/{id}/members/{id}/$ref', feature: 'exemptions-group' },
    ],
    leastPrivilege:
      'Least privileged permission to add and remove group members (the exemptions group excluded from the enforced policy). ' +
      'It cannot change role-assignable groups (those need RoleManagement.ReadWrite.Directory, which the bot never asks for), so keep the exemptions group non-role-assignable.',
    broaderAlternatives: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    withoutIt: '`exempt` answers that the app cannot change the exemptions group; an admin adds the user to the group in the portal and the bot picks it up on the next sync.',
    unconfirmed: 'One revision of the Add members page listed "GroupMember.ReadWrite.All and User.ReadWrite.All" for user members; the current page lists GroupMember.ReadWrite.All. The bot asks only for the latter.',
    source: 'learn graph/api/group-post-members, graph/api/group-delete-members',
  },
  {
    name: 'Directory.Read.All',
    level: 'optional',
    features: ['registration-sync'],
    operations: [{ method: 'GET', path: '/auditLogs/directoryAudits', feature: 'registration-sync', alsoNeeds: ['AuditLog.Read.All'] }],
    leastPrivilege:
      'The directory audit log needs AuditLog.Read.All and Directory.Read.All together (the List directoryAudits page). The bot reads only ' +
      'the "Authentication Methods" entries, to learn who registered or deleted security info since the last sync, so an incremental sync ' +
      're-reads those people instead of the whole registration report. Directory.Read.All is broad, so it is optional.',
    broaderAlternatives: ['Directory.ReadWrite.All'],
    withoutIt: 'Incremental syncs cannot see who changed their security info, so every sync sweeps the whole registration report (one request per 999 people, within the reports budget) — slower on large tenants, same result.',
    source: 'MGDC v1.0 includes/permissions/directoryaudit-list-permissions.md; resources/directoryaudit.md',
  },
  {
    name: 'Group.Create',
    level: 'optional',
    features: ['exemptions-group-create'],
    operations: [{ method: 'POST', path: '/groups', feature: 'exemptions-group-create' }],
    leastPrivilege: 'Creates groups (the app becomes owner of what it creates); it cannot read or change other groups. Only used to create a campaign\'s exemptions group.',
    broaderAlternatives: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
    withoutIt: 'Create the exemptions group yourself (security group, not role-assignable) and tell the bot its name when the campaign asks.',
    source: 'MGDC v1.0 api/group-post-groups.md',
  },
  {
    name: 'TeamsAppInstallation.ReadWriteSelfForUser.All',
    level: 'required',
    features: ['proactive-install'],
    operations: [
      { method: 'GET', path: '/users/{id}/teamwork/installedApps', feature: 'proactive-install' },
      { method: 'POST', path: '/users/{id}/teamwork/installedApps', feature: 'proactive-install' },
      { method: 'GET', path: '/users/{id}/teamwork/installedApps/{id}', feature: 'proactive-install' },
      { method: 'GET', path: '/users/{id}/teamwork/installedApps/{id}/chat', feature: 'proactive-install' },
    ],
    leastPrivilege:
      'Lets the app install, read and remove only itself for users ("Self"); the manifest\'s webApplicationInfo.id ties the Teams app to this identity. ' +
      'TeamsAppInstallation.ReadForUser.All would be enough for the reads, but the install needs the ReadWrite "Self" permission, which covers them.',
    broaderAlternatives: ['TeamsAppInstallation.ReadWriteForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All', 'TeamsAppInstallation.ReadWriteAndConsentForUser.All'],
    withoutIt: 'Only people who opened the bot themselves get reminders; everyone else is marked "not reachable: app not installed" in status.',
    source: 'MGDC v1.0 includes/permissions/userteamwork-post-installedapps-permissions.md, userteamwork-list-installedapps-permissions.md, userscopeteamsappinstallation-get-chat-permissions.md; graph-facts.md §9',
  },
  {
    name: 'AppCatalog.Read.All',
    level: 'required',
    features: ['proactive-install'],
    operations: [
      { method: 'GET', path: '/appCatalogs/teamsApps', feature: 'proactive-install' },
      { method: 'GET', path: '/appCatalogs/teamsApps/{id}', feature: 'proactive-install' },
    ],
    leastPrivilege: 'Least privileged application permission to find the catalog id of the bot\'s own Teams app (the catalog id differs from the manifest id).',
    broaderAlternatives: ['AppCatalog.ReadWrite.All'],
    withoutIt: 'The proactive install cannot find the app in the catalog, so only people who opened the bot themselves get reminders.',
    source: 'MGDC v1.0 api/appcatalogs-list-teamsapps.md; graph-facts.md §9',
  },
  {
    name: 'MailboxSettings.Read',
    level: 'recommended',
    features: ['time-zones'],
    operations: [{ method: 'GET', path: '/users/{id}/mailboxSettings', feature: 'time-zones' }],
    leastPrivilege: 'Least privileged permission for a user\'s time zone and working hours. Exchange Online RBAC for applications can scope it to a subset of mailboxes.',
    broaderAlternatives: ['MailboxSettings.ReadWrite'],
    withoutIt: 'Reminder times use the user\'s usage location, then the campaign\'s time zone; people may be reminded outside their own working hours.',
    source: 'MGDC v1.0 api/user-get-mailboxsettings.md',
  },
  {
    name: 'Chat.Read.All',
    level: 'optional',
    features: ['delivery-check'],
    operations: [
      { method: 'GET', path: '/chats/{id}/messages', feature: 'delivery-check' },
      { method: 'GET', path: '/chats/{id}/messages/{id}', feature: 'delivery-check' },
      { method: 'GET', path: '/users/{id}/chats/{id}/messages', feature: 'delivery-check' },
      { method: 'GET', path: '/users/{id}/chats/{id}/messages/{id}', feature: 'delivery-check' },
    ],
    leastPrivilege:
      'Teams has no idempotent send, so a reminder whose send was in flight when the bot crashed may or may not have landed. With this permission ' +
      'the bot reads the last messages of that one 1:1 chat back (the outbox key is embedded in every card) before sending again: exactly once. ' +
      'It reads only chats between the bot and a person it was sending to, and only after a crash or an ambiguous 502/504, but the permission ' +
      'itself reaches every chat in the tenant, which is why it is optional.',
    broaderAlternatives: ['Chat.ReadWrite.All'],
    withoutIt:
      'After a crash in the middle of a send, the bot cannot check whether the reminder reached the person and sends it again: at least once ' +
      'instead of exactly once. `status` counts these as "possible duplicates after a crash".',
    unconfirmed:
      'The current "List messages in a chat" page names the resource-specific ChatMessage.Read.Chat as least privileged (its generated ' +
      'permissions include lists Chat.Read.All first), and Chat.Read.WhereInstalled exists for chats where the app is installed; whether either ' +
      'covers a bot\'s personal-scope 1:1 chat is not documented (one RSC page lists chat RSC for group chats and meetings only). Listing chat ' +
      'messages with application permissions is a Teams protected API: request access at aka.ms/teamsgraph/requestaccess.',
    source:
      'MGDC v1.0 api/chat-list-messages.md, includes/permissions/chat-list-messages-permissions.md, beta api/chatmessage-get.md ' +
      '("message in a 1:1 chat between a user and a bot"), concepts/teams-protected-apis.md',
  },
  {
    name: 'Device.Read.All',
    level: 'optional',
    features: ['readiness-devices'],
    operations: [],
    leastPrivilege:
      'Reads device objects. Not called directly: registeredDevices is listed through the user (User.Read.All), but device properties ' +
      '(operatingSystem, operatingSystemVersion) may come back limited without a device permission.',
    broaderAlternatives: ['Directory.Read.All'],
    withoutIt: 'Readiness cannot tell "needs a device update" apart from "must register"; those users are counted as "must register".',
    unconfirmed: 'Whether registeredDevices returns operatingSystemVersion with User.Read.All alone ("limited information" rule). Grant it only if readiness shows devices without versions.',
    source: 'MGDC v1.0 includes/permissions/user-list-registereddevices-permissions.md, includes/limited-info.md',
  },
];

/** Microsoft Graph's application id (the resource whose app roles are granted). */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** The permission names to grant at a level and every level before it. */
export function permissionsToGrant(upTo: PermissionLevel = 'recommended'): string[] {
  const order: PermissionLevel[] = ['required', 'recommended', 'optional'];
  const max = order.indexOf(upTo);
  return GRAPH_PERMISSIONS.filter((p) => order.indexOf(p.level) <= max).map((p) => p.name);
}

/** `/v1.0/users/abc/authentication/fido2Methods?$top=5` → `/users/abc/authentication/fido2Methods` (also from absolute URLs). */
export function normalizeGraphPath(pathOrUrl: string): string {
  let p = pathOrUrl.trim();
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]+(\/.*)?$/i.exec(p);
  if (abs) p = abs[1] ?? '/';
  p = p.split('#', 1)[0]!.split('?', 1)[0]!;
  if (!p.startsWith('/')) p = `/${p}`;
  p = p.replace(/^\/(v1\.0|beta)(?=\/|$)/i, '');
  if (p === '') p = '/';
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

const compiled = new Map<string, RegExp>();

function patternRegex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    let src = '';
    let last = 0;
    for (const m of pattern.matchAll(/\{\w+\}/g)) {
      src += escapeRegex(pattern.slice(last, m.index));
      src += "[^/]+?";
      last = m.index! + m[0].length;
    }
    src += escapeRegex(pattern.slice(last));
    re = new RegExp(`^${src}$`, 'i');
    compiled.set(pattern, re);
  }
  return re;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface OperationMatch {
  permission: GraphPermission;
  operation: GraphOperation;
}

/** Every table entry whose operation matches the request (normally exactly one). */
export function findGraphOperations(method: string, pathOrUrl: string): OperationMatch[] {
  const verb = method.toUpperCase();
  const path = safeDecodePath(normalizeGraphPath(pathOrUrl));
  const out: OperationMatch[] = [];
  for (const permission of GRAPH_PERMISSIONS) {
    for (const operation of permission.operations) {
      if (operation.method === verb && patternRegex(operation.path).test(path)) out.push({ permission, operation });
    }
  }
  return out;
}

function safeDecodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/**
 * For a Graph request that failed with 403 `Authorization_RequestDenied`: the permissions the app
 * needs for it and the feature it belongs to, or null when the request is not in the table (then
 * the 403 has another cause, e.g. an admin-only target or a license).
 */
export function permissionHintFor(method: string, path: string): { permissions: string[]; feature: string } | null {
  const matches = findGraphOperations(method, path);
  const first = matches[0];
  if (!first) return null;
  const permissions = [first.permission.name, ...(first.operation.alsoNeeds ?? [])];
  return { permissions: [...new Set(permissions)], feature: FEATURES[first.operation.feature] };
}

/** The one-line answer a person sees when a Graph call failed for a missing permission. */
export function permissionDeniedMessage(method: string, path: string): string | null {
  const hint = permissionHintFor(method, path);
  if (!hint) return null;
  const list = hint.permissions.length === 1 ? hint.permissions[0] : `${hint.permissions.slice(0, -1).join(', ')} and ${hint.permissions.at(-1)}`;
  return `I can't ${hint.feature}: the bot's app has not been granted ${list}. Ask a Global Administrator to grant it (docs/permissions.md).`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_NAME = /^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/**
 * The documented admin-consent URL for an **app registration**: a Global Administrator opens it and
 * grants every permission the registration lists. (A managed identity has no consent screen; its
 * app roles are assigned with `scripts/grant-graph-permissions.sh`.)
 */
export function adminConsentUrl(tenantId: string, clientId: string): string {
  if (!GUID.test(tenantId) && !TENANT_NAME.test(tenantId)) throw new RangeError(`tenant must be a tenant id (GUID) or a verified domain name, got "${tenantId}"`);
  if (!GUID.test(clientId)) throw new RangeError(`client id must be a GUID, got "${clientId}"`);
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}
