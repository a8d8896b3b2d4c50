/**
 * The chat command language (DESIGN.md "Chat commands"): text in, a typed command or a specific
 * error out. Pure: no lookups happen here; names are resolved by the handlers.
 */

export type Tier = 'tier0' | 'tier1' | 'workforce';
export const TIERS: Tier[] = ['tier0', 'tier1', 'workforce'];

export type Command =
  | { kind: 'help'; topic: string | null }
  | { kind: 'whoami' }
  | { kind: 'my_status' }
  | { kind: 'methods'; user: string }
  | { kind: 'nudge'; target: string; now: boolean }
  | { kind: 'exempt'; user: string; days: number; reason: string }
  | { kind: 'tap'; user: string; minutes: number | null; once: boolean }
  | { kind: 'campaign_create'; name: string | null; deadline: string | null; strength: string | null; threshold: number | null }
  | { kind: 'campaign_list' }
  | { kind: 'campaign_show'; name: string }
  | { kind: 'campaign_remove'; name: string }
  | { kind: 'campaign_set'; name: string; key: string; value: string }
  | { kind: 'breakglass_add'; principal: string; campaign: string }
  | { kind: 'cohort_add'; group: string; campaign: string; tier: Tier; named: string | null }
  | { kind: 'cohort_remove'; cohort: string }
  | { kind: 'cohorts'; campaign: string | null }
  | { kind: 'status'; target: string | null }
  | { kind: 'sync'; campaign: string | null; changesOnly: boolean }
  | { kind: 'plan'; cohort: string }
  | { kind: 'advance'; cohort: string; reason: string | null }
  | { kind: 'rollback'; cohort: string; reason: string | null }
  | { kind: 'pause'; cohort: string }
  | { kind: 'resume'; cohort: string }
  | { kind: 'approvals' }
  | { kind: 'pause_nudges'; campaign: string }
  | { kind: 'resume_nudges'; campaign: string }
  | { kind: 'readiness'; target: string | null }
  | { kind: 'export'; cohort: string }
  | { kind: 'audit'; cohort: string | null; count: number | null }
  | { kind: 'audit_verify' }
  | { kind: 'demo_role'; role: 'user' | 'helpdesk' | 'admin' }
  | { kind: 'demo_second_admin'; decision: 'approve' | 'reject' };

export type CommandKind = Command['kind'];

export type ParseErrorCode = 'empty' | 'unknown_command' | 'missing_argument' | 'bad_argument' | 'too_long';

export interface ParseError {
  code: ParseErrorCode;
  /** One line, specific: what was wrong. */
  message: string;
  /** The usage line of the command meant (or the closest one). */
  usage: string | null;
  /** For unknown commands: the closest known command word(s). */
  suggestion: string | null;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseError };

/** Usage lines, one per command form; `help` shows the ones the acting user may run. */
export const USAGE: Record<CommandKind, string> = {
  help: 'help [command]',
  whoami: 'whoami',
  my_status: 'my status',
  methods: 'methods <user>',
  nudge: 'nudge <user|cohort> [now]',
  exempt: 'exempt <user> for <days> because <reason>',
  tap: 'tap <user> [for <minutes> minutes] [once]',
  campaign_create: 'campaign create <name> [deadline <YYYY-MM-DD>] [strength <phishing-resistant|passkeys-only|<id>>] [threshold <N>%]',
  campaign_list: 'campaign list',
  campaign_show: 'campaign show <name>',
  campaign_remove: 'campaign remove <name>',
  campaign_set: 'campaign set <name> <setting> <value>',
  breakglass_add: 'breakglass add <user|group> to <campaign>',
  cohort_add: 'cohort add <group> to <campaign> as <tier0|tier1|workforce> [named <name>]',
  cohort_remove: 'cohort remove <cohort>',
  cohorts: 'cohorts [<campaign>]',
  status: 'status [<campaign>|<cohort>]',
  sync: 'sync [changes] [<campaign>]',
  plan: 'plan <cohort>',
  advance: 'advance <cohort> [because <reason>]',
  rollback: 'rollback <cohort> [because <reason>]',
  pause: 'pause <cohort>',
  resume: 'resume <cohort>',
  approvals: 'approvals',
  pause_nudges: 'pause nudges <campaign>',
  resume_nudges: 'resume nudges <campaign>',
  readiness: 'readiness [<campaign>|<group>]',
  export: 'export <cohort>',
  audit: 'audit [<cohort>] [<n>]',
  audit_verify: 'audit verify',
  demo_role: 'demo role <user|helpdesk|admin>',
  demo_second_admin: 'demo second-admin <approve|reject>',
};

