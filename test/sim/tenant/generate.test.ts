import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_PASSKEY_PROFILE_NAME,
  DEFAULT_BEHAVIOUR,
  DEFAULT_GENERATED_AT,
  DEFAULT_PASSKEY_PROFILE_ID,
  DEFAULT_TEAMS_APP_EXTERNAL_ID,
  DEMO_ACCOUNTS,
  GROUP_NAMES,
  GenerateOptionError,
  PERSONAS,
  UNLISTED_AUTHENTICATORS,
  countPersonas,
  demoUpn,
  generateTenant,
  type DemoAccountKey,
} from '../../../services/sim/tenant/generate.js';
import { ROLE_TEMPLATES, type GraphFido2Method, type SimGroup, type SimUser, type TenantFile } from '../../../services/sim/tenant/model.js';
import { KNOWN_AAGUIDS, ZERO_AAGUID, lookupAaguid } from '../../../services/passkeys/aaguids.js';

const FIDO2 = '#microsoft.graph.fido2AuthenticationMethod';
const fido2Of = (u: SimUser) => u.authenticationMethods.filter((m): m is GraphFido2Method => m['@odata.type'] === FIDO2);
const groupNamed = (t: TenantFile, name: string) => t.groups.filter((g) => g.displayName === name);
const one = (t: TenantFile, name: string): SimGroup => {
  const found = groupNamed(t, name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const byPersona = (t: TenantFile, persona: string) => t.users.filter((u) => u.truth.persona === persona);

/** User ids reachable from a group through nesting. */
function transitiveUsers(t: TenantFile, group: SimGroup): Set<string> {
  const groups = new Map(t.groups.map((g) => [g.id, g]));
  const users = new Set<string>();
  const seen = new Set<string>();
  const walk = (g: SimGroup) => {
    if (seen.has(g.id)) return;
    seen.add(g.id);
    for (const m of g.members) {
      const child = groups.get(m);
      if (child) walk(child);
      else users.add(m);
    }
  };
  walk(group);
  return users;
}

const t2k = generateTenant({ users: 2000, seed: 20261102 });

describe('generateTenant: determinism', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives byte-identical JSON for the same seed', () => {
    const a = JSON.stringify(generateTenant({ users: 300, seed: 42 }));
    const b = JSON.stringify(generateTenant({ users: 300, seed: 42 }));
    expect(a).toBe(b);
  });

  it('gives a different tenant for a different seed', () => {
    const a = generateTenant({ users: 300, seed: 42 });
    const b = generateTenant({ users: 300, seed: 43 });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(a.tenant.id).not.toBe(b.tenant.id);
    expect(a.users[10]!.id).not.toBe(b.users[10]!.id);
  });

  it('never asks Math.random (all randomness comes from the seed)', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    expect(() => generateTenant({ users: 120, seed: 5 })).not.toThrow();
  });

  it('keeps the demo accounts at fixed ids whatever the seed', () => {
    const a = generateTenant({ users: 60, seed: 1 });
    const b = generateTenant({ users: 60, seed: 999 });
    for (const key of Object.keys(DEMO_ACCOUNTS) as DemoAccountKey[]) {
      const ua = a.users.find((u) => u.userPrincipalName === demoUpn(key));
      const ub = b.users.find((u) => u.userPrincipalName === demoUpn(key));
      expect(ua?.id, key).toBe(DEMO_ACCOUNTS[key].id);
      expect(ub?.id, key).toBe(DEMO_ACCOUNTS[key].id);
    }
  });
});

