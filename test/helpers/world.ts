import { ServiceClientCredentialsFactory, TokenCredentials } from 'botframework-connector';
import { Writable } from 'node:stream';
import { startBot, type RunningBot, type StartBotOptions } from '../../bot/main.js';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../services/budgets.js';
import type { EmulatedUser } from '../../services/sim/channel/index.js';
import { DEMO_ACCOUNTS, generateTenant } from '../../services/sim/tenant/generate.js';
import type { SimUser, TenantFile } from '../../services/sim/tenant/model.js';
import { startSimWorld, type SimWorld } from '../../services/sim/world.js';
import { OffsetClock, SeededRandom, SystemClock } from '../../services/system/clock.js';
import { createLogger } from '../../services/system/logger.js';
import { captureLog, registerSecrets } from './log-capture.js';
import { testCertificate } from './tls.js';

export const TEST_BOT_APP_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';
/** BOT_PASSWORD of authenticated test bots (never used to get a token: the credentials factory is static). */
export const TEST_BOT_PASSWORD = 'test-secret-not-used';
/** The outbound connector token test bots send to the channel emulator. */
export const TEST_OUTBOUND_TOKEN = 'static-outbound-test-token';

/** Outbound connector credentials with a fixed token, so a bot with an app id never asks Entra. */
export class StaticCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly appId: string) {
    super();
  }
  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }
  async createCredentials(): Promise<TokenCredentials> {
    return new TokenCredentials(TEST_OUTBOUND_TOKEN);
  }
}

export interface TestWorld {
  world: SimWorld;
  bot: RunningBot;
  clock: OffsetClock;
  tenant: TenantFile;
  /** Captured log lines (JSON) of the bot. */
  logs: string[];
  turnErrors: unknown[];
  /** An emulated Teams user for a tenant user (by demo account key, UPN or id), who has the app (installed once, the first time). */
  user(who: keyof typeof DEMO_ACCOUNTS | string): Promise<EmulatedUser>;
  simUser(who: keyof typeof DEMO_ACCOUNTS | string): SimUser;
  close(): Promise<void>;
}

export interface TestWorldOptions {
  users?: number;
  seed?: number;
  tenant?: TenantFile;
  env?: Record<string, string>;
  /** Budget scale for both the bot and the simulators. */
  scale?: number;
  /** Sign activities and make the bot check tokens (BOT_ID set). */
  authenticated?: boolean;
  /** Extra start options for the bot (hooks such as the stage listener). */
  bot?: Pick<StartBotOptions, 'stageListener' | 'warningCounts' | 'userNotifier' | 'databaseSchema'>;
  /** Reminder planning/sending tuning for the bot. */
  nudges?: StartBotOptions['nudges'];
}

/** The bot, a simulated tenant and a channel emulator, in this process, on ephemeral ports. */
export async function startTestWorld(o: TestWorldOptions = {}): Promise<TestWorld> {
  const tenant = o.tenant ?? generateTenant({ users: o.users ?? 120, seed: o.seed ?? 7 });
  const clock = new OffsetClock(new Date(Date.parse(tenant.tenant.generatedAt) + 7 * 24 * 3600_000));
  const scale = o.scale ?? 50;
  const budgets = scaleBudgets(DOCUMENTED_BUDGETS, scale);
  const tls = await testCertificate();
  const world = await startSimWorld({ tenant, clock, budgets, tls, botAppId: TEST_BOT_APP_ID, random: new SeededRandom(11), signing: o.authenticated ? { clock: new SystemClock() } : null });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      captureLog(String(chunk));
      cb();
    },
  });
  const turnErrors: unknown[] = [];
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'prb-world-'));
  const caFile = join(dir, 'sim-ca.pem');
  writeFileSync(caFile, tls.cert);
  const env: Record<string, string> = {
    ...world.botEnv(),
    PORT: '0',
    DATA_DIR: dir,
    GRAPH_CA_FILE: caFile,
    BUDGET_SCALE: String(scale),
    LOG_LEVEL: 'debug',
    SCHEDULER: 'off',
    ...(o.authenticated
      ? { BOT_ID: TEST_BOT_APP_ID, BOT_PASSWORD: TEST_BOT_PASSWORD, BOT_TENANT_ID: tenant.tenant.id, BOT_TYPE: 'SingleTenant', HOST: '127.0.0.1', BOT_OPENID_METADATA_URL: world.channel.openIdMetadataUrl! }
      : {}),
    ...(o.env ?? {}),
  };
  const bot = await startBot({
    env,
    clock,
    random: new SeededRandom(5),
    logger: createLogger({ level: 'debug', destination: sink }),
    memoryStore: true,
    onTurnError: (e) => turnErrors.push(e),
    credentialsFactory: o.authenticated ? new StaticCredentialsFactory(TEST_BOT_APP_ID) : undefined,
    ...(o.bot ?? {}),
    nudges: o.nudges,
  });
  world.setBotEndpoint(`${bot.url}/api/messages`);
  registerSecrets('GRAPH_STATIC_TOKEN', [world.staticToken, env.GRAPH_STATIC_TOKEN]);
  registerSecrets('BOT_PASSWORD', [env.BOT_PASSWORD, TEST_BOT_PASSWORD]);
  registerSecrets('bot connector token', [TEST_OUTBOUND_TOKEN, ...(o.authenticated ? [world.channel.tokenFor('valid')] : [])]);

  const simUser = (who: string): SimUser => {
    const demo = (DEMO_ACCOUNTS as Record<string, { id: string }>)[who];
    const u = world.sim.state.findUser(demo ? demo.id : who);
    if (!u) throw new Error(`no such user in the test tenant: ${who}`);
    return u;
  };
  return {
    world,
    bot,
    clock,
    tenant,
    logs,
    turnErrors,
    simUser,
    async user(who) {
      const u = simUser(who);
      await world.userInstallsApp(u.id);
      return world.channel.user({ aadObjectId: u.id, name: u.displayName, userPrincipalName: u.userPrincipalName, givenName: u.givenName ?? undefined, surname: u.surname ?? undefined, email: u.mail ?? undefined });
    },
    async close() {
      await bot.close();
      await world.close();
      registerSecrets('TAP code', world.sim.state.issuedTapCodes());
    },
  };
}

/** Text of a reply activity, or the text blocks of its Adaptive Card. */
export function replyText(activity: { text?: string; activity?: unknown }): string {
  const a = (activity.activity ?? activity) as { text?: string; attachments?: { content?: unknown }[] };
  const parts: string[] = [];
  if (typeof a.text === 'string') parts.push(a.text);
  for (const att of a.attachments ?? []) parts.push(...collectText(att.content));
  return parts.join('\n');
}

function collectText(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(collectText);
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const own = [o.text, o.title, o.value].filter((v): v is string => typeof v === 'string');
    return [...own, ...Object.entries(o).filter(([k]) => k !== 'text' && k !== 'title' && k !== 'value').flatMap(([, v]) => collectText(v))];
  }
  return [];
}
