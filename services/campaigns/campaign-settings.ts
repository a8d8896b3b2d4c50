import { z } from 'zod';

/**
 * A campaign's tunable behaviour, with the defaults a first campaign gets. Stored per campaign as
 * overrides only, so changing a default here changes every campaign that did not override it.
 */
export const campaignSettingsSchema = z.object({
  /** Reminders this many days before the deadline. */
  cadenceDays: z.array(z.number().int().min(0).max(365)).max(20).default([14, 7, 3, 1]),
  /** After the deadline, a reminder every this many days. */
  overdueEveryDays: z.number().int().min(1).max(90).default(7),
  /** At most this many reminders per person and campaign. */
  maxReminders: z.number().int().min(1).max(50).default(8),
  /** Working hours in the person's own time zone (reminders only inside them). */
  workStartHour: z.number().int().min(0).max(23).default(9),
  workEndHour: z.number().int().min(1).max(24).default(17),
  weekendsOff: z.boolean().default(true),
  /** IANA zone for people whose zone is unknown (no mailbox settings, no usage location). */
  fallbackTimeZone: z.string().min(1).default('UTC'),
  /** Report-only soak before enforcement, and the most would-be failures tolerated (share of the cohort). */
  soakDays: z.number().int().min(1).max(30).default(7),
  reportOnlyFailureMaxPct: z.number().min(0).max(100).default(2),
  /** Every non-compliant member must have been warned this many times (or be exempted) before enforcement. */
  minWarnings: z.number().int().min(0).max(20).default(2),
  /** Where "I need help" goes: a channel conversation id and/or named helpdesk people (object ids). */
  helpdeskUserIds: z.array(z.string()).max(20).default([]),
  helpdeskChannel: z
    .object({ conversationId: z.string(), serviceUrl: z.string(), teamName: z.string().optional(), channelName: z.string().optional() })
    .nullable()
    .default(null),
  /** Where approval requests, drift alerts and guard roll-backs go: a channel; null = each admin's 1:1 chat. */
  adminsChannel: z
    .object({ conversationId: z.string(), serviceUrl: z.string() })
    .nullable()
    .default(null),
  exemptionMaxDaysHelpdesk: z.number().int().min(1).max(365).default(14),
  exemptionMaxDaysAdmin: z.number().int().min(1).max(365).default(90),
  tapLifetimeMinutes: z.number().int().min(10).max(43_200).default(60),
  tapOnce: z.boolean().default(true),
  escalateToManager: z.boolean().default(false),
  escalateAfterReminders: z.number().int().min(1).max(20).default(3),
  guardEnabled: z.boolean().default(true),
  guardBlockedSharePct: z.number().min(0).max(100).default(5),
  guardWindowMinutes: z.number().int().min(5).max(24 * 60).default(60),
  approvalTtlHours: z.number().int().min(1).max(24 * 14).default(24),
  /** Read fido2Methods for people whose only passkeys are synced, to find a lone passkey in an Entra-SSO password manager. */
  detectPasswordManagerLockout: z.boolean().default(true),
});

export type CampaignSettings = z.infer<typeof campaignSettingsSchema>;

export const DEFAULT_CAMPAIGN_SETTINGS: CampaignSettings = campaignSettingsSchema.parse({});

/** The effective settings: stored overrides over the defaults (a bad stored value falls back to its default). */
export function effectiveSettings(overrides: Record<string, unknown>): CampaignSettings {
  const out: Record<string, unknown> = { ...DEFAULT_CAMPAIGN_SETTINGS };
  const shape = campaignSettingsSchema.shape as Record<string, z.ZodTypeAny>;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    const field = shape[key];
    if (!field) continue;
    const parsed = field.safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return out as CampaignSettings;
}
