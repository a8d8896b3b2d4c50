import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../bot/demo.js';
import { DEMO_ACCOUNTS } from '../../services/sim/tenant/generate.js';
import { replyText } from '../helpers/world.js';

/** `npm start` without the browser part: generated tenant, simulators, embedded database, bot on loopback. */
let demo: RunningDemo;
let dir: string;
const printed: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prb-demo-'));
  demo = await startDemo({ env: { DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' }, playground: false, log: (l) => printed.push(l) });
});
afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo', () => {
  it('generates the tenant once into DATA_DIR, listens on loopback and says how to chat', () => {
    expect(existsSync(join(dir, 'demo-tenant.json'))).toBe(true);
    expect(existsSync(join(dir, 'sim-tenant-cert.pem'))).toBe(true);
    expect(demo.bot.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.join('\n')).toMatch(/bot endpoint\s+http:\/\/127\.0\.0\.1:\d+\/api\/messages/);
    expect(printed.join('\n')).toMatch(/npm run playground/);
  });

  it('lets the demo user switch role in the simulated tenant, and the bot reads it from there', async () => {
    const world = demo.world!;
    await world.userInstallsApp(DEMO_ACCOUNTS.user.id);
    const me = world.channel.user({ aadObjectId: DEMO_ACCOUNTS.user.id, name: 'Demo User' });
    expect(replyText((await world.channel.sendMessage(me, 'whoami')).replies[0]!)).toMatch(/a user/);
    expect(replyText((await world.channel.sendMessage(me, 'demo role admin')).replies[0]!)).toMatch(/Security Administrator/);
    expect(replyText((await world.channel.sendMessage(me, 'whoami')).replies[0]!)).toMatch(/an admin/);
    expect(replyText((await world.channel.sendMessage(me, 'demo role helpdesk')).replies[0]!)).toMatch(/Authentication Administrator/);
    expect(replyText((await world.channel.sendMessage(me, 'whoami')).replies[0]!)).toMatch(/helpdesk/);
    await world.channel.sendMessage(me, 'demo role user');
  });

  it('plays the second admin: with no approval waiting it says so, and it answers a real approval card in their chat', async () => {
    const world = demo.world!;
    const me = world.channel.user({ aadObjectId: DEMO_ACCOUNTS.user.id, name: 'Demo User' });
    const say = async (t: string) => replyText((await world.channel.sendMessage(me, t)).replies.at(-1)!);
    expect(await say('demo second-admin approve')).toMatch(/no approval card waiting/);
    expect(await say('demo second-admin')).toMatch(/approve or reject/);
    await say('demo role admin');
    await say('campaign create Demo Rollout threshold 0');
    await say('cohort add Passkey Pilot to Demo Rollout as workforce');
    await say('breakglass add Emergency Access Accounts to Demo Rollout');
    expect(await say('advance Passkey Pilot')).toMatch(/planned → nudging/);
    expect(await say('advance Passkey Pilot')).toMatch(/now report-only/);
    expect(await say('advance Passkey Pilot because demo')).toMatch(/Approval needed/);
    // Four-eyes: the requester cannot approve (tested in staging); the simulated second admin does it in their own chat.
    expect(await say('demo second-admin approve')).toMatch(/Demo Conditional Access Admin pressed Approve.*Approved by Demo Conditional Access Admin/);
    let status = '';
    for (let i = 0; i < 50 && !/· enforced/.test(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await say('status Passkey Pilot');
    }
    expect(status).toMatch(/Passkey Pilot\*\* · Demo Rollout · workforce · enforced/);
    await say('demo role user');
  });

  it('is ready: database and simulated Graph reachable', async () => {
    const res = await fetch(`${demo.bot.url}/readyz`);
    expect(res.status).toBe(200);
  });
});
