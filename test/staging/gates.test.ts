import { describe, expect, it } from 'vitest';
import type { SignInEvent } from '../../services/ports/policy-gateway.js';
import { summarizeEnforcement, summarizeEvidence } from '../../services/staging/evidence.js';
import { evaluateGates, fingerprintOf, gatesFor, materialChange, verdict, type ApprovalBasis, type GateInputs } from '../../services/staging/gates.js';
import { forwardMove } from '../../services/staging/stages.js';

const NOW = new Date(Date.UTC(2026, 4, 11, 12, 0, 0));
const DAY = 24 * 3600_000;

function inputs(over: Partial<GateInputs> = {}): GateInputs {
  return {
    move: forwardMove('report-only')!,
    now: NOW,
    synced: { membersSyncedAt: new Date(NOW.getTime() - 3600_000), members: 100 },
    compliance: { counted: 98, compliant: 95, readyPct: 96.9, thresholdPct: 95 },
    evidence: {
      summary: { policyId: 'ro', from: new Date(NOW.getTime() - 7 * DAY), to: NOW, signIns: 900, usersSeen: 90, failedUsers: 1, interruptedUsers: 3, unknownResults: 0, worst: [] },
      unavailable: null,
      soakDays: 7,
      inReportOnlySince: new Date(NOW.getTime() - 8 * DAY),
      counted: 98,
      maxPct: 2,
    },
    breakGlass: { entries: 2, missing: [{ policy: 'report-only', names: [] }, { policy: 'enforced', names: [] }] },
    drift: { findings: [] },
    warnings: { minWarnings: 2, nonCompliant: 3, notWarned: 1, exempted: 1 },
    ...over,
  };
}

