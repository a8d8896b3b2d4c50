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

  it('is ready: database and simulated Graph reachable', async () => {
    const res = await fetch(`${demo.bot.url}/readyz`);
    expect(res.status).toBe(200);
  });
});
