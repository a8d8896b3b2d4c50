import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE, type Command } from '../../services/commands/parse-command.js';

const cases: [string, Command][] = [
  ['help', { kind: 'help', topic: null }],
  ['HELP tap', { kind: 'help', topic: 'tap' }],
  ['whoami', { kind: 'whoami' }],
  ['Who am I', { kind: 'whoami' }],
  ['my status', { kind: 'my_status' }],
  ['My   Status', { kind: 'my_status' }],
  ['methods TestUser1@contoso.com', { kind: 'methods', user: 'TestUser1@contoso.com' }],
  ['methods Test User1', { kind: 'methods', user: 'Test User1' }],
  ['methods <at>Test User1</at>', { kind: 'methods', user: 'Test User1' }],
  ['nudge Engineering now', { kind: 'nudge', target: 'Engineering', now: true }],
  ['nudge a@b.com', { kind: 'nudge', target: 'a@b.com', now: false }],
  ['exempt a@b.com for 14 because travelling without phone', { kind: 'exempt', user: 'a@b.com', days: 14, reason: 'travelling without phone' }],
  ['exempt Test User2 for 7 days because lost key', { kind: 'exempt', user: 'Test User2', days: 7, reason: 'lost key' }],
  ['tap a@b.com', { kind: 'tap', user: 'a@b.com', minutes: null, once: false }],
  ['tap a@b.com for 60 minutes once', { kind: 'tap', user: 'a@b.com', minutes: 60, once: true }],
  ['tap Test User1 for 2 hours', { kind: 'tap', user: 'Test User1', minutes: 120, once: false }],
  ['campaign create', { kind: 'campaign_create', name: null, deadline: null, strength: null, threshold: null }],
  ['campaign create Passkeys 2026 deadline 2026-12-31 strength passkeys-only threshold 90%', { kind: 'campaign_create', name: 'Passkeys 2026', deadline: '2026-12-31', strength: 'passkeys-only', threshold: 90 }],
  ['campaign create "Deadline drive" deadline 2027-01-15', { kind: 'campaign_create', name: 'Deadline drive', deadline: '2027-01-15', strength: null, threshold: null }],
  ['campaign list', { kind: 'campaign_list' }],
  ['campaigns', { kind: 'campaign_list' }],
  ['campaign show Passkeys 2026', { kind: 'campaign_show', name: 'Passkeys 2026' }],
  ['campaign remove Passkeys 2026', { kind: 'campaign_remove', name: 'Passkeys 2026' }],
  ['campaign set Passkeys 2026 aaguid-allow a,b', { kind: 'campaign_set', name: 'Passkeys 2026', key: 'aaguid-allow', value: 'a,b' }],
  ['campaign set Passkeys 2026 hours 9 - 17', { kind: 'campaign_set', name: 'Passkeys 2026', key: 'hours', value: '9 - 17' }],
  ['breakglass add breakglass01@contoso.com to Passkeys 2026', { kind: 'breakglass_add', principal: 'breakglass01@contoso.com', campaign: 'Passkeys 2026' }],
  ['cohort add Engineering - Platform to Passkeys 2026 as workforce', { kind: 'cohort_add', group: 'Engineering - Platform', campaign: 'Passkeys 2026', tier: 'workforce', named: null }],
  ['cohort add Tier 0 Administrators to Passkeys 2026 as TIER0 named Admins', { kind: 'cohort_add', group: 'Tier 0 Administrators', campaign: 'Passkeys 2026', tier: 'tier0', named: 'Admins' }],
  ['cohort add "Move to cloud" to Passkeys as tier1', { kind: 'cohort_add', group: 'Move to cloud', campaign: 'Passkeys', tier: 'tier1', named: null }],
  ['cohort remove Admins', { kind: 'cohort_remove', cohort: 'Admins' }],
  ['cohorts', { kind: 'cohorts', campaign: null }],
  ['cohorts Passkeys 2026', { kind: 'cohorts', campaign: 'Passkeys 2026' }],
  ['status', { kind: 'status', target: null }],
  ['status Admins', { kind: 'status', target: 'Admins' }],
  ['sync', { kind: 'sync', campaign: null, changesOnly: false }],
  ['sync changes', { kind: 'sync', campaign: null, changesOnly: true }],
  ['sync changes Passkeys 2026', { kind: 'sync', campaign: 'Passkeys 2026', changesOnly: true }],
  ['sync "changes"', { kind: 'sync', campaign: 'changes', changesOnly: false }],
  ['plan Admins', { kind: 'plan', cohort: 'Admins' }],
  ['advance Admins', { kind: 'advance', cohort: 'Admins', reason: null }],
  ['advance Admins because pilot went fine', { kind: 'advance', cohort: 'Admins', reason: 'pilot went fine' }],
  ['rollback Sales because too many failures', { kind: 'rollback', cohort: 'Sales', reason: 'too many failures' }],
  ['pause Sales', { kind: 'pause', cohort: 'Sales' }],
  ['resume Sales', { kind: 'resume', cohort: 'Sales' }],
  ['pause nudges Passkeys 2026', { kind: 'pause_nudges', campaign: 'Passkeys 2026' }],
  ['resume nudges Passkeys 2026', { kind: 'resume_nudges', campaign: 'Passkeys 2026' }],
  ['approvals', { kind: 'approvals' }],
  ['readiness', { kind: 'readiness', target: null }],
  ['readiness Engineering', { kind: 'readiness', target: 'Engineering' }],
  ['export Sales', { kind: 'export', cohort: 'Sales' }],
  ['audit', { kind: 'audit', cohort: null, count: null }],
  ['audit Sales 20', { kind: 'audit', cohort: 'Sales', count: 20 }],
  ['audit 5', { kind: 'audit', cohort: null, count: 5 }],
  ['audit verify', { kind: 'audit_verify' }],
  ['demo role admin', { kind: 'demo_role', role: 'admin' }],
  ['demo second-admin approve', { kind: 'demo_second_admin', decision: 'approve' }],
  ['demo second-admin Reject', { kind: 'demo_second_admin', decision: 'reject' }],
  ['  /help  ', { kind: 'help', topic: null }],
  ['whoami\u00a0', { kind: 'whoami' }],
];

