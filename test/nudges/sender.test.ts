import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotConnectorMessenger } from '../../bot/connector-messenger.js';
import { nudgeActivity } from '../../cards/nudge-cards.js';
import { DOCUMENTED_BUDGETS, scaleBudgets } from '../../services/budgets.js';
import { GraphChatHistory, GraphTeamsProvisioning } from '../../services/graph/graph-teams.js';
import { GraphDirectory } from '../../services/graph/graph-directory.js';
import { NudgeSender } from '../../services/nudges/sender.js';
import { Pacer } from '../../services/pacing/pacer.js';
import type { Permit } from '../../services/pacing/pacer.js';
import type { Store } from '../../services/ports/store.js';
import type { Messenger } from '../../services/ports/teams.js';
import type { RecordedActivity } from '../../services/sim/channel/index.js';
import { SeededRandom } from '../../services/system/clock.js';
import { silentLogger } from '../../services/system/logger.js';
import { drainUntilSettled, seedNudgingCohort } from '../helpers/nudges.js';
import { startTestWorld, TEST_BOT_APP_ID, type TestWorld } from '../helpers/world.js';

/**
 * The sender against the channel emulator and the simulated tenant: pacing at the (scaled) Teams
 * limits, faults and Retry-After, and sends whose outcome was lost settled by reading the chat back.
 */
const SCALE = 2;
let w: TestWorld;
let pool: string[];
let taken = 0;

/** Fresh people for each test (nobody gets two tests' reminders). */
function people(n: number): string[] {
  const out = pool.slice(taken, taken + n);
  taken += n;
  if (out.length < n) throw new Error('not enough users in the test tenant');
  return out;
}

function reminderCards(userId: string): RecordedActivity[] {
  return w.world.channel
    .messagesFor(userId, { from: 'bot' })
    .filter((a) => JSON.stringify(a.activity.attachments ?? []).includes('"nudge:reminder:'));
}

/** A sender built like the bot's, with a messenger (and optionally store, pacer, tuning) the test may replace. */
function sender(wrap?: (m: Messenger) => Messenger, over: { store?: Store; pacer?: Pacer; concurrency?: number } = {}): NudgeSender {
  const logger = silentLogger();
  const messenger = new BotConnectorMessenger({ botAppId: null, credentialsFactory: null, logger, learnedBotAccountId: async () => `28:${TEST_BOT_APP_ID}` });
  return new NudgeSender({
    store: over.store ?? w.bot.store,
    messenger: wrap ? wrap(messenger) : messenger,
    provisioning: new GraphTeamsProvisioning(w.bot.graph, logger),
    chats: new GraphChatHistory(w.bot.graph),
    directory: new GraphDirectory(w.bot.graph),
    pacer: over.pacer ?? new Pacer(scaleBudgets(DOCUMENTED_BUDGETS, SCALE), w.clock),
    clock: w.clock,
    random: new SeededRandom(3),
    logger,
    render: nudgeActivity,
    config: { tenantId: w.tenant.tenant.id, teamsAppId: w.bot.config.teams.appId, teamsServiceUrl: w.world.channel.serviceUrl },
    holder: 'sender-test',
    options: { inDoubtGraceMs: 300, concurrency: over.concurrency ?? 12 },
  });
}

