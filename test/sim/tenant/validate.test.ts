import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, GROUP_NAMES, generateTenant } from '../../../services/sim/tenant/generate.js';
import { MAX_REPORTED_ERRORS, TenantFileError, readTenantFile, validateTenantFile } from '../../../services/sim/tenant/validate.js';
import { ROLE_TEMPLATES, type TenantFile } from '../../../services/sim/tenant/model.js';

const base = generateTenant({ users: 120, seed: 77 });
const copy = (): TenantFile => structuredClone(base);
const groupIndex = (t: TenantFile, name: string) => t.groups.findIndex((g) => g.displayName === name);

function errorsOf(t: unknown): string[] {
  const r = validateTenantFile(t);
  if (r.ok) throw new Error('expected the tenant to be invalid');
  return r.errors;
}

describe('validateTenantFile', () => {
  it('accepts generated tenants of several sizes and seeds, also after a JSON round trip', () => {
    for (const [users, seed] of [[50, 1], [120, 77], [2500, 3]] as const) {
      const t = generateTenant({ users, seed });
      const r = validateTenantFile(JSON.parse(JSON.stringify(t)));
      expect(r.ok ? [] : r.errors, `${users}/${seed}`).toEqual([]);
    }
  });

  it('returns the same object as the tenant', () => {
    const t = copy();
    const r = validateTenantFile(t);
    expect(r.ok && r.tenant).toBe(t);
  });

  it('accepts a hand-written minimal tenant without optional fields', () => {
    const t = copy() as unknown as Record<string, unknown> & TenantFile;
    delete (t.tenant as { seed?: number }).seed;
    t.$schema = '../services/sim/tenant/tenant.schema.json';
    t.users[0]!.teamsAppBlocked = false;
    expect(validateTenantFile(t)).toMatchObject({ ok: true });
  });

  describe('schema problems', () => {
    it('names a missing required field', () => {
      const t = copy();
      delete (t.users[7] as Partial<(typeof t.users)[number]>).mail;
      const errors = errorsOf(t);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^\/users\/7 \([^)]+\): missing required field 'mail'$/);
    });

    it('names a bad GUID with its path', () => {
      const t = copy();
      t.groups[2]!.id = 'not-a-guid';
      expect(errorsOf(t)).toEqual([expect.stringMatching(/^\/groups\/2 \([^)]+\)\/id: "not-a-guid" is not a GUID/)]);
    });

    it('names a bad date, an unknown field, a bad enum and an unknown method type', () => {
      const t = copy();
      t.users[1]!.registrationLastUpdated = 'last tuesday';
      (t.users[2] as unknown as Record<string, unknown>)['favouriteColour'] = 'blue';
      (t.behaviour as unknown as Record<string, unknown>)['registrationReportPasskeyValues'] = 'sometimes';
      (t.users[3]!.authenticationMethods[0] as unknown as Record<string, unknown>)['@odata.type'] = '#microsoft.graph.smokeSignal';
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/\/users\/1 \([^)]+\)\/registrationLastUpdated: "last tuesday" is not a valid date-time/);
      expect(errors).toMatch(/\/users\/2 \([^)]+\): unknown field 'favouriteColour'/);
      expect(errors).toMatch(/\/behaviour\/registrationReportPasskeyValues: "sometimes" must be one of "current", "noSynced", "legacy"/);
      expect(errors).toMatch(/\/users\/3 \([^)]+\)\/authenticationMethods\/0: unknown or missing "@odata.type" "#microsoft.graph.smokeSignal"/);
    });

    it('rejects a wrong version and a non-object', () => {
      const t = copy() as unknown as { version: number };
      t.version = 2;
      expect(errorsOf(t)).toEqual(['/version: must be 1']);
      expect(errorsOf('hello')[0]).toMatch(/^\(root\): must be object/);
    });

    it('checks fido2 methods field by field', () => {
      const t = copy();
      const user = t.users.find((u) => u.authenticationMethods.some((m) => m['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod'))!;
      const m = user.authenticationMethods.find((x) => x['@odata.type'] === '#microsoft.graph.fido2AuthenticationMethod') as unknown as Record<string, unknown>;
      m['passkeyType'] = 'floating';
      m['aaGuid'] = 'YUBIKEY';
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/passkeyType: "floating" must be one of "deviceBound", "synced"/);
      expect(errors).toMatch(/aaGuid: "YUBIKEY" is not a GUID/);
    });
  });

  describe('reference problems', () => {
    it('finds a dangling group member', () => {
      const t = copy();
      const i = groupIndex(t, GROUP_NAMES.vip);
      t.groups[i]!.members.push('0badc0de-0000-4000-8000-000000000000');
      expect(errorsOf(t)).toEqual([
        `/groups/${i} (VIP Executives)/members/${t.groups[i]!.members.length - 1}: '0badc0de-0000-4000-8000-000000000000' is neither a user nor a group in this file`,
      ]);
    });

    it('finds a duplicate UPN, case-insensitively', () => {
      const t = copy();
      t.users[30]!.userPrincipalName = t.users[0]!.userPrincipalName.toUpperCase();
      expect(errorsOf(t)).toEqual([`/users/30/userPrincipalName: 'DEMO.USER@CONTOSO.EXAMPLE' is also used by /users/0 (demo.user@contoso.example)`]);
    });

    it('finds duplicate ids across users and groups', () => {
      const t = copy();
      t.groups[0]!.id = t.users[5]!.id;
      expect(errorsOf(t).join('\n')).toMatch(/\/groups\/0 \([^)]+\)\/id: '[^']+' is also the id of \/users\/5/);
    });

    it('finds a dangling manager and a dangling owner', () => {
      const t = copy();
      t.users[40]!.managerId = '0badc0de-0000-4000-8000-000000000001';
      t.groups[1]!.owners = [t.groups[0]!.id];
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/\/users\/40 \([^)]+\)\/managerId: '0badc0de-0000-4000-8000-000000000001' is not a user in this file/);
      expect(errors).toMatch(/\/groups\/1 \([^)]+\)\/owners\/0: '[^']+' is not a user in this file/);
    });

    it('finds a role held by a group that is not role-assignable, and truth that disagrees with the roles', () => {
      const t = copy();
      const vip = t.groups[groupIndex(t, GROUP_NAMES.vip)]!;
      const ga = t.directoryRoles.findIndex((r) => r.roleTemplateId === ROLE_TEMPLATES.globalAdministrator);
      t.directoryRoles[ga]!.members.push(vip.id);
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(new RegExp(`/directoryRoles/${ga} \\(Global Administrator\\)/members/\\d+: group 'VIP Executives' is not role-assignable`));
      expect(errors).toMatch(/\/truth\/roleTemplateIds: says \[\] but directoryRoles give \[62e90394-69f5-4237-9190-012177145e10\]/);
    });

    it('finds a nesting cycle and a group inside a role-assignable group', () => {
      const t = copy();
      const eng = t.groups[groupIndex(t, GROUP_NAMES.engineering)]!;
      const sre = t.groups[groupIndex(t, GROUP_NAMES.engineeringSre)]!;
      sre.members.push(eng.id);
      const tier0 = t.groups[groupIndex(t, GROUP_NAMES.tier0)]!;
      tier0.members.push(sre.id);
      const errors = errorsOf(t).join('\n');
      const cycle = errors.split('\n').find((e) => e.startsWith('/groups: nesting cycle '));
      expect(cycle).toBeDefined();
      for (const name of ['Engineering', 'Engineering - Platform', 'Engineering - Platform - SRE']) expect(cycle!.split(' → ')).toContain(name);
      expect(errors).toMatch(/Tier 0 Administrators\)\/members\/\d+: a role-assignable group cannot contain groups/);
    });

    it('finds Conditional Access references to missing groups, users and strengths', () => {
      const t = copy();
      const p = t.conditionalAccessPolicies[0]!;
      p.conditions.users.excludeGroups.push('0badc0de-0000-4000-8000-000000000002');
      p.conditions.users.excludeUsers.push('someone');
      p.grantControls!.authenticationStrength = { id: '0badc0de-0000-4000-8000-000000000003' };
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/\/conditionalAccessPolicies\/0 \(Block legacy authentication\)\/conditions\/users\/excludeGroups\/1: '0badc0de-0000-4000-8000-000000000002' is not a group/);
      expect(errors).toMatch(/excludeUsers\/0: 'someone' is not a user in this file/);
      expect(errors).toMatch(/authenticationStrength\/id: '0badc0de-0000-4000-8000-000000000003' is neither a built-in nor a listed authentication strength/);
    });

    it('accepts CA keywords and built-in strengths', () => {
      const t = copy();
      const p = t.conditionalAccessPolicies[1]!;
      p.conditions.users.includeUsers = ['All'];
      p.conditions.users.excludeUsers = ['GuestsOrExternalUsers', DEMO_ACCOUNTS.user.id];
      p.grantControls!.authenticationStrength = { id: '00000000-0000-0000-0000-000000000004' };
      expect(validateTenantFile(t)).toMatchObject({ ok: true });
    });

    it('finds passkey profile references that do not exist', () => {
      const t = copy();
      const f = t.fido2Configuration;
      f.defaultPasskeyProfile = '0badc0de-0000-4000-8000-000000000004';
      f.includeTargets[1]!.allowedPasskeyProfiles = ['0badc0de-0000-4000-8000-000000000005'];
      f.excludeTargets.push({ id: '0badc0de-0000-4000-8000-000000000006', targetType: 'group' });
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/\/fido2Configuration\/defaultPasskeyProfile: '0badc0de-0000-4000-8000-000000000004' is not one of passkeyProfiles/);
      expect(errors).toMatch(/\/fido2Configuration\/includeTargets\/1\/allowedPasskeyProfiles\/0: '0badc0de-0000-4000-8000-000000000005' is not one of passkeyProfiles/);
      expect(errors).toMatch(/\/fido2Configuration\/excludeTargets\/0\/id: '0badc0de-0000-4000-8000-000000000006' is not a group/);
    });

    it('finds catalog installs for unknown users and impossible TAP lifetimes', () => {
      const t = copy();
      t.teamsAppCatalog[0]!.installedFor.push({ userId: '0badc0de-0000-4000-8000-000000000007', installationId: 'x' });
      t.temporaryAccessPassPolicy.defaultLifetimeInMinutes = 600;
      const errors = errorsOf(t).join('\n');
      expect(errors).toMatch(/\/teamsAppCatalog\/0 \(Passkey Rollout\)\/installedFor\/\d+\/userId: '0badc0de-0000-4000-8000-000000000007' is not a user/);
      expect(errors).toMatch(/minimumLifetimeInMinutes ≤ defaultLifetimeInMinutes ≤ maximumLifetimeInMinutes/);
    });

    it('caps a long report', () => {
      const t = copy();
      for (const u of t.users) u.managerId = '0badc0de-0000-4000-8000-000000000008';
      const errors = errorsOf(t);
      expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
      expect(errors.at(-1)).toBe(`… and ${t.users.length - MAX_REPORTED_ERRORS} more`);
    });
  });
});

describe('readTenantFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenant-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a valid file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify(base));
    const t = await readTenantFile(path);
    expect(t.users).toHaveLength(base.users.length);
    expect(t).toEqual(base);
  });

  it('throws a TenantFileError listing every problem', async () => {
    const t = copy();
    t.users[3]!.userPrincipalName = t.users[4]!.userPrincipalName;
    t.users[6]!.managerId = '0badc0de-0000-4000-8000-000000000009';
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify(t));
    const err = await readTenantFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantFileError);
    const e = err as TenantFileError;
    expect(e.path).toBe(path);
    expect(e.errors).toHaveLength(2);
    expect(e.message).toContain(path);
    expect(e.message).toContain('/users/4/userPrincipalName');
    expect(e.message).toContain('/managerId');
  });

  it('explains unreadable and unparsable files', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"version": 1,');
    await expect(readTenantFile(path)).rejects.toThrow(/not valid JSON/);
    await expect(readTenantFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the file/);
  });
});
