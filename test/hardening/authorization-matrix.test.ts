import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCardActions, buildCommandTable } from '../../bot/commands/index.js';
import { VERBS, type Verb } from '../../cards/verbs.js';
import type { BotRole } from '../../services/access/roles.js';
import { parseCommand, USAGE, type CommandKind } from '../../services/commands/parse-command.js';
import { generateTenant, GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { EmulatedUser } from '../../services/sim/channel/index.js';
import { changedTables, effects, graphWrites, type Effects } from '../helpers/effects.js';
import { auditActions, lastCard, makeGroup, nextWeekdayAt, say, waitForSyncs } from '../helpers/staging.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/**
 * Issue 9.5: every command and every card verb, tried by an ordinary user, helpdesk and admin
 * (each by an Entra directory role and by a configured group): refused with no effect where the
 * role is too low, not refused where it is enough. The rows come from the code's own tables, so a
 * new command or verb without a row here fails this file. Then the attacks on approvals, measured
 * by the whole store and the Graph writes rather than by one field.
 */

// ---- the rows: one per command kind and per verb, with the role this test expects ----------------

/** The lowest role that may run each command (pinned here, so lowering one in the code fails too). */
const COMMAND_ROWS: Record<CommandKind, { role: BotRole; text: () => string; demoOnly?: true }> = {
  help: { role: 'user', text: () => 'help' },
  whoami: { role: 'user', text: () => 'whoami' },
  my_status: { role: 'user', text: () => 'my status' },
  methods: { role: 'helpdesk', text: () => `methods ${subject().userPrincipalName}` },
  nudge: { role: 'helpdesk', text: () => `nudge ${subject().userPrincipalName} now` },
  exempt: { role: 'helpdesk', text: () => `exempt ${subject().userPrincipalName} for 7 days because matrix test` },
  tap: { role: 'helpdesk', text: () => `tap ${subject().userPrincipalName}` },
  campaign_create: { role: 'admin', text: () => 'campaign create Matrix Extra' },
  campaign_list: { role: 'admin', text: () => 'campaign list' },
  campaign_show: { role: 'admin', text: () => 'campaign show Matrix' },
  campaign_remove: { role: 'admin', text: () => 'campaign remove Scratch' },
  campaign_set: { role: 'admin', text: () => 'campaign set Matrix threshold 81%' },
  breakglass_add: { role: 'admin', text: () => `breakglass add ${GROUP_NAMES.breakGlass} to Spare` },
  cohort_add: { role: 'admin', text: () => 'cohort add Wave Four to Spare as workforce' },
  cohort_remove: { role: 'admin', text: () => 'cohort remove Wave Five' },
  cohorts: { role: 'admin', text: () => 'cohorts Matrix' },
  status: { role: 'admin', text: () => 'status Matrix' },
  sync: { role: 'admin', text: () => 'sync Matrix' },
  plan: { role: 'admin', text: () => 'plan Wave One' },
  advance: { role: 'admin', text: () => 'advance Wave Three' },
  rollback: { role: 'admin', text: () => 'rollback Wave One because matrix test' },
  pause: { role: 'admin', text: () => 'pause Wave Three' },
  resume: { role: 'admin', text: () => 'resume Wave Two' },
  approvals: { role: 'admin', text: () => 'approvals' },
  pause_nudges: { role: 'admin', text: () => 'pause nudges Matrix' },
  resume_nudges: { role: 'admin', text: () => 'resume nudges Spare' },
  readiness: { role: 'admin', text: () => 'readiness Matrix' },
  export: { role: 'admin', text: () => 'export Wave One' },
  audit: { role: 'admin', text: () => 'audit' },
  audit_verify: { role: 'admin', text: () => 'audit verify' },
  // Demo deployments only (the simulated tenant in the same process); not in this bot's table.
  demo_role: { role: 'user', text: () => 'demo role admin', demoOnly: true },
  demo_second_admin: { role: 'user', text: () => 'demo second-admin approve', demoOnly: true },
};

/** Anything a forger might put in card data to look like someone else or a higher role. */
const SPOOF = () => ({ role: 'admin', roles: ['Global Administrator'], approver: w.simUser('admin2').id, approvedBy: w.simUser('admin2').id, aadObjectId: w.simUser('admin').id, requestedBy: w.simUser('admin2').id, actor: { id: w.simUser('admin').id, role: 'admin' } });

const VERB_ROWS: Record<Verb, { role: BotRole; data: () => Record<string, unknown> }> = {
  'campaign.create': { role: 'admin', data: () => ({ name: 'Matrix Card', deadline: '2027-06-30', strength: 'phishing-resistant', threshold: 80 }) },
  'readiness.accept': { role: 'admin', data: () => ({ campaign: 'Spare', waves: [{ groupId: ids.waveSixGroup, tier: 'workforce' }] }) },
  'export.page': { role: 'admin', data: () => ({ cohortId: ids.waveOne, page: 1 }) },
  'cohort.advance': { role: 'admin', data: () => ({ cohortId: ids.waveThree, from: 'planned' }) },
  'cohort.rollback': { role: 'admin', data: () => ({ cohortId: ids.waveOne, from: 'report-only', reason: 'matrix test' }) },
  'approval.approve': { role: 'admin', data: () => ({ approvalId: ids.approval }) },
  'approval.reject': { role: 'admin', data: () => ({ approvalId: ids.approval }) },
  'drift.acknowledge': { role: 'admin', data: () => ({ alertId: ids.alert }) },
  'drift.reapply': { role: 'admin', data: () => ({ alertId: ids.alert }) },
  'nudge.done': { role: 'user', data: () => ({ key: 'matrix-no-such-reminder' }) },
  'nudge.snooze': { role: 'user', data: () => ({ key: 'matrix-no-such-reminder', until: 'week' }) },
  'nudge.help': { role: 'user', data: () => ({ key: 'matrix-no-such-reminder' }) },
};

// ---- who tries ------------------------------------------------------------------------------------

const HELPDESK_GROUP = 'a1a1a1a1-0000-4000-8000-00000000d001';
const ADMIN_GROUP = 'a1a1a1a1-0000-4000-8000-00000000d002';
type Persona = 'user' | 'helpdesk' | 'admin' | 'helpdesk-group' | 'admin-group';
const PERSONAS: { persona: Persona; role: BotRole }[] = [
  { persona: 'user', role: 'user' },
  { persona: 'helpdesk', role: 'helpdesk' },
  { persona: 'helpdesk-group', role: 'helpdesk' },
  { persona: 'admin', role: 'admin' },
  { persona: 'admin-group', role: 'admin' },
];
const RANK: Record<BotRole, number> = { user: 0, helpdesk: 1, admin: 2 };
const allowed = (who: BotRole, need: BotRole) => RANK[who] >= RANK[need];

let w: TestWorld;
/** Tenant users (no directory role) made helpdesk / admin by the configured groups. */
const groupMembers: Record<'helpdesk-group' | 'admin-group', string> = { 'helpdesk-group': '', 'admin-group': '' };
const ids = { waveOne: '', waveThree: '', waveSixGroup: '', approval: '', alert: '', campaign: '' };
let subjectId = '';
const subject = () => w.simUser(subjectId);
const personaUser = (p: Persona): Promise<EmulatedUser> => w.user(p === 'helpdesk-group' || p === 'admin-group' ? groupMembers[p] : p);

beforeAll(async () => {
  const tenant = generateTenant({ users: 150, seed: 7 });
  const plain = tenant.users.filter((u) => u.accountEnabled && u.userType === 'Member' && !u.id.startsWith('de300000') && u.truth.roleTemplateIds.length === 0 && !u.truth.isBreakGlass);
  groupMembers['helpdesk-group'] = plain[0]!.id;
  groupMembers['admin-group'] = plain[1]!.id;
  subjectId = plain[2]!.id;
  for (const [id, name, member] of [[HELPDESK_GROUP, 'Bot Helpdesk', plain[0]!.id], [ADMIN_GROUP, 'Bot Admins', plain[1]!.id]] as const) {
    tenant.groups.push({ id, displayName: name, description: null, mailNickname: name.replace(/\s/g, ''), mailEnabled: false, securityEnabled: true, groupTypes: [], membershipRule: null, isAssignableToRole: false, members: [member], owners: [] });
  }
  w = await startTestWorld({ tenant, env: { HELPDESK_GROUP_IDS: HELPDESK_GROUP, ADMIN_GROUP_IDS: ADMIN_GROUP } });
  for (const who of ['admin', 'admin2', 'user', 'helpdesk']) await w.user(who);
  for (const id of Object.values(groupMembers)) await w.user(id);
  const passkeyPeople = ['security-key', 'two-security-keys', 'authenticator-passkey', 'synced-and-security-key'];
  makeGroup(w, 'Wave One', passkeyPeople, 6);
  for (const name of ['Wave Two', 'Wave Three', 'Wave Four', 'Wave Five']) makeGroup(w, name, passkeyPeople, 2);
  ids.waveSixGroup = makeGroup(w, 'Wave Six', passkeyPeople, 2).id;
  for (const text of [
    'campaign create Matrix deadline 2027-06-30 threshold 80%',
    `breakglass add ${GROUP_NAMES.breakGlass} to Matrix`,
    'campaign set Matrix soak-days 1',
    'cohort add Wave One to Matrix as workforce',
    'cohort add Wave Two to Matrix as workforce',
    'cohort add Wave Three to Matrix as workforce',
    'cohort add Wave Five to Matrix as workforce',
    'campaign create Spare deadline 2027-06-30',
    'campaign create Scratch',
  ])
    await say(w, 'admin', text);
  await waitForSyncs(w);
  await say(w, 'admin', 'sync');
  await waitForSyncs(w);
  expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/now nudging/);
  expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/Wave One is now report-only/);
  expect((await say(w, 'admin', 'pause Wave Two')).text).toMatch(/paused/i);
  expect((await say(w, 'admin', 'pause nudges Spare')).text).toMatch(/paus/i);
  nextWeekdayAt(w, 18, 2);
  expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/needs a second admin/);
  const campaign = (await w.bot.store.campaigns.findByName('Matrix'))!;
  ids.campaign = campaign.id;
  // Out-of-band edit for a drift alert: someone excluded one more person from the enforced policy.
  const enforced = w.world.sim.state.requirePolicy(campaign.enforcedPolicyId!).cur;
  w.world.sim.portalEditPolicy(campaign.enforcedPolicyId!, { conditions: { users: { excludeUsers: [...enforced.conditions.users.excludeUsers, subjectId] } } });
  expect(((await w.bot.runJob('staging.drift')) as { opened: number }).opened).toBe(1);
  ids.alert = (await w.bot.store.driftAlerts.openFor(campaign.id))[0]!.id;
  ids.approval = (await w.bot.store.approvals.listPending())[0]!.id;
  ids.waveOne = (await w.bot.store.cohorts.findByName('Wave One'))!.id;
  ids.waveThree = (await w.bot.store.cohorts.findByName('Wave Three'))!.id;
  await w.bot.settled();
}, 240_000);
afterAll(async () => {
  await w?.close();
});

