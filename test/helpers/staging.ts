import { expect } from 'vitest';
import type { RecordedActivity } from '../../services/sim/channel/index.js';
import type { SimUser } from '../../services/sim/tenant/model.js';
import { replyText, type TestWorld } from './world.js';

/** Helpers for staging end-to-end tests (policy moves, approvals) over the channel emulator. */

export async function say(w: TestWorld, who: string, text: string): Promise<{ text: string; replies: RecordedActivity[] }> {
  const r = await w.world.channel.sendMessage(await w.user(who), text);
  expect(r.status).toBe(200);
  return { text: r.replies.map((a) => replyText(a)).join('\n'), replies: r.replies };
}

export async function waitForSyncs(w: TestWorld): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await w.bot.store.syncRuns.running()).length === 0 && (await w.bot.store.syncRuns.latest({ status: 'done' }))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sync did not finish');
}

/** A security group in the simulated tenant made of enabled members with the given personas. */
const taken = new WeakMap<TestWorld, Set<string>>();

export function makeGroup(w: TestWorld, name: string, personas: string[], count: number, extra: string[] = []): { id: string; members: SimUser[] } {
  const used = taken.get(w) ?? new Set<string>();
  taken.set(w, used);
  const picked = w.tenant.users.filter((u) => u.accountEnabled && u.userType === 'Member' && personas.includes(u.truth.persona) && !u.id.startsWith('de300000') && !used.has(u.id)).slice(0, count);
  for (const u of picked) used.add(u.id);
  const ids = [...picked.map((u) => u.id), ...extra];
  const g = w.world.sim.state.createGroup(
    { displayName: name, mailNickname: name.toLowerCase().replace(/[^a-z0-9]/g, ''), mailEnabled: false, securityEnabled: true, 'members@odata.bind': ids.map((id) => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`) },
    w.clock.now(),
  );
  return { id: g.id, members: ids.map((id) => w.world.sim.state.requireUser(id)) };
}

export function policyNow(w: TestWorld, id: string) {
  return w.world.sim.state.requirePolicy(id).cur;
}

/** The last card message the bot sent into someone's 1:1 chat whose text matches. */
export function lastCard(w: TestWorld, aadObjectId: string, match: RegExp): RecordedActivity {
  const found = w.world.channel
    .messagesFor(aadObjectId, { from: 'bot' })
    .filter((m) => (m.activity.attachments ?? []).length > 0 && match.test(replyText(m)))
    .at(-1);
  if (!found) throw new Error(`no card matching ${match} in ${aadObjectId}'s chat`);
  return found;
}

/** Moves the clock to the next weekday at `hourUtc` (sign-ins happen in working hours on weekdays). */
export function nextWeekdayAt(w: TestWorld, hourUtc: number, minDays = 1): void {
  const d = new Date(w.clock.now().getTime() + minDays * 24 * 3600_000);
  d.setUTCHours(hourUtc, 0, 0, 0);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setTime(d.getTime() + 24 * 3600_000);
  w.clock.set(d);
}

export async function auditActions(w: TestWorld, cohortId?: string): Promise<string[]> {
  return (await w.bot.store.audit.recent({ cohortId: cohortId ?? null, limit: 500 })).map((e) => e.action).reverse();
}
