import type { EscalationPayload, HelpRequestPayload, NudgePayload, ReminderPayload, ThanksPayload } from '../services/nudges/content.js';
import { passkeyAdvice } from '../services/nudges/content.js';
import { cardMarker } from '../services/nudges/keys.js';
import type { OutboxMessage } from '../services/ports/nudge-store.js';
import type { OutboundActivity } from '../services/ports/teams.js';
import { expandTemplate, type AdaptiveCardJson } from './render.js';

/**
 * The nudge cards: one typed render function per template. Rendering is a pure function of the
 * stored payload, so every attempt of a message sends the same card, and the card's root container
 * carries the outbox key (`nudge:<key>`) for the read-back after a crash.
 */

/** How a reminder card looks after a button was pressed (the card updates in place). */
export interface ReminderCardState {
  banner?: string;
  bannerColor?: 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';
  /** Which buttons remain: a pressed snooze or help button is gone, so it cannot be pressed twice. */
  buttons?: { done: boolean; snooze: boolean; help: boolean };
  doneTitle?: string;
}

function intro(p: ReminderPayload): { title: string; intro: string; recovery: string } {
  const why = 'Your organisation is moving sign-in to passkeys: phishing-resistant, nothing to type, nothing to steal.';
  switch (p.kind) {
    case 'final':
      return {
        title: 'Final notice: register your passkey',
        intro: `${why} From ${p.enforcementText || 'soon'}, signing in to work apps with your account needs a passkey. Register yours before then so you are not locked out.`,
        recovery: '',
      };
    case 'recovery':
      return {
        title: 'Signing in now needs a passkey',
        intro: `Signing in to work apps with your account now needs a passkey${p.enforcementText ? ` (since ${p.enforcementText})` : ''}, and you do not have one that counts yet.`,
        recovery: `If you are blocked: contact ${p.helpdesk}. They can give you a Temporary Access Pass, a one-time code that lets you sign in once to register a passkey at aka.ms/mysecurityinfo.`,
      };
    default:
      return {
        title: p.overdue ? 'Your passkey is overdue' : 'Time to set up your passkey',
        intro: `${why} Everyone in ${p.cohortName} needs one${p.deadlineText ? (p.overdue ? '; the deadline has passed' : ' by the deadline below') : ''}. It takes about two minutes.`,
        recovery: '',
      };
  }
}

export function renderReminderCard(p: ReminderPayload, state: ReminderCardState = {}): AdaptiveCardJson {
  const advice = passkeyAdvice(p.tier, { aaguidAllowList: p.aaguidAllowList });
  const text = intro(p);
  const buttons = state.buttons ?? { done: true, snooze: p.kind !== 'recovery', help: true };
  return expandTemplate('nudge-reminder', {
    marker: cardMarker(p.key),
    key: p.key,
    title: text.title,
    banner: state.banner ?? '',
    bannerColor: state.bannerColor ?? 'Default',
    intro: text.intro,
    cohortName: p.cohortName,
    deadlineText: p.deadlineText,
    enforcementText: p.kind === 'final' ? p.enforcementText : '',
    reason: p.reason,
    recovery: text.recovery,
    mayRegister: advice.mayRegister,
    avoid: advice.avoid,
    steps: advice.steps.map((s) => ({ platform: s.platform, how: s.steps })),
    footer: `${p.campaignName}${p.seq ? ` · reminder ${p.seq}` : ''}. Questions? Press "I need help" and ${p.helpdesk} will contact you.`,
    showDone: buttons.done,
    doneTitle: state.doneTitle ?? "I've done it",
    showSnooze: buttons.snooze,
    showHelp: buttons.help,
  });
}

export function renderThanksCard(p: ThanksPayload): AdaptiveCardJson {
  return expandTemplate('nudge-thanks', {
    marker: cardMarker(p.key),
    message: `Your passkey meets what ${p.cohortName} needs for ${p.campaignName}. Nothing more to do, and no more reminders.`,
    advice: p.advice,
  });
}

export function renderEscalationCard(p: EscalationPayload): AdaptiveCardJson {
  return expandTemplate('nudge-escalation', {
    marker: cardMarker(p.key),
    title: `${p.personName} has not set up a passkey yet`,
    message: `${p.personName} is in ${p.cohortName} of the passkey rollout ${p.campaignName} and has not registered the passkey it needs after ${p.remindersSent} reminders. A word from you usually helps.`,
    personName: p.personName,
    personUpn: p.personUpn,
    cohortName: p.cohortName,
    deadlineText: p.deadlineText,
    remindersSent: String(p.remindersSent),
    reason: p.reason,
  });
}

export function renderHelpRequestCard(p: HelpRequestPayload): AdaptiveCardJson {
  return expandTemplate('nudge-help-request', {
    marker: cardMarker(p.key),
    message: `${p.personName} pressed "I need help" on a passkey reminder and was told someone from the helpdesk will contact them.`,
    personName: p.personName,
    personUpn: p.personUpn,
    cohortName: p.cohortName,
    tier: p.tier,
    stage: p.stage,
    stateLabel: p.stateLabel,
    reason: p.reason,
    deadlineText: p.deadlineText,
    remindersSent: String(p.remindersSent),
    passkeys: p.passkeys,
    timeZone: p.timeZone,
    requestedAt: p.requestedAt,
    hint: `Say "methods ${p.personUpn}" to see their sign-in methods; "tap ${p.personUpn}" issues a Temporary Access Pass if they cannot sign in.`,
  });
}

export function renderNudgeCard(payload: NudgePayload): AdaptiveCardJson {
  switch (payload.kind) {
    case 'thanks':
      return renderThanksCard(payload);
    case 'escalation':
      return renderEscalationCard(payload);
    case 'help':
      return renderHelpRequestCard(payload);
    default:
      return renderReminderCard(payload);
  }
}

/** The notification preview Teams shows for the message. */
export function nudgeSummary(payload: NudgePayload): string {
  switch (payload.kind) {
    case 'thanks':
      return 'Thank you: your passkey is set up';
    case 'escalation':
      return `${payload.personName} has not set up a passkey yet`;
    case 'help':
      return `${payload.personName} needs help with a passkey`;
    case 'final':
      return 'Final notice: register your passkey';
    case 'recovery':
      return 'Signing in now needs a passkey';
    default:
      return 'Reminder: set up your passkey';
  }
}

/** The Bot Connector message for an outbox row: its card, rendered from the stored payload. */
export function nudgeActivity(m: OutboxMessage): OutboundActivity {
  const payload = m.payload as unknown as NudgePayload;
  return { type: 'message', summary: nudgeSummary(payload), attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: renderNudgeCard(payload) }] };
}