describe('gates', () => {
  it('checks nothing for planned → nudging, three gates before report-only, all six before enforcement', () => {
    expect(gatesFor(forwardMove('planned')!)).toEqual([]);
    expect(gatesFor(forwardMove('nudging')!)).toEqual(['synced', 'break-glass', 'drift']);
    expect(gatesFor(forwardMove('report-only')!)).toEqual(['synced', 'compliance', 'evidence', 'break-glass', 'drift', 'warnings']);
  });

  it('all pass with good inputs, and the figures are in the details', () => {
    const r = evaluateGates(inputs());
    expect(r.map((g) => [g.id, g.status])).toEqual([['synced', 'pass'], ['compliance', 'pass'], ['evidence', 'pass'], ['break-glass', 'pass'], ['drift', 'pass'], ['warnings', 'pass']]);
    expect(r.find((g) => g.id === 'compliance')!.detail).toBe('95 of 98 ready (96.9%), threshold 95%');
    expect(r.find((g) => g.id === 'evidence')!.detail).toMatch(/900 sign-ins by 90 members .* 1 would be blocked \(1%\), 3 would be prompted$/);
    expect(verdict(r, null).ok).toBe(true);
  });

  it.each([
    ['compliance below threshold', { compliance: { counted: 100, compliant: 80, readyPct: 80, thresholdPct: 95 } }, 'compliance', false],
    ['soak not over', { evidence: { ...inputs().evidence!, inReportOnlySince: new Date(NOW.getTime() - 2 * DAY) } }, 'evidence', false],
    ['too many would-be failures', { evidence: { ...inputs().evidence!, summary: { ...inputs().evidence!.summary!, failedUsers: 10 } } }, 'evidence', false],
    ['no evidence at all', { evidence: { ...inputs().evidence!, summary: null, unavailable: 'Graph refused' } }, 'evidence', false],
    ['break-glass not excluded', { breakGlass: { entries: 2, missing: [{ policy: 'enforced', names: ['Break Glass 01'] }] } }, 'break-glass', true],
    ['no break-glass listed', { breakGlass: { entries: 0, missing: [] } }, 'break-glass', true],
    ['drift', { drift: { findings: ['enforced: its state was changed from enabled to disabled'] } }, 'drift', false],
    ['not warned enough', { warnings: { minWarnings: 2, nonCompliant: 3, notWarned: 3, exempted: 1 } }, 'warnings', false],
    ['never synced', { synced: { membersSyncedAt: null, members: 0 } }, 'synced', true],
  ] as const)('%s fails the %s gate (hard: %s)', (_name, over, gate, hard) => {
    const r = evaluateGates(inputs(over as Partial<GateInputs>));
    const g = r.find((x) => x.id === gate)!;
    expect(g).toMatchObject({ status: 'fail', hard });
    expect(r.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual([gate]);
    const v = verdict(r, null);
    expect(v.ok).toBe(false);
    // a written reason passes a soft gate, never a hard one
    expect(verdict(r, 'the board accepted the risk').ok).toBe(!hard);
    expect(verdict(r, '   ').ok).toBe(false);
  });

  it('members known is soft before report-only, hard before enforcement', () => {
    const ro = evaluateGates(inputs({ move: forwardMove('nudging')!, synced: { membersSyncedAt: null, members: 0 } }));
    expect(ro.find((g) => g.id === 'synced')).toMatchObject({ status: 'fail', hard: false });
  });
});

describe('approval basis', () => {
  const basis = (over: Partial<ApprovalBasis> = {}): ApprovalBasis => ({
    gates: [{ id: 'compliance', status: 'pass' }, { id: 'drift', status: 'pass' }],
    policies: [{ id: 'ro', modified: 't1' }, { id: 'en', modified: 't2' }],
    breakGlass: ['b'],
    strengthId: 's',
    settings: { thresholdPct: 95, soakDays: 7, failureMaxPct: 2, minWarnings: 2 },
    readyPct: 96,
    failureSharePct: 1,
    ...over,
  });
  const requested = { ...basis(), fingerprint: fingerprintOf(basis()) };

  it('stands when the stored basis comes back from the database with its keys in another order', () => {
    const reordered = JSON.parse(JSON.stringify({ ...requested, settings: { minWarnings: 2, soakDays: 7, failureMaxPct: 2, thresholdPct: 95 }, policies: [{ modified: 't1', id: 'ro' }, { modified: 't2', id: 'en' }] }));
    expect(materialChange(reordered, basis())).toBeNull();
  });

  it('stands when nothing material moved (a few more people ready is fine)', () => {
    expect(materialChange(requested, basis())).toBeNull();
    expect(materialChange(requested, basis({ readyPct: 99 }))).toBeNull();
    expect(materialChange(requested, basis({ readyPct: 94.5 }))).toBeNull();
  });

  it.each([
    ['a gate flips', { gates: [{ id: 'compliance', status: 'fail' }, { id: 'drift', status: 'pass' }] }, /compliance gate now fails/],
    ['a policy was edited', { policies: [{ id: 'ro', modified: 't1' }, { id: 'en', modified: 't3' }] }, /policy was changed/],
    ['readiness dropped', { readyPct: 90 }, /ready share fell from 96% to 90%/],
    ['would-be failures rose', { failureSharePct: 4 }, /would-be failures rose/],
    ['break-glass changed', { breakGlass: [] }, /break-glass list changed/],
    ['settings changed', { settings: { thresholdPct: 50, soakDays: 7, failureMaxPct: 2, minWarnings: 2 } }, /settings/],
  ] as const)('is void when %s', (_n, over, why) => {
    expect(materialChange(requested, basis(over as Partial<ApprovalBasis>))).toMatch(why);
  });
});

describe('sign-in evidence', () => {
  const ev = (userId: string, result: string, policyId = 'ro'): SignInEvent => ({ id: `${userId}-${Math.random()}`, createdDateTime: NOW.toISOString(), userId, conditionalAccessStatus: 'notApplied', errorCode: 0, policies: [{ id: policyId, result }] });

  it('counts would-be failures and interruptions per cohort member only', () => {
    const s = summarizeEvidence('RO', [ev('a', 'reportOnlyFailure'), ev('a', 'reportOnlyFailure'), ev('b', 'reportOnlyInterrupted'), ev('c', 'reportOnlySuccess'), ev('outsider', 'reportOnlyFailure'), ev('c', 'success', 'other')], new Set(['a', 'b', 'c']), NOW, NOW);
    expect(s).toMatchObject({ signIns: 4, usersSeen: 3, failedUsers: 1, interruptedUsers: 1, unknownResults: 0 });
    expect(s.worst).toEqual([{ userId: 'a', signIns: 2, failures: 2, interruptions: 0 }]);
  });

  it('notices results Graph hid as unknownFutureValue (no Prefer header honoured)', () => {
    expect(summarizeEvidence('ro', [ev('a', 'unknownFutureValue')], new Set(['a']), NOW, NOW).unknownResults).toBe(1);
  });

  it('the guard counts blocked sign-ins of the enforced policy', () => {
    const g = summarizeEnforcement('en', [ev('a', 'failure', 'en'), ev('a', 'failure', 'en'), ev('b', 'success', 'en'), ev('c', 'notApplied', 'en'), ev('x', 'failure', 'en')], new Set(['a', 'b', 'c']));
    expect(g).toEqual({ signIns: 3, blocked: 2, blockedUsers: 1, sharePct: 66.7 });
  });
});
