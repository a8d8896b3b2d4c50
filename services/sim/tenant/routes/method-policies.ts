import { notFound } from '../graph-http.js';
import { contextUrl, noContent, ok, requireObjectBody, type RouteContext, type Router } from '../route-kit.js';
import { fido2Object, tapConfigObject } from '../serializers.js';

const BASE = '/policies/authenticationMethodsPolicy';

/** Method configurations the bot never changes, served as the documented example shows them. */
function staticConfigurations(ctx: RouteContext): Record<string, unknown>[] {
  const target = (extra: Record<string, unknown> = {}) => [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false, ...extra }];
  const inc = (id: string, type: string) =>
    `${ctx.baseUrl}/${ctx.version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('${id}')/microsoft.graph.${type}/includeTargets`;
  return [
    {
      '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration',
      id: 'MicrosoftAuthenticator',
      state: 'enabled',
      isSoftwareOathEnabled: false,
      excludeTargets: [],
      featureSettings: {
        numberMatchingRequiredState: {
          state: 'enabled',
          includeTarget: { targetType: 'group', id: 'all_users' },
          excludeTarget: { targetType: 'group', id: '00000000-0000-0000-0000-000000000000' },
        },
      },
      'includeTargets@odata.context': inc('MicrosoftAuthenticator', 'microsoftAuthenticatorAuthenticationMethodConfiguration'),
      includeTargets: target({ authenticationMode: 'any' }),
    },
    {
      '@odata.type': '#microsoft.graph.smsAuthenticationMethodConfiguration',
      id: 'Sms',
      state: 'enabled',
      excludeTargets: [],
      'includeTargets@odata.context': inc('Sms', 'smsAuthenticationMethodConfiguration'),
      includeTargets: target({ isUsableForSignIn: false }),
    },
    {
      '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethodConfiguration',
      id: 'SoftwareOath',
      state: 'enabled',
      excludeTargets: [],
      'includeTargets@odata.context': inc('SoftwareOath', 'softwareOathAuthenticationMethodConfiguration'),
      includeTargets: target(),
    },
    {
      '@odata.type': '#microsoft.graph.voiceAuthenticationMethodConfiguration',
      id: 'Voice',
      state: 'disabled',
      isOfficePhoneAllowed: false,
      excludeTargets: [],
      'includeTargets@odata.context': inc('Voice', 'voiceAuthenticationMethodConfiguration'),
      includeTargets: target(),
    },
    {
      '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration',
      id: 'Email',
      state: 'enabled',
      allowExternalIdToUseEmailOtp: 'default',
      excludeTargets: [],
      'includeTargets@odata.context': inc('Email', 'emailAuthenticationMethodConfiguration'),
      includeTargets: target(),
    },
  ];
}

function fido2WithContext(ctx: RouteContext): Record<string, unknown> {
  const f = fido2Object(ctx.state.fido2.current()!);
  const { includeTargets, passkeyProfiles, ...rest } = f;
  return {
    ...rest,
    'includeTargets@odata.context': `${ctx.baseUrl}/${ctx.version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('Fido2')/microsoft.graph.fido2AuthenticationMethodConfiguration/includeTargets`,
    includeTargets,
    passkeyProfiles,
  };
}

function tapWithContext(ctx: RouteContext): Record<string, unknown> {
  const t = tapConfigObject(ctx.state.tapPolicy);
  const { includeTargets, ...rest } = t;
  return {
    ...rest,
    'includeTargets@odata.context': `${ctx.baseUrl}/${ctx.version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('TemporaryAccessPass')/microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration/includeTargets`,
    includeTargets,
  };
}

function lastModified(ctx: RouteContext): string {
  const h = ctx.state.fido2.history();
  const last = h[h.length - 1]!.atMs;
  return Number.isFinite(last) ? new Date(last).toISOString() : ctx.state.file.tenant.generatedAt;
}

function getPolicy(ctx: RouteContext) {
  return ok({
    '@odata.context': contextUrl(ctx, 'authenticationMethodsPolicy'),
    id: 'authenticationMethodsPolicy',
    displayName: 'Authentication Methods Policy',
    description:
      'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings',
    lastModifiedDateTime: lastModified(ctx),
    policyVersion: '1.5',
    policyMigrationState: 'migrationComplete',
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: 1,
        enforceRegistrationAfterAllowedSnoozes: true,
        state: 'disabled',
        excludeTargets: [],
        includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
      },
    },
    systemCredentialPreferences: { state: 'enabled', excludeTargets: [], includeTargets: [{ id: 'all_users', targetType: 'group' }] },
    reportSuspiciousActivitySettings: { state: 'disabled', voiceReportingCode: 0, includeTarget: { id: 'all_users', targetType: 'group' } },
    'authenticationMethodConfigurations@odata.context': contextUrl(ctx, 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations'),
    authenticationMethodConfigurations: [
      fido2WithContext(ctx),
      ...staticConfigurations(ctx).slice(0, 2),
      tapWithContext(ctx),
      ...staticConfigurations(ctx).slice(2),
    ],
  });
}

function getConfiguration(ctx: RouteContext) {
  const id = ctx.params.configId!.toLowerCase();
  const ctxUrl = contextUrl(ctx, 'authenticationMethodConfigurations/$entity');
  if (id === 'fido2') return ok({ '@odata.context': ctxUrl, ...fido2Object(ctx.state.fido2.current()!) });
  if (id === 'temporaryaccesspass') return ok({ '@odata.context': ctxUrl, ...tapConfigObject(ctx.state.tapPolicy) });
  const found = staticConfigurations(ctx).find((c) => String(c.id).toLowerCase() === id);
  if (!found) throw notFound(`Authentication method configuration '${ctx.params.configId}' was not found.`, 'itemNotFound');
  const { 'includeTargets@odata.context': _c, ...rest } = found;
  return ok({ '@odata.context': ctxUrl, ...rest });
}

function patchFido2(ctx: RouteContext) {
  ctx.state.patchFido2(requireObjectBody(ctx), ctx.now);
  return noContent();
}

export function registerMethodPolicyRoutes(r: Router): void {
  r.add('GET', BASE, getPolicy)
    .add('PATCH', `${BASE}/authenticationMethodConfigurations/fido2`, patchFido2)
    .add('GET', `${BASE}/authenticationMethodConfigurations/{configId}`, getConfiguration);
}
