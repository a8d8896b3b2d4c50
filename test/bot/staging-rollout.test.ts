import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';
import { auditActions, lastCard, makeGroup, nextWeekdayAt, policyNow, say, waitForSyncs } from '../helpers/staging.js';

/**
 * A whole rollout through Teams-shaped HTTP against the simulated tenant: planned → nudging →
 * report-only → enforced with a second admin's approval, the enforcement guard rolling it back when
 * sign-ins start failing, and a manual rollback — with the attacks on the approval along the way.
 */
let w: TestWorld;
let wave: { id: string; members: { id: string }[] };
let breakGlassGroup: string;
/** What the nudge service (issue 4) would be told. */
const told: string[] = [];

beforeAll(async () => {
  w = await startTestWorld({
    users: 150,
    seed: 7,
    bot: {
      stageListener: {
        planFinalNotices: async (cohortId, date, now) => void told.push(`final ${cohortId} ${Math.round((date.getTime() - now.getTime()) / 86_400_000)}d`),
        planRecoveryNotices: async (cohortId) => void told.push(`recovery ${cohortId}`),
        cancelForCohort: async (cohortId) => void told.push(`cancel ${cohortId}`),
      },
    },
  });
  // Everyone who approves or is told must have the app (a 1:1 chat with the bot).
  for (const who of ['admin', 'admin2', 'user', 'helpdesk']) await w.user(who);
  wave = makeGroup(w, 'Wave One', ['security-key', 'two-security-keys', 'authenticator-passkey', 'synced-and-security-key'], 8);
  breakGlassGroup = w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.breakGlass)!.id;
});
afterAll(async () => {
  await w?.close();
});

const campaignOf = async () => (await w.bot.store.campaigns.findByName('Rollout'))!;
const cohortOf = async () => (await w.bot.store.cohorts.findByName('Wave One'))!;

