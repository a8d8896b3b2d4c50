/**
 * Campaign, cohort, member, registration and sync-run repositories: the same behaviours on both
 * databases (called from describeStoreContract).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Campaign, Cohort } from '../../services/ports/campaign-store.js';
import type { Store } from '../../services/ports/store.js';

const T0 = new Date(Date.UTC(2026, 2, 2, 9, 0, 0));
const at = (ms: number) => new Date(T0.getTime() + ms);

export function campaignFixture(overrides: Partial<Campaign> = {}): Campaign {
  const id = randomUUID();
  return {
    id,
    name: `Campaign ${id.slice(0, 8)}`,
    strengthKind: 'phishing-resistant',
    strengthId: '00000000-0000-0000-0000-000000000004',
    deadline: '2026-06-30',
    thresholdPct: 95,
    aaguidAllow: [],
    aaguidBlock: [],
    settings: {},
    nudgesPaused: false,
    reportOnlyPolicyId: null,
    enforcedPolicyId: null,
    exemptionsGroupId: null,
    createdBy: 'aaaaaaaa-aaaa-4aaa-8aaa-00000000000a',
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

export function cohortFixture(campaignId: string, overrides: Partial<Cohort> = {}): Cohort {
  const id = randomUUID();
  return {
    id,
    campaignId,
    name: `Cohort ${id.slice(0, 8)}`,
    groupId: randomUUID(),
    groupName: 'Group',
    tier: 'workforce',
    stage: 'planned',
    paused: false,
    stageChangedAt: T0,
    membersSyncedAt: null,
    memberCount: 0,
    createdBy: 'aaaaaaaa-aaaa-4aaa-8aaa-00000000000a',
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...overrides,
  };
}

export function describeCampaignRepositories(store: () => Store): void {
  describe('campaigns', () => {
    it('creates and reads back every field; names are unique case-insensitively', async () => {
      const c = campaignFixture({ aaguidAllow: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'], settings: { cadenceDays: [14, 7], note: 'ünïcødé' }, thresholdPct: 92.5 });
      expect(await store().campaigns.create(c)).toBe('ok');
      expect(await store().campaigns.get(c.id)).toEqual(c);
      expect(await store().campaigns.findByName(c.name.toUpperCase())).toEqual(c);
      expect(await store().campaigns.create(campaignFixture({ name: c.name.toLowerCase() }))).toBe('name_taken');
      expect((await store().campaigns.list()).some((x) => x.id === c.id)).toBe(true);
    });

    it('updates optimistically: a stale version changes nothing', async () => {
      const c = campaignFixture();
      await store().campaigns.create(c);
      expect(await store().campaigns.update({ ...c, nudgesPaused: true, updatedAt: at(1000) }, 1)).toBe(true);
      expect(await store().campaigns.update({ ...c, thresholdPct: 10 }, 1)).toBe(false);
      const got = (await store().campaigns.get(c.id))!;
      expect(got.nudgesPaused).toBe(true);
      expect(got.thresholdPct).toBe(95);
      expect(got.version).toBe(2);
    });

    it('keeps break-glass principals once each, and removes them with the campaign', async () => {
      const c = campaignFixture();
      await store().campaigns.create(c);
      const e = { campaignId: c.id, principalId: randomUUID(), kind: 'user' as const, displayName: 'Break Glass 01', addedBy: 'x', addedAt: T0 };
      expect(await store().campaigns.addBreakGlass(e)).toBe('ok');
      expect(await store().campaigns.addBreakGlass(e)).toBe('exists');
      expect(await store().campaigns.breakGlass(c.id)).toEqual([e]);
      expect(await store().campaigns.remove(c.id)).toBe(true);
      expect(await store().campaigns.breakGlass(c.id)).toEqual([]);
      expect(await store().campaigns.get(c.id)).toBeNull();
    });
  });

  describe('cohorts', () => {
    it('creates, finds by name across campaigns, refuses a taken name or the same group twice in a campaign', async () => {
      const a = campaignFixture();
      const b = campaignFixture();
      await store().campaigns.create(a);
      await store().campaigns.create(b);
      const x = cohortFixture(a.id, { tier: 'tier0' });
      expect(await store().cohorts.create(x)).toBe('ok');
      expect(await store().cohorts.get(x.id)).toEqual(x);
      expect(await store().cohorts.findByName(x.name.toLowerCase())).toEqual(x);
      expect(await store().cohorts.create(cohortFixture(b.id, { name: x.name.toUpperCase() }))).toBe('name_taken');
      expect(await store().cohorts.create(cohortFixture(a.id, { groupId: x.groupId }))).toBe('group_taken');
      expect(await store().cohorts.create(cohortFixture(b.id, { groupId: x.groupId }))).toBe('ok');
      expect((await store().cohorts.list(a.id)).map((c) => c.id)).toEqual([x.id]);
    });

    it('updates stage optimistically; removing the campaign removes its cohorts and members', async () => {
      const a = campaignFixture();
      await store().campaigns.create(a);
      const x = cohortFixture(a.id);
      await store().cohorts.create(x);
      expect(await store().cohorts.update({ ...x, stage: 'nudging', stageChangedAt: at(5) }, 1)).toBe(true);
      expect(await store().cohorts.update({ ...x, stage: 'enforced' }, 1)).toBe(false);
      expect((await store().cohorts.get(x.id))!.stage).toBe('nudging');
      await store().members.replaceMembership(x.id, ['u1', 'u2'], T0);
      await store().campaigns.remove(a.id);
      expect(await store().cohorts.get(x.id)).toBeNull();
      expect(await store().members.activeUserIds(x.id)).toEqual([]);
    });
  });

  describe('members', () => {
    it('replaces membership: joiners, leavers, re-joiners; keeps leavers as history', async () => {
      const a = campaignFixture();
      await store().campaigns.create(a);
      const x = cohortFixture(a.id);
      await store().cohorts.create(x);
      expect(await store().members.replaceMembership(x.id, ['u1', 'u2', 'U3'], T0)).toEqual({ joined: ['u1', 'u2', 'u3'], left: [] });
      expect(await store().members.replaceMembership(x.id, ['u2', 'u3', 'u4'], at(1))).toEqual({ joined: ['u4'], left: ['u1'] });
      expect(await store().members.activeUserIds(x.id)).toEqual(['u2', 'u3', 'u4']);
      const left = (await store().members.get(x.id, 'u1'))!;
      expect(left.active).toBe(false);
      expect(left.leftAt).toEqual(at(1));
      expect(await store().members.replaceMembership(x.id, ['u1', 'u2', 'u3', 'u4'], at(2))).toEqual({ joined: ['u1'], left: [] });
      expect((await store().members.get(x.id, 'u1'))!.leftAt).toBeNull();
    });

    it('saves evaluations in bulk and counts by state and by kind/provider, for active members only', async () => {
      const a = campaignFixture();
      await store().campaigns.create(a);
      const x = cohortFixture(a.id);
      await store().cohorts.create(x);
      const ids = Array.from({ length: 12_000 }, (_, i) => `user-${String(i).padStart(5, '0')}`);
      await store().members.replaceMembership(x.id, ids, T0);
      await store().members.saveEvaluations(
        x.id,
        ids.map((userId, i) => ({
          userId,
          isBreakGlass: false,
          state: i % 3 === 0 ? 'compliant' : 'no_passkey',
          reason: 'r',
          advice: '',
          kind: i % 3 === 0 ? 'synced' : 'none',
          provider: i % 3 === 0 ? 'iCloud Keychain' : null,
          passkeyCount: i % 3 === 0 ? 1 : 0,
          needsDetail: false,
        })),
        at(10),
      );
      await store().members.replaceMembership(x.id, ids.slice(0, 11_000), at(11));
      const byState = await store().members.countsByState([x.id]);
      expect(byState).toEqual([
        { state: 'compliant', count: 3667 },
        { state: 'no_passkey', count: 7333 },
      ]);
      const byKind = await store().members.countsByKindProvider([x.id]);
      expect(byKind).toEqual([
        { kind: 'none', provider: '', count: 7333 },
        { kind: 'synced', provider: 'iCloud Keychain', count: 3667 },
      ]);
      const page = await store().members.list(x.id, { state: 'compliant', offset: 0, limit: 3 });
      expect(page.map((m) => m.userId)).toEqual(['user-00000', 'user-00003', 'user-00006']);
      expect(page[0]!.evaluatedAt).toEqual(at(10));
      expect((await store().members.ofUser('user-00003')).map((m) => m.cohortId)).toEqual([x.id]);
    });
  });

  describe('directory users', () => {
    it('upserts report rows and profiles without losing each other\'s fields, and keeps fido2 detail', async () => {
      const id = randomUUID();
      await store().directoryUsers.upsertProfiles([{ userId: id.toUpperCase(), upn: 'Someone@Contoso.example', displayName: 'Some One', accountEnabled: true, userType: 'Member' }], T0);
      await store().directoryUsers.upsertReportRows(
        [{ userId: id, upn: 'Someone@Contoso.example', displayName: 'Some One', userType: 'member', methodsRegistered: ['passKeySynced', 'futureThing'], passwordlessCapable: true, isAdmin: false, lastUpdated: at(-60_000) }],
        at(1),
      );
      await store().directoryUsers.saveFido2(id, [{ kind: 'synced', provider: '1Password' }], at(-60_000), at(2));
      const got = (await store().directoryUsers.get(id))!;
      expect(got).toMatchObject({
        userId: id,
        upn: 'Someone@Contoso.example',
        accountEnabled: true,
        userType: 'member',
        methodsRegistered: ['passKeySynced', 'futureThing'],
        passwordlessCapable: true,
        reportLastUpdated: at(-60_000),
        reportReadAt: at(1),
        fido2: [{ kind: 'synced', provider: '1Password' }],
        fido2ReadAt: at(2),
        fido2ForReport: at(-60_000),
      });
      expect((await store().directoryUsers.findByUpn('someone@contoso.EXAMPLE'))?.userId).toBe(id);
      expect((await store().directoryUsers.getMany([id, 'nobody'])).size).toBe(1);
      await store().directoryUsers.upsertReportRows([{ userId: id, upn: 'x@y', displayName: 'X', userType: null, methodsRegistered: [], passwordlessCapable: false, isAdmin: null, lastUpdated: null }], at(3));
      expect((await store().directoryUsers.get(id))!.methodsRegistered).toEqual([]);
    });
  });

  describe('devices and snapshots', () => {
    it('keeps registered devices per user and lists reported users in pages', async () => {
      const id = randomUUID();
      await store().directoryUsers.upsertReportRows([{ userId: id, upn: 'd@x', displayName: 'D', userType: 'member', methodsRegistered: ['mobilePhone'], passwordlessCapable: false, isAdmin: false, lastUpdated: T0 }], T0);
      await store().directoryUsers.saveDevices([{ userId: id, devices: [{ operatingSystem: 'iOS', operatingSystemVersion: '15.7' }] }], at(5));
      const got = (await store().directoryUsers.get(id))!;
      expect(got.devices).toEqual([{ operatingSystem: 'iOS', operatingSystemVersion: '15.7' }]);
      expect(got.devicesReadAt).toEqual(at(5));
      const page = await store().directoryUsers.listReported(0, 100_000);
      expect(page.some((u) => u.userId === id)).toBe(true);
    });

    it('keeps one snapshot per cohort and day, and returns the recent days oldest first', async () => {
      const a = campaignFixture();
      await store().campaigns.create(a);
      const x = cohortFixture(a.id);
      await store().cohorts.create(x);
      for (const [day, compliant] of [['2026-03-01', 10], ['2026-03-02', 20], ['2026-03-03', 30], ['2026-03-03', 35]] as const) {
        await store().snapshots.save({ day, cohortId: x.id, total: 100, counted: 98, compliant, states: { compliant, no_passkey: 98 - compliant }, takenAt: T0 });
      }
      const recent = await store().snapshots.recent([x.id], 2);
      expect(recent.map((r) => [r.day, r.compliant])).toEqual([['2026-03-02', 20], ['2026-03-03', 35]]);
      expect(recent[1]!.states).toEqual({ compliant: 35, no_passkey: 63 });
    });
  });

  describe('sync runs', () => {
    it('starts, reports progress, finishes, and finds the latest', async () => {
      const id = randomUUID();
      await store().syncRuns.start({ id, kind: 'full', campaignId: null, status: 'running', requestedBy: 'someone', startedAt: at(100_000_000), finishedAt: null, progress: {}, error: null, auditWatermark: null });
      expect((await store().syncRuns.running()).some((r) => r.id === id)).toBe(true);
      await store().syncRuns.progress(id, { phase: 'report', pages: 3 });
      await store().syncRuns.finish(id, 'done', at(100_000_500), null, at(99_000_000));
      const latest = (await store().syncRuns.latest({ status: 'done' }))!;
      expect(latest).toMatchObject({ id, status: 'done', progress: { phase: 'report', pages: 3 }, finishedAt: at(100_000_500), auditWatermark: at(99_000_000) });
      expect((await store().syncRuns.running()).some((r) => r.id === id)).toBe(false);
    });
  });
}

export function describeAuditLog(store: () => Store): void {
  describe('audit log', () => {
    it('appends a hash chain that verifies; concurrent appends stay one chain', async () => {
      const cohortId = randomUUID();
      const first = await store().audit.append({ at: T0, actor: 'u1', action: 'cohort.advance', cohortId, before: { stage: 'planned' }, after: { stage: 'nudging' }, details: { gates: [{ name: 'x', ok: true }], note: 'ünï' }, graphRequestId: 'req-1' });
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
      await Promise.all(Array.from({ length: 10 }, (_, i) => store().audit.append({ at: at(i), actor: `u${i}`, action: 'test.concurrent', cohortId })));
      const recent = await store().audit.recent({ cohortId, limit: 50 });
      expect(recent).toHaveLength(11);
      expect(recent.at(-1)).toMatchObject({ action: 'cohort.advance', details: { note: 'ünï' }, graphRequestId: 'req-1' });
      const v = await store().audit.verify();
      expect(v.ok).toBe(true);
    });

    it('refuses updates and deletes, and detects a row edited behind its back', async () => {
      const e = await store().audit.append({ at: T0, actor: 'someone', action: 'exemption.grant', subject: 'user-x', details: { days: 14 } });
      await expect(store().driver.query('UPDATE audit_log SET actor = $1 WHERE seq = $2', ['mallory', e.seq])).rejects.toThrow(/append-only/);
      await expect(store().driver.query('DELETE FROM audit_log WHERE seq = $1', [e.seq])).rejects.toThrow(/append-only/);
      await store().driver.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      try {
        await store().driver.query(`UPDATE audit_log SET details = '{"days": 365}'::jsonb WHERE seq = $1`, [e.seq]);
        const v = await store().audit.verify();
        expect(v).toMatchObject({ ok: false, brokenAt: e.seq });
        if (!v.ok) expect(v.reason).toMatch(/changed after it was written/);
        // put it back, so the shared database's chain verifies again for later tests
        await store().driver.query(`UPDATE audit_log SET details = '{"days": 14}'::jsonb WHERE seq = $1`, [e.seq]);
        expect((await store().audit.verify()).ok).toBe(true);
      } finally {
        await store().driver.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });
  });
}