describe('generateTenant: options', () => {
  it('uses the documented defaults', () => {
    const t = generateTenant({ users: 50, seed: 3 });
    expect(t.version).toBe(1);
    expect(t.tenant.generatedAt).toBe(DEFAULT_GENERATED_AT);
    expect(t.tenant.domain).toBe('contoso.example');
    expect(t.tenant.seed).toBe(3);
    expect(t.behaviour).toEqual({
      registrationReportPasskeyValues: 'current',
      registrationReportPageSize: 1000,
      registrationReportAcceptsTop: true,
      duplicateInstallAnswer: 409,
      signInsPolicyFilterSupported: true,
    });
    expect(DEFAULT_BEHAVIOUR).toEqual(t.behaviour);
    expect(t.teamsAppCatalog[0]!.externalId).toBe(DEFAULT_TEAMS_APP_EXTERNAL_ID);
    expect(t.users).toHaveLength(50);
  });

  it('honours tenant id, domain, generatedAt, app id and behaviour overrides', () => {
    const t = generateTenant({
      users: 80,
      seed: 3,
      tenantId: '11111111-2222-4333-8444-555555555555',
      domain: 'fabrikam.example',
      generatedAt: '2027-01-15T12:00:00Z',
      teamsAppExternalId: 'my-app-id',
      behaviour: { registrationReportPasskeyValues: 'legacy', duplicateInstallAnswer: 201 },
    });
    expect(t.tenant.id).toBe('11111111-2222-4333-8444-555555555555');
    expect(t.users.filter((u) => u.userType === 'Member').every((u) => u.userPrincipalName.endsWith('@fabrikam.example'))).toBe(true);
    expect(t.users.find((u) => u.id === DEMO_ACCOUNTS.user.id)!.userPrincipalName).toBe('demo.user@fabrikam.example');
    expect(t.behaviour.registrationReportPasskeyValues).toBe('legacy');
    expect(t.behaviour.duplicateInstallAnswer).toBe(201);
    expect(t.behaviour.registrationReportPageSize).toBe(1000);
    expect(t.teamsAppCatalog.find((a) => a.displayName === 'Passkey Rollout')!.externalId).toBe('my-app-id');
    const latest = Math.max(...t.users.flatMap((u) => fido2Of(u).map((m) => Date.parse(m.createdDateTime))));
    expect(latest).toBeLessThan(Date.parse('2027-01-15T12:00:00Z'));
    expect(latest).toBeGreaterThan(Date.parse('2026-11-15T00:00:00Z'));
  });

  it.each([
    [{ users: 49, seed: 1 }, 'users'],
    [{ users: 100.5, seed: 1 }, 'users'],
    [{ users: 100, seed: -1 }, 'seed'],
    [{ users: 100, seed: 1, tenantId: 'nope' }, 'tenantId'],
    [{ users: 100, seed: 1, domain: 'Not A Domain' }, 'domain'],
    [{ users: 100, seed: 1, generatedAt: 'yesterday' }, 'generatedAt'],
  ] as const)('rejects %o naming %s', (opts, option) => {
    let caught: unknown;
    try {
      generateTenant(opts);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GenerateOptionError);
    expect((caught as GenerateOptionError).option).toBe(option);
  });
});