describe('set-up', () => {
  it('a campaign with break-glass and a cohort', async () => {
    expect((await say(w, 'admin', 'campaign create Rollout deadline 2027-06-30 threshold 80%')).text).toMatch(/Campaign created/);
    expect((await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Rollout`)).text).toMatch(/as break-glass/);
    expect((await say(w, 'admin', 'campaign set Rollout soak-days 1')).text).toMatch(/Rollout/);
    expect((await say(w, 'admin', 'cohort add Wave One to Rollout as workforce')).text).toMatch(/Added the cohort "Wave One"/);
    await waitForSyncs(w);
    expect((await cohortOf()).membersSyncedAt).not.toBeNull();
  });
});

describe('wrong input answers in one line and changes nothing', () => {
  it.each([
    ['advance Nowhere', /no cohort called "Nowhere"[\s\S]*Usage: `advance <cohort>/],
    ['rollback Wave One', /Wave One is planned: rollback works from enforced .* or report-only .*Nothing was changed/],
    ['plan', /Missing cohort[\s\S]*Usage: `plan <cohort>`/],
    ['advance Wave One because', /Missing the reason after "because"/],
    ['resume Wave One', /is not paused; nothing was changed/],
  ])('%s', async (text, answer) => {
    const before = await w.bot.store.audit.recent({ limit: 1 });
    expect((await say(w, 'admin', text)).text).toMatch(answer);
    expect(await w.bot.store.audit.recent({ limit: 1 })).toEqual(before);
    expect((await cohortOf()).stage).toBe('planned');
  });

  it('stage commands are for admins only', async () => {
    expect((await say(w, 'helpdesk', 'advance Wave One')).text).toMatch(/is for admins/);
    expect((await say(w, 'user', 'plan Wave One')).text).toMatch(/is for admins/);
  });
});

describe('forward', () => {
  it('planned → nudging changes nothing in Entra', async () => {
    const plan = await say(w, 'admin', 'plan Wave One');
    expect(plan.text).toMatch(/planned → nudging/);
    expect(plan.text).toMatch(/This move changes nothing in Entra/);
    const r = await say(w, 'admin', 'advance Wave One');
    expect(r.text).toMatch(/Wave One is now nudging/);
    expect((await cohortOf()).stage).toBe('nudging');
    expect((await campaignOf()).reportOnlyPolicyId).toBeNull();
  });

  it('plan shows the policies to create and the exact conditions.users change, and changes nothing', async () => {
    const policiesBefore = w.world.sim.state.currentPolicies().length;
    const plan = await say(w, 'admin', 'plan Wave One');
    expect(plan.text).toMatch(/nudging → report-only/);
    expect(plan.text).toMatch(/Create the Conditional Access policy: Passkey rollout: Rollout \(report-only\)/);
    expect(plan.text).toMatch(/Create the exemptions group/);
    expect(plan.text).toContain(`includeGroups: [] → [${wave.id} (Wave One (cohort Wave One))]`);
    expect(plan.text).toMatch(/✅ \*\*Break-glass excluded\*\*/);
    expect(w.world.sim.state.currentPolicies().length).toBe(policiesBefore);
  });

  it('nudging → report-only creates both policies (report-only first), then includes the group', async () => {
    const r = await say(w, 'admin', 'advance Wave One');
    expect(r.text).toMatch(/Wave One is now report-only/);
    const c = await campaignOf();
    expect(c.reportOnlyPolicyId).not.toBeNull();
    expect(c.enforcedPolicyId).not.toBeNull();
    expect(c.exemptionsGroupId).not.toBeNull();
    const ro = policyNow(w, c.reportOnlyPolicyId!);
    const en = policyNow(w, c.enforcedPolicyId!);
    expect(ro.state).toBe('enabledForReportingButNotEnforced');
    expect(en.state).toBe('enabled');
    expect(ro.conditions.users.includeGroups).toEqual([wave.id]);
    expect(en.conditions.users).toMatchObject({ includeUsers: ['None'], includeGroups: [] });
    for (const p of [ro, en]) {
      expect(p.conditions.users.excludeGroups).toEqual(expect.arrayContaining([breakGlassGroup, c.exemptionsGroupId]));
      expect(p.grantControls?.authenticationStrength?.id).toBe('00000000-0000-0000-0000-000000000004');
    }
    expect(Date.parse(ro.createdDateTime)).toBeLessThanOrEqual(Date.parse(en.createdDateTime));
    const actions = await auditActions(w);
    expect(actions).toEqual(expect.arrayContaining(['exemptions-group.create', 'policy.create', 'policy.include', 'cohort.advance']));
    expect((await cohortOf()).stage).toBe('report-only');
    // the reminder work is told: final notices, enforcement possible after the 1-day soak
    expect(told).toEqual([`final ${(await cohortOf()).id} 1d`]);
  });

  it('report-only → enforced is refused before the soak period, with the reason', async () => {
    const r = await say(w, 'admin', 'advance Wave One');
    expect(r.text).toMatch(/cannot move to enforced yet: Report-only evidence — .*report-only for 0 of 1 soak days/);
    expect((await w.bot.store.approvals.listPending()).length).toBe(0);
  });
});

describe('four-eyes', () => {
  it('after the soak, advance asks the other admins in a card; nothing changes in Entra yet', async () => {
    nextWeekdayAt(w, 18, 2);
    const r = await say(w, 'admin', 'advance Wave One');
    expect(r.text).toMatch(/Enforcement of Wave One needs a second admin\. I sent the request to 1 other admin/);
    const pending = await w.bot.store.approvals.listPending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.requestedBy).toBe(w.simUser('admin').id);
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed: enforce Wave One/);
    expect(replyText(card)).toMatch(/Waiting for a second admin/);
    expect(replyText(card)).toMatch(/✅ \*\*Report-only evidence\*\*: \d+ sign-ins by \d+ members/);
    // the requester's own copy has no buttons
    expect(JSON.stringify(r.replies.at(-1)!.activity)).not.toMatch(/approval\.approve/);
    expect(policyNow(w, (await campaignOf()).enforcedPolicyId!).conditions.users.includeGroups).toEqual([]);
    expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/already waiting for approval/);
  });

  it('the requester cannot approve their own request, whatever the card says', async () => {
    const admin = await w.user('admin');
    const a = (await w.bot.store.approvals.listPending())[0]!;
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed/);
    const r = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: a.id, approver: w.simUser('admin2').id } }, trigger: 'manual' }, { replyToId: card.id, conversationId: card.conversationId });
    expect(JSON.stringify(r.body)).toMatch(/You asked for this move: another admin has to approve it/);
    expect((await w.bot.store.approvals.get(a.id))!.status).toBe('pending');
    expect(await auditActions(w)).toContain('approval.self_refused');
  });

  it('spoofed card data (role or approver in the payload) does not make an ordinary user an approver', async () => {
    const user = await w.user('user');
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed/);
    const a = (await w.bot.store.approvals.listPending())[0]!;
    const r = await w.world.channel.pressCardButton(user, card, { verb: 'approval.approve', data: { approvalId: a.id, role: 'admin', approver: w.simUser('admin2').id, aadObjectId: w.simUser('admin2').id } });
    expect(JSON.stringify(r.body)).toMatch(/Only admins can do that/);
    const helpdesk = await w.user('helpdesk');
    const h = await w.world.channel.sendInvoke(helpdesk, { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: a.id, role: 'admin' } }, trigger: 'manual' }, { replyToId: card.id });
    expect(JSON.stringify(h.body)).toMatch(/Only admins can do that/);
    expect((await w.bot.store.approvals.get(a.id))!.status).toBe('pending');
  });

  it('a second admin approves in the card; roles come from Entra; the move lands', async () => {
    const admin2 = await w.user('admin2');
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed/);
    const r = await w.world.channel.pressCardButton(admin2, card, { verb: 'approval.approve' });
    expect(JSON.stringify(r.body)).toMatch(/Approved by Demo Conditional Access Admin/);
    await w.bot.settled();
    const c = await campaignOf();
    expect((await cohortOf()).stage).toBe('enforced');
    expect(policyNow(w, c.enforcedPolicyId!).conditions.users.includeGroups).toEqual([wave.id]);
    expect(policyNow(w, c.reportOnlyPolicyId!).conditions.users).toMatchObject({ includeGroups: [], includeUsers: ['None'] });
    const a = (await w.bot.store.audit.recent({ cohortId: (await cohortOf()).id, limit: 20 })).find((e) => e.action === 'cohort.advance' && (e.after as { stage: string }).stage === 'enforced')!;
    expect(a.actor).toBe(w.simUser('admin2').id);
    expect(a.details).toMatchObject({ requestedBy: w.simUser('admin').id, approvedBy: w.simUser('admin2').id });
    expect(a.graphRequestId).toMatch(/\S/);
    expect(told.at(-1)).toBe(`recovery ${(await cohortOf()).id}`);
    // the card admin2 pressed was updated in place to the outcome
    const updated = w.world.channel.conversation(card.conversationId).find((m) => m.id === card.id)!;
    expect(updated.updates).toBeGreaterThan(0);
    expect(replyText(updated)).toMatch(/Wave One was enforced/);
  });

  it('a second press or a replayed invoke has no second effect', async () => {
    const admin2 = await w.user('admin2');
    const card = lastCard(w, w.simUser('admin2').id, /Approval needed/);
    const approval = (await w.bot.store.audit.recent({ limit: 200 })).find((e) => e.action === 'approval.approve')!;
    const before = (await auditActions(w)).filter((x) => x === 'cohort.advance' || x === 'policy.include').length;
    const r = await w.world.channel.sendInvoke(admin2, { action: { type: 'Action.Execute', verb: 'approval.approve', data: { approvalId: approval.subject } }, trigger: 'manual' }, { replyToId: card.id });
    expect(JSON.stringify(r.body)).toMatch(/already approved; nothing was changed/);
    await w.bot.settled();
    expect((await auditActions(w)).filter((x) => x === 'cohort.advance' || x === 'policy.include').length).toBe(before);
    expect(await auditActions(w)).toContain('approval.replay');
  });
});

