import type { GraphVersion } from './graph-http.js';
import type { GraphAuthenticationMethod, GraphFido2Method, SimBehaviour, SimUser } from './model.js';
import { tapUsability, type TenantState } from './tenant-state.js';

/**
 * The user registration details report, derived from each user's current methods. The report
 * spells passkeys differently across tenants and eras (graph-facts §3), so the spelling follows
 * `behaviour.registrationReportPasskeyValues`.
 */

/** AAGUIDs of passkeys that live in Microsoft Authenticator (device-bound). */
export const AUTHENTICATOR_AAGUIDS: ReadonlySet<string> = new Set([
  '90a3ccdf-635c-4729-a248-9b709135078f', // Microsoft Authenticator for iOS
  'de1e552d-db1d-4423-a619-566b625cdc84', // Microsoft Authenticator for Android
]);

/** AAGUIDs of Windows Hello passkeys. */
export const WINDOWS_HELLO_AAGUIDS: ReadonlySet<string> = new Set([
  '08987058-cadc-4b81-b6e1-30de50dcbe96',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2',
]);

export type PasskeyKind = 'securityKey' | 'authenticator' | 'windowsHello' | 'synced';

export function passkeyKind(m: GraphFido2Method): PasskeyKind {
  if (m.passkeyType === 'synced') return 'synced';
  const g = m.aaGuid.toLowerCase();
  if (AUTHENTICATOR_AAGUIDS.has(g)) return 'authenticator';
  if (WINDOWS_HELLO_AAGUIDS.has(g)) return 'windowsHello';
  return 'securityKey';
}

const ORDER = [
  'email',
  'mobilePhone',
  'alternateMobilePhone',
  'officePhone',
  'microsoftAuthenticatorPush',
  'softwareOneTimePasscode',
  'fido2SecurityKey',
  'passKeyDeviceBound',
  'passKeyDeviceBoundAuthenticator',
  'passKeyDeviceBoundWindowsHello',
  'passKeySynced',
  'windowsHelloForBusiness',
  'temporaryAccessPass',
];

export function methodsRegistered(
  methods: readonly GraphAuthenticationMethod[],
  mode: SimBehaviour['registrationReportPasskeyValues'],
  nowMs: number,
): string[] {
  const out = new Set<string>();
  for (const m of methods) {
    switch (m['@odata.type']) {
      case '#microsoft.graph.fido2AuthenticationMethod': {
        if (mode === 'legacy') {
          out.add('fido2SecurityKey');
          break;
        }
        const kind = passkeyKind(m);
        if (kind === 'synced') {
          if (mode === 'current') out.add('passKeySynced');
        } else if (kind === 'authenticator') out.add('passKeyDeviceBoundAuthenticator');
        else if (kind === 'windowsHello') out.add('passKeyDeviceBoundWindowsHello');
        else out.add('passKeyDeviceBound');
        break;
      }
      case '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod':
        out.add('windowsHelloForBusiness');
        break;
      case '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod':
        out.add('microsoftAuthenticatorPush');
        break;
      case '#microsoft.graph.phoneAuthenticationMethod':
        out.add(m.phoneType === 'office' ? 'officePhone' : m.phoneType === 'alternateMobile' ? 'alternateMobilePhone' : 'mobilePhone');
        break;
      case '#microsoft.graph.emailAuthenticationMethod':
        out.add('email');
        break;
      case '#microsoft.graph.softwareOathAuthenticationMethod':
        out.add('softwareOneTimePasscode');
        break;
      case '#microsoft.graph.temporaryAccessPassAuthenticationMethod':
        if (tapUsability(m, nowMs).methodUsabilityReason !== 'Expired') out.add('temporaryAccessPass');
        break;
      default:
        break;
    }
  }
  return [...out].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
}

/** The report's row for one user, in the documented property order. */
export function registrationRow(user: SimUser, state: TenantState, version: GraphVersion, nowMs: number): Record<string, unknown> {
  const methods = user.authenticationMethods;
  const has = (t: GraphAuthenticationMethod['@odata.type']) => methods.some((m) => m['@odata.type'] === t);
  const fido2Enabled = state.fido2.current()?.state === 'enabled';
  const hasFido2 = has('#microsoft.graph.fido2AuthenticationMethod');
  const hasWhfb = has('#microsoft.graph.windowsHelloForBusinessAuthenticationMethod');
  const hasAuthenticator = has('#microsoft.graph.microsoftAuthenticatorAuthenticationMethod');
  const hasPhone = has('#microsoft.graph.phoneAuthenticationMethod');
  const hasOath = has('#microsoft.graph.softwareOathAuthenticationMethod');
  const hasEmail = has('#microsoft.graph.emailAuthenticationMethod');
  const mfaRegistered = hasFido2 || hasWhfb || hasAuthenticator || hasPhone || hasOath;
  const mfaCapable = (hasFido2 && fido2Enabled) || hasWhfb || hasAuthenticator || hasPhone || hasOath;
  const ssprRegistered = hasPhone || hasEmail || hasAuthenticator || hasOath;
  const systemPreferred = hasFido2 && fido2Enabled ? ['Fido2'] : hasAuthenticator ? ['push'] : hasOath ? ['oath'] : hasPhone ? ['sms'] : [];
  const userPreferred = hasAuthenticator ? 'push' : hasPhone ? 'sms' : hasOath ? 'oath' : '';
  const row: Record<string, unknown> = {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    userDisplayName: user.displayName,
    isAdmin: state.roleTemplatesOf(user.id).length > 0,
    isSsprRegistered: ssprRegistered,
    isSsprEnabled: true,
    isSsprCapable: ssprRegistered,
    isMfaRegistered: mfaRegistered,
    isMfaCapable: mfaCapable,
    isPasswordlessCapable: (hasFido2 && fido2Enabled) || hasWhfb,
    lastUpdatedDateTime: user.registrationLastUpdated,
    methodsRegistered: methodsRegistered(methods, state.file.behaviour.registrationReportPasskeyValues, nowMs),
  };
  if (version === 'beta') {
    row.defaultMfaMethod = hasAuthenticator ? 'microsoftAuthenticatorPush' : hasPhone ? 'mobilePhone' : hasOath ? 'softwareOneTimePasscode' : '';
  }
  row.isSystemPreferredAuthenticationMethodEnabled = true;
  row.systemPreferredAuthenticationMethods = systemPreferred;
  row.userPreferredMethodForSecondaryAuthentication = userPreferred;
  row.userType = user.userType === 'Guest' ? 'guest' : 'member';
  return row;
}