/** Longest command text accepted; anything longer is refused before parsing. */
export const MAX_COMMAND_LENGTH = 2_000;

const COMMAND_WORDS = [
  'help', 'whoami', 'my status', 'methods', 'nudge', 'exempt', 'tap', 'campaign', 'breakglass', 'cohort', 'cohorts',
  'status', 'sync', 'plan', 'advance', 'rollback', 'pause', 'resume', 'approvals', 'readiness', 'export', 'audit', 'demo',
];

/** Friendlier words people type for the same command. */
const ALIASES: Record<string, string> = {
  '?': 'help',
  'who am i': 'whoami',
  'mystatus': 'my status',
  'me': 'my status',
  'campaigns': 'campaign list',
  'lookup': 'methods',
  'approve': 'approvals',
};

/** Normalises what Teams delivers: mention tags, HTML entities, non-breaking spaces, stray markup. */
export function normalizeCommandText(text: string): string {
  return text
    .replace(/<at>(.*?)<\/at>/gi, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'")
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseCommand(raw: string): ParseResult {
  if (raw.length > MAX_COMMAND_LENGTH) {
    return fail('too_long', `That message is too long for a command (${raw.length} characters; the limit is ${MAX_COMMAND_LENGTH}).`, null);
  }
  let text = normalizeCommandText(raw);
  if (text === '') return fail('empty', 'Say `help` to see what I can do.', USAGE.help);
  // A leading slash is how some people type commands.
  text = text.replace(/^\//, '');
  const lower = text.toLowerCase();
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (lower === alias || lower.startsWith(`${alias} `)) {
      text = target + text.slice(alias.length);
      break;
    }
  }
  const words = text.split(' ');
  const head = words[0]!.toLowerCase();
  const rest = words.slice(1).join(' ');
  const restLower = rest.toLowerCase();

  switch (head) {
    case 'help':
      return ok({ kind: 'help', topic: rest === '' ? null : rest.toLowerCase() });
    case 'whoami':
      return rest === '' ? ok({ kind: 'whoami' }) : extra('whoami', rest);
    case 'my':
      if (restLower === 'status') return ok({ kind: 'my_status' });
      return unknown(text);
    case 'methods':
      return needs('methods', rest, (user) => ok({ kind: 'methods', user: unquote(user) }));
    case 'nudge':
      return needs('nudge', rest, (r) => {
        const m = /^(.*?)(?:\s+now)?$/i.exec(r)!;
        const target = unquote(m[1]!.trim());
        if (target === '') return missing('nudge', 'who or which cohort to nudge');
        return ok({ kind: 'nudge', target, now: /\s+now$/i.test(r) });
      });
    case 'exempt':
      return parseExempt(rest);
    case 'tap':
      return parseTap(rest);
    case 'campaign':
      return parseCampaign(rest);
    case 'campaigns':
      return ok({ kind: 'campaign_list' });
    case 'breakglass':
    case 'break-glass':
      return parseBreakglass(rest);
    case 'cohort':
      return parseCohort(rest);
    case 'cohorts':
      return ok({ kind: 'cohorts', campaign: rest === '' ? null : unquote(rest) });
    case 'status':
      return ok({ kind: 'status', target: rest === '' ? null : unquote(rest) });
    case 'sync': {
      // `sync changes`: only what changed since the last sync (a campaign literally called "changes" can be quoted).
      const changesOnly = /^changes(\s|$)/i.test(rest);
      const campaign = (changesOnly ? rest.slice('changes'.length) : rest).trim();
      return ok({ kind: 'sync', campaign: campaign === '' ? null : unquote(campaign), changesOnly });
    }
    case 'plan':
      return needs('plan', rest, (c) => ok({ kind: 'plan', cohort: unquote(c) }));
    case 'advance':
    case 'rollback': {
      return needs(head, rest, (r) => {
        const { before, reason } = splitBecause(r);
        if (before === '') return missing(head, 'which cohort');
        if (reason !== null && reason === '') return missing(head, 'the reason after "because"');
        return ok({ kind: head, cohort: unquote(before), reason });
      });
    }
    case 'pause':
    case 'resume': {
      if (/^nudges(\s|$)/i.test(rest)) {
        const campaign = rest.slice('nudges'.length).trim();
        const kind = head === 'pause' ? 'pause_nudges' : 'resume_nudges';
        if (campaign === '') return missing(kind, 'which campaign');
        return ok({ kind, campaign: unquote(campaign) });
      }
      return needs(head, rest, (c) => ok({ kind: head, cohort: unquote(c) }));
    }
    case 'approvals':
      return rest === '' ? ok({ kind: 'approvals' }) : extra('approvals', rest);
    case 'readiness':
      return ok({ kind: 'readiness', target: rest === '' ? null : unquote(rest) });
    case 'export':
      return needs('export', rest, (c) => ok({ kind: 'export', cohort: unquote(c) }));
    case 'audit':
      return parseAudit(rest);
    case 'demo':
      return parseDemo(rest);
    default:
      return unknown(text);
  }
}

function parseExempt(rest: string): ParseResult {
  if (rest === '') return missing('exempt', 'who to exempt, for how many days, and why');
  const m = /^(.+?)\s+for\s+(\S+)(?:\s+days?)?(?:\s+because\s+(.*))?$/i.exec(rest);
  if (!m) return bad('exempt', 'I could not find "for <days>" in that.');
  const user = unquote(m[1]!.trim());
  const days = Number(m[2]);
  if (!Number.isInteger(days) || days < 1 || days > 365) return bad('exempt', `The number of days must be a whole number from 1 to 365, not "${m[2]}".`);
  const reason = (m[3] ?? '').trim();
  if (reason === '') return missing('exempt', 'a reason: add "because <reason>"');
  return ok({ kind: 'exempt', user, days, reason });
}

function parseTap(rest: string): ParseResult {
  if (rest === '') return missing('tap', 'who the Temporary Access Pass is for');
  let r = rest;
  let once = false;
  if (/\s+once$/i.test(r)) {
    once = true;
    r = r.replace(/\s+once$/i, '');
  }
  let minutes: number | null = null;
  const m = /^(.+?)\s+for\s+(\S+)(?:\s+(minutes?|mins?|hours?|h))?$/i.exec(r);
  if (m) {
    const n = Number(m[2]);
    const unit = (m[3] ?? 'minutes').toLowerCase();
    if (!Number.isInteger(n) || n < 1) return bad('tap', `The lifetime must be a whole number of minutes, not "${m[2]}".`);
    minutes = unit.startsWith('h') ? n * 60 : n;
    r = m[1]!;
  }
  const user = unquote(r.trim());
  if (user === '') return missing('tap', 'who the Temporary Access Pass is for');
  return ok({ kind: 'tap', user, minutes, once });
}

function parseCampaign(rest: string): ParseResult {
  const [sub = '', ...tail] = rest.split(' ');
  const arg = tail.join(' ').trim();
  switch (sub.toLowerCase()) {
    case '':
      return missing('campaign_list', 'what to do: create, list, show or remove');
    case 'create':
    case 'new':
      return parseCampaignCreate(arg);
    case 'list':
    case 'ls':
      return arg === '' ? ok({ kind: 'campaign_list' }) : extra('campaign_list', arg);
    case 'show':
      return arg === '' ? missing('campaign_show', 'which campaign') : ok({ kind: 'campaign_show', name: unquote(arg) });
    case 'remove':
    case 'delete':
      return arg === '' ? missing('campaign_remove', 'which campaign') : ok({ kind: 'campaign_remove', name: unquote(arg) });
    case 'set':
      return parseCampaignSet(arg);
    default:
      return fail('unknown_command', `"campaign ${sub}" is not a campaign command: use create, list, show, set or remove.`, USAGE.campaign_create, 'campaign list');
  }
}

function parseCampaignCreate(arg: string): ParseResult {
  if (arg === '') return ok({ kind: 'campaign_create', name: null, deadline: null, strength: null, threshold: null });
  const { head, options, error } = splitOptions(arg, ['deadline', 'strength', 'threshold']);
  if (error) return bad('campaign_create', error);
  const name = unquote(head);
  if (name === '') return missing('campaign_create', 'the campaign name');
  if (name.length > 80) return bad('campaign_create', 'Campaign names are at most 80 characters.');
  let deadline: string | null = null;
  if (options.deadline !== undefined) {
    if (!isIsoDate(options.deadline)) return bad('campaign_create', `The deadline must be a date written YYYY-MM-DD, not "${options.deadline}".`);
    deadline = options.deadline;
  }
  let strength: string | null = null;
  if (options.strength !== undefined) {
    const s = options.strength.toLowerCase();
    if (s === 'phishing-resistant' || s === 'passkeys-only') strength = s;
    else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) strength = s;
    else return bad('campaign_create', `The strength must be phishing-resistant, passkeys-only or an authentication strength id, not "${options.strength}".`);
  }
  let threshold: number | null = null;
  if (options.threshold !== undefined) {
    const t = Number(options.threshold.replace(/%$/, ''));
    if (!Number.isFinite(t) || t < 0 || t > 100) return bad('campaign_create', `The threshold must be a percentage from 0 to 100, not "${options.threshold}".`);
    threshold = t;
  }
  return ok({ kind: 'campaign_create', name, deadline, strength, threshold });
}

/** Settings `campaign set` knows; the service validates each value. */
export const CAMPAIGN_SETTING_KEYS = [
  'deadline', 'threshold', 'aaguid-allow', 'aaguid-block', 'cadence', 'overdue-every', 'max-reminders', 'hours', 'weekends', 'timezone',
  'soak-days', 'failure-max', 'min-warnings', 'helpdesk', 'helpdesk-channel', 'exemption-days', 'tap-minutes', 'tap-once',
  'escalation', 'guard', 'guard-share', 'guard-window', 'approval-hours', 'lockout-check', 'admins-channel',
  'report-only-policy', 'enforced-policy',
] as const;

function parseCampaignSet(arg: string): ParseResult {
  if (arg === '') return missing('campaign_set', `the campaign, a setting and a value (settings: ${CAMPAIGN_SETTING_KEYS.join(', ')})`);
  const words = arg.split(' ');
  const at = words.findIndex((w, i) => i > 0 && (CAMPAIGN_SETTING_KEYS as readonly string[]).includes(w.toLowerCase()));
  if (at < 0) return bad('campaign_set', `I could not find a setting in that. Settings: ${CAMPAIGN_SETTING_KEYS.join(', ')}.`);
  const name = unquote(words.slice(0, at).join(' '));
  const key = words[at]!.toLowerCase();
  const value = words.slice(at + 1).join(' ').trim();
  if (value === '') return missing('campaign_set', `the value for ${key}`);
  return ok({ kind: 'campaign_set', name, key, value });
}

function parseBreakglass(rest: string): ParseResult {
  const m = /^add\s+(.+?)\s+to\s+(.+)$/i.exec(rest);
  if (!m) {
    if (/^add\s*$/i.test(rest) || rest === '') return missing('breakglass_add', 'which account or group, and which campaign');
    return bad('breakglass_add', 'Write it as "breakglass add <user|group> to <campaign>".');
  }
  return ok({ kind: 'breakglass_add', principal: unquote(m[1]!.trim()), campaign: unquote(m[2]!.trim()) });
}

function parseCohort(rest: string): ParseResult {
  const [sub = '', ...tail] = rest.split(' ');
  const arg = tail.join(' ').trim();
  switch (sub.toLowerCase()) {
    case 'add': {
      if (arg === '') return missing('cohort_add', 'the group, the campaign and the tier');
      // Quoted names may contain the keywords; unquoted ones split at the last " as " and the first " to ".
      const named = /^(.*)\s+named\s+(.+)$/i.exec(arg);
      const body = named ? named[1]! : arg;
      const tierMatch = /^(.*)\s+as\s+(\S+)$/i.exec(body);
      if (!tierMatch) return missing('cohort_add', 'the tier: add "as tier0", "as tier1" or "as workforce"');
      const tier = tierMatch[2]!.toLowerCase();
      if (!(TIERS as string[]).includes(tier)) return bad('cohort_add', `The tier must be tier0, tier1 or workforce, not "${tierMatch[2]}".`);
      const groupAndCampaign = splitQuotedPair(tierMatch[1]!, 'to');
      if (!groupAndCampaign) return missing('cohort_add', 'the campaign: write "<group> to <campaign>"');
      const [group, campaign] = groupAndCampaign;
      if (group === '' || campaign === '') return missing('cohort_add', 'both a group and a campaign');
      return ok({ kind: 'cohort_add', group, campaign, tier: tier as Tier, named: named ? unquote(named[2]!.trim()) : null });
    }
    case 'remove':
    case 'delete':
      return arg === '' ? missing('cohort_remove', 'which cohort') : ok({ kind: 'cohort_remove', cohort: unquote(arg) });
    case 'list':
    case 'ls':
      return ok({ kind: 'cohorts', campaign: arg === '' ? null : unquote(arg) });
    case '':
      return missing('cohort_add', 'what to do: add or remove');
    default:
      return fail('unknown_command', `"cohort ${sub}" is not a cohort command: use add or remove, or "cohorts" to list them.`, USAGE.cohort_add, 'cohorts');
  }
}

function parseAudit(rest: string): ParseResult {
  if (/^verify$/i.test(rest)) return ok({ kind: 'audit_verify' });
  if (rest === '') return ok({ kind: 'audit', cohort: null, count: null });
  const m = /^(.*?)\s*(\d+)$/.exec(rest);
  if (m) {
    const count = Number(m[2]);
    if (count < 1 || count > 200) return bad('audit', 'The number of entries must be from 1 to 200.');
    const cohort = m[1]!.trim();
    return ok({ kind: 'audit', cohort: cohort === '' ? null : unquote(cohort), count });
  }
  return ok({ kind: 'audit', cohort: unquote(rest), count: null });
}

function parseDemo(rest: string): ParseResult {
  const second = /^second-admin(?:\s+(\S+))?$/i.exec(rest);
  if (second) {
    const d = (second[1] ?? '').toLowerCase();
    if (d !== 'approve' && d !== 'reject') return missing('demo_second_admin', 'approve or reject');
    return ok({ kind: 'demo_second_admin', decision: d });
  }
  const m = /^role\s+(\S+)$/i.exec(rest);
  if (!m) return missing('demo_role', 'which role: user, helpdesk or admin');
  const role = m[1]!.toLowerCase();
  if (role !== 'user' && role !== 'helpdesk' && role !== 'admin') return bad('demo_role', `The demo role must be user, helpdesk or admin, not "${m[1]}".`);
  return ok({ kind: 'demo_role', role });
}

// ---- helpers ---------------------------------------------------------------------------------

function ok(command: Command): ParseResult {
  return { ok: true, command };
}

function fail(code: ParseErrorCode, message: string, usage: string | null, suggestion: string | null = null): ParseResult {
  return { ok: false, error: { code, message, usage, suggestion } };
}

function missing(kind: CommandKind, what: string): ParseResult {
  return fail('missing_argument', `Missing ${what}.`, USAGE[kind]);
}

function bad(kind: CommandKind, message: string): ParseResult {
  return fail('bad_argument', message, USAGE[kind]);
}

function extra(kind: CommandKind, rest: string): ParseResult {
  return fail('bad_argument', `"${USAGE[kind]}" takes nothing after it, but got "${truncate(rest, 40)}".`, USAGE[kind]);
}

function needs(kind: CommandKind, rest: string, then: (rest: string) => ParseResult): ParseResult {
  if (rest.trim() === '') {
    const what = USAGE[kind].split(' ').slice(1).join(' ') || 'an argument';
    return fail('missing_argument', `Missing ${what.replace(/[<>[\]]/g, '')}.`, USAGE[kind]);
  }
  return then(rest.trim());
}

function unknown(text: string): ParseResult {
  const word = text.split(' ')[0]!.toLowerCase();
  const suggestion = closest(word, COMMAND_WORDS);
  const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : '';
  return fail('unknown_command', `I don't know "${truncate(word, 30)}".${hint} Say \`help\` for the list.`, null, suggestion);
}

function splitBecause(r: string): { before: string; reason: string | null } {
  const m = /^(.*?)\s+because(?:\s+(.*))?$/i.exec(r);
  if (!m) return { before: r.trim(), reason: null };
  return { before: m[1]!.trim(), reason: (m[2] ?? '').trim() };
}

/** Splits `"a b" to "c"` or `a b to c` at the keyword, honouring double quotes. */
function splitQuotedPair(s: string, keyword: string): [string, string] | null {
  const quoted = new RegExp(`^"([^"]*)"\\s+${keyword}\\s+(.+)$`, 'i').exec(s);
  if (quoted) return [quoted[1]!.trim(), unquote(quoted[2]!.trim())];
  const plain = new RegExp(`^(.+?)\\s+${keyword}\\s+(.+)$`, 'i').exec(s);
  if (!plain) return null;
  return [unquote(plain[1]!.trim()), unquote(plain[2]!.trim())];
}

/** `name opt1 v opt2 v` → head + options; a quoted head may contain option words. */
function splitOptions(s: string, keys: string[]): { head: string; options: Record<string, string>; error?: string } {
  const options: Record<string, string> = {};
  let head = s;
  const q = /^"([^"]*)"\s*(.*)$/.exec(s);
  let tail = '';
  if (q) {
    head = `"${q[1]}"`;
    tail = q[2]!;
  } else {
    const re = new RegExp(`\\s(${keys.join('|')})\\s`, 'i');
    const m = re.exec(` ${s} `);
    if (m) {
      head = s.slice(0, Math.max(0, m.index - 1)).trim();
      tail = s.slice(Math.max(0, m.index - 1)).trim();
    }
  }
  const parts = tail === '' ? [] : tail.split(' ');
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i]!.toLowerCase();
    if (!keys.includes(key)) return { head, options, error: `I don't understand "${truncate(parts[i]!, 30)}" there; options are ${keys.join(', ')}.` };
    const value = parts[i + 1];
    if (value === undefined) return { head, options, error: `"${key}" needs a value.` };
    if (options[key] !== undefined) return { head, options, error: `"${key}" is given twice.` };
    options[key] = value;
    i++;
  }
  return { head, options };
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).trim();
  return t;
}

function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The closest word within a small edit distance, for "did you mean". */
function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c.split(' ')[0]!);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : null;
}

/** Damerau–Levenshtein (optimal string alignment) distance. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swapped pair of letters ("hlep") counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) dp[i]![j] = Math.min(dp[i]![j]!, dp[i - 2]![j - 2]! + 1);
    }
  }
  return dp[a.length]![b.length]!;
}
