/**
 * Who may do what through the bot, derived from Entra: directory roles (by template id) and the
 * configured admin/helpdesk groups. The bot never lets anyone do through it what Entra would not let
 * them do themselves (DESIGN.md "Security").
 */

export type BotRole = 'admin' | 'helpdesk' | 'user';

/** Directory role template ids (stable platform constants, learn "Microsoft Entra built-in roles"). */
export const ROLE_TEMPLATE_IDS = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
} as const;

export const ROLE_NAMES: Record<string, string> = {
  [ROLE_TEMPLATE_IDS.globalAdministrator]: 'Global Administrator',
  [ROLE_TEMPLATE_IDS.securityAdministrator]: 'Security Administrator',
  [ROLE_TEMPLATE_IDS.conditionalAccessAdministrator]: 'Conditional Access Administrator',
  [ROLE_TEMPLATE_IDS.authenticationPolicyAdministrator]: 'Authentication Policy Administrator',
  [ROLE_TEMPLATE_IDS.authenticationAdministrator]: 'Authentication Administrator',
  [ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE_TEMPLATE_IDS.helpdeskAdministrator]: 'Helpdesk Administrator',
};

/** DESIGN.md default mapping. */
export const ADMIN_ROLE_TEMPLATES: readonly string[] = [
  ROLE_TEMPLATE_IDS.globalAdministrator,
  ROLE_TEMPLATE_IDS.securityAdministrator,
  ROLE_TEMPLATE_IDS.conditionalAccessAdministrator,
  ROLE_TEMPLATE_IDS.authenticationPolicyAdministrator,
];
export const HELPDESK_ROLE_TEMPLATES: readonly string[] = [
  ROLE_TEMPLATE_IDS.authenticationAdministrator,
  ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator,
  ROLE_TEMPLATE_IDS.helpdeskAdministrator,
];

/** Roles that make a *target* user privileged: their methods are managed only by a Privileged Authentication Administrator (or Global Administrator). */
export const PRIVILEGED_TARGET_ROLE_TEMPLATES: readonly string[] = [
  ...ADMIN_ROLE_TEMPLATES,
  ...HELPDESK_ROLE_TEMPLATES,
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
  'fe930be7-5e62-47db-91af-98c3a49a38b1', // User Administrator
  '29232cdf-9323-42fd-ade2-1d097af3e4de', // Exchange Administrator
  'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', // SharePoint Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  '7698a772-787b-4ac8-901f-60d6b08affd2', // Cloud Device Administrator
  '3a2c62db-5318-420d-8d74-23affee5d9d5', // Intune Administrator
];

export interface Access {
  /** The highest bot role; `admin` implies everything `helpdesk` may do. */
  role: BotRole;
  roles: Set<BotRole>;
  /** Directory role template ids the user holds. */
  roleTemplateIds: string[];
  /** Configured bot groups the user is in. */
  groupIds: string[];
  /** Where the role came from, in words, for `whoami`. */
  sources: string[];
  /** Entra-derived rights that do not follow the bot role. */
  canIssueTap: 'none' | 'non-privileged' | 'all';
  canManagePrivilegedUsersMethods: boolean;
}

export interface RoleGroups {
  adminGroupIds: string[];
  helpdeskGroupIds: string[];
}

export function resolveAccess(roleTemplateIds: string[], memberOfGroupIds: string[], groups: RoleGroups): Access {
  const held = new Set(roleTemplateIds.map((r) => r.toLowerCase()));
  const inGroups = new Set(memberOfGroupIds.map((g) => g.toLowerCase()));
  const sources: string[] = [];
  for (const id of held) if (ROLE_NAMES[id]) sources.push(ROLE_NAMES[id]!);
  const adminGroups = groups.adminGroupIds.filter((g) => inGroups.has(g.toLowerCase()));
  const helpdeskGroups = groups.helpdeskGroupIds.filter((g) => inGroups.has(g.toLowerCase()));
  for (const g of adminGroups) sources.push(`bot admin group ${g}`);
  for (const g of helpdeskGroups) sources.push(`bot helpdesk group ${g}`);

  const isAdmin = ADMIN_ROLE_TEMPLATES.some((r) => held.has(r)) || adminGroups.length > 0;
  const isHelpdesk = isAdmin || HELPDESK_ROLE_TEMPLATES.some((r) => held.has(r)) || helpdeskGroups.length > 0;
  const roles = new Set<BotRole>(['user']);
  if (isHelpdesk) roles.add('helpdesk');
  if (isAdmin) roles.add('admin');

  // Temporary Access Pass in Entra: Authentication Administrator (non-privileged users), Privileged
  // Authentication Administrator and Global Administrator (everyone). Helpdesk Administrators cannot.
  const all = held.has(ROLE_TEMPLATE_IDS.globalAdministrator) || held.has(ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator);
  const nonPrivileged = held.has(ROLE_TEMPLATE_IDS.authenticationAdministrator);
  return {
    role: isAdmin ? 'admin' : isHelpdesk ? 'helpdesk' : 'user',
    roles,
    roleTemplateIds: [...held],
    groupIds: [...adminGroups, ...helpdeskGroups],
    sources,
    canIssueTap: all ? 'all' : nonPrivileged ? 'non-privileged' : 'none',
    canManagePrivilegedUsersMethods: all,
  };
}

export function isPrivilegedTarget(roleTemplateIds: string[]): boolean {
  const held = new Set(roleTemplateIds.map((r) => r.toLowerCase()));
  return PRIVILEGED_TARGET_ROLE_TEMPLATES.some((r) => held.has(r));
}
