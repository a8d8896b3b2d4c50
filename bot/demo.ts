/**
 * `npm start`: the whole product on one machine, offline. A simulated Entra tenant (generated once,
 * or SIM_TENANT), a channel emulator for first contact, the embedded database, the bot on loopback,
 * and the Microsoft 365 Agents Playground as the chat window. GRAPH_BASE_URL / DATABASE_URL in the
 * environment replace the simulated tenant / embedded database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../services/budgets.js';
import { ROLE_TEMPLATE_IDS } from '../services/access/roles.js';
import { DEMO_ACCOUNTS, generateTenant } from '../services/sim/tenant/generate.js';
import type { TenantFile } from '../services/sim/tenant/model.js';
import { ensureCertificate } from '../services/sim/tenant/sim-tenant.js';
import { readTenantFile } from '../services/sim/tenant/validate.js';
import { startSimWorld, type SimWorld } from '../services/sim/world.js';
import { SystemClock } from '../services/system/clock.js';
import { createLogger } from '../services/system/logger.js';
import type { DemoControls } from './commands/index.js';
import { runUntilStopped, startBot, type RunningBot } from './main.js';

/** The app id the playground and the channel emulator address; the demo bot runs unauthenticated. */
export const DEMO_BOT_APP_ID = '00000000-0000-4000-8000-0000000b0701';
const DEMO_TENANT_USERS = 500;
const DEMO_SEED = 42;

export interface DemoOptions {
  env: Record<string, string | undefined>;
  /** Start the Agents Playground (default: yes, unless PLAYGROUND=off). */
  playground?: boolean;
  log?: (line: string) => void;
}

export interface RunningDemo {
  bot: RunningBot;
  world: SimWorld | null;
  playgroundUrl: string | null;
  close(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const env = { ...o.env };
  const say = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(env.DATA_DIR ?? './.data');
  mkdirSync(dataDir, { recursive: true });
  const clock = new SystemClock();
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info' });
  const scale = Number(env.BUDGET_SCALE ?? '1');

  let world: SimWorld | null = null;
  let tenant: TenantFile | null = null;
  if (!env.GRAPH_BASE_URL) {
    tenant = await loadOrGenerateTenant(env.SIM_TENANT, dataDir, say);
    const tls = await ensureCertificate(dataDir);
    world = await startSimWorld({
      tenant,
      clock,
      budgets: scaleBudgets(DOCUMENTED_BUDGETS, Number.isFinite(scale) && scale > 0 ? scale : 1),
      tls,
      botAppId: DEMO_BOT_APP_ID,
      logger: logger.child({ component: 'simulators' }),
    });
    Object.assign(env, world.botEnv({ GRAPH_CA_FILE: tls.certPath }), { DATA_DIR: dataDir });
    env.HOST ??= '127.0.0.1';
  }

  const demo: DemoControls | null = world ? demoControls(world, clock) : null;
  const bot = await startBot({ env: { ...env, DATA_DIR: dataDir }, clock, logger, demo });
  world?.setBotEndpoint(`${bot.url}/api/messages`);
  // The second admin has the app, so enforcement approvals reach their (emulated) Teams chat.
  if (world) {
    await world.userInstallsApp(DEMO_ACCOUNTS.admin2.id).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'demo: could not install the app for the second admin'));
  }

  let playground: ChildProcess | null = null;
  let playgroundUrl: string | null = null;
  const wantPlayground = o.playground ?? !['off', 'false', '0'].includes(String(env.PLAYGROUND ?? 'on').toLowerCase());
  if (wantPlayground && tenant) {
    const port = await freePort(Number(env.PLAYGROUND_PORT ?? 56150));
    const pg = startPlayground({ botUrl: `${bot.url}/api/messages`, port, dataDir, tenant });
    playground = pg.child;
    playgroundUrl = `http://127.0.0.1:${port}`;
    // The demo user chats from the playground, so they have the app, as anyone who chats with the bot does.
    await world?.userInstallsApp(DEMO_ACCOUNTS.user.id).catch(() => undefined);
  }

  say('');
  say('Passkey Rollout Bot — local demo');
  say(`  bot endpoint      ${bot.url}/api/messages   (unauthenticated, loopback only)`);
  if (world && tenant) {
    say(`  simulated tenant  ${world.sim.baseUrl}   ${tenant.tenant.displayName}, ${tenant.users.length} users`);
    say(`  channel emulator  ${world.channel.serviceUrl}   (first-contact messages land here: ${world.channel.serviceUrl}_emulator/messages?aadObjectId=<id>)`);
  } else {
    say(`  Graph             ${bot.config.graph.baseUrl}`);
  }
  say(`  database          ${bot.store.kind === 'pglite' ? `embedded, in ${join(dataDir, 'db')}` : 'PostgreSQL (DATABASE_URL)'}`);
  if (playgroundUrl) {
    say('');
    say(`Chat with it: open ${playgroundUrl} (Microsoft 365 Agents Playground), you are ${DEMO_ACCOUNTS.user.upnPrefix}@${tenant!.tenant.domain}.`);
    say('Try: help · whoami · demo role admin · campaign create · cohort add Passkey Pilot to <campaign> as workforce · status · plan Passkey Pilot · advance Passkey Pilot');
    say('Enforcement needs a second admin: `demo second-admin approve` makes the simulated one (Demo Conditional Access Admin) answer the approval card in their chat.');
  } else if (world) {
    say('');
    say('The Agents Playground is off (PLAYGROUND=off). Start it with `npm run playground` in another terminal.');
  }
  say('Stop with Ctrl+C.');

  return {
    bot,
    world,
    playgroundUrl,
    async close() {
      playground?.kill('SIGTERM');
      await bot.close();
      await world?.close();
    },
  };
}

