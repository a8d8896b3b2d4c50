import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_NAMES } from '../../services/sim/tenant/generate.js';
import { STATE_LABELS } from '../../services/status/status-service.js';
import { cardProblems } from '../helpers/cards.js';
import { makeGroup, nextWeekdayAt, say, waitForSyncs } from '../helpers/staging.js';
import { startTestWorld, type TestWorld } from '../helpers/world.js';

/** Status charts, the adoption trend and the report-only impact, checked against the tenant's truth. */
let w: TestWorld;
beforeAll(async () => {
  w = await startTestWorld({ users: 200, seed: 29 });
  for (const who of ['admin', 'admin2']) await w.user(who);
});
afterAll(async () => {
  await w?.close();
});

type Card = { body: Record<string, unknown>[] };
function statusCard(replies: { activity: unknown }[]): Card {
  const a = replies.find((r) => JSON.stringify(r.activity).includes('Status — '))!;
  return (a.activity as { attachments: { content: Card }[] }).attachments[0]!.content;
}
const element = (card: Card, type: string) => card.body.find((e) => e.type === type) as Record<string, unknown> | undefined;

describe('status with charts', () => {
  it('draws compliance as a donut and passkey kinds per cohort as stacked bars, each with a text fallback, numbers from the database', async () => {
    await say(w, 'admin', 'campaign create Charts');
    await say(w, 'admin', `cohort add ${GROUP_NAMES.allStaff} to Charts as workforce`);
    await waitForSyncs(w);
    const r = await say(w, 'admin', 'status All Staff');
    const card = statusCard(r.replies);
    expect(cardProblems(card)).toEqual([]);
    const cohort = (await w.bot.store.cohorts.findByName('All Staff'))!;
    const counts = await w.bot.store.members.countsByState([cohort.id]);
    const donut = element(card, 'Chart.Donut')!;
    const data = donut.data as { legend: string; value: number }[];
    for (const c of counts) expect(data).toContainEqual(expect.objectContaining({ legend: STATE_LABELS[c.state], value: c.count }));
    expect((donut.fallback as { text: string }).text).toContain(`${STATE_LABELS.compliant}: ${counts.find((c) => c.state === 'compliant')!.count}`);
    const bars = element(card, 'Chart.HorizontalBar.Stacked')!;
    const barTotal = (bars.data as { data: { value: number }[] }[])[0]!.data.reduce((a, s) => a + s.value, 0);
    expect(barTotal).toBe(counts.reduce((a, c) => a + c.count, 0));
    expect(element(card, 'Chart.Line')).toBeUndefined(); // one day of data: no trend yet
  });

  it('draws the adoption trend from daily snapshots once there are two days', async () => {
    await w.bot.runJob('snapshots.daily');
    w.clock.advance(24 * 3600_000);
    const users = w.tenant.users.filter((u) => u.accountEnabled && u.truth.persona === 'no-passkey').slice(0, 20);
    for (const u of users) w.world.sim.registerPasskey(u.id, { aaGuid: '90a3ccdf-635c-4729-a248-9b709135078f', passkeyType: 'deviceBound', attestationLevel: 'attested', displayName: 'Authenticator' });
    await say(w, 'admin', 'sync');
    await waitForSyncs(w);
    await w.bot.runJob('snapshots.daily');
    const card = statusCard((await say(w, 'admin', 'status All Staff')).replies);
    const line = element(card, 'Chart.Line')!;
    const values = (line.data as { values: { x: string; y: number }[] }[])[0]!.values;
    expect(values).toHaveLength(2);
    expect(values[1]!.y).toBeGreaterThan(values[0]!.y);
    const snaps = await w.bot.store.snapshots.recent([(await w.bot.store.cohorts.findByName('All Staff'))!.id], 30);
    expect(values.map((v) => v.y)).toEqual(snaps.map((s) => Math.round((s.compliant / s.counted) * 1000) / 10));
    expect(cardProblems(card)).toEqual([]);
  });
});

describe('report-only impact', () => {
  it('summarises would-be failures and interruptions by person and app, matching the sign-in logs', async () => {
    // People without a passkey (the ones who would be blocked) and people with one (who would pass).
    const withoutPasskey = w.tenant.users.filter((u) => u.accountEnabled && u.truth.persona === 'no-passkey').slice(-6).map((u) => u.id);
    const group = makeGroup(w, 'Impact Wave', ['security-key', 'authenticator-passkey'], 6, withoutPasskey);
    await say(w, 'admin', `breakglass add ${GROUP_NAMES.breakGlass} to Charts`);
    await say(w, 'admin', 'cohort add Impact Wave to Charts as workforce');
    await waitForSyncs(w);
    await say(w, 'admin', 'advance Impact Wave');
    expect((await say(w, 'admin', 'advance Impact Wave because the impact test needs report-only')).text).toMatch(/now report-only/);
    nextWeekdayAt(w, 17, 2);
    await w.bot.runJob('impact.refresh');
    const text = (await say(w, 'admin', 'status Impact Wave')).text;
    const campaign = (await w.bot.store.campaigns.findByName('Charts'))!;
    const cohort = (await w.bot.store.cohorts.findByName('Impact Wave'))!;
    // Ground truth: the simulated tenant's own sign-in log for that policy and those people.
    const members = new Set(group.members.map((m) => m.id));
    const since = cohort.stageChangedAt.getTime();
    type SignIn = { userId: string; createdDateTime: string; appliedConditionalAccessPolicies: { id: string; result: string }[] };
    const all: SignIn[] = [];
    let path: string | null = `/v1.0/auditLogs/signIns?$top=1000&$filter=${encodeURIComponent(`createdDateTime ge ${cohort.stageChangedAt.toISOString().slice(0, 19)}Z`)}`;
    while (path) {
      const res = await w.world.sim.request('GET', path, { headers: { authorization: `Bearer ${w.world.staticToken}`, prefer: 'include-unknown-enum-members' } });
      const body = res.body as { value: SignIn[]; '@odata.nextLink'?: string };
      all.push(...body.value);
      path = body['@odata.nextLink'] ? body['@odata.nextLink'].replace(/^https:\/\/[^/]+/, '') : null;
    }
    let failures = 0;
    let signIns = 0;
    for (const s of all) {
      if (!members.has(s.userId) || Date.parse(s.createdDateTime) < since) continue;
      const p = s.appliedConditionalAccessPolicies.find((x) => x.id === campaign.reportOnlyPolicyId);
      if (!p) continue;
      signIns++;
      if (p.result === 'reportOnlyFailure') failures++;
    }
    expect(signIns).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(0);
    expect(text).toContain(`${signIns} sign-ins; ${failures} would have been blocked`);
  });
});
