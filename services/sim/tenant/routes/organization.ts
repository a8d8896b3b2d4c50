import { resourceNotFound } from '../graph-http.js';
import { ROLE_TEMPLATES } from '../model.js';
import { project } from '../odata-query.js';
import { collection, contextUrl, ok, type RouteContext, type Router } from '../route-kit.js';
import { createdMs, type TenantState } from '../tenant-state.js';

const DAY_MS = 86_400_000;

/** Service plans (platform constants): Entra ID P1 (AAD_PREMIUM), P2 (AAD_PREMIUM_P2), and MFA as in the docs' example. */
const PLANS = [
  { service: 'AADPremiumService', servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' },
  { service: 'AADPremiumService', servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998' },
  { service: 'MultiFactorService', servicePlanId: '8a256a2b-b617-496d-b51b-e76466e88db0' },
];

const KNOWN = new Set([
  'id',
  'deletedDateTime',
  'businessPhones',
  'city',
  'country',
  'countryLetterCode',
  'createdDateTime',
  'defaultUsageLocation',
  'displayName',
  'isMultipleDataLocationsForServicesEnabled',
  'marketingNotificationEmails',
  'onPremisesLastSyncDateTime',
  'onPremisesSyncEnabled',
  'partnerTenantType',
  'postalCode',
  'preferredLanguage',
  'securityComplianceNotificationMails',
  'securityComplianceNotificationPhones',
  'state',
  'street',
  'technicalNotificationMails',
  'tenantType',
  'directorySizeQuota',
  'assignedPlans',
  'privacyProfile',
  'provisionedPlans',
  'verifiedDomains',
]);

const cache = new WeakMap<TenantState, { created: string; country: string }>();

/** Facts computed once per tenant (one pass over the users): creation time and country. */
function derived(state: TenantState): { created: string; country: string } {
  let d = cache.get(state);
  if (d) return d;
  // The tenant predates everything in it: a day before its oldest dated method (or the file's origin).
  let earliest = state.generatedAtMs;
  const countries = new Map<string, number>();
  for (const u of state.users.values()) {
    for (const m of u.authenticationMethods) {
      const t = createdMs(m);
      if (Number.isFinite(t) && t < earliest) earliest = t;
    }
    if (u.usageLocation) countries.set(u.usageLocation, (countries.get(u.usageLocation) ?? 0) + 1);
  }
  const created = new Date(Math.floor(earliest / DAY_MS) * DAY_MS - DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let country = 'US';
  let best = 0;
  for (const [c, n] of [...countries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (n > best) {
      best = n;
      country = c;
    }
  }
  d = { created, country };
  cache.set(state, d);
  return d;
}

/** The technical contact: the first enabled Global Administrator (direct member) with a mailbox. */
function technicalContact(state: TenantState): string[] {
  for (const r of state.roles.values()) {
    if (r.roleTemplateId !== ROLE_TEMPLATES.globalAdministrator) continue;
    for (const id of [...state.roleMembership.members(r.id)].sort()) {
      const u = state.users.get(id);
      if (u?.mail && u.accountEnabled) return [u.mail];
    }
  }
  return [];
}

/** The tenant's `organization` object (shape of `api-reference/v1.0/api/organization-list.md`). */
export function organizationObject(state: TenantState): Record<string, unknown> {
  const { created, country } = derived(state);
  const domain = state.domain.toLowerCase();
  const initial = domain.endsWith('.onmicrosoft.com') ? domain : `${domain.split('.')[0]}.onmicrosoft.com`;
  const verifiedDomains = [
    { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: initial === domain, name: state.domain, type: 'Managed' },
  ];
  if (initial !== domain) verifiedDomains.push({ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: false, isInitial: true, name: initial, type: 'Managed' });
  const used = state.users.size + state.groups.size;
  return {
    id: state.tenantId,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: country,
    createdDateTime: created,
    defaultUsageLocation: null,
    displayName: state.file.tenant.displayName,
    isMultipleDataLocationsForServicesEnabled: null,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    partnerTenantType: null,
    postalCode: null,
    preferredLanguage: 'en',
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: technicalContact(state),
    tenantType: 'AAD',
    directorySizeQuota: { used, total: used <= 50_000 ? 50_000 : 300_000 * Math.ceil(used / 300_000) },
    assignedPlans: PLANS.map((p) => ({ assignedDateTime: created, capabilityStatus: 'Enabled', ...p })),
    privacyProfile: null,
    provisionedPlans: ['AADPremiumService', 'MultiFactorService'].map((service) => ({ capabilityStatus: 'Enabled', provisioningStatus: 'Success', service })),
    verifiedDomains,
  };
}

function listOrganization(ctx: RouteContext) {
  ctx.query.allowOnly(['$select']);
  const select = ctx.query.select();
  const org = project(organizationObject(ctx.state), select, KNOWN, 'organization');
  return collection(ctx, `organization${select ? `(${select.join(',')})` : ''}`, [org]);
}

function getOrganization(ctx: RouteContext) {
  ctx.query.allowOnly(['$select']);
  const id = ctx.params.orgId!;
  if (id.toLowerCase() !== ctx.state.tenantId.toLowerCase()) throw resourceNotFound(id);
  const select = ctx.query.select();
  return ok({
    '@odata.context': contextUrl(ctx, `organization${select ? `(${select.join(',')})` : ''}/$entity`),
    ...project(organizationObject(ctx.state), select, KNOWN, 'organization'),
  });
}

export function registerOrganizationRoutes(r: Router): void {
  r.add('GET', '/organization', listOrganization).add('GET', '/organization/{orgId}', getOrganization);
}