// ---- the rows match the code ----------------------------------------------------------------------

describe('the matrix covers the code', () => {
  const table = buildCommandTable({ staging: {}, nudges: {}, demo: {} } as never);
  const verbs = buildCardActions({} as never);

  it('has a row for every command in the command table, with the role the table declares', () => {
    const inCode = Object.values(table).map((s) => [s!.kind, s!.role]);
    expect(Object.fromEntries(inCode)).toEqual(Object.fromEntries(Object.entries(COMMAND_ROWS).map(([k, r]) => [k, r.role])));
    expect(Object.keys(USAGE).sort()).toEqual(Object.keys(COMMAND_ROWS).sort());
  });

  it('has a row for every card verb the bot handles and every verb the cards use, with its declared role', () => {
    expect(Object.fromEntries(verbs.map((s) => [s.verb, s.role]))).toEqual(Object.fromEntries(Object.entries(VERB_ROWS).map(([v, r]) => [v, r.role])));
    expect(Object.values(VERBS).sort()).toEqual(Object.keys(VERB_ROWS).sort());
  });

  it('each row\'s text is that command', () => {
    for (const [kind, row] of Object.entries(COMMAND_ROWS)) {
      const parsed = parseCommand(row.text());
      expect(parsed.ok && parsed.command.kind, row.text()).toBe(kind);
    }
  });

  it('each persona has the role the matrix assumes, from Entra', async () => {
    for (const { persona, role } of PERSONAS) expect((await w.world.channel.sendMessage(await personaUser(persona), 'whoami')).replies.map((r) => replyText(r)).join('\n'), persona).toMatch(role === 'admin' ? /an admin/ : role === 'helpdesk' ? /helpdesk/ : /a user \(no admin or helpdesk role\)/);
  });
});

