import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';
import { auditActions, lastCard, makeGroup, nextWeekdayAt, policyNow, say, waitForSyncs } from '../helpers/staging.js';

/**
 * The ways a move can go wrong, end to end: a portal edit in the middle of a move, Graph failing
 * between the two writes, expired and voided approvals, a missing break-glass exclusion (no
 * override), and drift found by the watch, re-applied or acknowledged from its card.
 */
let w: TestWorld;
let group: { id: string; members: { id: string }[] };
let breakGlassGroup: string;

beforeAll(async () => {
  w = await startTestWorld({ users: 150, seed: 7 });
  for (const who of ['admin', 'admin2']) await w.user(who);
  group = makeGroup(w, 'Wave Two', ['security-key', 'two-security-keys', 'authenticator-passkey', 'synced-and-security-key'], 8);
  makeGroup(w, 'Wave Three', ['security-key', 'two-security-keys', 'authenticator-passkey', 'synced-and-security-key'], 4);
  breakGlassGroup = w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.breakGlass)!.id;
  await say(w, 'admin', 'campaign create Safety deadline 2027-06-30 threshold 80%');
  await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Safety`);
  await say(w, 'admin', 'campaign set Safety soak-days 1');
  await say(w, 'admin', 'cohort add Wave Two to Safety as workforce');
  await say(w, 'admin', 'cohort add Wave Three to Safety as workforce');
  await waitForSyncs(w);
  await say(w, 'admin', 'sync');
  await waitForSyncs(w);
  expect((await say(w, 'admin', 'advance Wave Two')).text).toMatch(/now nudging/);
  expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/now nudging/);
});
afterAll(async () => {
  await w?.close();
});

const campaign = async () => (await w.bot.store.campaigns.findByName('Safety'))!;
const cohort = async (name = 'Wave Two') => (await w.bot.store.cohorts.findByName(name))!;
const approvalCard = () => lastCard(w, w.simUser('admin2').id, /Approval needed: enforce Wave Two/);

describe('a portal edit during a move', () => {
  it('is kept: the bot re-reads the policy and applies its change on top', async () => {
    // First move of the campaign: creates the policies. Wave Three goes first so they exist.
    expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/Wave Three is now report-only/);
    const c = await campaign();
    const outsider = w.tenant.users.find((u) => u.accountEnabled && u.truth.persona === 'no-passkey')!.id;
    // Reads of the report-only policy during `advance Wave Two`: the gates' read, then the writer's
    // read; the admin's portal edit lands just before the writer's check read (between read and write).
    w.world.sim.beforeRequest({ method: 'GET', pathPattern: `conditionalAccess/policies/${c.reportOnlyPolicyId}$`, skip: 2 }, () => {
      const cur = policyNow(w, c.reportOnlyPolicyId!);
      w.world.sim.portalEditPolicy(c.reportOnlyPolicyId!, { conditions: { users: { excludeUsers: [...cur.conditions.users.excludeUsers, outsider] } } });
    });
    const r = await say(w, 'admin', 'advance Wave Two');
    expect(r.text).toMatch(/Wave Two is now report-only/);
    expect(r.text).toMatch(/edited elsewhere during the move; those edits were kept/);
    const ro = policyNow(w, c.reportOnlyPolicyId!);
    expect(ro.conditions.users.excludeUsers).toContain(outsider);
    expect(ro.conditions.users.includeGroups.sort()).toEqual([group.id, (await cohort('Wave Three')).groupId].sort());
    const include = (await w.bot.store.audit.recent({ cohortId: (await cohort()).id, limit: 10 })).find((e) => e.action === 'policy.include')!;
    expect(include.details).toMatchObject({ concurrentEdits: 1, outcome: 'written' });
    // The edit happened at the write the bot made on top of it: no drift for the drift gate.
    nextWeekdayAt(w, 18, 2);
    expect((await say(w, 'admin', 'plan Wave Two')).text).toMatch(/✅ \*\*No drift\*\*/);
  });
});

describe('approvals that expire or lose their basis', () => {
  it('an expired approval cannot be used; pressing it says so and changes nothing', async () => {
    await say(w, 'admin', 'campaign set Safety approval-hours 1');
    expect((await say(w, 'admin', 'advance Wave Two')).text).toMatch(/needs a second admin/);
    w.clock.advance(2 * 3600_000);
    const admin2 = await w.user('admin2');
    const r = await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.approve' });
    expect(JSON.stringify(r.body)).toMatch(/has expired; nothing was changed/);
    expect((await cohort()).stage).toBe('report-only');
    expect(await auditActions(w)).toContain('approval.expire');
    expect(await w.bot.store.approvals.listPending()).toEqual([]);
    await say(w, 'admin', 'campaign set Safety approval-hours 24');
  });

  it('roles are re-read from Entra when the button is pressed; a rejection closes the request', async () => {
    expect((await say(w, 'admin', 'advance Wave Two')).text).toMatch(/needs a second admin/);
    const admin2 = await w.user('admin2');
    w.world.sim.setDirectoryRoles(w.simUser('admin2').id, []);
    const refused = await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.approve' });
    expect(JSON.stringify(refused.body)).toMatch(/Only admins can do that\. You are a user/);
    expect((await w.bot.store.approvals.listPending())).toHaveLength(1);
    w.world.sim.setDirectoryRoles(w.simUser('admin2').id, ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9']);
    const rejected = await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.reject' });
    expect(JSON.stringify(rejected.body)).toMatch(/Rejected — rejected by Demo Conditional Access Admin/);
    expect(await w.bot.store.approvals.listPending()).toEqual([]);
    expect((await cohort()).stage).toBe('report-only');
    expect(await auditActions(w)).toContain('approval.reject');
  });

  it('an approval is void when the gate inputs changed materially since the request', async () => {
    expect((await say(w, 'admin', 'advance Wave Two')).text).toMatch(/needs a second admin/);
    await say(w, 'admin', 'campaign set Safety threshold 60%');
    const admin2 = await w.user('admin2');
    const r = await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.approve' });
    expect(JSON.stringify(r.body)).toMatch(/The gate inputs changed since the request \(the campaign settings for the gates changed\); the approval is void/);
    expect((await cohort()).stage).toBe('report-only');
    expect((await w.bot.store.audit.recent({ cohortId: (await cohort()).id, limit: 3 })).map((e) => e.action)).toContain('approval.void');
    // the requester's card (and every copy) now says void
    expect(replyText(approvalCard())).toMatch(/Void/);
  });

  it('listing approvals expires nothing that is still valid and shows buttons to the other admins only', async () => {
    expect((await say(w, 'admin', 'advance Wave Two')).text).toMatch(/needs a second admin/);
    const mine = await say(w, 'admin', 'approvals');
    expect(mine.text).toMatch(/Approval needed: enforce Wave Two/);
    expect(JSON.stringify(mine.replies.map((a) => a.activity))).not.toMatch(/approval\.approve/);
    const theirs = await say(w, 'admin2', 'approvals');
    expect(JSON.stringify(theirs.replies.map((a) => a.activity))).toMatch(/approval\.approve/);
  });
});

describe('Graph failing between the two writes', () => {
  it('leaves the group covered by one policy, reports the failure, and a retry completes the move', async () => {
    const c = await campaign();
    // The approved move writes the enforced policy, then the report-only one: fail the second PATCH.
    w.world.sim.failNext({ method: 'PATCH', pathPattern: 'conditionalAccess/policies/', status: 500, count: 1, skip: 1 });
    const admin2 = await w.user('admin2');
    await w.world.channel.pressCardButton(admin2, approvalCard(), { verb: 'approval.approve' });
    await w.bot.settled();
    expect((await cohort()).stage).toBe('report-only');
    expect(policyNow(w, c.enforcedPolicyId!).conditions.users.includeGroups).toContain(group.id);
    expect(policyNow(w, c.reportOnlyPolicyId!).conditions.users.includeGroups).toContain(group.id);
    const failed = (await w.bot.store.audit.recent({ cohortId: (await cohort()).id, limit: 5 })).find((e) => e.action === 'cohort.move_failed')!;
    expect(failed.details).toMatchObject({ move: 'report-only→enforced', error: expect.stringMatching(/500/) });
    expect(replyText(approvalCard())).toMatch(/Approved by .* if it did not complete, `advance Wave Two` finishes it/);
    expect((await say(w, 'admin', 'status Wave Two')).text).toMatch(/A stage move did not complete \(report-only→enforced/);
    // The retry reuses the approval (no second request) and finishes the move.
    const retry = await say(w, 'admin', 'advance Wave Two');
    expect(retry.text).toMatch(/Wave Two is now enforced/);
    expect(policyNow(w, c.reportOnlyPolicyId!).conditions.users.includeGroups).not.toContain(group.id);
    expect(policyNow(w, c.enforcedPolicyId!).conditions.users.includeGroups).toContain(group.id);
    expect(await w.bot.store.approvals.listPending()).toEqual([]);
    expect(replyText(approvalCard())).toMatch(/Wave Two was enforced/);
  });
});

describe('break-glass and drift', () => {
  it('a break-glass group missing from a policy is a hard stop, even with a reason', async () => {
    const c = await campaign();
    const cur = policyNow(w, c.enforcedPolicyId!);
    w.world.sim.portalEditPolicy(c.enforcedPolicyId!, { conditions: { users: { excludeGroups: cur.conditions.users.excludeGroups.filter((g) => g !== breakGlassGroup) } } });
    nextWeekdayAt(w, 18, 2);
    const r = await say(w, 'admin', 'advance Wave Three because we accept the risk');
    expect(r.text).toMatch(/cannot move to enforced: Break-glass excluded — the enforced policy does not exclude Emergency Access Accounts.*This gate has no override\. Nothing was changed/);
    expect(await w.bot.store.approvals.listPending()).toEqual([]);
    expect((await say(w, 'admin', 'plan Wave Three')).text).toMatch(/⛔ \*\*Break-glass excluded\*\* \(hard gate\)/);
  });

  it('the drift watch posts an alert card to the admins; re-apply restores the exclusion and keeps other edits', async () => {
    const c = await campaign();
    const found = (await w.bot.runJob('staging.drift')) as { opened: number };
    expect(found.opened).toBe(1);
    const card = lastCard(w, w.simUser('admin2').id, /Out-of-band change: Safety/);
    expect(replyText(card)).toMatch(/the break-glass group Emergency Access Accounts is no longer excluded/);
    expect(lastCard(w, w.simUser('admin').id, /Out-of-band change: Safety/)).toBeTruthy();
    // a second run with nothing new posts nothing new
    expect(((await w.bot.runJob('staging.drift')) as { opened: number }).opened).toBe(0);
    expect((await say(w, 'admin', 'status Wave Three')).text).toMatch(/Drift: 1 open alert/);
    const user = await w.user('user');
    expect(JSON.stringify((await w.world.channel.pressCardButton(user, card, { verb: 'drift.reapply' })).body)).toMatch(/Only admins can do that/);
    const admin2 = await w.user('admin2');
    const r = await w.world.channel.pressCardButton(admin2, card, { verb: 'drift.reapply' });
    expect(JSON.stringify(r.body)).toMatch(/Re-applied: the enforced policy has the bot's settings again/);
    const en = policyNow(w, c.enforcedPolicyId!);
    expect(en.conditions.users.excludeGroups).toContain(breakGlassGroup);
    expect(en.conditions.users.includeGroups).toEqual([group.id]);
    expect(await auditActions(w)).toEqual(expect.arrayContaining(['drift.detected', 'policy.reapply', 'drift.reapply']));
    expect((await say(w, 'admin', 'plan Wave Three')).text).toMatch(/✅ \*\*Break-glass excluded\*\*[\s\S]*✅ \*\*No drift\*\*/);
  });

  it('a harmless portal edit can be acknowledged as the new baseline', async () => {
    const c = await campaign();
    w.world.sim.portalEditPolicy(c.reportOnlyPolicyId!, { state: 'disabled' });
    await w.bot.runJob('staging.drift');
    const card = lastCard(w, w.simUser('admin2').id, /Out-of-band change: Safety/);
    expect(replyText(card)).toMatch(/its state was changed from enabledForReportingButNotEnforced to disabled/);
    expect((await say(w, 'admin', 'advance Wave Three')).text).toMatch(/No drift — report-only: its state was changed/);
    const admin = await w.user('admin');
    const r = await w.world.channel.pressCardButton(admin, card, { verb: 'drift.acknowledge' });
    expect(JSON.stringify(r.body)).toMatch(/Acknowledged: the report-only policy as it is now is the new baseline/);
    // pressing again changes nothing
    const again = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'drift.acknowledge', data: { alertId: (await w.bot.store.audit.recent({ limit: 50 })).find((e) => e.action === 'drift.acknowledge')!.details.alertId } }, trigger: 'manual' });
    expect(JSON.stringify(again.body)).toMatch(/already acknowledged; nothing was changed/);
    expect((await w.bot.store.driftAlerts.openFor(c.id))).toEqual([]);
  });

  it('a change to the passkey profiles that reach a cohort is drift too (the bot never writes that policy)', async () => {
    const cur = w.world.sim.state.fido2.current()!;
    const profiles = cur.passkeyProfiles!.map((p) => (p.id === cur.defaultPasskeyProfile ? { ...p, passkeyTypes: 'deviceBound' } : p));
    w.world.sim.state.patchFido2({ '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', passkeyProfiles: profiles }, w.clock.now());
    await w.bot.runJob('staging.drift');
    const card = lastCard(w, w.simUser('admin2').id, /passkey \(FIDO2\) policy/);
    expect(replyText(card)).toMatch(/changed: passkey types deviceBound,synced → deviceBound/);
    expect(JSON.stringify(card.activity)).not.toMatch(/drift\.reapply/);
    expect((await say(w, 'admin', 'plan Wave Three')).text).toMatch(/⚠️ \*\*No drift\*\*: passkey-policy: the passkey profile/);
    const r = await w.world.channel.pressCardButton(await w.user('admin2'), card, { verb: 'drift.acknowledge' });
    expect(JSON.stringify(r.body)).toMatch(/Acknowledged/);
    expect((await say(w, 'admin', 'plan Wave Three')).text).toMatch(/✅ \*\*No drift\*\*/);
  });
});

describe('an approved enforcement that never ran', () => {
  it('status says so and how to finish it, while the cohort is still where the approval found it', async () => {
    // The state a crash leaves between the second admin's approval and the move (nothing written, nothing failed).
    const c = await campaign();
    const wave = await cohort('Wave Three');
    expect(wave.stage).toBe('report-only');
    expect((await say(w, 'admin', 'status Wave Three')).text).not.toMatch(/approved .* but has not been carried out/);
    const now = w.clock.now();
    const id = '7e57ab1e-0000-4000-8000-000000000001';
    const approval = {
      id, cohortId: wave.id, campaignId: c.id, fromStage: 'report-only' as const, toStage: 'enforced' as const,
      requestedBy: w.simUser('admin').id, requestedAt: now, expiresAt: new Date(now.getTime() + 3600_000), reason: null,
      fingerprint: 'x', gateInputs: {}, gateResults: [], plan: {}, status: 'pending' as const,
      decidedBy: null, decidedAt: null, decisionNote: null, executedAt: null, cards: [],
    };
    expect(await w.bot.store.approvals.create(approval)).toBe('ok');
    expect(await w.bot.store.approvals.decide(id, 'pending', 'approved', w.simUser('admin2').id, now, null)).toBe(true);
    expect((await say(w, 'admin', 'status Wave Three')).text).toMatch(/Enforcement was approved .* but has not been carried out yet\. If it is not done in a few minutes, say `advance Wave Three` to finish it \(no new approval needed\)/);
    // Once it has been carried out, the line goes.
    await w.bot.store.approvals.markExecuted(id, now);
    expect((await say(w, 'admin', 'status Wave Three')).text).not.toMatch(/has not been carried out/);
  });
});