describe('generateTenant: people', () => {
  it('has every persona in a 2,000-user tenant', () => {
    const counts = countPersonas(t2k);
    for (const p of PERSONAS) expect(counts[p] ?? 0, p).toBeGreaterThan(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it.each([1, 2, 3])('has every persona even in the smallest tenant (seed %i)', (seed) => {
    const counts = countPersonas(generateTenant({ users: 50, seed }));
    expect(PERSONAS.filter((p) => !counts[p])).toEqual([]);
  });

  it('spreads personas roughly by the documented weights', () => {
    const share = (p: string) => byPersona(t2k, p).length / 2000;
    expect(share('no-passkey')).toBeGreaterThan(0.25);
    expect(share('no-passkey')).toBeLessThan(0.4);
    const syncedOnly = t2k.users.filter((u) => {
      const f = fido2Of(u);
      return f.length > 0 && f.every((m) => m.passkeyType === 'synced');
    }).length;
    expect(syncedOnly / 2000).toBeGreaterThan(0.15);
    expect(syncedOnly / 2000).toBeLessThan(0.32);
  });

  it('has unique UPNs in first.last[N]@domain form for members and #EXT# for guests', () => {
    const upns = t2k.users.map((u) => u.userPrincipalName.toLowerCase());
    expect(new Set(upns).size).toBe(upns.length);
    const members = t2k.users.filter((u) => u.userType === 'Member' && !u.truth.isBreakGlass && !u.userPrincipalName.startsWith('demo.'));
    for (const u of members) expect(u.userPrincipalName).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+\d*@contoso\.example$/);
    const guests = t2k.users.filter((u) => u.userType === 'Guest');
    expect(guests.length / 2000).toBeGreaterThan(0.02);
    expect(guests.length / 2000).toBeLessThan(0.04);
    for (const g of guests) {
      expect(g.userPrincipalName).toMatch(/^[^@]+_[a-z.]+#EXT#@contoso\.example$/);
      expect(g.truth.persona).toBe('guest');
      expect(g.mailboxSettings).toBeNull();
    }
  });

  it('disables about 2 % of accounts', () => {
    const disabled = t2k.users.filter((u) => !u.accountEnabled).length / 2000;
    expect(disabled).toBeGreaterThan(0.005);
    expect(disabled).toBeLessThan(0.04);
  });

  it('mixes Windows and IANA mailbox time zones, and leaves ~5 % without a mailbox', () => {
    const zones = t2k.users.filter((u) => u.userType === 'Member').map((u) => u.mailboxSettings?.timeZone ?? null);
    expect(zones).toContain('Pacific Standard Time');
    expect(zones).toContain('W. Europe Standard Time');
    expect(zones).toContain('India Standard Time');
    expect(zones.some((z) => z !== null && z.includes('/'))).toBe(true);
    const none = zones.filter((z) => z === null).length / zones.length;
    expect(none).toBeGreaterThan(0.02);
    expect(none).toBeLessThan(0.09);
    // Users without a mailbox fall back to their usage location, a few of them further to the tenant default.
    const members = t2k.users.filter((u) => u.userType === 'Member' && !u.truth.isBreakGlass);
    expect(members.some((u) => u.mailboxSettings === null && u.usageLocation !== null)).toBe(true);
    expect(members.some((u) => u.mailboxSettings === null && u.usageLocation === null)).toBe(true);
    const countries = new Set(t2k.users.map((u) => u.usageLocation).filter(Boolean));
    for (const c of ['US', 'DE', 'IN', 'JP', 'AU']) expect(countries, c).toContain(c);
    expect(new Set(t2k.users.map((u) => u.preferredLanguage).filter(Boolean)).size).toBeGreaterThanOrEqual(6);
  });

  it('builds one manager tree per department, rooted at the CEO', () => {
    const users = new Map(t2k.users.map((u) => [u.id, u]));
    const ceo = t2k.users.find((u) => u.jobTitle === 'Chief Executive Officer')!;
    expect(ceo.managerId).toBeNull();
    for (const u of t2k.users) {
      if (u.userType === 'Guest' || u.truth.isBreakGlass || u === ceo) continue;
      let cur: SimUser | undefined = u;
      for (let hops = 0; hops < 10 && cur && cur !== ceo; hops++) {
        expect(cur.managerId, cur.userPrincipalName).not.toBeNull();
        const next = users.get(cur.managerId!);
        if (cur.department !== 'Executive' && next && next !== ceo) expect(next.department).toBe(cur.department);
        cur = next;
      }
      expect(cur, u.userPrincipalName).toBe(ceo);
    }
  });

  it('gives registered devices, some below the passkey minimum versions', () => {
    const devices = t2k.users.flatMap((u) => u.devices);
    const major = (v: string) => Number(v.split('.')[0]);
    expect(devices.some((d) => d.operatingSystem === 'iOS' && major(d.operatingSystemVersion) < 16)).toBe(true);
    expect(devices.some((d) => d.operatingSystem === 'Android' && major(d.operatingSystemVersion) < 9)).toBe(true);
    expect(devices.some((d) => d.operatingSystem === 'Windows' && major(d.operatingSystemVersion) < 10)).toBe(true);
    expect(devices.some((d) => /mac/i.test(d.operatingSystem) && major(d.operatingSystemVersion) < 13)).toBe(true);
    expect(devices.some((d) => d.operatingSystem === 'iOS' && major(d.operatingSystemVersion) >= 17)).toBe(true);
    for (const u of t2k.users) expect(u.devices.length).toBeLessThanOrEqual(3);
  });

  it('blocks the Teams app for about 0.5 % of users', () => {
    const blocked = t2k.users.filter((u) => u.teamsAppBlocked === true).length;
    expect(blocked).toBeGreaterThanOrEqual(1);
    expect(blocked).toBeLessThan(30);
  });
});

describe('generateTenant: authentication methods match the persona', () => {
  const before = Date.parse(DEFAULT_GENERATED_AT);

  it('writes fido2 methods in Graph shape with real AAGUIDs, plausible dates and attestation', () => {
    const all = t2k.users.flatMap(fido2Of);
    expect(all.length).toBeGreaterThan(500);
    for (const m of all) {
      expect(Date.parse(m.createdDateTime)).toBeLessThan(before);
      if (m.lastUsedDateTime !== null) {
        expect(Date.parse(m.lastUsedDateTime)).toBeGreaterThanOrEqual(Date.parse(m.createdDateTime));
        expect(Date.parse(m.lastUsedDateTime)).toBeLessThanOrEqual(before);
      }
      if (m.passkeyType === 'synced') expect(m.attestationLevel).toBe('notAttested');
      expect(m.attestationCertificates).toHaveLength(m.attestationLevel === 'attested' ? 1 : 0);
      const info = lookupAaguid(m.aaGuid);
      if (info) {
        expect(m.passkeyType, m.aaGuid).toBe(info.syncs ? 'synced' : 'deviceBound');
        expect(m.model).toBe(info.name);
      }
    }
    expect(all.some((m) => m.lastUsedDateTime === null)).toBe(true);
  });

  it('sets registrationLastUpdated to the newest method', () => {
    for (const u of t2k.users) {
      const stamps = u.authenticationMethods
        .map((m) => ('createdDateTime' in m ? Date.parse(m.createdDateTime) : NaN))
        .filter((x) => !Number.isNaN(x));
      if (stamps.length > 0) expect(Date.parse(u.registrationLastUpdated), u.userPrincipalName).toBe(Math.max(...stamps));
    }
  });

  it('keeps the lockout trap: pm-only users hold exactly one passkey, in a manager that signs in with Entra', () => {
    for (const p of ['pm-only-1password', 'pm-only-bitwarden', 'pm-only-keeper', 'pm-only-dashlane', 'pm-only-microsoft']) {
      for (const u of byPersona(t2k, p)) {
        const f = fido2Of(u);
        expect(f, u.userPrincipalName).toHaveLength(1);
        expect(lookupAaguid(f[0]!.aaGuid)?.signsInWithEntra, p).toBe(true);
      }
    }
    for (const u of byPersona(t2k, 'synced-icloud')) expect(lookupAaguid(fido2Of(u)[0]!.aaGuid)?.signsInWithEntra).toBe(false);
  });

  it.each([
    ['no-passkey', 0],
    ['password-only', 0],
    ['whfb', 0],
    ['security-key', 1],
    ['authenticator-passkey', 1],
    ['windows-hello-passkey', 1],
    ['synced-and-security-key', 2],
    ['synced-and-authenticator', 2],
    ['two-security-keys', 2],
  ] as const)('%s users have %i passkey(s)', (persona, count) => {
    const users = byPersona(t2k, persona);
    expect(users.length).toBeGreaterThan(0);
    for (const u of users) expect(fido2Of(u), u.userPrincipalName).toHaveLength(count);
  });

  it('gives each device-bound persona the right kind of authenticator', () => {
    for (const u of byPersona(t2k, 'security-key')) {
      const m = fido2Of(u)[0]!;
      expect(lookupAaguid(m.aaGuid)?.category).toBe('security-key');
      expect(m.attestationLevel).toBe('attested');
    }
    for (const u of byPersona(t2k, 'authenticator-passkey')) {
      expect([KNOWN_AAGUIDS.authenticatorIos, KNOWN_AAGUIDS.authenticatorAndroid]).toContain(fido2Of(u)[0]!.aaGuid);
      expect(u.authenticationMethods.some((m) => m['@odata.type'] === '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod')).toBe(true);
    }
    for (const u of byPersona(t2k, 'windows-hello-passkey')) {
      expect(lookupAaguid(fido2Of(u)[0]!.aaGuid)?.name).toMatch(/^Windows Hello/);
    }
    for (const u of byPersona(t2k, 'whfb')) {
      expect(u.authenticationMethods.some((m) => m['@odata.type'] === '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod')).toBe(true);
    }
    for (const u of byPersona(t2k, 'synced-and-security-key')) {
      expect(fido2Of(u).map((m) => m.passkeyType).sort()).toEqual(['deviceBound', 'synced']);
    }
  });

  it('writes unknown and all-zero AAGUIDs for their personas', () => {
    const unlisted = new Set(UNLISTED_AUTHENTICATORS.map((a) => a.aaguid));
    for (const u of byPersona(t2k, 'unknown-provider')) {
      const aaguid = fido2Of(u)[0]!.aaGuid;
      expect(lookupAaguid(aaguid)).toBeUndefined();
      expect(unlisted).toContain(aaguid);
    }
    for (const u of byPersona(t2k, 'zero-aaguid')) expect(fido2Of(u)[0]!.aaGuid).toBe(ZERO_AAGUID);
  });

  it('uses fake +1 555 0100 phone numbers and Graph method ids', () => {
    const phones = t2k.users.flatMap((u) => u.authenticationMethods.filter((m) => m['@odata.type'] === '#microsoft.graph.phoneAuthenticationMethod'));
    expect(phones.length).toBeGreaterThan(100);
    for (const p of phones) expect((p as { phoneNumber: string }).phoneNumber).toMatch(/^\+1 5550100\d{3}$/);
    const passwords = t2k.users.flatMap((u) => u.authenticationMethods.filter((m) => m['@odata.type'] === '#microsoft.graph.passwordAuthenticationMethod'));
    expect(new Set(passwords.map((m) => m.id))).toEqual(new Set(['28c10230-6103-485e-b985-444c60001490']));
  });
});

describe('generateTenant: roles and admins', () => {
  const holders = (t: TenantFile, template: string) => t.users.filter((u) => u.truth.roleTemplateIds.includes(template));

  it('holds every role, with 2–3 Global Administrators besides break-glass', () => {
    for (const [name, template] of Object.entries(ROLE_TEMPLATES)) {
      expect(holders(t2k, template).length, name).toBeGreaterThanOrEqual(1);
      expect(t2k.directoryRoles.filter((r) => r.roleTemplateId === template), name).toHaveLength(1);
    }
    const ga = holders(t2k, ROLE_TEMPLATES.globalAdministrator).filter((u) => !u.truth.isBreakGlass).length;
    expect(ga).toBeGreaterThanOrEqual(2);
    expect(ga).toBeLessThanOrEqual(3);
    expect(holders(t2k, ROLE_TEMPLATES.helpdeskAdministrator).length).toBeGreaterThanOrEqual(3);
  });

  it('scales admin counts gently and keeps at least one of each in the smallest tenant', () => {
    const small = generateTenant({ users: 50, seed: 8 });
    const big = generateTenant({ users: 12_000, seed: 8 });
    for (const template of Object.values(ROLE_TEMPLATES)) expect(holders(small, template).length).toBeGreaterThanOrEqual(1);
    expect(holders(big, ROLE_TEMPLATES.helpdeskAdministrator).length).toBeGreaterThan(holders(small, ROLE_TEMPLATES.helpdeskAdministrator).length);
    expect(holders(big, ROLE_TEMPLATES.globalAdministrator).filter((u) => !u.truth.isBreakGlass).length).toBeLessThanOrEqual(3);
  });

  it('grants one role through the role-assignable Helpdesk Operators group', () => {
    const group = one(t2k, GROUP_NAMES.helpdeskOperators);
    expect(group.isAssignableToRole).toBe(true);
    expect(group.members.length).toBeGreaterThan(0);
    const role = t2k.directoryRoles.find((r) => r.roleTemplateId === ROLE_TEMPLATES.helpdeskAdministrator)!;
    expect(role.members).toContain(group.id);
    for (const id of group.members) {
      expect(t2k.users.find((u) => u.id === id)!.truth.roleTemplateIds).toContain(ROLE_TEMPLATES.helpdeskAdministrator);
      expect(role.members).not.toContain(id);
    }
  });

  it('puts the Tier 0 admins in a role-assignable group, mostly on security keys, some only on synced passkeys', () => {
    const tier0 = one(t2k, GROUP_NAMES.tier0);
    expect(tier0.isAssignableToRole).toBe(true);
    expect(tier0.members).toContain(DEMO_ACCOUNTS.admin.id);
    expect(tier0.members).toContain(DEMO_ACCOUNTS.admin2.id);
    const admins = tier0.members.map((id) => t2k.users.find((u) => u.id === id)!);
    expect(admins.every((u) => u.truth.persona.startsWith('admin-'))).toBe(true);
    const withKeys = admins.filter((u) => u.truth.persona === 'admin-security-key' || u.truth.persona === 'admin-two-security-keys');
    expect(withKeys.length).toBeGreaterThan(admins.length / 2);
    const violators = admins.filter((u) => u.truth.persona === 'admin-synced-only');
    expect(violators.length).toBeGreaterThanOrEqual(1);
    for (const u of violators) expect(fido2Of(u).every((m) => m.passkeyType === 'synced')).toBe(true);
  });

  it('has two break-glass accounts: cloud-only Global Administrators with device-bound keys, excluded from every CA policy', () => {
    const bg = t2k.users.filter((u) => u.truth.isBreakGlass);
    expect(bg.map((u) => u.userPrincipalName).sort()).toEqual(['breakglass01@contoso.example', 'breakglass02@contoso.example']);
    const group = one(t2k, GROUP_NAMES.breakGlass);
    expect([...group.members].sort()).toEqual(bg.map((u) => u.id).sort());
    for (const u of bg) {
      expect(u.truth.roleTemplateIds).toContain(ROLE_TEMPLATES.globalAdministrator);
      expect(u.truth.persona).toBe('break-glass');
      const keys = fido2Of(u);
      expect(keys).toHaveLength(2);
      for (const k of keys) {
        expect(k.passkeyType).toBe('deviceBound');
        expect(k.attestationLevel).toBe('attested');
      }
    }
    expect(t2k.conditionalAccessPolicies.length).toBeGreaterThanOrEqual(2);
    for (const p of t2k.conditionalAccessPolicies) expect(p.conditions.users.excludeGroups, p.displayName).toContain(group.id);
  });

  it('gives the demo accounts their documented roles and personas', () => {
    for (const key of Object.keys(DEMO_ACCOUNTS) as DemoAccountKey[]) {
      const a = DEMO_ACCOUNTS[key];
      const u = t2k.users.find((x) => x.id === a.id)!;
      expect(u.userPrincipalName).toBe(`${a.upnPrefix}@contoso.example`);
      expect(u.truth.roleTemplateIds).toEqual(a.roleTemplateId ? [a.roleTemplateId] : []);
      expect(u.truth.persona).toBe(a.persona);
      expect(u.accountEnabled).toBe(true);
    }
    expect(fido2Of(t2k.users.find((u) => u.id === DEMO_ACCOUNTS.user.id)!)).toHaveLength(0);
  });

  it('marks executives as VIPs in the VIP Executives group', () => {
    const vip = one(t2k, GROUP_NAMES.vip);
    const vips = t2k.users.filter((u) => u.truth.isVip);
    expect(vips.length).toBeGreaterThanOrEqual(5);
    expect([...vip.members].sort()).toEqual(vips.map((u) => u.id).sort());
    expect(vips.every((u) => u.department === 'Executive')).toBe(true);
  });
});

describe('generateTenant: groups', () => {
  it('nests Engineering two levels deep', () => {
    const eng = one(t2k, GROUP_NAMES.engineering);
    const platform = one(t2k, GROUP_NAMES.engineeringPlatform);
    const apps = one(t2k, GROUP_NAMES.engineeringApps);
    const sre = one(t2k, GROUP_NAMES.engineeringSre);
    expect(eng.members).toContain(platform.id);
    expect(eng.members).toContain(apps.id);
    expect(platform.members).toContain(sre.id);
    const engineers = t2k.users.filter((u) => u.department === 'Engineering').map((u) => u.id);
    expect([...transitiveUsers(t2k, eng)].sort()).toEqual(engineers.sort());
    expect(sre.members.length).toBeGreaterThan(0);
  });

  it('has a department group for every department, owned', () => {
    for (const dept of ['Sales', 'Marketing', 'Finance', 'HR', 'Legal', 'IT', 'Operations', 'Support', 'Executive']) {
      const g = one(t2k, dept);
      expect(g.members.length, dept).toBeGreaterThan(0);
      expect(g.owners.length, dept).toBeGreaterThan(0);
    }
  });

  it('has a dynamic-looking All Staff, a Microsoft 365 group and two groups with the same name', () => {
    const all = one(t2k, GROUP_NAMES.allStaff);
    expect(all.groupTypes).toEqual(['DynamicMembership']);
    expect(all.membershipRule).toContain('user.accountEnabled');
    expect(all.members.length).toBeGreaterThan(1800);
    const unified = one(t2k, GROUP_NAMES.unified);
    expect(unified.groupTypes).toEqual(['Unified']);
    expect(unified.mailEnabled).toBe(true);
    const twins = groupNamed(t2k, GROUP_NAMES.duplicate);
    expect(twins).toHaveLength(2);
    expect(twins[0]!.id).not.toBe(twins[1]!.id);
    expect(twins[0]!.mailNickname).not.toBe(twins[1]!.mailNickname);
  });

  it('keeps the Passkey Pilot small and free of privileged roles', () => {
    const pilot = one(t2k, GROUP_NAMES.pilot);
    expect(pilot.members.length).toBeGreaterThanOrEqual(15);
    expect(pilot.members.length).toBeLessThanOrEqual(30);
    expect(pilot.members).toContain(DEMO_ACCOUNTS.user.id);
    for (const id of pilot.members) expect(t2k.users.find((u) => u.id === id)!.truth.roleTemplateIds).toEqual([]);
  });

  it('has a group with more than 999 transitive members in a 3,000-user tenant', () => {
    const t = generateTenant({ users: 3000, seed: 11 });
    const sizes = t.groups.map((g) => transitiveUsers(t, g).size);
    expect(Math.max(...sizes)).toBeGreaterThan(999);
  });
});

describe('generateTenant: policies and catalog', () => {
  it('writes the migrated passkey policy with a Default and an admin hardware-key profile', () => {
    const f = t2k.fido2Configuration;
    const fixture = JSON.parse(
      readFileSync(new URL('../../fixtures/graph/fido2-method-configuration-update-passkey-profiles-request.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    for (const key of Object.keys(fixture)) expect(f, key).toHaveProperty(key);
    expect(f.defaultPasskeyProfile).toBe(DEFAULT_PASSKEY_PROFILE_ID);
    const def = f.passkeyProfiles.find((p) => p.id === DEFAULT_PASSKEY_PROFILE_ID)!;
    expect(def).toMatchObject({ passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled' });
    expect(f.includeTargets.find((x) => x.id === 'all_users')!.allowedPasskeyProfiles).toEqual([DEFAULT_PASSKEY_PROFILE_ID]);
    const admin = f.passkeyProfiles.find((p) => p.name === ADMIN_PASSKEY_PROFILE_NAME)!;
    expect(admin).toMatchObject({ passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' });
    expect(admin.keyRestrictions).toMatchObject({ isEnforced: true, enforcementType: 'allow' });
    expect(admin.keyRestrictions.aaGuids).toContain(KNOWN_AAGUIDS.yubiKey5Nfc);
    expect(admin.keyRestrictions.aaGuids).toContain(KNOWN_AAGUIDS.authenticatorIos);
    expect(admin.keyRestrictions.aaGuids).not.toContain(KNOWN_AAGUIDS.applePasswords);
    const tier0 = one(t2k, GROUP_NAMES.tier0);
    expect(f.includeTargets.find((x) => x.id === tier0.id)!.allowedPasskeyProfiles).toEqual([admin.id]);
  });

  it('writes the TAP policy and unrelated CA policies (one disabled, one for admin roles)', () => {
    expect(t2k.temporaryAccessPassPolicy).toEqual({
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: false,
      defaultLength: 8,
    });
    expect(t2k.authenticationStrengthPolicies).toEqual([]);
    const ca = t2k.conditionalAccessPolicies;
    expect(ca.length).toBeGreaterThanOrEqual(2);
    expect(ca.length).toBeLessThanOrEqual(3);
    expect(ca.some((p) => p.state === 'disabled')).toBe(true);
    expect(ca.some((p) => p.conditions.users.includeRoles.includes(ROLE_TEMPLATES.globalAdministrator))).toBe(true);
    expect(ca.some((p) => p.displayName === 'Block legacy authentication' && p.grantControls?.builtInControls.includes('block'))).toBe(true);
  });

  it("lists the bot's app in the org catalog, installed for about 10 % of users", () => {
    const bot = t2k.teamsAppCatalog.find((a) => a.externalId === DEFAULT_TEAMS_APP_EXTERNAL_ID)!;
    expect(bot.distributionMethod).toBe('organization');
    expect(bot.id).not.toBe(bot.externalId);
    expect(bot.installedFor.length / 2000).toBeGreaterThan(0.05);
    expect(bot.installedFor.length / 2000).toBeLessThan(0.15);
    expect(t2k.teamsAppCatalog.length).toBeGreaterThanOrEqual(2);
    const blocked = new Set(t2k.users.filter((u) => u.teamsAppBlocked).map((u) => u.id));
    expect(bot.installedFor.some((i) => blocked.has(i.userId))).toBe(false);
  });

  it('describes sign-ins: 2 per workday over 6–8 apps', () => {
    expect(t2k.signInProfile.perUserPerWorkday).toBe(2);
    expect(t2k.signInProfile.apps.length).toBeGreaterThanOrEqual(6);
    expect(t2k.signInProfile.apps.length).toBeLessThanOrEqual(8);
    expect(t2k.signInProfile.apps.map((a) => a.appDisplayName)).toContain('Microsoft Teams');
  });
});
