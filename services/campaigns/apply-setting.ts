import type { Campaign } from '../ports/campaign-store.js';
import { effectiveSettings, type CampaignSettings } from './campaign-settings.js';

/**
 * `campaign set <name> <setting> <value>`: one setting at a time, validated, as a new campaign
 * value plus a sentence saying what changed. Pure.
 */
export type SettingResult = { ok: true; campaign: Campaign; said: string } | { ok: false; message: string };

export interface SettingContext {
  today: string;
  /** The conversation the command came from, for `helpdesk-channel here`. */
  channel: { conversationId: string; serviceUrl: string; conversationType: string } | null;
  /** Resolves helpdesk people to object ids (UPNs or ids); unknown ones are reported. */
  resolvedUsers?: Map<string, string | null>;
  /** Policies already exist: strength and break-glass changes then go through staging. */
  hasPolicies: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function onOff(v: string): boolean | null {
  const s = v.toLowerCase();
  if (['on', 'yes', 'true', 'enabled'].includes(s)) return true;
  if (['off', 'no', 'false', 'disabled'].includes(s)) return false;
  return null;
}

function int(v: string, min: number, max: number): number | null {
  const n = Number(v.replace(/%$/, '').replace(/\s*(days?|minutes?|hours?)$/i, ''));
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function isIanaZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}

function allowListSaid(campaign: Campaign, n: number): string {
  if (campaign.strengthKind === 'passkeys-only') {
    // The campaign's own strength carries the list in Entra, for everyone its policies include.
    return n ? `Every cohort of this campaign accepts only these ${n} passkey models now (the campaign's passkey-only strength carries the list).` : 'Every cohort of this campaign accepts any passkey model again.';
  }
  return n
    ? `Tier0 cohorts count only these ${n} passkey models as ready now. This is the bot's own check: the built-in strength cannot be limited to models, so Entra still accepts any passkey it allows.`
    : 'Tier0 cohorts count any attested device-bound passkey as ready now.';
}

export function applySetting(campaign: Campaign, key: string, value: string, ctx: SettingContext): SettingResult {
  const settings: Record<string, unknown> = { ...campaign.settings };
  const put = (k: keyof CampaignSettings, v: unknown, said: string): SettingResult => {
    settings[k] = v;
    return { ok: true, campaign: { ...campaign, settings }, said };
  };
  const current = effectiveSettings(campaign.settings);
  const bad = (message: string): SettingResult => ({ ok: false, message });
  switch (key) {
    case 'deadline': {
      if (value.toLowerCase() === 'none') return { ok: true, campaign: { ...campaign, deadline: null }, said: 'The campaign has no deadline now.' };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return bad(`The deadline must be a date written YYYY-MM-DD (or none), not "${value}".`);
      if (value < ctx.today) return bad(`The deadline ${value} is in the past.`);
      return { ok: true, campaign: { ...campaign, deadline: value }, said: `The registration deadline is ${value} now.` };
    }
    case 'threshold': {
      const n = Number(value.replace(/%$/, ''));
      if (!(n >= 0 && n <= 100)) return bad(`The threshold must be a percentage from 0 to 100, not "${value}".`);
      return { ok: true, campaign: { ...campaign, thresholdPct: n }, said: `A cohort needs ${n}% ready before it may be enforced.` };
    }
    case 'aaguid-allow':
    case 'aaguid-block': {
      const list = value.toLowerCase() === 'none' ? [] : value.split(/[,\s]+/).filter(Boolean).map((a) => a.toLowerCase());
      const badOnes = list.filter((a) => !GUID.test(a));
      if (badOnes.length > 0) return bad(`These are not AAGUIDs: ${badOnes.join(', ')}. Give GUIDs separated by commas, or none.`);
      if (list.length > 100) return bad('At most 100 AAGUIDs.');
      const unique = [...new Set(list)];
      return key === 'aaguid-allow'
        ? { ok: true, campaign: { ...campaign, aaguidAllow: unique }, said: allowListSaid(campaign, unique.length) }
        : { ok: true, campaign: { ...campaign, aaguidBlock: unique }, said: unique.length ? `These ${unique.length} passkey models are refused in every cohort now.` : 'No passkey model is blocked now.' };
    }
    case 'cadence': {
      const days = value.split(/[,\s]+/).filter(Boolean).map((d) => int(d, 0, 365));
      if (days.length === 0 || days.some((d) => d === null)) return bad('The cadence is whole days before the deadline, like 14,7,3,1.');
      const sorted = [...new Set(days as number[])].sort((a, b) => b - a);
      return put('cadenceDays', sorted, `Reminders go out ${sorted.join(', ')} days before the deadline.`);
    }
    case 'overdue-every': {
      const n = int(value, 1, 90);
      return n === null ? bad('overdue-every is a number of days from 1 to 90.') : put('overdueEveryDays', n, `After the deadline, a reminder every ${n} days.`);
    }
    case 'max-reminders': {
      const n = int(value, 1, 50);
      return n === null ? bad('max-reminders is a number from 1 to 50.') : put('maxReminders', n, `At most ${n} reminders per person.`);
    }
    case 'hours': {
      const m = /^(\d{1,2})\s*-\s*(\d{1,2})$/.exec(value);
      const start = m ? Number(m[1]) : NaN;
      const end = m ? Number(m[2]) : NaN;
      if (!m || start < 0 || end > 24 || start >= end) return bad('hours is a range of whole hours like 9-17, in each person\'s own time zone.');
      settings.workStartHour = start;
      return put('workEndHour', end, `Reminders go out between ${start}:00 and ${end}:00 in each person's time zone.`);
    }
    case 'weekends': {
      const v = onOff(value);
      return v === null ? bad('weekends is on or off.') : put('weekendsOff', !v, v ? 'Reminders may go out on weekends.' : 'No reminders on weekends.');
    }
    case 'timezone':
      return isIanaZone(value) ? put('fallbackTimeZone', value, `People whose time zone is unknown are reminded on ${value} time.`) : bad(`"${value}" is not a time zone name (IANA, like Europe/Berlin).`);
    case 'soak-days': {
      const n = int(value, 1, 30);
      return n === null ? bad('soak-days is a number from 1 to 30.') : put('soakDays', n, `Report-only evidence is read over ${n} days.`);
    }
    case 'failure-max': {
      const n = Number(value.replace(/%$/, ''));
      return n >= 0 && n <= 100 ? put('reportOnlyFailureMaxPct', n, `Enforcement waits while more than ${n}% of a cohort would fail sign-in.`) : bad('failure-max is a percentage from 0 to 100.');
    }
    case 'min-warnings': {
      const n = int(value, 0, 20);
      return n === null ? bad('min-warnings is a number from 0 to 20.') : put('minWarnings', n, `Every non-compliant member must have been reminded ${n} times (or be exempted) before enforcement.`);
    }
    case 'helpdesk': {
      if (value.toLowerCase() === 'none') return put('helpdeskUserIds', [], 'No helpdesk people are set; requests for help go to the helpdesk channel only.');
      const wanted = value.split(/[,\s]+/).filter(Boolean);
      const resolved = wanted.map((w) => ctx.resolvedUsers?.get(w.toLowerCase()) ?? null);
      const unknown = wanted.filter((_, i) => resolved[i] === null);
      if (unknown.length > 0) return bad(`No user found for: ${unknown.join(', ')}. Give UPNs or object ids separated by commas.`);
      return put('helpdeskUserIds', [...new Set(resolved as string[])], `Requests for help also go to ${wanted.length} helpdesk ${wanted.length === 1 ? 'person' : 'people'} in their chat.`);
    }
    case 'helpdesk-channel': {
      if (value.toLowerCase() === 'none') return put('helpdeskChannel', null, 'No helpdesk channel is set.');
      if (value.toLowerCase() !== 'here') return bad('Say `campaign set <name> helpdesk-channel here` in the channel that should get requests for help (or none).');
      if (!ctx.channel || ctx.channel.conversationType !== 'channel') return bad('Say that in the Teams channel that should get the requests, with an @mention of the bot.');
      return put('helpdeskChannel', { conversationId: ctx.channel.conversationId, serviceUrl: ctx.channel.serviceUrl }, 'Requests for help go to this channel.');
    }
    case 'admins-channel': {
      if (value.toLowerCase() === 'none') return put('adminsChannel', null, "Approval requests and alerts go to each admin's chat with the bot.");
      if (value.toLowerCase() !== 'here') return bad('Say `campaign set <name> admins-channel here` in the channel that should get approval requests and alerts (or none).');
      if (!ctx.channel || ctx.channel.conversationType !== 'channel') return bad('Say that in the Teams channel that should get approval requests and alerts, with an @mention of the bot.');
      // A new post in the channel, not a reply in the thread of this command (drop ";messageid=…").
      return put('adminsChannel', { conversationId: ctx.channel.conversationId.split(';')[0]!, serviceUrl: ctx.channel.serviceUrl }, 'Approval requests, drift alerts and guard roll-backs go to this channel.');
    }
    case 'exemption-days': {
      const m = /^(\d+)\s*\/\s*(\d+)$/.exec(value);
      const hd = m ? int(m[1]!, 1, 365) : null;
      const ad = m ? int(m[2]!, 1, 365) : null;
      if (hd === null || ad === null || hd > ad) return bad('exemption-days is helpdesk/admin maximum days, like 14/90 (helpdesk may not grant more than admins).');
      settings.exemptionMaxDaysHelpdesk = hd;
      return put('exemptionMaxDaysAdmin', ad, `Helpdesk may exempt someone for up to ${hd} days, admins for up to ${ad}.`);
    }
    case 'tap-minutes': {
      const n = int(value, 10, 43_200);
      return n === null ? bad('tap-minutes is from 10 to 43200 (the Temporary Access Pass policy may narrow it).') : put('tapLifetimeMinutes', n, `Temporary Access Passes last ${n} minutes unless asked otherwise.`);
    }
    case 'tap-once': {
      const v = onOff(value);
      return v === null ? bad('tap-once is on or off.') : put('tapOnce', v, v ? 'Temporary Access Passes work once.' : 'Temporary Access Passes may be used more than once (if the tenant policy allows).');
    }
    case 'escalation': {
      if (value.toLowerCase() === 'off') return put('escalateToManager', false, 'Managers are not told about ignored reminders.');
      const m = /^(?:on\s+)?after\s+(\d+)$/i.exec(value);
      const n = m ? int(m[1]!, 1, 20) : null;
      if (n === null) return bad('escalation is off, or "after <N>" ignored reminders.');
      settings.escalateAfterReminders = n;
      return put('escalateToManager', true, `A person's manager is told after ${n} ignored reminders.`);
    }
    case 'guard': {
      const v = onOff(value);
      return v === null ? bad('guard is on or off.') : put('guardEnabled', v, v ? 'Enforced cohorts roll back by themselves when blocked sign-ins pass the guard share.' : 'The automatic rollback guard is off.');
    }
    case 'guard-share': {
      const n = Number(value.replace(/%$/, ''));
      return n > 0 && n <= 100 ? put('guardBlockedSharePct', n, `The guard rolls back when more than ${n}% of a cohort is blocked in the window.`) : bad('guard-share is a percentage above 0 and at most 100.');
    }
    case 'guard-window': {
      const n = int(value, 5, 1440);
      return n === null ? bad('guard-window is minutes from 5 to 1440.') : put('guardWindowMinutes', n, `The guard looks at the last ${n} minutes of sign-ins.`);
    }
    case 'approval-hours': {
      const n = int(value, 1, 336);
      return n === null ? bad('approval-hours is from 1 to 336.') : put('approvalTtlHours', n, `Enforcement approvals expire after ${n} hours.`);
    }
    case 'lockout-check': {
      const v = onOff(value);
      return v === null ? bad('lockout-check is on or off.') : put('detectPasswordManagerLockout', v, v ? 'People whose only passkeys are synced are read in detail, to catch a lone passkey in an Entra-SSO password manager.' : 'Synced-only people are not read in detail (saves reports budget; lockout traps go unseen).');
    }
    default:
      void current;
      return bad(`"${key}" is not a campaign setting.`);
  }
}
