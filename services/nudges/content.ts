import type { Tier } from '../ports/campaign-store.js';

/**
 * What each card says, as data (pure). The outbox stores a payload per message and the card is
 * rendered from it at send time, so every attempt sends exactly the same card.
 */

export interface PlatformStep {
  platform: string;
  steps: string;
}

export interface PasskeyAdvice {
  /** What this person may register. */
  mayRegister: string;
  /** What not to do (tier0: no synced passkeys), or ''. */
  avoid: string;
  steps: PlatformStep[];
}

/** The kind of passkey the person's tier accepts, and short steps per platform. */
export function passkeyAdvice(tier: Tier, opts: { aaguidAllowList?: boolean } = {}): PasskeyAdvice {
  const allowed = opts.aaguidAllowList ? ' Only the security key models your IT team approved are accepted.' : '';
  switch (tier) {
    case 'tier0':
      return {
        mayRegister: `A passkey that stays on one device: a FIDO2 security key, or Microsoft Authenticator on your phone.${allowed}`,
        avoid: 'Do not save it to iCloud Keychain, Google Password Manager or another password manager: synced passkeys do not count for privileged accounts.',
        steps: [
          { platform: 'iPhone / iPad', steps: 'Install Microsoft Authenticator, add your work account, then at aka.ms/mysecurityinfo choose Add sign-in method → Passkey → Microsoft Authenticator.' },
          { platform: 'Android', steps: 'Install Microsoft Authenticator, add your work account, then at aka.ms/mysecurityinfo choose Add sign-in method → Passkey → Microsoft Authenticator.' },
          { platform: 'Windows', steps: 'Plug in your security key, open aka.ms/mysecurityinfo, choose Add sign-in method → Passkey → Security key, and follow the prompts.' },
          { platform: 'Mac', steps: 'Plug in your security key, open aka.ms/mysecurityinfo in Safari or Edge, choose Add sign-in method → Passkey → Security key.' },
        ],
      };
    case 'tier1':
      return {
        mayRegister: 'A passkey that stays on one device: a security key, Microsoft Authenticator, or Windows Hello on your work PC.',
        avoid: 'Passkeys synced by a password manager (iCloud Keychain, Google Password Manager, 1Password …) do not count for your group.',
        steps: [
          { platform: 'iPhone / iPad', steps: 'Install Microsoft Authenticator, then at aka.ms/mysecurityinfo choose Add sign-in method → Passkey → Microsoft Authenticator.' },
          { platform: 'Android', steps: 'Install Microsoft Authenticator, then at aka.ms/mysecurityinfo choose Add sign-in method → Passkey → Microsoft Authenticator.' },
          { platform: 'Windows', steps: 'Open aka.ms/mysecurityinfo on your work PC, choose Add sign-in method → Passkey, and use Windows Hello (this device) or a security key.' },
          { platform: 'Mac', steps: 'Open aka.ms/mysecurityinfo, choose Add sign-in method → Passkey → Security key, or use Microsoft Authenticator on your phone.' },
        ],
      };
    case 'workforce':
      return {
        mayRegister: "Any passkey: Microsoft Authenticator, a security key, Windows Hello, or your phone's own password manager (iCloud Keychain, Google Password Manager).",
        avoid: '',
        steps: [
          { platform: 'iPhone / iPad', steps: 'Open aka.ms/mysecurityinfo in Safari, choose Add sign-in method → Passkey, and save it to Passwords (iCloud Keychain) or Microsoft Authenticator.' },
          { platform: 'Android', steps: 'Open aka.ms/mysecurityinfo in Chrome, choose Add sign-in method → Passkey, and save it to Google Password Manager or Microsoft Authenticator.' },
          { platform: 'Windows', steps: 'Open aka.ms/mysecurityinfo, choose Add sign-in method → Passkey, and use Windows Hello (this device), your phone, or a security key.' },
          { platform: 'Mac', steps: 'Open aka.ms/mysecurityinfo in Safari, choose Add sign-in method → Passkey, and save it to iCloud Keychain or a security key.' },
        ],
      };
  }
}

const dayFormat = new Map<string, Intl.DateTimeFormat>();

/** "Tuesday 31 March 2026": a calendar day, in words. */
export function dayInWords(date: string): string {
  let f = dayFormat.get('day');
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
    dayFormat.set('day', f);
  }
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return f.format(new Date(Date.UTC(y, m - 1, d, 12))).replace(',', '');
}

/**
 * The deadline as the person reads it: the end of the deadline day in their own zone, with the
 * zone named (a deadline of 31 March ends at midnight in Sydney before it does in Seattle).
 */
export function deadlineInWords(deadline: string | null, timeZone: string): string {
  if (!deadline) return '';
  return `${dayInWords(deadline)}, end of day (${timeZone.replace(/_/g, ' ')} time)`;
}

export interface ReminderPayload {
  key: string;
  kind: 'reminder' | 'final' | 'recovery';
  personName: string;
  campaignName: string;
  cohortName: string;
  tier: Tier;
  aaguidAllowList: boolean;
  /** 'YYYY-MM-DD' or null. */
  deadline: string | null;
  deadlineText: string;
  overdue: boolean;
  timeZone: string;
  /** Why they get this (the compliance reason, in words). */
  reason: string;
  seq: number | null;
  /** Final notice: the day enforcement starts. */
  enforcementText: string;
  /** Who helps ("the IT helpdesk channel", names …). */
  helpdesk: string;
}

export interface ThanksPayload {
  key: string;
  kind: 'thanks';
  personName: string;
  campaignName: string;
  cohortName: string;
  /** Advice for a second passkey (one passkey only, or only in an Entra-SSO password manager), or ''. */
  advice: string;
}

export interface EscalationPayload {
  key: string;
  kind: 'escalation';
  managerName: string;
  personName: string;
  personUpn: string;
  campaignName: string;
  cohortName: string;
  deadlineText: string;
  remindersSent: number;
  reason: string;
}

export interface HelpRequestPayload {
  key: string;
  kind: 'help';
  personName: string;
  personUpn: string;
  personId: string;
  campaignName: string;
  cohortName: string;
  tier: Tier;
  stage: string;
  stateLabel: string;
  reason: string;
  deadlineText: string;
  remindersSent: number;
  timeZone: string;
  passkeys: string;
  requestedAt: string;
}

export type NudgePayload = ReminderPayload | ThanksPayload | EscalationPayload | HelpRequestPayload;

export function thanksAdvice(member: { advice: string; passkeyCount: number | null; state: string }): string {
  if (member.advice) return member.advice;
  if (member.passkeyCount === 1) return 'Add a second passkey on another device, so losing this one does not lock you out.';
  return '';
}
