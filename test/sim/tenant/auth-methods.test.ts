import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { allPages, shapeDiff, startSim, type Harness } from './helpers.js';
import { AAGUID, T, tinyTenant } from './tiny-tenant.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/graph/${name}`, import.meta.url), 'utf8'));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('authentication methods', () => {
  it('lists every method type with @odata.type, in the documented shapes', async () => {
    h = await startSim();
    const r = await h.get(`/v1.0/users/${T.dave}/authentication/methods`);
    expect(r.status).toBe(200);
    const types = r.body.value.map((m: Record<string, string>) => m['@odata.type']);
    expect(types).toEqual([
      '#microsoft.graph.passwordAuthenticationMethod',
      '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
      '#microsoft.graph.fido2AuthenticationMethod',
    ]);
    const doc = fixture('authentication-methods-list-v1.json').value;
    // The docs' fido2 example spells the timestamp creationDateTime; the service sends createdDateTime (SOURCES.md).
    expect(shapeDiff(doc[0], r.body.value[3], ['creationDateTime'])).toEqual([]);
    expect(r.body.value[3].createdDateTime).toBeTypeOf('string');
    expect(shapeDiff(doc[1], r.body.value[2])).toEqual([]);
    const byUpn = await h.get('/v1.0/users/dave%40contoso.example/authentication/fido2Methods');
    expect(byUpn.body.value.map((m: { id: string }) => m.id)).toEqual(['pk-dave']);
    expect(shapeDiff(fixture('fido2-methods-list.json').value[0], byUpn.body.value[0], ['creationDateTime'])).toEqual([]);
    expect(byUpn.body.value[0].passkeyType).toBe('deviceBound');
  });

  it('serves the typed collections and single methods', async () => {
    h = await startSim();
    expect((await h.get(`/v1.0/users/${T.dave}/authentication/windowsHelloForBusinessMethods`)).body.value[0].id).toBe('whfb-dave');
    expect((await h.get(`/v1.0/users/${T.dave}/authentication/microsoftAuthenticatorMethods`)).body.value[0].id).toBe('d1');
    expect((await h.get(`/v1.0/users/${T.bob}/authentication/phoneMethods`)).body.value[0].phoneType).toBe('mobile');
    expect((await h.get(`/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`)).body.aaGuid).toBe(AAGUID.yubikey);
    expect((await h.get(`/v1.0/users/${T.alice}/authentication/fido2Methods/a1`)).status).toBe(404);
  });

  it('deleting a passkey removes it and moves registrationLastUpdated', async () => {
    h = await startSim();
    const before = await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${T.alice}`);
    await h.clock.advance(3_600_000);
    const del = await h.call('DELETE', `/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`);
    expect(del.status).toBe(204);
    expect((await h.get(`/v1.0/users/${T.alice}/authentication/fido2Methods`)).body.value).toEqual([]);
    const after = await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${T.alice}`);
    expect(after.body.lastUpdatedDateTime).toBe(h.clock.now().toISOString());
    expect(after.body.lastUpdatedDateTime).not.toBe(before.body.lastUpdatedDateTime);
    expect(after.body.methodsRegistered).not.toContain('passKeyDeviceBound');
    expect((await h.call('DELETE', `/v1.0/users/${T.alice}/authentication/fido2Methods/pk-alice`)).status).toBe(404);
  });
});

describe('Temporary Access Pass', () => {
  it('creates a pass as documented, shows the code only once, and keeps one per user', async () => {
    h = await startSim();
    const req = fixture('temporary-access-pass-create-request.json');
    const start = new Date(h.clock.nowMs() + 2 * 86_400_000).toISOString();
    const r = await h.call('POST', `/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods`, { body: { ...req, startDateTime: start } });
    expect(r.status).toBe(201);
    const doc = fixture('temporary-access-pass-create-response.json');
    expect(shapeDiff(doc, r.body)).toEqual([]);
    expect(r.body.temporaryAccessPass).toMatch(/^.{8}$/);
    expect(r.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid', lifetimeInMinutes: 60, isUsableOnce: false });

    const got = await h.get(`/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods/${r.body.id}`);
    expect(got.body.temporaryAccessPass).toBeNull();

    const now = await h.call('POST', `/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods`, { body: { lifetimeInMinutes: 120 } });
    expect(now.body).toMatchObject({ isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });
    const list = await h.get(`/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods`);
    expect(list.body.value.map((m: { id: string }) => m.id)).toEqual([now.body.id]);
    expect(list.body.value[0].temporaryAccessPass).toBeNull();

    await h.clock.advance(121 * 60_000);
    const expired = await h.get(`/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods/${now.body.id}`);
    expect(expired.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'Expired' });
    expect((await h.call('DELETE', `/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods/${now.body.id}`)).status).toBe(204);
  });

  it('enforces the TAP policy: lifetime bounds, one-time use, disabled policy', async () => {
    const tenant = tinyTenant();
    tenant.temporaryAccessPassPolicy.isUsableOnce = true;
    h = await startSim({ tenant });
    const path = `/v1.0/users/${T.bob}/authentication/temporaryAccessPassMethods`;
    const short = await h.call('POST', path, { body: { lifetimeInMinutes: 30 } });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toContain('valid range between 60 and 480');
    expect((await h.call('POST', path, { body: { lifetimeInMinutes: 481 } })).status).toBe(400);
    expect((await h.call('POST', path, { body: { isUsableOnce: false } })).status).toBe(400);
    const def = await h.call('POST', path, { body: {} });
    expect(def.body).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true });

    const off = tinyTenant();
    off.temporaryAccessPassPolicy.state = 'disabled';
    await h.close();
    h = await startSim({ tenant: off });
    expect((await h.call('POST', path, { body: {} })).status).toBe(403);
  });
});

