/**
 * What policy staging needs from Entra (issue 5): Conditional Access policies, authentication
 * strengths, the passkey policy, the exemptions group, sign-in evidence, Temporary Access Passes and
 * who the admins are. One Graph adapter implements them (services/graph/graph-policy-gateway.ts).
 */
import type { PasskeyPolicy } from './registration-source.js';

export type CallPriority = 'interactive' | 'background';

/** `conditions.users` of a CA policy, every array present (Graph always returns them). */
export interface CaUsers {
  includeUsers: string[];
  excludeUsers: string[];
  includeGroups: string[];
  excludeGroups: string[];
  includeRoles: string[];
  excludeRoles: string[];
  /** Anything else Graph returned (guests/external users), kept as is on write. */
  [other: string]: unknown;
}

export type CaState = 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';

export interface CaPolicy {
  id: string;
  displayName: string;
  state: CaState | string;
  createdDateTime: string | null;
  /** Moves on every change (portal or API); the only concurrency signal CA policies have. */
  modifiedDateTime: string | null;
  users: CaUsers;
  strengthId: string | null;
  builtInControls: string[];
  grantOperator: string | null;
  includeApplications: string[];
  excludeApplications: string[];
  clientAppTypes: string[];
}

export interface AuthStrength {
  id: string;
  displayName: string;
  policyType: 'builtIn' | 'custom' | string;
  allowedCombinations: string[];
  combinationConfigurations: { id: string; appliesToCombinations: string[]; allowedAAGUIDs: string[] }[];
  modifiedDateTime: string | null;
}

export interface GraphWrite {
  /** Graph's `request-id`, kept in the audit log. */
  requestId: string | null;
}

export interface PolicyGateway {
  getPolicy(id: string, priority?: CallPriority): Promise<CaPolicy | null>;
  policiesNamed(displayName: string): Promise<CaPolicy[]>;
  createPolicy(body: Record<string, unknown>): Promise<GraphWrite & { policy: CaPolicy }>;
  /** PATCH (204); collections in the body replace the stored ones whole. */
  patchPolicy(id: string, patch: Record<string, unknown>): Promise<GraphWrite>;
  getStrength(id: string, priority?: CallPriority): Promise<AuthStrength | null>;
  strengthsNamed(displayName: string): Promise<AuthStrength[]>;
  createStrength(body: { displayName: string; description: string; allowedCombinations: string[] }): Promise<GraphWrite & { strength: AuthStrength }>;
  /** Restricts `fido2` in a custom strength to these AAGUIDs (combinationConfigurations). */
  restrictFido2(strengthId: string, aaguids: string[]): Promise<GraphWrite>;
  /** Replaces the AAGUIDs of an existing fido2 combination configuration. */
  updateFido2Restriction(strengthId: string, configId: string, aaguids: string[]): Promise<GraphWrite>;
  /** Removes a fido2 combination configuration: the strength accepts any passkey again. */
  removeFido2Restriction(strengthId: string, configId: string): Promise<GraphWrite>;
  passkeyPolicy(priority?: CallPriority): Promise<PasskeyPolicy | null>;
}

export interface GroupWriter {
  createSecurityGroup(displayName: string, mailNickname: string, description: string): Promise<GraphWrite & { id: string }>;
  /** `already` when the user was a member already (Graph answers 400 for a duplicate reference). */
  addMember(groupId: string, userId: string): Promise<GraphWrite & { already: boolean }>;
  /** `absent` when the user was not a member (404). */
  removeMember(groupId: string, userId: string): Promise<GraphWrite & { absent: boolean }>;
}

/** One sign-in as the evidence and the guard need it. */
export interface SignInEvent {
  id: string;
  createdDateTime: string;
  userId: string;
  appDisplayName?: string | null;
  conditionalAccessStatus: string | null;
  errorCode: number;
  /** `result` per applied policy; the reportOnly* values need `Prefer: include-unknown-enum-members`. */
  policies: { id: string; result: string }[];
}

export interface SignInLog {
  /**
   * Sign-ins in [from, to] that a given CA policy was evaluated for, page by page. Uses the
   * [unconfirmed] `appliedConditionalAccessPolicies/any(p:p/id eq …)` filter when Graph accepts it and
   * filters locally when it does not.
   */
  signInsForPolicy(policyId: string, from: Date, to: Date, priority?: CallPriority): AsyncIterable<SignInEvent[]>;
}

export interface TapPolicy {
  state: string;
  defaultLifetimeInMinutes: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
}

export interface IssuedTap extends GraphWrite {
  methodId: string;
  /** The pass itself: shown once to the requester, never logged or stored. */
  code: string;
  startDateTime: string | null;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
}

export interface TapIssuer {
  tapPolicy(): Promise<TapPolicy | null>;
  createTap(userId: string, o: { lifetimeInMinutes: number; isUsableOnce: boolean }): Promise<IssuedTap>;
}

export interface RoleMembers {
  /** User ids holding any of these directory roles (directoryRoles(roleTemplateId='…')/members). */
  usersWithRoles(roleTemplateIds: readonly string[]): Promise<string[]>;
}
