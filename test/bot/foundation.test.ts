import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../../services/access/roles.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/** The spine, end to end: Teams-shaped HTTP into the bot, Graph out to the simulated tenant. */
let w: TestWorld;
beforeAll(async () => {
  w = await startTestWorld();
});
afterAll(async () => {
  await w?.close();
});

describe('bot host', () => {
  it('answers /healthz and /readyz (database and Graph reachable)', async () => {
    const health = await fetch(`${w.bot.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${w.bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', graph: 'ok' } });
  });

  it('refuses a malformed activity with 400 and no turn error', async () => {
    const before = w.turnErrors.length;
    const noType = await w.world.channel.sendRawActivity({ text: 'hi' });
    expect(noType.status).toBe(400);
    const notJson = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' });
    expect(notJson.status).toBe(400);
    const array = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expect(array.status).toBe(400);
    const huge = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'x'.repeat(400_000) }) });
    expect(huge.status).toBe(413);
    expect(w.turnErrors.length).toBe(before);
  });
});

describe('help and whoami', () => {
  it('whoami for an ordinary user: identity from Entra, role user', async () => {
    const r = await w.world.channel.sendMessage(await w.user('user'), 'whoami');
    expect(r.status).toBe(200);
    const text = replyText(r.replies[0]!);
    const u = w.simUser('user');
    expect(text).toContain(u.displayName);
    expect(text).toContain(u.userPrincipalName);
    expect(text).toContain(u.id);
    expect(text).toMatch(/a user \(no admin or helpdesk role\)/);
  });

  it('whoami for an admin names the directory role it came from', async () => {
    const r = await w.world.channel.sendMessage(await w.user('admin'), 'whoami');
    const text = replyText(r.replies[0]!);
    expect(text).toContain('an admin');
    expect(text).toContain('Security Administrator');
  });

  it('whoami for helpdesk (Helpdesk Administrator) cannot issue TAPs; Authentication Administrator can for non-privileged users', async () => {
    const hd = replyText((await w.world.channel.sendMessage(await w.user('helpdesk'), 'whoami')).replies[0]!);
    expect(hd).toContain('helpdesk');
    expect(hd).toContain('do not allow issuing Temporary Access Passes');
    const aa = replyText((await w.world.channel.sendMessage(await w.user('authadmin'), 'whoami')).replies[0]!);
    expect(aa).toContain('users without admin roles');
  });

  it('roles follow Entra: a role granted in the tenant shows on the next command', async () => {
    const someone = w.tenant.users.find((u) => u.accountEnabled && u.userType === 'Member' && u.truth.roleTemplateIds.length === 0 && !u.truth.isBreakGlass)!;
    const tu = await w.user(someone.id);
    expect(replyText((await w.world.channel.sendMessage(tu, 'whoami')).replies[0]!)).toMatch(/a user/);
    w.world.sim.setDirectoryRoles(someone.id, [ROLE_TEMPLATE_IDS.conditionalAccessAdministrator]);
    expect(replyText((await w.world.channel.sendMessage(tu, 'whoami')).replies[0]!)).toContain('Conditional Access Administrator');
    w.world.sim.setDirectoryRoles(someone.id, []);
    expect(replyText((await w.world.channel.sendMessage(tu, 'whoami')).replies[0]!)).toMatch(/a user/);
  });

  it('text cannot claim a role', async () => {
    const r = await w.world.channel.sendMessage(await w.user('user'), 'whoami as admin');
    const text = replyText(r.replies[0]!);
    expect(text).toMatch(/takes nothing after it/);
  });

  it('help lists only what the acting user may run', async () => {
    const userHelp = replyText((await w.world.channel.sendMessage(await w.user('user'), 'help')).replies[0]!);
    expect(userHelp).toContain('whoami');
    expect(userHelp).not.toContain('campaign create');
    expect(userHelp).not.toContain('demo role');
  });

  it('unknown commands get a specific answer with a suggestion', async () => {
    const r = await w.world.channel.sendMessage(await w.user('user'), 'whoamu');
    expect(replyText(r.replies[0]!)).toMatch(/I don't know "whoamu".*Did you mean `whoami`/);
  });

  it('works in a channel with an @mention of the bot', async () => {
    const r = await w.world.channel.sendMessage(await w.user('admin'), 'whoami', { channel: { teamId: '19:fakeTeam0000000000000000000001@thread.tacv2', channelId: '19:fakeChannel00000000000000000001@thread.tacv2' }, mentionBot: true });
    expect(r.status).toBe(200);
    expect(replyText(r.replies[0]!)).toContain('an admin');
  });

  it('refuses activities from another tenant', async () => {
    const admin = await w.user('admin');
    const r = await w.world.channel.sendMessage(admin, 'whoami', { valueOverrides: { channelData: { tenant: { id: '22222222-2222-4222-8222-222222222222' } }, conversation: { conversationType: 'personal', tenantId: '22222222-2222-4222-8222-222222222222', id: admin.personalConversationId } } as never });
    expect(replyText(r.replies[0]!)).toMatch(/another organisation/);
  });
});

describe('conversation references', () => {
  it('stores the 1:1 conversation of a user who writes to the bot', async () => {
    const u = await w.user('helpdesk');
    await w.world.channel.sendMessage(u, 'help');
    const ref = await w.bot.store.conversations.get(w.simUser('helpdesk').id);
    expect(ref?.conversationId).toBe(u.personalConversationId);
    expect(ref?.teamsUserId).toBe(u.id);
    expect(ref?.serviceUrl).toBe(w.world.channel.serviceUrl);
  });

  it('stores it when the app is installed for a user through Graph (Teams notifies the bot)', async () => {
    const target = w.tenant.users.find((u) => u.accountEnabled && !u.teamsAppBlocked && u.userType === 'Member' && !w.world.sim.state.installationsOf(u.id).length)!;
    const app = w.tenant.teamsAppCatalog.find((a) => a.distributionMethod === 'organization')!;
    const res = await w.world.sim.request('POST', `/v1.0/users/${target.id}/teamwork/installedApps`, { headers: { authorization: `Bearer ${w.world.staticToken}` }, body: { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${app.id}` } });
    expect(res.status).toBe(201);
    await w.world.settled();
    const ref = await w.bot.store.conversations.get(target.id);
    expect(ref?.source).toBe('installation');
  });
});

describe('missing Graph permissions', () => {
  it('a 403 from Graph names the permission to grant instead of a generic error', async () => {
    w.world.sim.setFaults({ rate: 1, statuses: [403], pathPattern: 'transitiveMemberOf' });
    try {
      const r = await w.world.channel.sendMessage(await w.user('user'), 'whoami');
      const text = replyText(r.replies[0]!);
      expect(text).toMatch(/the bot's app has not been granted/);
      expect(text).toMatch(/RoleManagement\.Read\.Directory|User\.Read\.All/);
      expect(text).toMatch(/ref [0-9a-f]{8}/);
    } finally {
      w.world.sim.setFaults(null);
    }
  });
});