describe('the enforcement guard', () => {
  it('rolls the cohort back to report-only by itself when its sign-ins start failing, and tells the admins why', async () => {
    expect((await say(w, 'admin', 'campaign set Rollout guard-window 1440')).text).toMatch(/Rollout/);
    // Nothing fails yet: the guard looks and leaves it.
    nextWeekdayAt(w, 18, 1);
    const calm = (await w.bot.runJob('staging.guard')) as { tripped: boolean; summary: { signIns: number } }[];
    expect(calm).toHaveLength(1);
    expect(calm[0]).toMatchObject({ tripped: false });
    expect((await cohortOf()).stage).toBe('enforced');
    // Members lose their passkeys: from now on the enforced policy blocks them.
    for (const m of wave.members) {
      const u = w.world.sim.state.requireUser(m.id);
      for (const method of [...u.authenticationMethods]) {
        if (method['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod' || method['@odata.type'] === '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod') w.world.sim.removeAuthenticationMethod(u.id, method.id);
      }
    }
    nextWeekdayAt(w, 18, 1);
    const tripped = (await w.bot.runJob('staging.guard')) as { tripped: boolean; rolledBack: boolean; summary: { blocked: number; signIns: number } }[];
    expect(tripped[0]).toMatchObject({ tripped: true, rolledBack: true });
    expect(tripped[0]!.summary.blocked).toBeGreaterThanOrEqual(5);
    const c = await campaignOf();
    expect((await cohortOf()).stage).toBe('report-only');
    expect(policyNow(w, c.reportOnlyPolicyId!).conditions.users.includeGroups).toEqual([wave.id]);
    expect(policyNow(w, c.enforcedPolicyId!).conditions.users.includeGroups).toEqual([]);
    const rollback = (await w.bot.store.audit.recent({ cohortId: (await cohortOf()).id, limit: 10 })).find((e) => e.action === 'cohort.rollback')!;
    expect(rollback.actor).toBe('system:guard');
    expect(told.at(-1)).toBe(`cancel ${(await cohortOf()).id}`);
    expect(String(rollback.details.reason)).toMatch(/guard: \d+ of \d+ sign-ins .* were blocked/);
    for (const admin of ['admin', 'admin2']) {
      const told = w.world.channel.messagesFor(w.simUser(admin).id, { from: 'bot' }).filter((m) => /enforcement guard rolled \*\*Wave One\*\*/.test(m.text ?? ''));
      expect(told).toHaveLength(1);
    }
    expect((await say(w, 'admin', 'status Wave One')).text).toMatch(/Guard: \d+ of \d+ sign-ins blocked .* tripped, rolled back/);
  });
});

describe('rollback', () => {
  it('report-only → nudging takes the group out of the report-only policy at once, audited with the reason', async () => {
    const r = await say(w, 'admin', 'rollback Wave One because pausing the pilot');
    expect(r.text).toMatch(/Wave One is now nudging/);
    const c = await campaignOf();
    expect(policyNow(w, c.reportOnlyPolicyId!).conditions.users).toMatchObject({ includeGroups: [], includeUsers: ['None'] });
    const e = (await w.bot.store.audit.recent({ cohortId: (await cohortOf()).id, limit: 5 })).find((x) => x.action === 'cohort.rollback')!;
    expect(e).toMatchObject({ actor: w.simUser('admin').id, before: { stage: 'report-only' }, after: { stage: 'nudging' }, details: { reason: 'pausing the pilot' } });
    expect((await say(w, 'admin', 'rollback Wave One')).text).toMatch(/nudging: rollback works from enforced/);
  });

  it('pause holds a cohort; advance is refused until resume', async () => {
    expect((await say(w, 'admin', 'pause Wave One')).text).toMatch(/Paused Wave One/);
    expect((await say(w, 'admin', 'advance Wave One')).text).toMatch(/Wave One is paused; `resume Wave One` first/);
    expect((await say(w, 'admin', 'resume Wave One')).text).toMatch(/Resumed Wave One/);
    expect((await cohortOf()).paused).toBe(false);
  });
});
