import { randomUUID } from 'node:crypto';
import type { BudgetTable } from '../budgets.js';
import type { Clock, Random } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { ChannelEmulator } from './channel/index.js';
import type { TenantFile } from './tenant/model.js';
import { SimTenant, type SimChatMessage, type SimChatSource } from './tenant/sim-tenant.js';
import type { RecordedActivity } from './channel/index.js';

/**
 * The Microsoft side of the world for the demo, the end-to-end tests and the benchmark: a simulated
 * Entra tenant (Graph over HTTPS) and a channel emulator (Teams / Bot Connector), wired the way the
 * real services are: installing the app for a user through Graph makes Teams tell the bot, and Teams
 * only opens 1:1 chats with people who have the app.
 */
export interface SimWorldOptions {
  tenant: TenantFile;
  clock: Clock;
  budgets: BudgetTable;
  tls: { key: string; cert: string };
  /** The bot's `/api/messages` URL (may be set later with `setBotEndpoint`). */
  botEndpoint?: string;
  /** The app id the channel emulator addresses (`28:<id>`); any GUID when the bot runs unauthenticated. */
  botAppId: string;
  /** Sign activities with a local key (the bot then needs the emulator's OpenID metadata URL). */
  signing?: { clock?: Clock } | null;
  staticToken?: string;
  random?: Random;
  logger?: Logger;
  /** Keep message bodies in the emulator's log (turn off for 100k-user benchmarks). */
  recordBodies?: boolean;
  simPort?: number;
  channelPort?: number;
}