async function loadOrGenerateTenant(simTenant: string | undefined, dataDir: string, say: (s: string) => void): Promise<TenantFile> {
  if (simTenant) return readTenantFile(resolve(simTenant));
  const path = join(dataDir, 'demo-tenant.json');
  if (existsSync(path)) return readTenantFile(path);
  say(`Generating a ${DEMO_TENANT_USERS}-user simulated tenant in ${path} (once)…`);
  const tenant = generateTenant({ users: DEMO_TENANT_USERS, seed: DEMO_SEED });
  writeFileSync(path, JSON.stringify(tenant));
  return tenant;
}

/** Demo-only: roles still come from the (simulated) Entra; this command changes them there. */
function demoControls(world: SimWorld, clock: SystemClock): DemoControls {
  const ROLES: Record<'user' | 'helpdesk' | 'admin', string[]> = {
    user: [],
    helpdesk: [ROLE_TEMPLATE_IDS.authenticationAdministrator],
    admin: [ROLE_TEMPLATE_IDS.securityAdministrator, ROLE_TEMPLATE_IDS.authenticationAdministrator],
  };
  void clock;
  return {
    async setRole(aadObjectId, role) {
      if (!world.sim.state.findUser(aadObjectId)) return 'You are not a user of the simulated tenant, so there is no role to change.';
      world.sim.setDirectoryRoles(aadObjectId, ROLES[role]);
      const names = role === 'user' ? 'no admin roles' : role === 'helpdesk' ? 'Authentication Administrator' : 'Security Administrator and Authentication Administrator';
      return `In the simulated tenant you now hold ${names}. Say \`whoami\` to see what the bot reads from Entra.`;
    },
    async secondAdmin(decision) {
      const id = DEMO_ACCOUNTS.admin2.id;
      const card = world.channel
        .messagesFor(id, { from: 'bot' })
        .filter((m) => JSON.stringify(m.activity).includes('approval.approve'))
        .at(-1);
      if (!card) return 'The second admin has no approval card waiting: ask for one with `advance <cohort>` from report-only first.';
      const u = world.sim.state.requireUser(id);
      const who = world.channel.user({ aadObjectId: id, name: u.displayName, userPrincipalName: u.userPrincipalName });
      const r = await world.channel.pressCardButton(who, card, { verb: decision === 'approve' ? 'approval.approve' : 'approval.reject' }, { strict: false });
      const value = (r.body as { value?: unknown } | undefined)?.value;
      // The answer is the card updated in place; its second line says what happened (approved, refused and why).
      const body = (value as { body?: { text?: unknown }[] } | undefined)?.body;
      const said = typeof value === 'string' ? value : typeof body?.[1]?.text === 'string' ? body[1].text : `the bot answered with HTTP ${r.status}`;
      return `${u.displayName} pressed ${decision === 'approve' ? 'Approve' : 'Reject'} in their chat. The bot answered them: ${said}`;
    },
  };
}

