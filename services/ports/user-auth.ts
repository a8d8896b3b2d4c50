import type { Fido2MethodRecord } from '../compliance/passkeys.js';

/** One authentication method as Graph returns it (`@odata.type` tells which). */
export type GraphMethod = Record<string, unknown> & { '@odata.type'?: string; id?: string };

export interface SignInRecord {
  id: string;
  createdDateTime: string;
  appDisplayName: string | null;
  status: { errorCode?: number; failureReason?: string | null } | null;
  conditionalAccessStatus: string | null;
  appliedConditionalAccessPolicies: { id: string; displayName: string | null; result: string }[];
}

/** Per-user authentication methods and sign-ins for the helpdesk lookup (interactive priority). */
export interface UserAuthReader {
  methods(userId: string): Promise<GraphMethod[] | null>;
  fido2Methods(userId: string): Promise<Fido2MethodRecord[] | null>;
  recentSignIns(userId: string, top: number): Promise<SignInRecord[]>;
}