describe('parseCommand', () => {
  it.each(cases)('%s', (text, expected) => {
    const r = parseCommand(text);
    expect(r).toEqual({ ok: true, command: expected });
  });

  const errors: [string, string, RegExp][] = [
    ['', 'empty', /help/],
    ['hlep', 'unknown_command', /Did you mean `help`/],
    ['frobnicate', 'unknown_command', /I don't know "frobnicate"/],
    ['methods', 'missing_argument', /Missing user/],
    ['exempt a@b.com for 14', 'missing_argument', /because/],
    ['exempt a@b.com for zero because x', 'bad_argument', /whole number from 1 to 365/],
    ['exempt a@b.com because x', 'bad_argument', /for <days>/],
    ['tap a@b.com for soon minutes', 'bad_argument', /whole number of minutes/],
    ['campaign create X deadline 2026-02-30', 'bad_argument', /YYYY-MM-DD/],
    ['campaign create X strength strong', 'bad_argument', /phishing-resistant, passkeys-only/],
    ['campaign create X threshold 140%', 'bad_argument', /0 to 100/],
    ['campaign create X deadline 2026-12-01 colour blue', 'bad_argument', /options are/],
    ['campaign create X colour blue', 'ok', /./],
    ['campaign frob', 'unknown_command', /create, list, show, set or remove/],
    ['campaign set Passkeys colour blue', 'bad_argument', /could not find a setting/],
    ['campaign set Passkeys deadline', 'missing_argument', /value for deadline/],
    ['cohort add Sales to P as everyone', 'bad_argument', /tier0, tier1 or workforce/],
    ['cohort add Sales as tier1', 'missing_argument', /campaign/],
    ['cohort add Sales to P', 'missing_argument', /tier/],
    ['advance Sales because', 'missing_argument', /reason/],
    ['whoami please', 'bad_argument', /takes nothing after it/],
    ['audit Sales 999', 'bad_argument', /1 to 200/],
    ['demo second-admin maybe', 'missing_argument', /approve or reject/],
    ['x'.repeat(3000), 'too_long', /too long/],
  ];
  it.each(errors)('refuses %j with %s', (text, code, message) => {
    const r = parseCommand(text);
    if (code === 'ok') {
      expect(r.ok).toBe(true); // names may contain words that are not options
      return;
    }
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(message);
  });

  it('has a usage line for every command kind, each starting with its words', () => {
    for (const [kind, usage] of Object.entries(USAGE)) {
      expect(usage.length, kind).toBeGreaterThan(2);
      const r = parseCommand(usage.replace(/\[.*?\]/g, '').replace(/<[^>]+>/g, 'x').replace(/\s+/g, ' ').trim());
      if (r.ok) expect(r.command.kind.split('_')[0]).toBe(kind.split('_')[0]);
    }
  });
});