export interface SimWorld {
  sim: SimTenant;
  channel: ChannelEmulator;
  /** The bearer token the simulated tenant expects. */
  staticToken: string;
  /** Environment for a bot that should use this world. */
  botEnv(extra?: Record<string, string>): Record<string, string>;
  setBotEndpoint(url: string): void;
  /**
   * The person adds the app in the Teams client themselves (the way everyone who chats with the bot
   * has it): recorded in the tenant's installed apps, and Teams tells the bot. No Graph call involved.
   */
  userInstallsApp(userId: string): Promise<void>;
  /** Resolves when every Teams notification caused by a Graph install has been delivered to the bot. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimWorld(o: SimWorldOptions): Promise<SimWorld> {
  const staticToken = o.staticToken ?? `sim-${o.random?.uuid() ?? randomUUID()}`;
  const teamsAppIds = new Set(o.tenant.teamsAppCatalog.map((a) => a.id));
  const pending = new Set<Promise<unknown>>();
  let channel: ChannelEmulator | null = null;
  const sim = await SimTenant.start({
    tenant: o.tenant,
    clock: o.clock,
    budgets: o.budgets,
    tls: o.tls,
    staticToken,
    random: o.random,
    logger: o.logger,
    port: o.simPort ?? 0,
    // Graph reads a bot's 1:1 chat from what Teams holds: the emulator's record of that conversation.
    chatMessages: (chatId) => chatSource(chatId),
    onAppInstalled: (e) => {
      // Teams sends the bot its conversationUpdate/installationUpdate once the install lands.
      const user = sim.state.findUser(e.userId);
      if (!channel || !user) return;
      const emulated = channel.user({ aadObjectId: user.id, name: user.displayName, userPrincipalName: user.userPrincipalName, givenName: user.givenName ?? undefined, surname: user.surname ?? undefined, email: user.mail ?? undefined });
      const p = channel.installForUser(emulated).catch((err: unknown) => o.logger?.warn({ err: String(err), userId: user.id }, 'install notification to the bot failed'));
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
  });
  channel = await ChannelEmulator.start({
    botEndpoint: o.botEndpoint,
    botAppId: o.botAppId,
    tenantId: o.tenant.tenant.id,
    clock: o.clock,
    budgets: o.budgets,
    random: o.random,
    signing: o.signing ?? null,
    logger: o.logger,
    recordBodies: o.recordBodies ?? true,
    port: o.channelPort ?? 0,
    isAppInstalled: (aadObjectId) => sim.state.installationsOf(aadObjectId.toLowerCase()).some((i) => teamsAppIds.has(i.teamsAppId)),
  });
  const ch = channel;
  const byExternalId = new Map(o.tenant.teamsAppCatalog.map((a) => [a.externalId.toLowerCase(), a]));
  function chatSource(chatId: string): SimChatSource | null {
    const m = /^19:([0-9a-f-]{36})_(.+)@unq\.gbl\.spaces$/i.exec(chatId);
    if (!m) return null;
    const userId = m[1]!.toLowerCase();
    const app = byExternalId.get(m[2]!.toLowerCase());
    const user = sim.state.findUser(userId);
    if (!app || !user || !sim.state.installationsOf(user.id).some((i) => i.teamsAppId === app.id)) return null;
    const emulated = ch.findUser(user.id);
    const activities = emulated ? ch.conversation(emulated.personalConversationId) : [];
    return { userId: user.id, messages: activities.filter((a) => a.type === 'message').map((a) => toChatMessage(a, user.displayName)) };
  }
  function toChatMessage(a: RecordedActivity, userName: string): SimChatMessage {
    // Teams adds a text/html copy of a user's message to the Bot Framework activity; in Graph that is the body.
    const attachments = Array.isArray(a.activity.attachments)
      ? a.activity.attachments.filter((x) => x.contentType !== 'text/html').map((x) => ({ contentType: x.contentType, content: x.content ?? null }))
      : [];
    return {
      id: a.id,
      from: a.from === 'bot' ? { kind: 'bot', appId: o.botAppId, displayName: 'Passkey Rollout' } : { kind: 'user', userId: a.aadObjectId ?? '', displayName: userName },
      createdMs: a.at,
      modifiedMs: a.updatedAt ?? a.at,
      deletedMs: a.deleted ? (a.updatedAt ?? a.at) : null,
      text: a.text ?? null,
      summary: typeof a.activity.summary === 'string' ? a.activity.summary : null,
      attachments,
    };
  }
  return {
    sim,
    channel: ch,
    staticToken,
    botEnv(extra = {}) {
      const bot = o.tenant.teamsAppCatalog.find((a) => a.distributionMethod === 'organization') ?? o.tenant.teamsAppCatalog[0];
      return {
        TENANT_ID: o.tenant.tenant.id,
        GRAPH_BASE_URL: sim.baseUrl,
        GRAPH_STATIC_TOKEN: staticToken,
        TEAMS_SERVICE_URL: ch.serviceUrl,
        ...(bot ? { TEAMS_APP_ID: bot.externalId } : {}),
        ...extra,
      };
    },
    setBotEndpoint(url) {
      ch.setBotEndpoint(url);
    },
    async userInstallsApp(userId) {
      const user = sim.state.requireUser(userId);
      const app = o.tenant.teamsAppCatalog.find((a) => a.distributionMethod === 'organization') ?? o.tenant.teamsAppCatalog[0];
      if (!app) throw new Error('the tenant has no Teams app in its catalog');
      const { existing } = sim.state.installApp(user, app.id, o.clock.now());
      if (existing) return;
      const emulated = ch.user({ aadObjectId: user.id, name: user.displayName, userPrincipalName: user.userPrincipalName, givenName: user.givenName ?? undefined, surname: user.surname ?? undefined, email: user.mail ?? undefined });
      await ch.installForUser(emulated);
    },
    async settled() {
      // The simulated tenant fires its install hook on the next tick, as a real service would later.
      await new Promise((r) => setImmediate(r));
      while (pending.size > 0) {
        await Promise.allSettled([...pending]);
        await new Promise((r) => setImmediate(r));
      }
    },
    async close() {
      await Promise.allSettled([...pending]);
      await ch.close();
      await sim.close();
    },
  };
}
