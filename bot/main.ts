import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../services/budgets.js';
import { formatConfigErrors, loadConfig, type Config } from '../services/config/load-config.js';
import { AccessResolver } from '../services/access/access-resolver.js';
import { GraphDirectory } from '../services/graph/graph-directory.js';
import { GraphGateway } from '../services/graph/graph-gateway.js';
import { graphAuthFromConfig } from '../services/graph/graph-credential.js';
import { Pacer } from '../services/pacing/pacer.js';
import type { Clock, Random } from '../services/ports/clock.js';
import type { Logger } from '../services/ports/logger.js';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Store } from '../services/ports/store.js';
import { openStore } from '../services/store/index.js';
import { SystemClock, SystemRandom } from '../services/system/clock.js';
import { createLogger } from '../services/system/logger.js';
import { CommandRouter } from './command-router.js';
import { buildCardActions, buildCommandTable, type CommandDeps, type DemoControls } from './commands/index.js';
import { CardActionRouter } from './card-actions.js';
import { CampaignService } from '../services/campaigns/campaign-service.js';
import { GraphStrengths } from '../services/graph/graph-policies.js';
import { GraphRegistrationSource } from '../services/graph/graph-registration-source.js';
import { GraphUserAuth } from '../services/graph/graph-user-auth.js';
import { GraphDevices } from '../services/graph/graph-devices.js';
import { ReadinessService } from '../services/insight/readiness-service.js';
import { takeSnapshots } from '../services/insight/snapshots.js';
import { refreshImpact } from '../services/insight/impact-job.js';
import { exemptionsForNudges, memberFacts, OutboxWarningCounts } from '../services/nudges/staging-adapters.js';
import { handleFileConsent } from './commands/export.js';
import { Scheduler } from '../services/scheduler/scheduler.js';
import { SyncCoordinator } from '../services/sync/sync-coordinator.js';
import { SyncEngine } from '../services/sync/sync-engine.js';
import { ConversationNotifier } from './notifier.js';
import { BotConnectorMessenger } from './connector-messenger.js';
import { nudgeActivity } from '../cards/nudge-cards.js';
import { GraphChatHistory, GraphPeopleFacts, GraphTeamsProvisioning } from '../services/graph/graph-teams.js';
import { NudgeService } from '../services/nudges/nudge-service.js';
import { NudgeSender, type SenderOptions } from '../services/nudges/sender.js';
import { createHttpApp, listen } from './http-server.js';
import { createTeamsBot } from './teams-app.js';
import { ConversationUserNotifier, TeamsAdminMessenger } from './admin-messenger.js';
import { GraphPolicyGateway } from '../services/graph/graph-policy-gateway.js';
import { TapService } from '../services/helpdesk/tap.js';
import type { StageListener, UserNotifier, WarningCounts } from '../services/ports/staging-hooks.js';
import { AdminRecipients } from '../services/staging/admin-recipients.js';
import { CampaignPolicies } from '../services/staging/campaign-policies.js';
import { DriftWatch } from '../services/staging/drift-watch.js';
import { ExemptionService } from '../services/staging/exemptions.js';
import { GateGatherer } from '../services/staging/gate-inputs.js';
import { EnforcementGuard } from '../services/staging/guard.js';
import { StagingService } from '../services/staging/staging-service.js';

export interface StartBotOptions {
  env: Record<string, string | undefined>;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  demo?: DemoControls | null;
  /** Channel OpenID metadata override for tests with a locally signed token. */
  openIdMetadataUrl?: string | null;
  onTurnError?: (error: unknown) => void;
  /** Test seam: outbound Bot Connector credentials without a token request to Entra. */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** Test seam: an in-memory embedded database instead of one in DATA_DIR. */
  memoryStore?: boolean;
  /** Issue 4's hooks into staging (the nudge service): told about stage changes. Default: nobody. */
  stageListener?: StageListener;
  /** Issue 4's reminder counts for the "warned N times" gate. Default: nobody warned yet. */
  warningCounts?: WarningCounts;
  /** Tells a person something (exemption ended). Default: their existing 1:1 chat with the bot, if any. */
  userNotifier?: UserNotifier;
  /** Test seam: work in this PostgreSQL schema (DATABASE_URL only). */
  databaseSchema?: string;
  /** Test seam: reminder planning and sending cadence, and the sender's tuning. */
  nudges?: { planEveryMs?: number; sendEveryMs?: number; sender?: SenderOptions };
  /** Test seam: scheduler tick and lease (a killed replica's lease runs out sooner in crash tests). */
  scheduler?: { tickMs?: number; leaseTtlMs?: number };
}

