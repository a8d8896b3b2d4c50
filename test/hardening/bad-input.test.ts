import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, USAGE } from '../../services/commands/parse-command.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/**
 * Thousands of generated commands and activities: nothing crashes, nothing is left unhandled, every
 * reply is a clear message, oversized input is refused cleanly (issue 9.6).
 */
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
let w: TestWorld;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  w = await startTestWorld({ users: 80, seed: 31 });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await w?.close();
});

const words = Object.values(USAGE).flatMap((u) => u.split(/[\s[\]<>|]+/)).filter((x) => /^[a-z-]+$/.test(x));
const commandish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.array(fc.constantFrom(...words, 'to', 'as', 'because', 'for', 'now', '"', '%', '2026-13-40', '<at>Bot</at>', '&nbsp;', '\u200b', '-1', '999999999999'), { maxLength: 12 }).map((ws) => ws.join(' ')),
);

describe('the parser', () => {
  it('never throws and always says something specific', () => {
    fc.assert(
      fc.property(commandish, (text) => {
        const r = parseCommand(text);
        if (!r.ok) {
          expect(r.error.message.length).toBeGreaterThan(5);
          expect(r.error.message.length).toBeLessThan(600);
        }
      }),
      { numRuns: 5_000, seed: 42 },
    );
  });
});

describe('the bot over HTTP', () => {
  it('answers generated commands from every role with a clear message and never an internal error', async () => {
    const people = [await w.user('user'), await w.user('helpdesk'), await w.user('admin')];
    const errorsBefore = w.turnErrors.length;
    await fc.assert(
      fc.asyncProperty(commandish, fc.integer({ min: 0, max: 2 }), async (text, who) => {
        const r = await w.world.channel.sendMessage(people[who]!, text);
        expect(r.status).toBe(200);
        for (const reply of r.replies) {
          const t = replyText(reply);
          expect(t.length).toBeGreaterThan(0);
          expect(t).not.toMatch(/Something went wrong on my side/);
          expect(t).not.toMatch(/at [\w.]+ \(.*:\d+:\d+\)/); // no stack trace
        }
      }),
      { numRuns: 1_500, seed: 7 },
    );
    expect(w.turnErrors.length).toBe(errorsBefore);
  });

  it('refuses generated malformed activities with 400 and no turn error', async () => {
    const errorsBefore = w.turnErrors.length;
    const base = { type: 'message', text: 'help', serviceUrl: w.world.channel.serviceUrl, channelId: 'msteams', conversation: { id: 'a:x' }, from: { id: '29:x' } };
    const broken = fc.record(
      {
        type: fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(''), fc.string({ maxLength: 100 })),
        serviceUrl: fc.oneof(fc.constant(undefined), fc.constant('not a url'), fc.integer()),
        conversation: fc.oneof(fc.constant(undefined), fc.constant(null), fc.record({ id: fc.oneof(fc.integer(), fc.constant('')) })),
        from: fc.oneof(fc.constant(undefined), fc.constant('x'), fc.record({ id: fc.constant(7) })),
        text: fc.oneof(fc.integer(), fc.object()),
      },
      { requiredKeys: [] },
    ).filter((o) => Object.keys(o).length > 0);
    await fc.assert(
      fc.asyncProperty(broken, async (overrides) => {
        const body = { ...base, ...overrides };
        const r = await w.world.channel.sendRawActivity(body);
        expect([200, 400]).toContain(r.status);
      }),
      { numRuns: 1_000, seed: 11 },
    );
    expect(w.turnErrors.length).toBe(errorsBefore);
  });

  it('refuses an oversized message text with a clear answer, and an oversized body with 413', async () => {
    const r = await w.world.channel.sendMessage(await w.user('admin'), `campaign create ${'x'.repeat(5_000)}`);
    expect(replyText(r.replies[0]!)).toMatch(/too long for a command/);
    const res = await fetch(`${w.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'x'.repeat(600_000) }) });
    expect(res.status).toBe(413);
  });

  it('answers generated card invokes (unknown verbs, junk data) without a second effect or an error', async () => {
    const admin = await w.user('admin');
    const campaignsBefore = (await w.bot.store.campaigns.list()).length;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant('campaign.create'), fc.constant('readiness.accept'), fc.constant('export.page'), fc.string({ maxLength: 40 })), fc.anything({ maxDepth: 3 }), async (verb, data) => {
        const r = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' });
        expect(r.status).toBe(200);
      }),
      { numRuns: 500, seed: 13 },
    );
    // junk data never created a campaign with a junk name
    const after = await w.bot.store.campaigns.list();
    expect(after.every((c) => c.name.trim().length > 0 && c.name.length <= 80)).toBe(true);
    expect(after.length - campaignsBefore).toBeLessThan(200);
  });

  it('left no unhandled promise rejection behind', () => {
    expect(unhandled).toEqual([]);
  });
});