describe('registration details report', () => {
  const rowOf = (items: { id: string }[], id: string) => items.find((r) => r.id === id) as unknown as Record<string, unknown> & { methodsRegistered: string[] };

  it('derives methodsRegistered with the current passkey spellings', async () => {
    h = await startSim();
    const { items, pages } = await allPages(h, '/v1.0/reports/authenticationMethods/userRegistrationDetails');
    expect(pages.map((p) => p.body.value.length)).toEqual([3, 3, 1]);
    expect(items.map((r) => r.id)).not.toContain(T.erin);
    expect(rowOf(items, T.alice).methodsRegistered).toEqual(['microsoftAuthenticatorPush', 'passKeyDeviceBound']);
    expect(rowOf(items, T.carol).methodsRegistered).toEqual(['microsoftAuthenticatorPush', 'passKeySynced']);
    expect(rowOf(items, T.dave).methodsRegistered).toEqual(['microsoftAuthenticatorPush', 'passKeyDeviceBoundAuthenticator', 'windowsHelloForBusiness']);
    expect(rowOf(items, T.bob).methodsRegistered).toEqual(['mobilePhone']);
    expect(rowOf(items, T.gina).methodsRegistered).toEqual(['email', 'softwareOneTimePasscode']);
    expect(rowOf(items, T.alice)).toMatchObject({ isAdmin: true, isMfaRegistered: true, isPasswordlessCapable: true, userType: 'member' });
    expect(rowOf(items, T.frank)).toMatchObject({ userType: 'guest', isPasswordlessCapable: false });
    expect(rowOf(items, T.gina).isAdmin).toBe(true);
    const doc = fixture('user-registration-details-list-v1.json');
    expect(Object.keys(rowOf(items, T.bob))).toEqual(Object.keys(doc.value[0]));
    expect(shapeDiff(doc.value[0], rowOf(items, T.bob))).toEqual([]);
  });

  it('adds defaultMfaMethod on beta', async () => {
    h = await startSim();
    const r = await h.get(`/beta/reports/authenticationMethods/userRegistrationDetails/${T.bob}`);
    const doc = fixture('user-registration-details-list-beta.json');
    expect(shapeDiff(doc.value[0], r.body)).toEqual([]);
    expect(r.body.defaultMfaMethod).toBe('mobilePhone');
    expect((await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${T.bob}`)).body).not.toHaveProperty('defaultMfaMethod');
  });

  it.each([
    ['noSynced', [T.carol, ['microsoftAuthenticatorPush']], [T.dave, ['microsoftAuthenticatorPush', 'passKeyDeviceBoundAuthenticator', 'windowsHelloForBusiness']]],
    ['legacy', [T.carol, ['microsoftAuthenticatorPush', 'fido2SecurityKey']], [T.dave, ['microsoftAuthenticatorPush', 'fido2SecurityKey', 'windowsHelloForBusiness']]],
  ] as const)('spells passkeys in %s mode', async (mode, [u1, m1], [u2, m2]) => {
    h = await startSim({ tenant: tinyTenant({ registrationReportPasskeyValues: mode }) });
    expect((await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${u1}`)).body.methodsRegistered).toEqual(m1);
    expect((await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${u2}`)).body.methodsRegistered).toEqual(m2);
  });

  it('reflects a Windows Hello passkey and a new registration', async () => {
    h = await startSim();
    await h.clock.advance(60_000);
    h.sim.registerPasskey(T.bob, { aaGuid: AAGUID.windowsHello, passkeyType: 'deviceBound' });
    const r = await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails/${T.bob}`);
    expect(r.body.methodsRegistered).toEqual(['mobilePhone', 'passKeyDeviceBoundWindowsHello']);
    expect(r.body.lastUpdatedDateTime).toBe(h.clock.now().toISOString());
    expect(r.body.isPasswordlessCapable).toBe(true);
  });

  it('accepts $top only when the tenant does, and the documented filters', async () => {
    h = await startSim();
    const refused = await h.get('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=2');
    expect(refused.status).toBe(400);
    const filters: [string, string[]][] = [
      ["methodsRegistered/any(m:m eq 'passKeySynced')", [T.carol]],
      ['isAdmin eq true', [T.alice, T.gina]],
      ["userPrincipalName eq 'bob@contoso.example'", [T.bob]],
      ["startsWith(userPrincipalName,'gl')", [T.glass]],
      ["userType eq 'guest'", [T.frank]],
      ['isPasswordlessCapable eq true and isAdmin eq false', [T.carol, T.dave, T.glass]],
    ];
    for (const [f, ids] of filters) {
      const { items } = await allPages(h, `/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent(f)}`);
      expect(items.map((r) => r.id), f).toEqual(ids);
    }
    expect((await h.get(`/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent("lastUpdatedDateTime ge 2025-01-01T00:00:00Z")}`)).status).toBe(400);
    await h.close();
    h = await startSim({ tenant: tinyTenant({ registrationReportAcceptsTop: true }) });
    expect((await h.get('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=5')).body.value).toHaveLength(5);
    expect((await h.get('/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=1000')).status).toBe(400);
  });
});
