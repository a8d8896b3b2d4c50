import type { GraphAuthenticationStrengthPolicy, GraphFido2Method } from './model.js';
import { BUILT_IN_STRENGTHS } from './model.js';

/**
 * Built-in authentication strengths as `GET /policies/authenticationStrengthPolicies` lists them
 * (test/fixtures/graph/authentication-strength-policies-list.json), and the rule that decides whether
 * a set of methods used at sign-in satisfies a strength.
 */

const BUILT_IN_TIME = '2021-12-01T00:00:00Z';

export const BUILT_IN_STRENGTH_POLICIES: readonly GraphAuthenticationStrengthPolicy[] = [
  {
    id: BUILT_IN_STRENGTHS.mfa,
    createdDateTime: BUILT_IN_TIME,
    modifiedDateTime: BUILT_IN_TIME,
    displayName: 'Multifactor authentication',
    description: 'Combinations of methods that satisfy strong authentication, such as a password + SMS',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: [
      'windowsHelloForBusiness',
      'fido2',
      'x509CertificateMultiFactor',
      'deviceBasedPush',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      'password,microsoftAuthenticatorPush',
      'password,softwareOath',
      'password,hardwareOath',
      'password,x509CertificateSingleFactor',
      'password,x509CertificateMultiFactor',
      'password,sms',
      'password,voice',
      'federatedMultiFactor',
      'microsoftAuthenticatorPush,federatedSingleFactor',
      'softwareOath,federatedSingleFactor',
      'hardwareOath,federatedSingleFactor',
      'sms,federatedSingleFactor',
      'voice,federatedSingleFactor',
    ],
    combinationConfigurations: [],
  },
  {
    id: BUILT_IN_STRENGTHS.passwordlessMfa,
    createdDateTime: BUILT_IN_TIME,
    modifiedDateTime: BUILT_IN_TIME,
    displayName: 'Passwordless MFA',
    description: 'Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor', 'deviceBasedPush'],
    combinationConfigurations: [],
  },
  {
    id: BUILT_IN_STRENGTHS.phishingResistantMfa,
    createdDateTime: BUILT_IN_TIME,
    modifiedDateTime: BUILT_IN_TIME,
    displayName: 'Phishing resistant MFA',
    description: 'Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['windowsHelloForBusiness', 'fido2', 'x509CertificateMultiFactor'],
    combinationConfigurations: [],
  },
];

export const BUILT_IN_STRENGTH_IDS: ReadonlySet<string> = new Set(BUILT_IN_STRENGTH_POLICIES.map((p) => p.id));

/** authenticationMethodModes (graph-facts §4). */
export const AUTHENTICATION_METHOD_MODES: ReadonlySet<string> = new Set([
  'password',
  'voice',
  'hardwareOath',
  'softwareOath',
  'sms',
  'fido2',
  'windowsHelloForBusiness',
  'microsoftAuthenticatorPush',
  'deviceBasedPush',
  'temporaryAccessPassOneTime',
  'temporaryAccessPassMultiUse',
  'email',
  'x509CertificateSingleFactor',
  'x509CertificateMultiFactor',
  'federatedSingleFactor',
  'federatedMultiFactor',
  'qrCodePin',
]);

/** One way a user can complete a sign-in: the modes it presents, and the passkey when it is one. */
export interface SignInOption {
  modes: string[];
  passkey?: GraphFido2Method;
  /** Human label for authenticationDetails (beta sign-ins). */
  label: string;
}

export function optionSatisfies(strength: GraphAuthenticationStrengthPolicy, option: SignInOption): boolean {
  for (const combo of strength.allowedCombinations) {
    const parts = combo.split(',').map((p) => p.trim());
    if (!parts.every((p) => option.modes.includes(p))) continue;
    if (parts.includes('fido2') && option.passkey) {
      const aaGuid = option.passkey.aaGuid.toLowerCase();
      const restricted = strength.combinationConfigurations.filter(
        (c) => c.appliesToCombinations.includes('fido2') || c.appliesToCombinations.includes(combo),
      );
      if (restricted.some((c) => c.allowedAAGUIDs.length > 0 && !c.allowedAAGUIDs.map((g) => g.toLowerCase()).includes(aaGuid))) continue;
    }
    return true;
  }
  return false;
}
