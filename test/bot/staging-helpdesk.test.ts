import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../../services/access/roles.js';
import { generateTenant, GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';
import { auditActions, makeGroup, policyNow, say, waitForSyncs } from '../helpers/staging.js';

/**
 * Exemptions, Temporary Access Passes, the audit log in chat, a passkeys-only campaign with its own
 * authentication strength, adopting existing policies, and who may do what. The tenant refuses the
 * [unconfirmed] sign-in policy filter, so the evidence is read the other way.
 */
let w: TestWorld;
const pilot = () => w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.pilot)!;

beforeAll(async () => {
  w = await startTestWorld({ tenant: generateTenant({ users: 150, seed: 7, behaviour: { signInsPolicyFilterSupported: false } }) });
  for (const who of ['admin', 'admin2', 'user', 'helpdesk', 'authadmin']) await w.user(who);
  await say(w, 'admin', 'campaign create Desk deadline 2027-06-30');
  await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Desk`);
  await say(w, 'admin', `cohort add ${GROUP_NAMES.pilot} to Desk as workforce named Pilot`);
  await waitForSyncs(w);
});
afterAll(async () => {
  await w?.close();
});

describe('who may do what', () => {
  const ADMIN_ONLY = ['plan Pilot', 'advance Pilot', 'rollback Pilot', 'pause Pilot', 'resume Pilot', 'approvals', 'audit', 'audit verify', 'campaign set Desk report-only-policy 00000000-0000-0000-0000-000000000000'];
  it.each(['user', 'helpdesk'])('%s cannot run admin commands, and nothing changes', async (who) => {
    for (const text of ADMIN_ONLY) expect((await say(w, who, text)).text, text).toMatch(/is for admins/);
    expect((await w.bot.store.cohorts.findByName('Pilot'))!.stage).toBe('planned');
  });

  it('an ordinary user cannot exempt or issue a pass', async () => {
    expect((await say(w, 'user', `exempt ${w.simUser('user').userPrincipalName} for 3 days because travel`)).text).toMatch(/is for helpdesk and admins/);
    expect((await say(w, 'user', `tap ${w.simUser('user').userPrincipalName}`)).text).toMatch(/is for helpdesk and admins/);
  });

  it.each([
    ['cohort.advance', { cohortId: '11111111-2222-4333-8444-555555555555', from: 'planned', role: 'admin' }],
    ['cohort.rollback', { cohortId: '11111111-2222-4333-8444-555555555555', from: 'enforced', actor: 'admin' }],
    ['approval.approve', { approvalId: '11111111-2222-4333-8444-555555555555', approver: 'someone' }],
    ['approval.reject', { approvalId: '11111111-2222-4333-8444-555555555555' }],
    ['drift.acknowledge', { alertId: '11111111-2222-4333-8444-555555555555' }],
    ['drift.reapply', { alertId: '11111111-2222-4333-8444-555555555555', role: 'admin' }],
  ])('card verb %s is refused to users and helpdesk whatever the data says', async (verb, data) => {
    for (const who of ['user', 'helpdesk']) {
      const r = await w.world.channel.sendInvoke(await w.user(who), { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' });
      expect(JSON.stringify(r.body)).toMatch(/Only admins can do that/);
    }
  });

  it('an Authentication Policy Administrator is a bot admin but cannot change Conditional Access through it', async () => {
    const apa = w.tenant.users.find((u) => u.accountEnabled && u.userType === 'Member' && u.truth.persona === 'security-key' && !u.id.startsWith('de300000'))!;
    w.world.sim.setDirectoryRoles(apa.id, [ROLE_TEMPLATE_IDS.authenticationPolicyAdministrator]);
    expect((await say(w, apa.id, 'plan Pilot')).text).toMatch(/Plan: Pilot/);
    expect((await say(w, apa.id, 'advance Pilot')).text).toMatch(/Changing Conditional Access needs a role that may change it in Entra/);
    expect((await w.bot.store.cohorts.findByName('Pilot'))!.stage).toBe('planned');
  });

  it('card data that is not what the verb takes is refused, for admins too', async () => {
    const r = await w.world.channel.sendInvoke(await w.user('admin'), { action: { type: 'Action.Execute', verb: 'cohort.advance', data: { cohortId: 'not-a-uuid', from: 'planned' } }, trigger: 'manual' });
    expect(JSON.stringify(r.body)).toMatch(/That card sent something I cannot use/);
  });
});

describe('exemptions', () => {
  it('helpdesk exempts up to its maximum; the person goes into the exemptions group; status lists it', async () => {
    const upn = w.simUser('user').userPrincipalName;
    expect((await say(w, 'helpdesk', `exempt ${upn} for 30 days because lost phone`)).text).toMatch(/Helpdesk may exempt someone from "Desk" for at most 14 days, not 30; ask an admin for longer\. Nothing was changed/);
    expect(await w.bot.store.exemptions.listActive()).toEqual([]);
    const r = await say(w, 'helpdesk', `exempt ${upn} for 10 days because lost phone`);
    expect(r.text).toMatch(/Demo User is in the exemptions group[\s\S]*- Desk: exempted until/);
    const c = (await w.bot.store.campaigns.findByName('Desk'))!;
    expect(c.exemptionsGroupId).not.toBeNull();
    expect(w.world.sim.state.isTransitiveMemberOf(w.simUser('user').id, c.exemptionsGroupId!)).toBe(true);
    expect((await say(w, 'admin', 'status Pilot')).text).toMatch(/Exemptions: 1 active/);
    expect((await say(w, 'admin', `exempt ${upn} for 120 days because long leave`)).text).toMatch(/Admins may exempt someone from "Desk" for at most 90 days/);
    expect((await say(w, 'admin', `exempt ${upn} for 20 days because longer trip`)).text).toMatch(/extended until/);
    expect((await say(w, 'helpdesk', 'exempt Zzyzx Nobody for 3 days because travel')).text).toMatch(/No user "Zzyzx Nobody" was found/);
    const outsider = w.tenant.users.find((u) => u.accountEnabled && u.userType === 'Member' && !w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.pilot)!.members!.includes(u.id))!;
    expect((await say(w, 'helpdesk', `exempt ${outsider.userPrincipalName} for 3 days because travel`)).text).toMatch(/is not in any cohort/);
    expect((await say(w, 'helpdesk', `exempt ${upn} for 3 days`)).text).toMatch(/Missing a reason/);
    expect(await auditActions(w)).toEqual(expect.arrayContaining(['exemptions-group.create', 'exemption.grant', 'exemption.extend']));
  });

  it('expiry takes the person out of the group and tells them', async () => {
    const c = (await w.bot.store.campaigns.findByName('Desk'))!;
    w.clock.advance(19 * 24 * 3600_000);
    expect(await w.bot.runJob('staging.expiry')).toMatchObject({ exemptions: 0 });
    w.clock.advance(2 * 24 * 3600_000);
    expect(await w.bot.runJob('staging.expiry')).toMatchObject({ exemptions: 1 });
    expect(w.world.sim.state.isTransitiveMemberOf(w.simUser('user').id, c.exemptionsGroupId!)).toBe(false);
    expect(await w.bot.store.exemptions.listActive()).toEqual([]);
    const told = w.world.channel.messagesFor(w.simUser('user').id, { from: 'bot' }).filter((m) => /Your exemption from "Desk" ended/.test(m.text ?? ''));
    expect(told).toHaveLength(1);
    const e = (await w.bot.store.audit.recent({ limit: 20 })).find((x) => x.action === 'exemption.expire')!;
    expect(e).toMatchObject({ actor: 'system:expiry', subject: w.simUser('user').id, details: { notified: true, wasInGroup: true } });
  });
});

describe('Temporary Access Pass', () => {
  const codes: string[] = [];

  it('Entra rules: a Helpdesk Administrator and a Security Administrator cannot; an Authentication Administrator can for a non-admin', async () => {
    const target = w.simUser('user').userPrincipalName;
    expect((await say(w, 'helpdesk', `tap ${target}`)).text).toMatch(/Entra lets only Authentication Administrators .* your roles \(Helpdesk Administrator\) do not/);
    expect((await say(w, 'admin', `tap ${target}`)).text).toMatch(/your roles \(Security Administrator\) do not/);
    const r = await say(w, 'authadmin', `tap ${target} for 30 minutes`);
    expect(r.text).toMatch(/Temporary Access Pass for Demo User/);
    const tap = w.world.sim.state.requireUser(w.simUser('user').id).authenticationMethods.find((m) => m['@odata.type'] === '#microsoft.graph.temporaryAccessPassAuthenticationMethod') as { temporaryAccessPass?: string; lifetimeInMinutes: number; isUsableOnce: boolean } | undefined;
    expect(tap).toMatchObject({ lifetimeInMinutes: 30, isUsableOnce: true });
    const code = /"text":"([^"]+)","fontType":"Monospace","size":"ExtraLarge"/.exec(JSON.stringify(r.replies[0]!.activity))![1]!;
    expect(code.length).toBeGreaterThanOrEqual(8);
    codes.push(code);
    const audit = (await w.bot.store.audit.recent({ limit: 5 })).find((e) => e.action === 'tap.issue')!;
    expect(audit).toMatchObject({ actor: w.simUser('authadmin').id, subject: w.simUser('user').id, details: { lifetimeInMinutes: 30, isUsableOnce: true, privilegedTarget: false } });
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  it('an Authentication Administrator cannot issue one for an admin; a Privileged Authentication Administrator can', async () => {
    const admin = w.simUser('admin').userPrincipalName;
    expect((await say(w, 'authadmin', `tap ${admin}`)).text).toMatch(/holds an admin role: only a Privileged Authentication Administrator or a Global Administrator/);
    const paa = w.tenant.users.find((u) => u.accountEnabled && u.userType === 'Member' && u.truth.persona === 'no-passkey' && !u.id.startsWith('de300000'))!;
    w.world.sim.setDirectoryRoles(paa.id, [ROLE_TEMPLATE_IDS.privilegedAuthenticationAdministrator]);
    const r = await say(w, paa.id, `tap ${admin}`);
    expect(r.text).toMatch(/Temporary Access Pass for Demo Security Admin/);
    codes.push(/"text":"([^"]+)","fontType":"Monospace","size":"ExtraLarge"/.exec(JSON.stringify(r.replies[0]!.activity))![1]!);
    expect((await w.bot.store.audit.recent({ limit: 5 })).find((e) => e.action === 'tap.issue')).toMatchObject({ details: { privilegedTarget: true, rightFrom: 'all' } });
  });

  it('is refused in a channel (the pass is shown only to the requester, in their 1:1 chat) and outside the tenant policy', async () => {
    const authadmin = await w.user('authadmin');
    const r = await w.world.channel.sendMessage(authadmin, `tap ${w.simUser('user').userPrincipalName}`, { channel: { teamId: '19:fakeTeam0000000000000000000002@thread.tacv2', channelId: '19:fakeChannel00000000000000000002@thread.tacv2' }, mentionBot: true });
    expect(replyText(r.replies[0]!)).toMatch(/only hand out Temporary Access Passes in our 1:1 chat/);
    expect((await say(w, 'authadmin', `tap ${w.simUser('user').userPrincipalName} for 5000 minutes`)).text).toMatch(/allows 10 to 480 minutes, not 5000\. Nothing was issued/);
  });

  it('no pass ever appears in the logs', () => {
    expect(codes).toHaveLength(2);
    const logs = w.logs.join('\n');
    expect(logs).toMatch(/temporary access pass issued/);
    for (const code of codes) expect(logs).not.toContain(code);
  });
});

describe('a passkeys-only campaign and adopted policies', () => {
  it('creates a custom strength that allows only fido2, restricted to the allowed models', async () => {
    const yubi = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
    makeGroup(w, 'Keys Wave', ['security-key', 'two-security-keys'], 3);
    await say(w, 'admin', 'campaign create Keys strength passkeys-only');
    await say(w, 'admin', `campaign set Keys aaguid-allow ${yubi}`);
    await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Keys`);
    await say(w, 'admin', 'cohort add Keys Wave to Keys as tier1');
    await waitForSyncs(w);
    await say(w, 'admin', 'sync');
    await waitForSyncs(w);
    await say(w, 'admin', 'advance Keys Wave');
    expect((await say(w, 'admin', 'plan Keys Wave')).text).toMatch(/Create the authentication strength: Passkeys only: Keys/);
    expect((await say(w, 'admin', 'advance Keys Wave')).text).toMatch(/Keys Wave is now report-only/);
    const c = (await w.bot.store.campaigns.findByName('Keys'))!;
    const s = w.world.sim.state.currentStrength(c.strengthId!)!;
    expect(s).toMatchObject({ policyType: 'custom', allowedCombinations: ['fido2'] });
    expect(s.combinationConfigurations).toEqual([expect.objectContaining({ allowedAAGUIDs: [yubi], appliesToCombinations: ['fido2'] })]);
    expect(policyNow(w, c.reportOnlyPolicyId!).grantControls?.authenticationStrength?.id).toBe(c.strengthId);
    expect(await auditActions(w)).toContain('strength.create');
  });

  it('changing the allow list later rewrites the strength in Entra, refuses narrowing while enforced, and resyncs members', async () => {
    const yubi = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
    const feitian = '12ded745-4bed-47d4-abaa-e713f51d6393';
    const c = (await w.bot.store.campaigns.findByName('Keys'))!;
    const aaguids = () => (w.world.sim.state.currentStrength(c.strengthId!)!.combinationConfigurations ?? []).flatMap((x) => x.allowedAAGUIDs).sort();
    const runsBefore = (await w.bot.store.syncRuns.latest({ status: 'done' }))!.id;

    // Adding a model: written into the strength every cohort's policy uses.
    const wider = await say(w, 'admin', `campaign set Keys aaguid-allow ${yubi}, ${feitian}`);
    expect(wider.text).toMatch(/Every cohort of this campaign accepts only these 2 passkey models now[\s\S]*I wrote it into the campaign's authentication strength in Entra/);
    expect(wider.text).toMatch(/checked against it again now/);
    expect(aaguids()).toEqual([feitian, yubi].sort());
    await waitForSyncs(w);
    expect((await w.bot.store.syncRuns.latest({ status: 'done' }))!.id).not.toBe(runsBefore);

    // Bad input answers specifically and changes nothing, here or in Entra.
    expect((await say(w, 'admin', 'campaign set Keys aaguid-allow not-a-guid')).text).toMatch(/These are not AAGUIDs: not-a-guid/);
    expect(aaguids()).toEqual([feitian, yubi].sort());

    // A bot admin whose Entra roles cannot change Conditional Access cannot change a list Entra enforces.
    const apa = w.tenant.users.find((u) => u.accountEnabled && u.userType === 'Member' && u.truth.persona === 'security-key' && !u.id.startsWith('de300000'))!;
    w.world.sim.setDirectoryRoles(apa.id, [ROLE_TEMPLATE_IDS.authenticationPolicyAdministrator]);
    expect((await say(w, apa.id, `campaign set Keys aaguid-allow ${yubi}`)).text).toMatch(/Security Administrator or Conditional Access Administrator must make this change\. Nothing was changed/);
    expect((await w.bot.store.campaigns.findByName('Keys'))!.aaguidAllow.sort()).toEqual([feitian, yubi].sort());

    // While a cohort is enforced, a narrower list would lock people out at once: refused.
    const wave = (await w.bot.store.cohorts.findByName('Keys Wave'))!;
    expect(await w.bot.store.cohorts.update({ ...wave, stage: 'enforced' }, wave.version)).toBe(true);
    const refused = await say(w, 'admin', `campaign set Keys aaguid-allow ${yubi}`);
    expect(refused.text).toMatch(/enforces its strength for Keys Wave[\s\S]*Roll that cohort back to report-only first[\s\S]*Nothing was changed/);
    expect(aaguids()).toEqual([feitian, yubi].sort());
    expect((await w.bot.store.campaigns.findByName('Keys'))!.aaguidAllow.sort()).toEqual([feitian, yubi].sort());
    // Clearing the list only widens: allowed even then.
    expect((await say(w, 'admin', 'campaign set Keys aaguid-allow none')).text).toMatch(/accepts any passkey model again[\s\S]*no model restriction now/);
    expect(aaguids()).toEqual([]);
    const now = (await w.bot.store.cohorts.findByName('Keys Wave'))!;
    expect(await w.bot.store.cohorts.update({ ...now, stage: 'report-only' }, now.version)).toBe(true);

    // Report-only: narrowing is allowed and written back.
    expect((await say(w, 'admin', `campaign set Keys aaguid-allow ${yubi}`)).text).toMatch(/only these 1 passkey models now[\s\S]*I wrote it into the campaign's authentication strength/);
    expect(aaguids()).toEqual([yubi]);
    const actions = await auditActions(w);
    expect(actions.filter((a) => a === 'strength.restrict')).toHaveLength(3);
    await waitForSyncs(w);
    // The bot's own writes are not drift.
    expect(((await w.bot.runJob('staging.drift')) as { opened: number }).opened).toBe(0);
  });

  it('adopts an existing policy only after checking its shape, and adds the exclusions it lacks', async () => {
    await say(w, 'admin', 'campaign create Adopt');
    await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Adopt`);
    const body = (state: string) => ({ displayName: `Existing ${state}`, state, conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users: { includeUsers: ['None'] } }, grantControls: { operator: 'OR', authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } } });
    const wrong = w.world.sim.state.createPolicy(body('enabled'), w.clock.now());
    expect((await say(w, 'admin', `campaign set Adopt report-only-policy ${wrong.id}`)).text).toMatch(/I cannot use "Existing enabled" as the report-only policy: its state is enabled, not enabledForReportingButNotEnforced/);
    const right = w.world.sim.state.createPolicy(body('enabledForReportingButNotEnforced'), w.clock.now());
    expect((await say(w, 'admin', `campaign set Adopt report-only-policy ${right.id}`)).text).toMatch(/"Existing enabledForReportingButNotEnforced" is now the report-only policy of "Adopt"; I added the break-glass and exemptions exclusions it lacked/);
    const bg = w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.breakGlass)!.id;
    expect(policyNow(w, right.id).conditions.users.excludeGroups).toContain(bg);
    expect((await w.bot.store.campaigns.findByName('Adopt'))!.reportOnlyPolicyId).toBe(right.id);
    expect((await say(w, 'admin', `campaign set Adopt enforced-policy ${right.id}`)).text).toMatch(/must be two different policies/);
  });

  it('the evidence is read even where Graph refuses the policy filter on sign-ins', async () => {
    w.clock.advance(2 * 24 * 3600_000);
    const plan = await say(w, 'admin', 'plan Keys Wave');
    expect(plan.text).toMatch(/Report-only evidence\*\*: [1-9]\d* sign-ins by \d+ members/);
  });

  it('with an admins channel set, the approval request goes to that channel', async () => {
    const channel = { teamId: '19:fakeTeam0000000000000000000003@thread.tacv2', channelId: '19:fakeChannel00000000000000000003@thread.tacv2' };
    const admin = await w.user('admin');
    const set = await w.world.channel.sendMessage(admin, 'campaign set Keys admins-channel here', { channel, mentionBot: true });
    expect(replyText(set.replies[0]!)).toMatch(/Approval requests, drift alerts and guard roll-backs go to this channel/);
    await say(w, 'admin', 'campaign set Keys soak-days 1');
    await say(w, 'admin', 'campaign set Keys min-warnings 0');
    const r = await say(w, 'admin', 'advance Keys Wave because the pilot group is small');
    expect(r.text).toMatch(/needs a second admin\. I sent the request to 1 other admin/);
    const inChannel = w.world.channel.conversation(channel.channelId).filter((m) => m.from === 'bot' && /Approval needed: enforce Keys Wave/.test(replyText(m)));
    expect(inChannel).toHaveLength(1);
    expect(JSON.stringify(inChannel[0]!.activity)).toMatch(/approval\.approve/);
    expect(w.world.channel.messagesFor(w.simUser('admin2').id, { from: 'bot' }).filter((m) => /enforce Keys Wave/.test(replyText(m)))).toEqual([]);
  });
});

describe('audit in chat', () => {
  it('shows the newest entries, paged under the card size limit', async () => {
    for (const pct of [90, 91, 92, 93, 94]) await say(w, 'admin', `campaign set Adopt threshold ${pct}%`);
    expect((await w.bot.store.audit.recent({ limit: 100 })).length).toBeGreaterThan(25);
    const r = await say(w, 'admin', 'audit 40');
    expect(r.replies.length).toBe(2);
    expect(replyText(r.replies[0]!)).toMatch(/Audit log \(newest first\) \(1\/2\)/);
    for (const a of r.replies) expect(JSON.stringify(a.activity).length).toBeLessThan(28 * 1024);
    expect((await say(w, 'admin', 'audit Pilot 5')).text).toMatch(/Audit log — Pilot/);
    expect((await say(w, 'admin', 'audit Nowhere')).text).toMatch(/no cohort or campaign called "Nowhere"[\s\S]*Usage: `audit \[<cohort>\] \[<n>\]`/);
  });

  it('audit verify recomputes the chain and names the first tampered entry', async () => {
    expect((await say(w, 'admin', 'audit verify')).text).toMatch(/The audit log verifies: \d+ entries/);
    const target = (await w.bot.store.audit.recent({ limit: 50 })).find((e) => e.action === 'exemption.grant')!;
    await w.bot.store.driver.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
    await w.bot.store.driver.query(`UPDATE audit_log SET details = jsonb_set(details, '{days}', '365') WHERE seq = $1`, [target.seq]);
    await w.bot.store.driver.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    expect((await say(w, 'admin', 'audit verify')).text).toMatch(new RegExp(`does NOT verify: entry ${target.seq} was changed after it was written \\(entry #${target.seq}`));
  });
});
