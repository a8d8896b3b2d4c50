import type { ReportRowInput } from '../ports/campaign-store.js';
import type { RegistrationRow } from '../ports/registration-source.js';

/**
 * One row of the registration details report as the store keeps it. Unknown or missing fields become
 * null (never a guess); non-string entries of `methodsRegistered` are dropped. `fallbackId` names the
 * user when the row was read for a known person and lacks its own id.
 */
export function toReportInput(r: RegistrationRow, fallbackId?: string): ReportRowInput {
  return {
    userId: String(r.id ?? fallbackId).toLowerCase(),
    upn: r.userPrincipalName ?? '',
    displayName: r.userDisplayName ?? '',
    userType: r.userType ?? null,
    methodsRegistered: Array.isArray(r.methodsRegistered) ? (r.methodsRegistered as unknown[]).filter((m): m is string => typeof m === 'string') : [],
    passwordlessCapable: typeof r.isPasswordlessCapable === 'boolean' ? r.isPasswordlessCapable : null,
    isAdmin: typeof r.isAdmin === 'boolean' ? r.isAdmin : null,
    lastUpdated: r.lastUpdatedDateTime ? new Date(r.lastUpdatedDateTime) : null,
  };
}