beforeAll(async () => {
  w = await startTestWorld({ users: 700, seed: 33, scale: SCALE });
  pool = w.tenant.users.filter((u) => u.accountEnabled && !u.teamsAppBlocked && u.userType === 'Member').map((u) => u.id);
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('outbox sender', () => {
  it('fans out to a few hundred people at the Teams limits: no 429 at the emulator, no duplicate, each reminded once', async () => {
    const users = people(300);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    expect((await w.bot.nudges.planTick()).planned.reminder).toBe(300);
    w.world.channel.resetCounters();
    const s = sender();
    await drainUntilSettled(s, w.bot.store, campaign.id);
    await w.world.settled();
    const c = w.world.channel.counters();
    expect(c.throttled).toBe(0);
    expect(c.byStatus['429']).toBeUndefined();
    expect(c.duplicates).toBe(0);
    expect(users.filter((u) => reminderCards(u).length !== 1)).toEqual([]);
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id })).sent).toBe(300);
    // Nobody exceeded the per-conversation limit.
    expect(c.perConversationMax).toBeLessThanOrEqual(2);
  });

  it('under injected 429/503/502/504: retried after Retry-After, ambiguous answers checked by reading the chat back, still exactly once', async () => {
    const users = people(80);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    await w.bot.nudges.planTick();
    w.world.channel.resetCounters();
    w.world.channel.setFaults({ rate: 0.25, statuses: [429, 503, 502, 504], retryAfterSeconds: 1 });
    const since = w.world.channel.outbound().length;
    try {
      await drainUntilSettled(sender(), w.bot.store, campaign.id);
    } finally {
      w.world.channel.setFaults(null);
    }
    const c = w.world.channel.counters();
    expect(c.faults).toBeGreaterThan(5);
    expect(c.duplicates).toBe(0);
    expect(users.filter((u) => reminderCards(u).length !== 1)).toEqual([]);
    const rows = await Promise.all(users.map((u) => w.bot.store.nudges.outbox.ofSubject(u, 5)));
    expect(rows.flat().filter((r) => r.campaignId === campaign.id).every((r) => r.state === 'sent')).toBe(true);
    expect(rows.flat().some((r) => r.resolution === 'read_back_absent')).toBe(true);
    // Retry-After honoured: after a 429/503 on a conversation, nothing is sent to it for a second.
    const calls = w.world.channel.outbound().slice(since).filter((x) => x.kind === 'send' || x.kind === 'create');
    const refused = calls.filter((x) => x.outcome === 'fault' && (x.status === 429 || x.status === 503));
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      const next = calls.find((x) => x.seq > r.seq && x.kind === r.kind && x.conversationId === r.conversationId);
      if (next) expect(next.at - r.at).toBeGreaterThanOrEqual(1000);
    }
  });

  it('a send that landed but whose answer was lost is found in the chat and not sent again', async () => {
    const users = people(6);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    await w.bot.nudges.planTick();
    let lost = 0;
    const s = sender((m) => ({
      botAccountId: () => m.botAccountId(),
      createPersonalConversation: (o) => m.createPersonalConversation(o),
      send: async (o) => {
        const r = await m.send(o);
        // The first three answers never reach the bot (a dropped connection after Teams accepted them).
        if (r.ok && lost < 3) {
          lost++;
          return { ok: false, kind: 'in_doubt', status: 0, code: 'ECONNRESET', message: 'socket hang up', retryAfterMs: null };
        }
        return r;
      },
    }));
    await drainUntilSettled(s, w.bot.store, campaign.id);
    expect(lost).toBe(3);
    expect(s.stats.foundOnReadBack).toBe(3);
    expect(users.filter((u) => reminderCards(u).length !== 1)).toEqual([]);
    expect(w.world.channel.counters().duplicates).toBe(0);
    const found = (await Promise.all(users.map((u) => w.bot.store.nudges.outbox.ofSubject(u, 5)))).flat().filter((r) => r.resolution === 'read_back_found');
    expect(found).toHaveLength(3);
    // The activity id found in the chat is the one Teams gave the message.
    for (const r of found) expect(reminderCards(r.recipientId)[0]!.id).toBe(r.activityId);
  });

  it('without the chat read permission the send is repeated (at least once) and counted as a possible duplicate', async () => {
    const users = people(2);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    await w.bot.nudges.planTick();
    w.world.sim.setChatReadGranted(false);
    w.world.channel.resetCounters();
    let lost = 0;
    try {
      const s = sender((m) => ({
        botAccountId: () => m.botAccountId(),
        createPersonalConversation: (o) => m.createPersonalConversation(o),
        send: async (o) => {
          const r = await m.send(o);
          if (r.ok && lost < 1) {
            lost++;
            return { ok: false, kind: 'in_doubt', status: 504, code: 'GatewayTimeout', message: 'timeout', retryAfterMs: null };
          }
          return r;
        },
      }));
      await drainUntilSettled(s, w.bot.store, campaign.id);
      expect(s.stats.resentUnverified).toBe(1);
    } finally {
      w.world.sim.setChatReadGranted(true);
    }
    expect(w.world.channel.counters().duplicates).toBe(1);
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id })).possibleDuplicates).toBe(1);
  });

  it('only the lease holder sends: a second sender waits its turn', async () => {
    const users = people(3);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    await w.bot.nudges.planTick();
    const held = await w.bot.store.leases.tryAcquire('nudges.sender', 'someone-else', 60_000, w.clock.now());
    expect(held.acquired).toBe(true);
    expect(await sender().drain()).toBe(false);
    expect((await w.bot.store.nudges.outbox.deliveryCounts({ campaignId: campaign.id })).planned).toBe(3);
    await w.bot.store.leases.release('nudges.sender', 'someone-else');
    await drainUntilSettled(sender(), w.bot.store, campaign.id);
    expect(users.filter((u) => reminderCards(u).length !== 1)).toEqual([]);
  });

  it('gives a send\'s Bot Connector slot back when the answer arrives, before writing the outcome down', async () => {
    const users = people(4);
    const { campaign } = await seedNudgingCohort(w.bot.store, { userIds: users, now: w.clock.now() });
    await w.bot.nudges.planTick();
    const events: string[] = [];
    class LoggingPacer extends Pacer {
      override async acquire(...args: Parameters<Pacer['acquire']>): Promise<Permit> {
        const permit = await super.acquire(...args);
        return { done: () => (events.push(`done ${args[0]}`), permit.done()) };
      }
    }
    const store = new Proxy(w.bot.store, {
      get(target, key, receiver) {
        if (key === 'transaction') return (fn: Parameters<Store['transaction']>[0]) => (events.push('transaction'), target.transaction(fn));
        return Reflect.get(target, key, receiver);
      },
    });
    const s = sender(
      (m) => ({
        botAccountId: () => m.botAccountId(),
        createPersonalConversation: (o) => m.createPersonalConversation(o),
        send: async (o) => {
          const r = await m.send(o);
          events.push('answer');
          return r;
        },
      }),
      { store, pacer: new LoggingPacer(scaleBudgets(DOCUMENTED_BUDGETS, SCALE), w.clock), concurrency: 1 },
    );
    await drainUntilSettled(s, w.bot.store, campaign.id);
    expect(users.filter((u) => reminderCards(u).length !== 1)).toEqual([]);
    const answers = events.flatMap((e, i) => (e === 'answer' ? [i] : []));
    expect(answers).toHaveLength(4);
    // Right after each answer: both permits (per conversation, global) are returned, then the outcome is recorded.
    for (const i of answers) expect(events.slice(i + 1, i + 4)).toEqual(['done connector.conversation', 'done connector.global', 'transaction']);
  });
});