export interface RunningBot {
  config: Config;
  url: string;
  store: Store;
  graph: GraphGateway;
  logger: Logger;
  /** Runs one background job now, whether or not this replica holds the scheduler lease (tests, ops). */
  runJob(name: JobName): Promise<unknown>;
  /** Resolves when the stage moves started in the background so far have finished. */
  settled(): Promise<void>;
  /** Reminders: planning, commands, card buttons, staging hooks. */
  nudges: NudgeService;
  /** The outbox sender (runs as a scheduler job; tests may drain it directly). */
  sender: NudgeSender;
  scheduler: Scheduler | null;
  close(): Promise<void>;
}

export type StagingJob = 'staging.drift' | 'staging.guard' | 'staging.expiry';
/** Background jobs a test or an operator can run now, whoever holds the scheduler lease. */
export type JobName = StagingJob | 'snapshots.daily' | 'impact.refresh';

/** How often the staging jobs run on the scheduler's replica. */
const STAGING_JOB_MINUTES: Record<StagingJob, number> = { 'staging.drift': 15, 'staging.guard': 5, 'staging.expiry': 5 };

export class ConfigurationError extends Error {
  constructor(readonly errors: string[]) {
    super(formatConfigErrors(errors));
  }
}

/** The composition root: configuration → adapters → services → app. Nothing else builds adapters. */
export async function startBot(o: StartBotOptions): Promise<RunningBot> {
  const parsed = loadConfig(o.env);
  if (!parsed.ok) throw new ConfigurationError(parsed.errors);
  const config = parsed.config;
  const clock = o.clock ?? new SystemClock();
  const random = o.random ?? new SystemRandom();
  const logger = o.logger ?? createLogger({ level: config.logLevel });

  const budgets = scaleBudgets(DOCUMENTED_BUDGETS, config.budgetScale);
  const pacer = new Pacer(budgets, clock);
  let caPem: string | null = null;
  if (config.graph.caFile) {
    try {
      caPem = readFileSync(config.graph.caFile, 'utf8');
    } catch {
      throw new ConfigurationError([`GRAPH_CA_FILE "${config.graph.caFile}" cannot be read`]);
    }
  }
  const graph = new GraphGateway({
    baseUrl: config.graph.baseUrl,
    auth: graphAuthFromConfig(config),
    caPem,
    pacer,
    budgets,
    clock,
    logger: logger.child({ component: 'graph' }),
  });
  const store = await openStore({ databaseUrl: config.database.url ?? undefined, dataDir: config.database.dataDir, memory: o.memoryStore && !config.database.url, schema: config.database.url ? o.databaseSchema : undefined, clock, logger: logger.child({ component: 'store' }) });

  const directory = new GraphDirectory(graph);
  const access = new AccessResolver(directory, config.roles);
  const campaigns = new CampaignService({ store, directory, strengths: new GraphStrengths(graph), clock, random });
  const holder = `${hostname()}:${process.pid}:${random.uuid().slice(0, 8)}`;
  const registration = new GraphRegistrationSource(graph, logger.child({ component: 'sync' }));
  const engine = new SyncEngine({ store, directory, source: registration, clock, random, logger: logger.child({ component: 'sync' }) });
  const nudgeLogger = logger.child({ component: 'nudges' });
  const nudges = new NudgeService({
    store,
    clock,
    logger: nudgeLogger,
    people: new GraphPeopleFacts(graph, nudgeLogger),
    registration,
    userAuth: new GraphUserAuth(graph),
    directory,
    exemptions: exemptionsForNudges(store),
  });
  /** The bot's `28:` account, learnt from Teams' activities when BOT_ID is not set (demo, tests). */
  const BOT_ACCOUNT_KEY = 'bot:account-id';
  let learnedBotAccount: string | null = null;
  const conversations = {
    async upsert(ref: Parameters<Store['conversations']['upsert']>[0]): Promise<void> {
      await store.conversations.upsert(ref);
      if (!config.bot.id && ref.botId && ref.botId !== learnedBotAccount) {
        learnedBotAccount = ref.botId;
        await store.settings.set(BOT_ACCOUNT_KEY, ref.botId);
      }
    },
  };
  const sync = new SyncCoordinator({ engine, store, clock, holder, logger: logger.child({ component: 'sync' }) });
  // New cohorts are read at once; a sync already running here is followed by another.
  const onCohortAdded = (cohort: { campaignId: string }) => void sync.startOrQueue({ kind: 'full', campaignId: cohort.campaignId });
  let notifier: ConversationNotifier | null = null;
  let router: CommandRouter;
  let sender: NudgeSender | null = null;
  let scheduler: Scheduler | null = null;
  const commandDeps: CommandDeps = {
    directory,
    router: () => router,
    campaigns: {
      campaigns,
      store,
      clock,
      onCohortAdded,
      onRulesChanged: (campaignId) => void sync.startOrQueue({ kind: 'full', campaignId }),
    },
    status: {
      store,
      campaigns,
      directory,
      clock,
      sync,
      lookup: { store, auth: new GraphUserAuth(graph), clock },
      notify: (reference, reply) => notifier?.notify(reference, reply) ?? Promise.resolve(false),
    },
    insight: {
      store,
      directory,
      campaigns,
      readiness: new ReadinessService({ store, directory, devices: new GraphDevices(graph), source: registration, clock, logger: logger.child({ component: 'readiness' }) }),
      onCohortAdded,
    },
    export: { store, campaigns, clock, facts: memberFacts(store) },
    nudges: {
      nudges,
      store,
      directory,
      kick: () => {
        if (scheduler?.isLeader()) void sender?.drain().catch(() => undefined);
      },
    },
    demo: o.demo ?? null,
  };
  // Policy staging (issue 5).
  const stagingLog = logger.child({ component: 'staging' });
  const policyGateway = new GraphPolicyGateway(graph, stagingLog);
  const policies = new CampaignPolicies({ store, gateway: policyGateway, groups: policyGateway, directory, clock, random, logger: stagingLog });
  const admins = new TeamsAdminMessenger({ notifier: () => notifier, recipients: new AdminRecipients(policyGateway, directory, config.roles.adminGroupIds, clock), conversations: store.conversations, logger: stagingLog });
  const staging = new StagingService({
    store,
    campaigns,
    policies,
    gates: new GateGatherer({ store, gateway: policyGateway, signIns: policyGateway, warnings: o.warningCounts ?? new OutboxWarningCounts(store), clock }),
    admins,
    listener: o.stageListener ?? {
      // Stage changes tell the reminders at once (the planner would notice on its next round anyway).
      planFinalNotices: async (cohortId, date, now) => void (await nudges.planFinalNotices(cohortId, date, now)),
      planRecoveryNotices: async (cohortId, now) => void (await nudges.planRecoveryNotices(cohortId, now)),
      cancelForCohort: async (cohortId, now) => void (await nudges.cancelForCohort(cohortId, now)),
    },
    clock,
    random,
    logger: stagingLog,
  });
  const drift = new DriftWatch({ store, gateway: policyGateway, policies, admins, clock, random, logger: stagingLog });
  const guard = new EnforcementGuard({ store, signIns: policyGateway, staging, admins, clock, logger: stagingLog });
  const exemptions = new ExemptionService({ store, directory, groups: policyGateway, policies, notifier: o.userNotifier ?? new ConversationUserNotifier(() => notifier, store.conversations), clock, random, logger: stagingLog });
  const insightJobs = {
    'snapshots.daily': () => takeSnapshots(store, clock),
    'impact.refresh': () => refreshImpact(store, policyGateway, clock),
  };
  const stagingJobs: Record<StagingJob, () => Promise<unknown>> = {
    'staging.drift': () => drift.runOnce(),
    'staging.guard': () => guard.runOnce(),
    'staging.expiry': async () => ({ exemptions: await exemptions.expireDue(), approvals: await staging.expireDue() }),
  };
  commandDeps.campaigns.policies = staging;
  commandDeps.staging = {
    staging,
    drift,
    exemptions,
    taps: new TapService({ store, directory, taps: policyGateway, clock, logger: stagingLog }),
    store,
    clock,
    notify: (reference, reply) => notifier?.notify(reference, reply) ?? Promise.resolve(false),
  };

  router = new CommandRouter(buildCommandTable(commandDeps));
  const cardActions = new CardActionRouter(buildCardActions(commandDeps));
  const bot = createTeamsBot({
    config,
    logger,
    random,
    now: () => clock.now(),
    access,
    router,
    cardActions,
    conversations,
    openIdMetadataUrl: o.openIdMetadataUrl ?? config.bot.openIdMetadataUrl,
    onTurnError: o.onTurnError,
    credentialsFactory: o.credentialsFactory,
    fileConsent: (answer, ctx) => handleFileConsent(commandDeps.export, answer, ctx),
  });
  notifier = new ConversationNotifier(bot.adapter, config.bot.id ?? '', logger.child({ component: 'notifier' }));

  const messenger = new BotConnectorMessenger({
    botAppId: config.bot.id,
    credentialsFactory: o.credentialsFactory ?? bot.adapter.credentialsFactory ?? null,
    logger: nudgeLogger,
    learnedBotAccountId: async () => learnedBotAccount ?? ((await store.settings.get<string>(BOT_ACCOUNT_KEY)) || null),
  });
  sender = new NudgeSender({
    store,
    messenger,
    provisioning: config.teams.appId ? new GraphTeamsProvisioning(graph, nudgeLogger) : null,
    chats: new GraphChatHistory(graph),
    directory,
    pacer,
    clock,
    random,
    logger: nudgeLogger,
    render: nudgeActivity,
    config: { tenantId: config.tenantId, teamsAppId: config.teams.appId, teamsServiceUrl: config.teams.serviceUrl },
    holder,
    options: o.nudges?.sender,
  });
  const theSender = sender;

  if (config.scheduler.enabled) {
    scheduler = new Scheduler({
      store,
      clock,
      logger: logger.child({ component: 'scheduler' }),
      holder,
      leaseTtlMs: o.scheduler?.leaseTtlMs ?? config.scheduler.leaseSeconds * 1000,
      tickMs: o.scheduler?.tickMs ?? Math.min(5_000, (config.scheduler.leaseSeconds * 1000) / 3),
    });
    const runSync = (kind: 'full' | 'incremental') => async () => {
      const s = await sync.start({ kind });
      if (s.started) await s.done;
    };
    scheduler.start([
      { name: 'sync.full', everyMs: config.scheduler.fullSyncEveryHours * 3600_000, run: runSync('full') },
      { name: 'sync.incremental', everyMs: config.scheduler.incrementalSyncEveryMinutes * 60_000, run: runSync('incremental') },
      { name: 'snapshots.daily', everyMs: 3600_000, run: async () => void (await insightJobs['snapshots.daily']()) },
      { name: 'impact.refresh', everyMs: 3600_000, run: async () => void (await insightJobs['impact.refresh']()) },
      ...(Object.keys(stagingJobs) as StagingJob[]).map((name) => ({ name, everyMs: STAGING_JOB_MINUTES[name] * 60_000, run: async () => void (await stagingJobs[name]()) })),
      { name: 'nudges.plan', everyMs: o.nudges?.planEveryMs ?? 300_000, run: async () => void (await nudges.planTick()) },
      { name: 'nudges.send', everyMs: o.nudges?.sendEveryMs ?? 2_000, run: async (signal) => void (await theSender.drain(signal)) },
    ]);
  }

  let graphCheckedAt = -Infinity;
  const http = createHttpApp({
    bot,
    logger,
    requireBearer: config.bot.id !== null,
    readiness: [
      { name: 'database', check: () => store.ping() },
      {
        name: 'graph',
        // Probes come often; Graph budget is precious. A success is trusted for 30 s.
        check: async () => {
          if (clock.nowMs() - graphCheckedAt < 30_000) return;
          await graph.get('/users?$top=1&$select=id');
          graphCheckedAt = clock.nowMs();
        },
      },
    ],
  });
  const server: Server = await listen(http, config.port, config.host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url: `${url}/api/messages`, authenticated: config.bot.id !== null, graph: new URL(config.graph.baseUrl).host, database: store.kind }, 'bot listening');

  return {
    config,
    url,
    store,
    graph,
    logger,
    runJob: (name) => (name in insightJobs ? insightJobs[name as keyof typeof insightJobs]() : stagingJobs[name as StagingJob]()),
    settled: () => staging.settled(),
    nudges,
    sender: theSender,
    scheduler,
    async close() {
      await scheduler?.close();
      await staging.settled();
      await messenger.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await graph.close();
      await store.close();
    },
  };
}

/**
 * Runs an entry point until Ctrl+C / SIGTERM: a configuration error prints every problem and exits
 * with code 2 (no stack trace); anything else exits with 1.
 */
export async function runUntilStopped(start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  try {
    const running = await start();
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    if (e instanceof ConfigurationError) {
      console.error(e.message);
      process.exit(2);
    }
    console.error(e);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void runUntilStopped(() => startBot({ env: process.env }));
}
