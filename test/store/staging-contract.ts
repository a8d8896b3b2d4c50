/**
 * Staging repositories (approvals, exemptions, snapshots, drift alerts, guard state): the same
 * behaviours on both databases (called from describeStoreContract).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Approval, DriftAlert, Exemption } from '../../services/ports/staging-store.js';
import type { Store } from '../../services/ports/store.js';
import { campaignFixture, cohortFixture } from './campaign-contract.js';

const T0 = new Date(Date.UTC(2026, 3, 6, 9, 0, 0));
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3600_000;

async function campaignAndCohort(store: Store) {
  const campaign = campaignFixture();
  await store.campaigns.create(campaign);
  const cohort = cohortFixture(campaign.id, { stage: 'report-only' });
  await store.cohorts.create(cohort);
  return { campaign, cohort };
}

function approvalFixture(campaignId: string, cohortId: string, over: Partial<Approval> = {}): Approval {
  return {
    id: randomUUID(),
    cohortId,
    campaignId,
    fromStage: 'report-only',
    toStage: 'enforced',
    requestedBy: 'admin-1',
    requestedAt: T0,
    expiresAt: at(24 * HOUR),
    reason: null,
    fingerprint: 'f1',
    gateInputs: { readyPct: 96.5 },
    gateResults: [{ id: 'compliance', status: 'pass' }],
    plan: { writes: 2 },
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    executedAt: null,
    cards: [],
    ...over,
  };
}

export function describeStagingRepositories(store: () => Store): void {
  describe('approvals', () => {
    it('keeps one pending request per cohort; round-trips every field', async () => {
      const { campaign, cohort } = await campaignAndCohort(store());
      const a = approvalFixture(campaign.id, cohort.id, { reason: 'board said so', cards: [{ conversationId: 'a:1', serviceUrl: 'https://x/', activityId: '1:2', aadObjectId: 'u' }] });
      expect(await store().approvals.create(a)).toBe('ok');
      expect(await store().approvals.create(approvalFixture(campaign.id, cohort.id))).toBe('pending_exists');
      expect(await store().approvals.get(a.id)).toEqual(a);
      expect((await store().approvals.pendingFor(cohort.id))?.id).toBe(a.id);
      expect((await store().approvals.listPending()).map((x) => x.id)).toContain(a.id);
    });

    it('the first decision wins; a replayed decision changes nothing', async () => {
      const { campaign, cohort } = await campaignAndCohort(store());
      const a = approvalFixture(campaign.id, cohort.id);
      await store().approvals.create(a);
      const [one, two] = await Promise.all([
        store().approvals.decide(a.id, 'pending', 'approved', 'admin-2', at(HOUR), null),
        store().approvals.decide(a.id, 'pending', 'rejected', 'admin-3', at(HOUR), 'no'),
      ]);
      expect([one, two].filter(Boolean)).toHaveLength(1);
      const after = (await store().approvals.get(a.id))!;
      expect(['approved', 'rejected']).toContain(after.status);
      expect(await store().approvals.decide(a.id, 'pending', 'approved', 'admin-2', at(2 * HOUR), null)).toBe(false);
      expect(await store().approvals.pendingFor(cohort.id)).toBeNull();
      // a new request may be made once the first is decided
      expect(await store().approvals.create(approvalFixture(campaign.id, cohort.id))).toBe('ok');
    });

    it('tracks an approved move until it is executed; lists due requests; appends cards', async () => {
      const { campaign, cohort } = await campaignAndCohort(store());
      const a = approvalFixture(campaign.id, cohort.id, { expiresAt: at(HOUR) });
      await store().approvals.create(a);
      expect((await store().approvals.duePending(at(HOUR - 1))).map((x) => x.id)).not.toContain(a.id);
      expect((await store().approvals.duePending(at(HOUR))).map((x) => x.id)).toContain(a.id);
      await store().approvals.addCards(a.id, [{ conversationId: 'a:1', serviceUrl: 's', activityId: '1' }]);
      await store().approvals.addCards(a.id, [{ conversationId: 'a:2', serviceUrl: 's', activityId: '2' }]);
      expect((await store().approvals.get(a.id))!.cards.map((c) => c.activityId)).toEqual(['1', '2']);
      await store().approvals.decide(a.id, 'pending', 'approved', 'admin-2', at(10), null);
      expect((await store().approvals.approvedNotExecuted(cohort.id))?.id).toBe(a.id);
      await store().approvals.markExecuted(a.id, at(20));
      await store().approvals.markExecuted(a.id, at(30));
      expect(await store().approvals.approvedNotExecuted(cohort.id)).toBeNull();
      expect((await store().approvals.get(a.id))!.executedAt).toEqual(at(20));
    });

    it('goes away with its cohort', async () => {
      const { campaign, cohort } = await campaignAndCohort(store());
      const a = approvalFixture(campaign.id, cohort.id);
      await store().approvals.create(a);
      await store().cohorts.remove(cohort.id);
      expect(await store().approvals.get(a.id)).toBeNull();
    });
  });

  describe('exemptions', () => {
    const fixture = (campaignId: string, over: Partial<Exemption> = {}): Exemption => ({
      id: randomUUID(),
      campaignId,
      userId: `user-${randomUUID().slice(0, 8)}`,
      until: at(14 * 24 * HOUR),
      reason: 'travelling, no phone',
      grantedBy: 'helpdesk-1',
      grantedAt: T0,
      removedAt: null,
      removedBy: null,
      removalReason: null,
      ...over,
    });

    it('grants, extends the active one instead of adding a second, lists and ends', async () => {
      const { campaign } = await campaignAndCohort(store());
      const e = fixture(campaign.id);
      const first = await store().exemptions.grant(e);
      expect(first).toMatchObject({ extended: false, previousUntil: null });
      const again = await store().exemptions.grant({ ...e, id: randomUUID(), until: at(30 * 24 * HOUR), reason: 'still travelling', grantedBy: 'admin-1' });
      expect(again).toMatchObject({ extended: true, previousUntil: e.until });
      expect(again.exemption.id).toBe(e.id);
      const active = (await store().exemptions.active(campaign.id, e.userId))!;
      expect(active).toMatchObject({ until: at(30 * 24 * HOUR), reason: 'still travelling', grantedBy: 'admin-1' });
      expect((await store().exemptions.listActive(campaign.id)).map((x) => x.id)).toEqual([e.id]);
      expect(await store().exemptions.end(e.id, at(HOUR), 'system:expiry', 'expired')).toBe(true);
      expect(await store().exemptions.end(e.id, at(2 * HOUR), 'system:expiry', 'expired')).toBe(false);
      expect(await store().exemptions.active(campaign.id, e.userId)).toBeNull();
      // once ended, a new one may start
      const next = await store().exemptions.grant(fixture(campaign.id, { userId: e.userId }));
      expect(next.extended).toBe(false);
    });

    it('lists the ones due, soonest first', async () => {
      const { campaign } = await campaignAndCohort(store());
      const a = fixture(campaign.id, { until: at(2 * HOUR) });
      const b = fixture(campaign.id, { until: at(HOUR) });
      const c = fixture(campaign.id, { until: at(10 * HOUR) });
      for (const e of [a, b, c]) await store().exemptions.grant(e);
      const due = (await store().exemptions.due(at(2 * HOUR))).filter((x) => x.campaignId === campaign.id);
      expect(due.map((x) => x.id)).toEqual([b.id, a.id]);
    });
  });

  describe('policy snapshots', () => {
    it('keeps one per campaign and kind, replaced on put', async () => {
      const { campaign } = await campaignAndCohort(store());
      await store().policySnapshots.put({ campaignId: campaign.id, kind: 'enforced', objectId: 'p1', snapshot: { state: 'enabled', users: { includeGroups: ['g'] } }, modifiedAt: '2026-04-06T09:00:00Z', takenAt: T0, takenBy: 'admin-1', reason: 'created' });
      await store().policySnapshots.put({ campaignId: campaign.id, kind: 'enforced', objectId: 'p1', snapshot: { state: 'enabled', users: { includeGroups: [] } }, modifiedAt: null, takenAt: at(1), takenBy: 'system:drift', reason: 'acknowledged' });
      await store().policySnapshots.put({ campaignId: campaign.id, kind: 'report-only', objectId: 'p0', snapshot: {}, modifiedAt: null, takenAt: T0, takenBy: 'a', reason: 'created' });
      expect(await store().policySnapshots.get(campaign.id, 'enforced')).toEqual({ campaignId: campaign.id, kind: 'enforced', objectId: 'p1', snapshot: { state: 'enabled', users: { includeGroups: [] } }, modifiedAt: null, takenAt: at(1), takenBy: 'system:drift', reason: 'acknowledged' });
      expect((await store().policySnapshots.list(campaign.id)).map((s) => s.kind)).toEqual(['enforced', 'report-only']);
      expect(await store().policySnapshots.get(campaign.id, 'strength')).toBeNull();
    });
  });

  describe('drift alerts', () => {
    const fixture = (campaignId: string, over: Partial<DriftAlert> = {}): DriftAlert => ({
      id: randomUUID(),
      campaignId,
      kind: 'enforced',
      objectId: 'p1',
      detectedAt: T0,
      signature: 's1',
      changes: [{ field: 'state', before: 'enabled', after: 'disabled', words: 'turned off', serious: true }],
      affects: ['*'],
      status: 'open',
      decidedBy: null,
      decidedAt: null,
      cards: [],
      ...over,
    });

    it('one open alert per campaign and kind; updated in place; closed once', async () => {
      const { campaign } = await campaignAndCohort(store());
      const a = fixture(campaign.id);
      expect(await store().driftAlerts.create(a)).toBe('ok');
      expect(await store().driftAlerts.create(fixture(campaign.id))).toBe('exists');
      expect(await store().driftAlerts.create(fixture(campaign.id, { kind: 'passkey-policy' }))).toBe('ok');
      await store().driftAlerts.updateChanges(a.id, 's2', [{ field: 'x', before: 1, after: 2, words: 'w', serious: false }], ['c1'], at(5));
      await store().driftAlerts.addCards(a.id, [{ conversationId: 'c', serviceUrl: 's', activityId: '9' }]);
      const got = (await store().driftAlerts.get(a.id))!;
      expect(got).toMatchObject({ signature: 's2', affects: ['c1'], detectedAt: at(5), cards: [{ activityId: '9' }] });
      expect((await store().driftAlerts.openFor(campaign.id)).map((x) => x.kind).sort()).toEqual(['enforced', 'passkey-policy']);
      expect(await store().driftAlerts.close(a.id, 'acknowledged', 'admin-1', at(6))).toBe(true);
      expect(await store().driftAlerts.close(a.id, 'reapplied', 'admin-2', at(7))).toBe(false);
      expect((await store().driftAlerts.get(a.id))!).toMatchObject({ status: 'acknowledged', decidedBy: 'admin-1' });
      expect(await store().driftAlerts.create(fixture(campaign.id))).toBe('ok');
    });
  });

  describe('guard state', () => {
    it('keeps the last look per cohort', async () => {
      const { cohort } = await campaignAndCohort(store());
      expect(await store().guardStates.get(cohort.id)).toBeNull();
      const s = { cohortId: cohort.id, checkedAt: T0, windowFrom: at(-HOUR), windowTo: T0, signIns: 40, blocked: 3, blockedUsers: 2, trippedAt: null, details: { sharePct: 7.5 } };
      await store().guardStates.put(s);
      await store().guardStates.put({ ...s, blocked: 9, trippedAt: at(1) });
      expect(await store().guardStates.get(cohort.id)).toEqual({ ...s, blocked: 9, trippedAt: at(1) });
    });
  });
}