/** The playground's own config: the demo user is the current user; five tenant users fill its group chat and team. */
export function playgroundConfig(tenant: TenantFile): string {
  const me = tenant.users.find((u) => u.id === DEMO_ACCOUNTS.user.id) ?? tenant.users[0]!;
  const others = tenant.users.filter((u) => u.id !== me.id && u.accountEnabled && u.userType === 'Member').slice(0, 5);
  const user = (u: TenantFile['users'][number], i: number) =>
    [
      `  - id: "29:demo-user-${i}"`,
      `    name: ${JSON.stringify(u.displayName)}`,
      `    userPrincipleName: ${JSON.stringify(u.userPrincipalName)}`,
      `    aadObjectId: ${JSON.stringify(u.id)}`,
      `    givenName: ${JSON.stringify(u.givenName ?? u.displayName)}`,
      `    surname: ${JSON.stringify(u.surname ?? '')}`,
      `    email: ${JSON.stringify(u.mail ?? u.userPrincipalName)}`,
    ].join('\n');
  return [
    'version: "0.1.1"',
    `tenantId: ${JSON.stringify(tenant.tenant.id)}`,
    'bot:',
    `  id: ${JSON.stringify(DEMO_BOT_APP_ID)}`,
    '  name: "Passkey Rollout"',
    'currentUser:',
    '  id: "29:demo-current-user"',
    `  name: ${JSON.stringify(me.displayName)}`,
    `  userPrincipleName: ${JSON.stringify(me.userPrincipalName)}`,
    `  aadObjectId: ${JSON.stringify(me.id)}`,
    `  givenName: ${JSON.stringify(me.givenName ?? me.displayName)}`,
    `  surname: ${JSON.stringify(me.surname ?? '')}`,
    `  email: ${JSON.stringify(me.mail ?? me.userPrincipalName)}`,
    'users:',
    ...others.map((u, i) => user(u, i + 1)),
    'personalChat:',
    '  id: "a:demo-personal-chat"',
    'groupChat:',
    '  id: "19:demo-group-chat@thread.v2"',
    '  name: "Passkey rollout demo chat"',
    'team:',
    '  id: "19:demo-team@thread.tacv2"',
    '  name: "IT Security"',
    '  aadGroupId: "00000000-0000-4000-8000-0000000d0001"',
    '  channels:',
    '    - id: "19:demo-channel@thread.tacv2"',
    '      name: "Passkey rollout"',
    '',
  ].join('\n');
}

export function startPlayground(o: { botUrl: string; port: number; dataDir: string; tenant: TenantFile }): { child: ChildProcess } {
  const dir = join(o.dataDir, 'playground');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, '.m365agentsplayground.yml');
  writeFileSync(configPath, playgroundConfig(o.tenant));
  const require = createRequire(import.meta.url);
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  const child = spawn(process.execPath, [cli, '-e', o.botUrl, '-c', 'msteams', '-p', String(o.port), '--disable-telemetry'], {
    cwd: dir,
    env: { ...process.env, M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath, TEAMSAPPTESTER_LOGFILE: join(dir, 'playground.log'), TEAMSAPPTESTER_BROWSER: 'none' },
    stdio: 'ignore',
  });
  return { child };
}

function freePort(preferred: number): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.once('error', () => {
      const any = createServer();
      any.listen(0, '127.0.0.1', () => {
        const p = (any.address() as { port: number }).port;
        any.close(() => resolvePort(p));
      });
    });
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolvePort(preferred)));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void runUntilStopped(() => startDemo({ env: process.env }));
}
