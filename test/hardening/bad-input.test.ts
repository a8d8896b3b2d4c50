import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCardActions } from '../../bot/commands/index.js';
import { COHORT_STAGES } from '../../services/ports/campaign-store.js';
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

  it('answers generated Action.Execute invokes for every real verb, from every role, with junk and near-valid data', async () => {
    const people = [await w.user('user'), await w.user('helpdesk'), await w.user('admin')];
    const verbs = buildCardActions({} as never).map((s) => s.verb);
    expect(verbs.length).toBeGreaterThan(10);
    const errorsBefore = w.turnErrors.length;
    const answered = new Map<string, number>();
    const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null));
    // Data shaped like the real cards' (every field any verb reads), with wrong types mixed in.
    const nearValid = fc.record(
      {
        cohortId: id,
        approvalId: id,
        alertId: id,
        from: fc.oneof(fc.constantFrom(...COHORT_STAGES), fc.string({ maxLength: 20 })),
        reason: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()),
        key: fc.oneof(fc.string({ maxLength: 500 }), fc.constant('')),
        until: fc.oneof(fc.constantFrom('tomorrow', 'week'), fc.string({ maxLength: 10 })),
        page: fc.oneof(fc.integer({ min: -5, max: 200_000 }), fc.string({ maxLength: 8 }), fc.double()),
        name: fc.oneof(fc.string({ maxLength: 250 }), fc.constant('')),
        deadline: fc.oneof(fc.constant('2027-06-30'), fc.string({ maxLength: 25 })),
        strength: fc.oneof(fc.constantFrom('phishing-resistant', 'passkeys-only'), fc.string({ maxLength: 20 })),
        threshold: fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.string({ maxLength: 12 }), fc.double()),
        campaign: fc.string({ maxLength: 210 }),
        waves: fc.array(fc.record({ groupId: id, tier: fc.oneof(fc.constantFrom('tier0', 'tier1', 'workforce'), fc.string({ maxLength: 8 })) }), { maxLength: 4 }),
        role: fc.constantFrom('admin', 'helpdesk'),
        approver: fc.uuid(),
      },
      { requiredKeys: [] },
    );
    // The invoke value: a proper Action.Execute most of the time, odd shapes otherwise.
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.record({ verb: fc.constantFrom(...verbs), data: fc.oneof(nearValid, fc.anything({ maxDepth: 3 })), trigger: fc.constantFrom('manual', 'automatic') }).map(({ verb, data, trigger }) => ({ action: { type: 'Action.Execute', verb, data }, trigger })) },
      { weight: 1, arbitrary: fc.record({ action: fc.record({ type: fc.oneof(fc.constantFrom('Action.Submit', 'Action.Execute', ''), fc.string({ maxLength: 20 })), verb: fc.oneof(fc.constantFrom(...verbs), fc.anything({ maxDepth: 1 })), data: fc.anything({ maxDepth: 2 }) }, { requiredKeys: [] }), trigger: fc.anything({ maxDepth: 0 }) }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
    );
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 0, max: 2 }), async (v, who) => {
        const r = await w.world.channel.sendInvoke(people[who]!, v);
        // 501 is Bot Framework's answer to an invoke nothing handles (not an Action.Execute, no verb).
        expect(r.status === 501 || r.status < 500, String(r.status)).toBe(true);
        const body = JSON.stringify(r.body ?? '');
        expect(body).not.toMatch(/Something went wrong on my side|at [\w.]+ \(.*:\d+:\d+\)/);
        const a = (v as { action?: { type?: unknown; verb?: unknown } } | null)?.action;
        if (r.status === 200 && a?.type === 'Action.Execute' && typeof a.verb === 'string' && verbs.includes(a.verb)) {
          // A real verb always answers with a card or a one-line message.
          expect(body).toMatch(/AdaptiveCard|"value":"[^"]{10,}/);
          answered.set(a.verb, (answered.get(a.verb) ?? 0) + 1);
        }
      }),
      { numRuns: 1_500, seed: 17 },
    );
    // Every real verb was reached many times (the generator is not stuck on junk).
    expect([...answered.keys()].sort()).toEqual([...verbs].sort());
    expect(Math.min(...answered.values())).toBeGreaterThan(40);
    expect(w.turnErrors.length).toBe(errorsBefore);
  });

  it('answers generated messageBack submits (a message carrying card values, with or without text)', async () => {
    const people = [await w.user('user'), await w.user('helpdesk'), await w.user('admin')];
    const errorsBefore = w.turnErrors.length;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(''), commandish), fc.anything({ maxDepth: 3 }), fc.integer({ min: 0, max: 2 }), async (text, value, who) => {
        const r = await w.world.channel.sendMessage(people[who]!, text, { valueOverrides: { value, ...(text === '' ? { text: undefined, attachments: undefined } : {}) } as never });
        expect(r.status).toBe(200);
        for (const reply of r.replies) expect(replyText(reply)).not.toMatch(/Something went wrong on my side/);
      }),
      { numRuns: 600, seed: 19 },
    );
    expect(w.turnErrors.length).toBe(errorsBefore);
  });

  it('takes generated conversationUpdate, installationUpdate, other activity types and invoke names without an error', async () => {
    const people = [await w.user('user'), await w.user('helpdesk'), await w.user('admin')];
    const errorsBefore = w.turnErrors.length;
    const member = fc.oneof(
      fc.record({ id: fc.oneof(fc.constant(`28:${'b'.repeat(8)}`), fc.string({ maxLength: 40 })), aadObjectId: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })), name: fc.string({ maxLength: 20 }) }, { requiredKeys: ['id'] }),
      fc.anything({ maxDepth: 1 }),
    );
    const variant = fc.record(
      {
        type: fc.constantFrom('conversationUpdate', 'installationUpdate', 'messageReaction', 'messageUpdate', 'messageDelete', 'typing', 'event', 'endOfConversation', 'invoke', 'trace', 'handoff'),
        name: fc.oneof(fc.constantFrom('adaptiveCard/action', 'fileConsent/invoke', 'composeExtension/query', 'task/fetch', 'task/submit', 'signin/verifyState', 'actionableMessage/executeAction', 'config/fetch'), fc.string({ minLength: 1, maxLength: 40 })),
        action: fc.oneof(fc.constantFrom('add', 'remove', 'add-upgrade', 'remove-upgrade'), fc.string({ maxLength: 12 })),
        membersAdded: fc.array(member, { maxLength: 3 }),
        membersRemoved: fc.array(member, { maxLength: 3 }),
        reactionsAdded: fc.array(fc.record({ type: fc.string({ maxLength: 10 }) }), { maxLength: 2 }),
        value: fc.anything({ maxDepth: 2 }),
        channelData: fc.oneof(
          fc.record({ tenant: fc.record({ id: fc.oneof(fc.uuid(), fc.constant(w.tenant.tenant.id)) }), eventType: fc.constantFrom('teamMemberAdded', 'teamRenamed', 'channelCreated', 'teamDeleted') }, { requiredKeys: [] }),
          fc.anything({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: ['type'] },
    );
    await fc.assert(
      fc.asyncProperty(variant, fc.integer({ min: 0, max: 2 }), async (overrides, who) => {
        const r = await w.world.channel.sendMessage(people[who]!, 'help', { valueOverrides: { ...overrides, text: undefined } as never });
        expect(r.status === 501 || r.status < 500, String(r.status)).toBe(true);
      }),
      { numRuns: 1_200, seed: 23 },
    );
    expect(w.turnErrors.slice(errorsBefore).map((e) => String((e as Error)?.stack ?? e).slice(0, 600))).toEqual([]);
  });

  it('refuses an oversized card invoke with 413 and junk oversized card data with a clear answer', async () => {
    const admin = await w.user('admin');
    const big = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'campaign.create', data: { name: 'x'.repeat(400_000) } }, trigger: 'manual' });
    expect(big.status).toBe(413);
    const long = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'campaign.create', data: { name: 'y'.repeat(100_000) } }, trigger: 'manual' });
    expect(long.status).toBe(200);
    expect(JSON.stringify(long.body)).toMatch(/That card sent something I cannot use/);
    expect(await w.bot.store.campaigns.findByName('y'.repeat(100_000))).toBeNull();
  });

  it('left no unhandled promise rejection behind', () => {
    expect(unhandled).toEqual([]);
  });
});