// ---- refused: no effect at all ------------------------------------------------------------------

const COMMAND_REFUSAL = /is for (admins|helpdesk and admins)\. You are .* according to Microsoft Entra/;
const VERB_REFUSAL = /Only (admins|helpdesk and admins) can do that\. You are .* according to Microsoft Entra/;

type Case = { what: string; persona: Persona; role: BotRole; need: BotRole; kind: 'command' | 'verb'; key: string };
const cases: Case[] = [];
for (const { persona, role } of PERSONAS) {
  for (const [kind, row] of Object.entries(COMMAND_ROWS)) if (!row.demoOnly) cases.push({ what: `\`${kind}\``, persona, role, need: row.role, kind: 'command', key: kind });
  for (const [verb, row] of Object.entries(VERB_ROWS)) cases.push({ what: `card ${verb}`, persona, role, need: row.role, kind: 'verb', key: verb });
}
const refused = cases.filter((c) => !allowed(c.role, c.need));
const permitted = cases.filter((c) => allowed(c.role, c.need));

async function attempt(c: Case): Promise<{ text: string; replies: number }> {
  const who = await personaUser(c.persona);
  if (c.kind === 'command') {
    const r = await w.world.channel.sendMessage(who, COMMAND_ROWS[c.key as CommandKind].text());
    expect(r.status).toBe(200);
    return { text: r.replies.map((a) => replyText(a)).join('\n'), replies: r.replies.length };
  }
  const data = { ...VERB_ROWS[c.key as Verb].data(), ...(RANK[c.role] < RANK[c.need] ? SPOOF() : {}) };
  const r = await w.world.channel.sendInvoke(who, { action: { type: 'Action.Execute', verb: c.key, data }, trigger: 'manual' });
  expect(r.status).toBe(200);
  return { text: JSON.stringify(r.body), replies: 0 };
}

