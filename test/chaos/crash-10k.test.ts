/**
 * Issue 9.1 — crash safety at scale: the real bot (its own process, scheduler on, PostgreSQL) fans
 * reminders out to 10,000 people, first contact included (app install through Graph, 1:1 chat
 * creation, send), and is killed with SIGKILL at 20 seeded random points — half of them at the very
 * moment Teams records one of its messages (the bot never hears the answer), half after a random
 * time from start-up (planning, installing, claiming, anywhere) — and restarted each time.
 * Afterwards every due reminder arrived exactly once, counted at the channel emulator.
 *
 * Budgets are scaled ×10 on both sides (`scaleBudgets`, BUDGET_SCALE=10: 500 Bot Connector
 * operations/s, 300 installs/s) so the same shape of traffic fits the time box; the per-chat limits
 * keep their documented shape. This test runs in the chaos suite (`npm run test:chaos`).
 */
import { afterAll, expect, it } from 'vitest';
import { SeededRandom } from '../../services/system/clock.js';
import { describePostgres } from '../helpers/postgres.js';
import { spawnBot, type BotChild } from '../nudges/support/spawn-bot.js';
import { notExactlyOnce, sleep, startFanout, waitUntil, type Fanout } from './support/fanout.js';

const SCALE = 10;
const PEOPLE = 10_000;
const KILLS = 20;
const GRACE_MS = 800;
const SEED = 2609;

type Kill = { at: 'message'; after: number } | { at: 'timer'; ms: number };

/** Alternating seeded kill points: the n-th further message Teams records, or a time after start-up. */
function killPlan(seed: number): Kill[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: KILLS }, (_, i): Kill => (i % 2 === 0 ? { at: 'message', after: 100 + Math.floor(r.next() * 400) } : { at: 'timer', ms: 1_000 + Math.floor(r.next() * 3_000) }));
}

await describePostgres('crash safety: 10,000 reminders through 20 kill -9s (PostgreSQL)', (schema) => {
  let f: Fanout | null = null;
  afterAll(async () => {
    await f?.close();
  });

  it(`delivers ${PEOPLE} reminders exactly once through ${KILLS} SIGKILLs and restarts`, { timeout: 480_000 }, async () => {
    f = await startFanout({ users: 10_700, people: PEOPLE, seed: SEED, scale: SCALE, schema, env: { NUDGE_GRACE_MS: String(GRACE_MS), NUDGE_CONCURRENCY: '32' } });
    const fan = f;
    let child: BotChild | null = null;
    let killAtCount: number | null = null;
    fan.onDelivered((n) => {
      // Killed while Teams is still answering this very send: the bot never learns it landed.
      if (killAtCount !== null && n >= killAtCount && child) {
        killAtCount = null;
        child.process.kill('SIGKILL');
      }
    });
    const kills: { kill: Kill; signal: NodeJS.Signals | null; deliveredAtKill: number }[] = [];
    try {
      for (const kill of killPlan(SEED)) {
        child = spawnBot(fan.env);
        fan.world.setBotEndpoint(`${await child.ready}/api/messages`);
        let timer: NodeJS.Timeout | null = null;
        if (kill.at === 'message') killAtCount = fan.delivered() + kill.after;
        else timer = setTimeout(() => child?.process.kill('SIGKILL'), kill.ms);
        const exit = await Promise.race([child.exited, sleep(120_000).then(() => null)]);
        if (timer) clearTimeout(timer);
        killAtCount = null;
        if (!exit) throw new Error(`the kill point ${JSON.stringify(kill)} was never reached (delivered ${fan.delivered()}):\n${child.output().slice(-3000)}`);
        kills.push({ kill, signal: exit.signal, deliveredAtKill: fan.delivered() });
      }
      // The last run finishes the fan-out.
      child = spawnBot(fan.env);
      fan.world.setBotEndpoint(`${await child.ready}/api/messages`);
      const last = child;
      await waitUntil(
        async () => (await fan.store.nudges.outbox.deliveryCounts({ campaignId: fan.campaignId })).sent >= PEOPLE,
        240_000,
        () => `the fan-out did not finish (${fan.delivered()} delivered):\n${last.output().slice(-3000)}`,
        500,
      );
      // Long enough for any late duplicate to show (an in-doubt send settles after the grace).
      await sleep(GRACE_MS * 3 + 1_000);
      await fan.world.settled();
      const stopped = await child.kill('SIGTERM');
      expect(stopped.code).toBe(0);
      child = null;
    } finally {
      if (child) await child.kill('SIGKILL');
    }

    expect(kills).toHaveLength(KILLS);
    for (const k of kills) expect(k.signal).toBe('SIGKILL');
    // The kills landed during the fan-out, not before or after it.
    expect(kills.filter((k) => k.deliveredAtKill > 0 && k.deliveredAtKill < PEOPLE).length).toBeGreaterThanOrEqual(KILLS - 2);
    expect(notExactlyOnce(fan.perPerson()), 'people who got a reminder other than exactly once').toEqual([]);
    expect(fan.world.channel.counters().duplicates).toBe(0);
    const counts = await fan.store.nudges.outbox.deliveryCounts({ campaignId: fan.campaignId });
    expect(counts).toMatchObject({ sent: PEOPLE, planned: 0, sending: 0, failed: 0, possibleDuplicates: 0 });
    // Sends that landed while the bot died were found by reading the chat back, not sent again.
    const { rows } = await fan.store.driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM nudge_outbox WHERE campaign_id = $1 AND resolution = 'read_back_found'`, [fan.campaignId]);
    expect(rows[0]!.n).toBeGreaterThanOrEqual(KILLS / 4);
    console.info(`kills at reminders delivered: ${kills.map((k) => k.deliveredAtKill).join(', ')}; found by read-back after a kill: ${rows[0]!.n}`);
  });
});
