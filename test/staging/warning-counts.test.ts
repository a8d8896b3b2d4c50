import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../services/ports/store.js';
import { NobodyWarnedYet } from '../../services/staging/warning-counts.js';
import { openStore } from '../../services/store/index.js';
import { silentLogger } from '../../services/system/logger.js';
import { campaignFixture, cohortFixture } from '../store/campaign-contract.js';

/** The default WarningCounts (until the nudge outbox is wired): nobody was warned yet. */
describe('NobodyWarnedYet', () => {
  let store: Store;
  let cohortId: string;
  beforeAll(async () => {
    store = await openStore({ memory: true, logger: silentLogger() });
    const campaign = campaignFixture();
    await store.campaigns.create(campaign);
    const cohort = cohortFixture(campaign.id);
    await store.cohorts.create(cohort);
    cohortId = cohort.id;
    const now = new Date(Date.UTC(2026, 5, 1));
    await store.members.replaceMembership(cohort.id, ['ok', 'none', 'spof', 'bg', 'off', 'left'], now);
    const ev = (userId: string, state: string) => ({ userId, isBreakGlass: state === 'break_glass', state, reason: '', advice: '', kind: null, provider: null, passkeyCount: null, needsDetail: false });
    await store.members.saveEvaluations(cohort.id, [ev('ok', 'compliant'), ev('none', 'no_passkey'), ev('spof', 'single_point_of_failure'), ev('bg', 'break_glass'), ev('off', 'account_disabled'), ev('left', 'no_passkey')], now);
    await store.members.replaceMembership(cohort.id, ['ok', 'none', 'spof', 'bg', 'off'], now);
  });
  afterAll(() => store?.close());

  it('lists every active, not-ready member (break-glass and disabled left out) as not warned', async () => {
    const r = await new NobodyWarnedYet(store).warnedAtLeast(cohortId, 2);
    expect(r).toEqual({ warned: 0, notWarned: ['none', 'spof'] });
  });

  it('asks for nothing when no warnings are required', async () => {
    expect(await new NobodyWarnedYet(store).warnedAtLeast(cohortId, 0)).toEqual({ warned: 2, notWarned: [] });
  });
});