function expectNoEffect(before: Effects, after: Effects, replies: number): void {
  expect(changedTables(before, after)).toEqual([]);
  expect(after.auditEntries).toBe(before.auditEntries);
  expect(after.graphWrites).toBe(before.graphWrites);
  // Only the refusal itself went out (a message reply), nothing to anyone else.
  expect(after.outbound - before.outbound).toBe(replies);
}

describe('refused where the role is too low, with no effect (card data spoofing a higher role or another person)', () => {
  it('refuses something for every persona below admin', () => {
    expect(new Set(refused.map((c) => c.persona))).toEqual(new Set(['user', 'helpdesk', 'helpdesk-group']));
    expect(refused.length).toBeGreaterThan(80);
  });

  it.each(refused.map((c) => [`${c.what} by ${c.persona} (${c.role}; needs ${c.need})`, c] as const))('%s', async (_name, c) => {
    const before = await effects(w);
    const r = await attempt(c);
    expect(r.text).toMatch(c.kind === 'command' ? COMMAND_REFUSAL : VERB_REFUSAL);
    await w.bot.settled();
    expectNoEffect(before, await effects(w), r.replies);
  });
});

// ---- attacks on the approval, measured by the whole store ------------------------------------------

describe('attacks on a pending approval change nothing but the audit of the attempt', () => {
  const approvalCard = () => lastCard(w, w.simUser('admin2').id, /Approval needed: enforce Wave One/);

  beforeAll(async () => {
    // The drift alert the refusals above left alone is accepted as the new baseline.
    const r = await w.world.channel.sendInvoke(await w.user('admin'), { action: { type: 'Action.Execute', verb: 'drift.acknowledge', data: { alertId: ids.alert } }, trigger: 'manual' });
    expect(JSON.stringify(r.body)).toMatch(/Acknowledged/);
    // The policy change voids the pending request (its gate inputs changed): ask again.
    const stale = await w.world.channel.pressCardButton(await w.user('admin2'), approvalCard(), { verb: 'approval.approve' });
    expect(JSON.stringify(stale.body)).toMatch(/the approval is void/);
    expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/needs a second admin/);
    ids.approval = (await w.bot.store.approvals.listPending())[0]!.id;
  });

  /** The approval as decided (the card copies it knows of may grow: that is where it will post the outcome). */
  const decision = async (id: string) => {
    const { cards: _cards, ...rest } = (await w.bot.store.approvals.get(id))!;
    return rest;
  };
  /** Only the audit of the attempt and the approval's list of card copies changed. */
  const onlyAuditAndCards = (a: Effects, b: Effects) => expect(changedTables(a, b).filter((t) => t !== 'approvals')).toEqual(['audit_log']);

  it('the requester approving their own move, naming the other admin as approver in the data', async () => {
    const before = await effects(w);
    const decided = await decision(ids.approval);
    const card = approvalCard();
    const r = await w.world.channel.sendInvoke(await w.user('admin'), { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: ids.approval, ...SPOOF() } }, trigger: 'manual' }, { replyToId: card.id, conversationId: card.conversationId });
    expect(JSON.stringify(r.body)).toMatch(/You asked for this move: another admin has to approve it/);
    await w.bot.settled();
    const after = await effects(w);
    onlyAuditAndCards(before, after);
    expect(after.graphWrites).toBe(before.graphWrites);
    expect((await auditActions(w)).at(-1)).toBe('approval.self_refused');
    expect(await decision(ids.approval)).toEqual(decided);
    expect(decided.status).toBe('pending');
  });

  it('approved once by the second admin; a second press and a replayed invoke change nothing more', async () => {
    const admin2 = await w.user('admin2');
    const first = await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.approve' });
    expect(JSON.stringify(first.body)).toMatch(/Approved by/);
    await w.bot.settled();
    expect((await w.bot.store.cohorts.get(ids.waveOne))!.stage).toBe('enforced');
    const before = await effects(w);
    const decided = await decision(ids.approval);
    const card = approvalCard();
    for (const who of ['admin2', 'admin2', 'admin']) {
      const r = await w.world.channel.sendInvoke(await w.user(who), { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: ids.approval } }, trigger: 'manual' }, { replyToId: card.id });
      expect(JSON.stringify(r.body)).toMatch(/already approved; nothing was changed/);
    }
    const reject = await w.world.channel.sendInvoke(admin2, { action: { type: 'Action.Execute', verb: 'approval.reject', data: { approvalId: ids.approval } }, trigger: 'manual' }, { replyToId: card.id });
    expect(JSON.stringify(reject.body)).toMatch(/already approved; nothing was changed/);
    await w.bot.settled();
    const after = await effects(w);
    onlyAuditAndCards(before, after);
    expect(await decision(ids.approval)).toEqual(decided);
    expect(after.graphWrites).toBe(before.graphWrites);
    expect((await auditActions(w)).slice(-4)).toEqual(['approval.replay', 'approval.replay', 'approval.replay', 'approval.replay']);
    expect((await w.bot.store.cohorts.get(ids.waveOne))!.stage).toBe('enforced');
  });

  it('an expired approval, pressed by the other admin or replayed, moves nothing and writes nothing to Entra', async () => {
    // A fresh request on Wave Three (report-only first), left to expire.
    await say(w, 'admin', 'campaign set Matrix approval-hours 1');
    expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/now nudging/);
    expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/Wave Three is now report-only/);
    nextWeekdayAt(w, 18, 2);
    expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/needs a second admin/);
    const pending = (await w.bot.store.approvals.listPending())[0]!;
    w.clock.advance(2 * 3600_000);
    const writes = graphWrites(w);
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed: enforce Wave Three/);
    const r = await w.world.channel.pressCardButton(await w.user('admin2'), card, { verb: 'approval.approve' });
    expect(JSON.stringify(r.body)).toMatch(/has expired; nothing was changed/);
    const replay = await w.world.channel.sendInvoke(await w.user('admin2'), { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: pending.id } }, trigger: 'manual' }, { replyToId: card.id });
    expect(JSON.stringify(replay.body)).toMatch(/already expired; nothing was changed/);
    await w.bot.settled();
    expect(graphWrites(w)).toBe(writes);
    expect((await w.bot.store.cohorts.findByName('Wave Three'))!.stage).toBe('report-only');
    expect((await w.bot.store.approvals.get(pending.id))!.status).toBe('expired');
  });
});

// ---- allowed: not refused ---------------------------------------------------------------------------

describe('not refused where the role is enough', () => {
  it.each(permitted.map((c) => [`${c.what} by ${c.persona} (${c.role}; needs ${c.need})`, c] as const))('%s', async (_name, c) => {
    const r = await attempt(c);
    expect(r.text).not.toMatch(COMMAND_REFUSAL);
    expect(r.text).not.toMatch(VERB_REFUSAL);
    expect(r.text).not.toMatch(/Something went wrong on my side/);
    expect(r.text.length).toBeGreaterThan(0);
    await w.bot.settled();
  });

  it('left no turn error behind', () => {
    expect(w.turnErrors).toEqual([]);
  });
});
