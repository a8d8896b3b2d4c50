import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceIsAble } from '../../services/insight/readiness.js';
import { lookupAaguid } from '../../services/passkeys/aaguids.js';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import type { GraphFido2Method, SimUser } from '../../services/sim/tenant/model.js';
import { replyText, startTestWorld, type TestWorld } from '../helpers/world.js';

/** Readiness and the wave plan, checked against the generated tenant's ground truth. */
let w: TestWorld;
beforeAll(async () => {
  w = await startTestWorld({ users: 400, seed: 17 });
});
afterAll(async () => {
  await w?.close();
});

async function say(who: string, text: string) {
  const r = await w.world.channel.sendMessage(await w.user(who), text);
  return r;
}

async function settleSync() {
  for (let i = 0; i < 300; i++) {
    if ((await w.bot.store.syncRuns.running()).length === 0 && (await w.bot.store.syncRuns.latest({ status: 'done' }))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Independent oracle for tenant-wide readiness (workforce, or tier0 for admins). */
function oracle(u: SimUser, admin: boolean): string {
  const passkeys = u.authenticationMethods.filter((m): m is GraphFido2Method => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod');
  const whfb = !admin && u.authenticationMethods.some((m) => m['@odata.type'] === '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod');
  // Outside cohorts only admins' passkeys are read in detail (attestation); for everyone else the report
  // settles it, so the lockout check is not part of tenant-wide readiness (see services/insight/readiness.ts).
  const qualifying = passkeys.filter((p) => (admin ? p.passkeyType === 'deviceBound' && p.attestationLevel === 'attested' : true));
  const compliant = whfb || qualifying.length > 0;
  void lookupAaguid;
  if (compliant) return 'ready';
  const verdicts = u.devices.map((d) => deviceIsAble(d)).filter((v): v is boolean => v !== null);
  if (verdicts.length > 0 && verdicts.every((v) => !v)) return 'device_update';
  return 'must_register';
}

describe('readiness', () => {
  it('asks for a sync first when nothing is known', async () => {
    expect(replyText((await say('admin', 'readiness')).replies[0]!)).toMatch(/run `sync` once/);
  });

  it('sorts the tenant as the ground truth says', async () => {
    await say('admin', 'campaign create Passkeys 2027');
    await say('admin', 'sync');
    await settleSync();
    const r = await say('admin', 'readiness');
    const text = replyText(r.replies[0]!);
    const admins = new Set((await w.bot.store.directoryUsers.listReported(0, 10_000)).filter((u) => u.isAdmin).map((u) => u.userId));
    const counts: Record<string, number> = { ready: 0, must_register: 0, device_update: 0 };
    for (const u of w.tenant.users.filter((x) => x.accountEnabled)) counts[oracle(u, admins.has(u.id))]!++;
    expect(text).toContain(`ready (has a suitable passkey)\n${counts.ready}`);
    expect(text).toContain(`must register (device able)\n${counts.must_register}`);
    if (counts.device_update! > 0) expect(text).toContain(`needs a device update first\n${counts.device_update}`);
    expect(text).toMatch(/Proposed waves/);
    expect(text).toMatch(/Pilot: Passkey Pilot/);
  });

  it('creates the proposed waves as planned cohorts from the card; a second press creates nothing more', async () => {
    const admin = await w.user('admin');
    const card = (await w.world.channel.sendMessage(admin, 'readiness')).replies[0]!;
    const first = await w.world.channel.pressCardButton(admin, card, { verb: 'readiness.accept', data: { campaign: 'Passkeys 2027' } });
    expect(JSON.stringify(first.body)).toMatch(/Created cohort \\"Passkey Pilot\\"/);
    const cohorts = await w.bot.store.cohorts.list();
    expect(cohorts.length).toBeGreaterThan(1);
    expect(cohorts.every((c) => c.stage === 'planned')).toBe(true);
    const replay = await w.world.channel.sendInvoke(admin, { action: { type: 'Action.Execute', verb: 'readiness.accept', data: { campaign: 'Passkeys 2027', waves: [{ groupId: w.tenant.groups.find((g) => g.displayName === GROUP_NAMES.pilot)!.id, tier: 'workforce' }] } }, trigger: 'manual' }, { replyToId: card.id });
    expect(JSON.stringify(replay.body)).toMatch(/already a cohort/);
    expect((await w.bot.store.cohorts.list()).length).toBe(cohorts.length);
  });

  it('readiness of a campaign and of a group', async () => {
    // The new cohorts are read by a sync started (or queued) when they were added.
    for (let i = 0; i < 300 && (await w.bot.store.cohorts.list()).some((c) => c.membersSyncedAt === null); i++) await new Promise((r) => setTimeout(r, 100));
    await settleSync();
    expect(replyText((await say('admin', 'readiness Passkeys 2027')).replies[0]!)).toMatch(/By cohort/);
    expect(replyText((await say('admin', `readiness ${GROUP_NAMES.engineering}`)).replies[0]!)).toMatch(/Readiness — group Engineering/);
    expect(replyText((await say('admin', 'readiness Nothing Like This')).replies[0]!)).toMatch(/no campaign or group called/);
    expect(replyText((await say('user', 'readiness')).replies[0]!)).toMatch(/is for admins/);
  });
});
