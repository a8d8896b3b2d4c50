import { describe, expect, it } from 'vitest';
import type { CaPolicy, PolicyGateway } from '../../services/ports/policy-gateway.js';
import { PolicyBusy, PolicyGone, writePolicyIntent } from '../../services/staging/policy-writer.js';

/** A one-policy gateway whose reads and writes can be interleaved with "portal edits". */
class FakePolicies {
  version = 1;
  policy: CaPolicy = {
    id: 'p',
    displayName: 'P',
    state: 'enabled',
    createdDateTime: 't0',
    modifiedDateTime: 'v1',
    users: { includeUsers: ['None'], excludeUsers: ['bg'], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] },
    strengthId: 's',
    builtInControls: [],
    grantOperator: 'OR',
    includeApplications: ['All'],
    excludeApplications: [],
    clientAppTypes: ['all'],
  };
  reads = 0;
  patches: Record<string, unknown>[] = [];
  /** Called before answering read number n (1-based). */
  beforeRead: ((n: number) => void) | null = null;
  gone = false;

  edit(change: (p: CaPolicy) => void): void {
    change(this.policy);
    this.policy.modifiedDateTime = `v${++this.version}`;
  }

  gateway(): PolicyGateway {
    return {
      getPolicy: async () => {
        this.reads++;
        this.beforeRead?.(this.reads);
        return this.gone ? null : structuredClone(this.policy);
      },
      patchPolicy: async (_id: string, patch: Record<string, unknown>) => {
        this.patches.push(structuredClone(patch));
        const users = (patch.conditions as { users: CaPolicy['users'] }).users;
        this.edit((p) => (p.users = structuredClone(users)));
        return { requestId: `req-${this.patches.length}` };
      },
    } as unknown as PolicyGateway;
  }
}

describe('writePolicyIntent', () => {
  it('read → check → write → read back; returns before/after and the request id', async () => {
    const f = new FakePolicies();
    const r = await writePolicyIntent(f.gateway(), 'p', { users: { include: ['g1'] } });
    expect(r).toMatchObject({ outcome: 'written', requestId: 'req-1', concurrentEdits: 0 });
    expect(r.before.users.includeGroups).toEqual([]);
    expect(r.after.users).toMatchObject({ includeUsers: [], includeGroups: ['g1'], excludeUsers: ['bg'] });
    expect(f.reads).toBe(3);
  });

  it('does not write when the intent is already there (a retry after a half-done move)', async () => {
    const f = new FakePolicies();
    f.edit((p) => {
      p.users.includeGroups = ['g1'];
      p.users.includeUsers = [];
    });
    const r = await writePolicyIntent(f.gateway(), 'p', { users: { include: ['g1'] } });
    expect(r.outcome).toBe('unchanged');
    expect(f.patches).toEqual([]);
  });

  it('a portal edit between the read and the write is kept: it starts over from the edited version', async () => {
    const f = new FakePolicies();
    f.beforeRead = (n) => {
      if (n === 2) f.edit((p) => (p.users.excludeUsers = [...p.users.excludeUsers, 'added-in-portal']));
    };
    const r = await writePolicyIntent(f.gateway(), 'p', { users: { include: ['g1'] } });
    expect(r.concurrentEdits).toBe(1);
    expect(f.patches).toHaveLength(1);
    expect(f.policy.users.excludeUsers).toEqual(['bg', 'added-in-portal']);
    expect(f.policy.users.includeGroups).toEqual(['g1']);
  });

  it('gives up when the policy keeps changing, and says so when it is gone', async () => {
    const f = new FakePolicies();
    f.beforeRead = (n) => {
      if (n % 2 === 0) f.edit((p) => (p.displayName = `edit ${n}`));
    };
    await expect(writePolicyIntent(f.gateway(), 'p', { users: { include: ['g1'] } })).rejects.toBeInstanceOf(PolicyBusy);
    expect(f.patches).toEqual([]);
    const g = new FakePolicies();
    g.gone = true;
    await expect(writePolicyIntent(g.gateway(), 'p', { users: { include: ['g1'] } })).rejects.toBeInstanceOf(PolicyGone);
  });
});
