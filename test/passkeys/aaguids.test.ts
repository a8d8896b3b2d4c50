import { describe, expect, it } from 'vitest';
import {
  AAGUID_TABLE_DATE,
  AAGUID_TABLE_SOURCES,
  KNOWN_AAGUIDS,
  ZERO_AAGUID,
  listAaguids,
  lookupAaguid,
  rawAaguidKeys,
} from '../../services/passkeys/aaguids.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('AAGUID table', () => {
  it.each([
    ['fbfc3007-154e-4ecc-8c0b-6e020557d7bd', 'Apple', 'synced-provider', true, false],
    ['dd4ec289-e01d-41c9-bb89-70fa845d4bf2', 'Apple', 'synced-provider', true, false],
    ['ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', 'Google', 'synced-provider', true, false],
    ['53414d53-554e-4700-0000-000000000000', 'Samsung', 'synced-provider', true, false],
    ['d3452668-01fd-4c12-926c-83a4204853aa', 'Microsoft', 'synced-provider', true, true],
    ['bada5566-a7aa-401f-bd96-45619a55120d', '1Password', 'synced-provider', true, true],
    ['d548826e-79b4-db40-a3d8-11116f7e8349', 'Bitwarden', 'synced-provider', true, true],
    ['0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6', 'Keeper Security', 'synced-provider', true, true],
    ['531126d6-e717-415c-9320-3d9aa6981239', 'Dashlane', 'synced-provider', true, true],
    ['08987058-cadc-4b81-b6e1-30de50dcbe96', 'Microsoft', 'platform', false, false],
    ['9ddd1817-af5a-4672-a2b9-3e3dd95000a9', 'Microsoft', 'platform', false, false],
    ['6028b017-b1d4-4c02-b4b3-afcdafc96bb2', 'Microsoft', 'platform', false, false],
    ['90a3ccdf-635c-4729-a248-9b709135078f', 'Microsoft', 'authenticator-app', false, false],
    ['de1e552d-db1d-4423-a619-566b625cdc84', 'Microsoft', 'authenticator-app', false, false],
  ] as const)('knows %s (%s)', (aaguid, vendor, category, syncs, signsInWithEntra) => {
    expect(lookupAaguid(aaguid)).toMatchObject({ vendor, category, syncs, signsInWithEntra });
  });

  it('names the providers the product talks about', () => {
    const names = listAaguids().map(([, info]) => info.name);
    for (const expected of [
      'iCloud Keychain (Apple Passwords)',
      'iCloud Keychain (Managed)',
      'Google Password Manager',
      'Microsoft Password Manager',
      '1Password',
      'Bitwarden',
      'Keeper',
      'Dashlane',
      'Samsung Pass',
      'Windows Hello Hardware Authenticator',
      'Windows Hello VBS Hardware Authenticator',
      'Windows Hello Software Authenticator',
      'Microsoft Authenticator for iOS',
      'Microsoft Authenticator for Android',
      'YubiKey 5 Series',
      'YubiKey 5 Series with NFC',
      'YubiKey 5 Series with Lightning',
      'YubiKey 5 FIPS Series',
      'Security Key by Yubico',
      'Security Key NFC by Yubico',
      'YubiKey Bio Series - FIDO Edition',
      'Google Titan Security Key v2',
    ]) {
      expect(names, expected).toContain(expected);
    }
    const vendors = new Set(listAaguids().map(([, info]) => info.vendor));
    for (const v of ['Yubico', 'Feitian', 'Thales', 'Token2']) expect(vendors, v).toContain(v);
  });

  it('looks up case-insensitively and ignores surrounding whitespace', () => {
    expect(lookupAaguid('BADA5566-A7AA-401F-BD96-45619A55120D')?.name).toBe('1Password');
    expect(lookupAaguid('  Cb69481e-8FF7-4039-93ec-0a2729a154a8 ')?.name).toBe('YubiKey 5 Series');
  });

  it('answers undefined for unknown, empty and all-zero AAGUIDs', () => {
    expect(lookupAaguid('12345678-1234-4234-8234-123456789abc')).toBeUndefined();
    expect(lookupAaguid(ZERO_AAGUID)).toBeUndefined();
    expect(lookupAaguid('')).toBeUndefined();
    expect(lookupAaguid(null)).toBeUndefined();
    expect(lookupAaguid('not a guid')).toBeUndefined();
  });

  it('has no duplicate keys and every key is a lowercase GUID', () => {
    const keys = rawAaguidKeys();
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k, k).toMatch(GUID);
    expect(listAaguids()).toHaveLength(keys.length);
  });

  it('keeps only coherent rows: synced providers sync, nothing else does; only synced managers sign in with Entra', () => {
    for (const [aaguid, info] of listAaguids()) {
      expect(info.syncs, aaguid).toBe(info.category === 'synced-provider');
      if (info.signsInWithEntra) expect(info.category, aaguid).toBe('synced-provider');
      expect(info.name.length, aaguid).toBeGreaterThan(0);
    }
  });

  it('every named AAGUID is in the table', () => {
    for (const [key, aaguid] of Object.entries(KNOWN_AAGUIDS)) {
      expect(lookupAaguid(aaguid), key).toBeDefined();
    }
  });

  it('is dated and attributed', () => {
    expect(AAGUID_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(AAGUID_TABLE_SOURCES.some((s) => s.includes('passkeydeveloper/passkey-authenticator-aaguids'))).toBe(true);
    expect(AAGUID_TABLE_SOURCES.some((s) => s.includes('concept-fido2-hardware-vendor'))).toBe(true);
  });
});
