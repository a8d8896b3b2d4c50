/**
 * Well-known passkey provider AAGUIDs (Authenticator Attestation GUIDs).
 *
 * A data table, read on AAGUID_TABLE_DATE from:
 *  - the community list `passkeydeveloper/passkey-authenticator-aaguids` (`aaguid.json` and the per-AAGUID
 *    `dist/<aaguid>/meta.json` files) for passkey providers (synced managers, platform authenticators);
 *  - Microsoft Learn / `MicrosoftDocs/entra-docs`:
 *    `concept-fido2-hardware-vendor.md` (ms.date 10/06/2026, MDS version 285) for security keys,
 *    `how-to-enable-authenticator-passkey.md` (ms.date 07/05/2026) for Microsoft Authenticator,
 *    "Microsoft Entra passkeys on Windows" for the three Windows Hello AAGUIDs.
 * No AAGUID here comes from anywhere else. `services/passkeys/aaguid-sources.md` lists the source of each row.
 *
 * An AAGUID is only a *claim* for synced passkeys (no attestation), so this table names providers for
 * people; it never decides trust on its own. Unknown AAGUIDs (and the all-zero AAGUID some providers send)
 * simply return `undefined` from `lookupAaguid`.
 */

export type AaguidCategory = 'synced-provider' | 'platform' | 'authenticator-app' | 'security-key';

export interface AaguidInfo {
  /** Display name (the list's name, or the MDS description for security keys). */
  name: string;
  vendor: string;
  category: AaguidCategory;
  /** Whether a passkey from this provider is normally synced across the user's devices. */
  syncs: boolean;
  /**
   * Whether the provider is a credential manager that itself signs in with Entra SSO. A user whose only
   * passkey lives there cannot sign in to the manager without Entra, so enforcement locks them out.
   */
  signsInWithEntra: boolean;
}

export const AAGUID_TABLE_DATE = '2026-11-23';

export const AAGUID_TABLE_SOURCES = [
  'https://github.com/passkeydeveloper/passkey-authenticator-aaguids (aaguid.json, dist/*/meta.json)',
  'https://learn.microsoft.com/entra/identity/authentication/concept-fido2-hardware-vendor (MicrosoftDocs/entra-docs, ms.date 10/06/2026)',
  'https://learn.microsoft.com/entra/identity/authentication/how-to-enable-authenticator-passkey (MicrosoftDocs/entra-docs, ms.date 07/05/2026)',
  'https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-entra-passkeys-on-windows',
] as const;

/** The AAGUID authenticators send when they do not identify themselves. Deliberately not in the table. */
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** Named AAGUIDs the product and the tenant generator refer to in code. Every value is a table key. */
export const KNOWN_AAGUIDS = {
  applePasswords: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
  iCloudKeychainManaged: 'dd4ec289-e01d-41c9-bb89-70fa845d4bf2',
  googlePasswordManager: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
  samsungPass: '53414d53-554e-4700-0000-000000000000',
  microsoftPasswordManager: 'd3452668-01fd-4c12-926c-83a4204853aa',
  onePassword: 'bada5566-a7aa-401f-bd96-45619a55120d',
  bitwarden: 'd548826e-79b4-db40-a3d8-11116f7e8349',
  keeper: '0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6',
  dashlane: '531126d6-e717-415c-9320-3d9aa6981239',
  windowsHelloHardware: '08987058-cadc-4b81-b6e1-30de50dcbe96',
  windowsHelloVbs: '9ddd1817-af5a-4672-a2b9-3e3dd95000a9',
  windowsHelloSoftware: '6028b017-b1d4-4c02-b4b3-afcdafc96bb2',
  authenticatorIos: '90a3ccdf-635c-4729-a248-9b709135078f',
  authenticatorAndroid: 'de1e552d-db1d-4423-a619-566b625cdc84',
  yubiKey5Nfc: '2fc0579f-8113-47ea-b116-bb5a8db9202a',
  yubiKey5: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  yubiKey5Lightning: 'c5ef55ff-ad9a-4b9f-b580-adebafe026d0',
  yubiKey5Fips: '73bb0cd4-e502-49b8-9c6f-b59445bf720b',
  yubiKey5FipsNfc: 'c1f9a0bc-1dd2-404a-b27f-8e29047a43fd',
  yubiKeyBio: 'd8522d9f-575b-4866-88a9-ba99fa02f35b',
  securityKeyNfcByYubico: 'a4e9fc6d-4cbe-4758-b8ba-37598bb5bbaa',
  securityKeyByYubico: 'f8a011f3-8c0a-4d15-8006-17111f9edc7d',
  feitianBioPass: '77010bd7-212a-4fc9-b236-d2ca5e9d4084',
  feitianEPassNfc: '234cd403-35a2-4cc2-8015-77ea280c77f5',
  thalesIdPrime3940: 'b50d5e0a-7f81-4959-9b12-f45407407503',
  token2PinPlus: 'eabb46cc-e241-80bf-ae9e-96fa6d2975cf',
  googleTitanV2: '42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3',
} as const;

type Row = readonly [aaguid: string, name: string, vendor: string, category: AaguidCategory, syncs: boolean, signsInWithEntra: boolean];

const S = 'synced-provider' as const;
const P = 'platform' as const;
const A = 'authenticator-app' as const;
const K = 'security-key' as const;

// Synced providers and platform authenticators: passkeydeveloper aaguid.json / dist meta.json names.
// Authenticator: entra-docs how-to-enable-authenticator-passkey. Windows Hello: Entra passkeys on Windows.
// Security keys: entra-docs concept-fido2-hardware-vendor (MDS descriptions; one row per AAGUID, so a model
// with several AAGUIDs, e.g. firmware generations, appears several times under the same name).
const ROWS: readonly Row[] = [
  // ---- synced credential managers and platform providers (passkeydeveloper list) ----
  ['fbfc3007-154e-4ecc-8c0b-6e020557d7bd', 'iCloud Keychain (Apple Passwords)', 'Apple', S, true, false],
  ['dd4ec289-e01d-41c9-bb89-70fa845d4bf2', 'iCloud Keychain (Managed)', 'Apple', S, true, false],
  ['ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', 'Google Password Manager', 'Google', S, true, false],
  ['53414d53-554e-4700-0000-000000000000', 'Samsung Pass', 'Samsung', S, true, false],
  ['d3452668-01fd-4c12-926c-83a4204853aa', 'Microsoft Password Manager', 'Microsoft', S, true, true],
  ['bada5566-a7aa-401f-bd96-45619a55120d', '1Password', '1Password', S, true, true],
  ['d548826e-79b4-db40-a3d8-11116f7e8349', 'Bitwarden', 'Bitwarden', S, true, true],
  ['0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6', 'Keeper', 'Keeper Security', S, true, true],
  ['531126d6-e717-415c-9320-3d9aa6981239', 'Dashlane', 'Dashlane', S, true, true],
  ['b84e4048-15dc-4dd0-8640-f4f60813c8af', 'NordPass', 'Nord Security', S, true, true],
  ['50726f74-6f6e-5061-7373-50726f746f6e', 'Proton Pass', 'Proton', S, true, true],
  // Enpass: whether its business edition unlocks with Entra SSO was not checked; treated as not.
  ['f3809540-7f14-49c1-a8b3-8f813b225541', 'Enpass', 'Enpass', S, true, false],
  ['adce0002-35bc-c60a-648b-0b25f1f05503', 'Chrome on Mac', 'Google', P, false, false],
  ['771b48fd-d3d4-4f74-9232-fc157ab0507a', 'Edge on Mac', 'Microsoft', P, false, false],
  ['b5397666-4885-aa6b-cebf-e52262a439a2', 'Chromium Browser', 'Chromium', P, false, false],
  // ---- Windows Hello (device-bound platform passkeys) ----
  ['08987058-cadc-4b81-b6e1-30de50dcbe96', 'Windows Hello Hardware Authenticator', 'Microsoft', P, false, false],
  ['9ddd1817-af5a-4672-a2b9-3e3dd95000a9', 'Windows Hello VBS Hardware Authenticator', 'Microsoft', P, false, false],
  ['6028b017-b1d4-4c02-b4b3-afcdafc96bb2', 'Windows Hello Software Authenticator', 'Microsoft', P, false, false],
  // ---- Microsoft Authenticator (device-bound, attestable) ----
  ['90a3ccdf-635c-4729-a248-9b709135078f', 'Microsoft Authenticator for iOS', 'Microsoft', A, false, false],
  ['de1e552d-db1d-4423-a619-566b625cdc84', 'Microsoft Authenticator for Android', 'Microsoft', A, false, false],
  // ---- Yubico (YubiKey 5 Series covers 5 USB-A, 5C, 5 Nano and 5C Nano; "with Lightning" is the 5Ci) ----
  ['cb69481e-8ff7-4039-93ec-0a2729a154a8', 'YubiKey 5 Series', 'Yubico', K, false, false],
  ['ee882879-721c-4913-9775-3dfcce97072a', 'YubiKey 5 Series', 'Yubico', K, false, false],
  ['19083c3d-8383-4b18-bc03-8f1c9ab2fd1b', 'YubiKey 5 Series', 'Yubico', K, false, false],
  ['ff4dac45-ede8-4ec2-aced-cf66103f4335', 'YubiKey 5 Series', 'Yubico', K, false, false],
  ['2fc0579f-8113-47ea-b116-bb5a8db9202a', 'YubiKey 5 Series with NFC', 'Yubico', K, false, false],
  ['a25342c0-3cdc-4414-8e46-f4807fca511c', 'YubiKey 5 Series with NFC', 'Yubico', K, false, false],
  ['d7781e5d-e353-46aa-afe2-3ca49f13332a', 'YubiKey 5 Series with NFC', 'Yubico', K, false, false],
  ['fa2b99dc-9e39-4257-8f92-4a30d23c4118', 'YubiKey 5 Series with NFC', 'Yubico', K, false, false],
  ['c5ef55ff-ad9a-4b9f-b580-adebafe026d0', 'YubiKey 5 Series with Lightning', 'Yubico', K, false, false],
  ['a02167b9-ae71-4ac7-9a07-06432ebb6f1c', 'YubiKey 5 Series with Lightning', 'Yubico', K, false, false],
  ['24673149-6c86-42e7-98d9-433fb5b73296', 'YubiKey 5 Series with Lightning', 'Yubico', K, false, false],
  ['73bb0cd4-e502-49b8-9c6f-b59445bf720b', 'YubiKey 5 FIPS Series', 'Yubico', K, false, false],
  ['57f7de54-c807-4eab-b1c6-1c9be7984e92', 'YubiKey 5 FIPS Series', 'Yubico', K, false, false],
  ['c1f9a0bc-1dd2-404a-b27f-8e29047a43fd', 'YubiKey 5 FIPS Series with NFC', 'Yubico', K, false, false],
  ['fcc0118f-cd45-435b-8da1-9782b2da0715', 'YubiKey 5 FIPS Series with NFC', 'Yubico', K, false, false],
  ['85203421-48f9-4355-9bc8-8a53846e5083', 'YubiKey 5 FIPS Series with Lightning', 'Yubico', K, false, false],
  ['f8a011f3-8c0a-4d15-8006-17111f9edc7d', 'Security Key by Yubico', 'Yubico', K, false, false],
  ['b92c3f9a-c014-4056-887f-140a2501163b', 'Security Key by Yubico', 'Yubico', K, false, false],
  ['6d44ba9b-f6ec-2e49-b930-0c8fe920cb73', 'Security Key by Yubico with NFC', 'Yubico', K, false, false],
  ['149a2021-8ef6-4133-96b8-81f8d5b7f1f5', 'Security Key by Yubico with NFC', 'Yubico', K, false, false],
  ['a4e9fc6d-4cbe-4758-b8ba-37598bb5bbaa', 'Security Key NFC by Yubico', 'Yubico', K, false, false],
  ['b7d3f68e-88a6-471e-9ecf-2df26d041ede', 'Security Key NFC by Yubico', 'Yubico', K, false, false],
  ['e77e3c64-05e3-428b-8824-0cbeb04b829d', 'Security Key NFC by Yubico', 'Yubico', K, false, false],
  ['0bb43545-fd2c-4185-87dd-feb0b2916ace', 'Security Key NFC by Yubico - Enterprise Edition', 'Yubico', K, false, false],
  ['47ab2fb4-66ac-4184-9ae1-86be814012d5', 'Security Key NFC by Yubico - Enterprise Edition', 'Yubico', K, false, false],
  ['ed042a3a-4b22-4455-bb69-a267b652ae7e', 'Security Key NFC by Yubico - Enterprise Edition', 'Yubico', K, false, false],
  ['d8522d9f-575b-4866-88a9-ba99fa02f35b', 'YubiKey Bio Series - FIDO Edition', 'Yubico', K, false, false],
  ['dd86a2da-86a0-4cbe-b462-4bd31f57bc6f', 'YubiKey Bio Series - FIDO Edition', 'Yubico', K, false, false],
  ['7409272d-1ff9-4e10-9fc9-ac0019c124fd', 'YubiKey Bio Series - FIDO Edition', 'Yubico', K, false, false],
  ['7d1351a6-e097-4852-b8bf-c9ac5c9ce4a3', 'YubiKey Bio Series - Multi-protocol Edition', 'Yubico', K, false, false],
  ['90636e1f-ef82-43bf-bdcf-5255f139d12f', 'YubiKey Bio Series - Multi-protocol Edition', 'Yubico', K, false, false],
  ['34744913-4f57-4e6e-a527-e9ec3c4b94e6', 'YubiKey Bio Series - Multi-protocol Edition', 'Yubico', K, false, false],
  // ---- other common security keys ----
  ['12ded745-4bed-47d4-abaa-e713f51d6393', 'Feitian AllinOne FIDO2 Authenticator', 'Feitian', K, false, false],
  ['77010bd7-212a-4fc9-b236-d2ca5e9d4084', 'Feitian BioPass FIDO2 Authenticator', 'Feitian', K, false, false],
  ['b6ede29c-3772-412c-8a78-539c1f4c62d2', 'Feitian BioPass FIDO2 Plus Authenticator', 'Feitian', K, false, false],
  ['833b721a-ff5f-4d00-bb2e-bdda3ec01e29', 'Feitian ePass FIDO2 Authenticator', 'Feitian', K, false, false],
  ['ee041bce-25e5-4cdb-8f86-897fd6418464', 'Feitian ePass FIDO2-NFC Authenticator', 'Feitian', K, false, false],
  ['234cd403-35a2-4cc2-8015-77ea280c77f5', 'Feitian ePass FIDO2-NFC Series (CTAP2.1, CTAP2.0, U2F)', 'Feitian', K, false, false],
  ['b50d5e0a-7f81-4959-9b12-f45407407503', 'IDPrime 3940 FIDO', 'Thales', K, false, false],
  ['2194b428-9397-4046-8f39-007a1605a482', 'IDPrime 931 Fido', 'Thales', K, false, false],
  ['4d41190c-7beb-4a84-8018-adf265a6352d', 'Thales IDPrime FIDO Bio', 'Thales', K, false, false],
  ['74820b05-a6c9-40f9-8fb0-9f86aca93998', 'SafeNet eToken Fusion', 'Thales', K, false, false],
  ['ab32f0c6-2239-afbb-c470-d2ef4e254db7', 'TOKEN2 FIDO2 Security Key', 'Token2', K, false, false],
  ['eabb46cc-e241-80bf-ae9e-96fa6d2975cf', 'TOKEN2 PIN Plus Security Key Series', 'Token2', K, false, false],
  ['42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3', 'Google Titan Security Key v2', 'Google', K, false, false],
  ['692db549-7ae5-44d5-a1e5-dd20a493b723', 'HID Crescendo Key', 'HID Global', K, false, false],
  ['2d3bec26-15ee-4f5d-88b2-53622490270b', 'HID Crescendo Key V2', 'HID Global', K, false, false],
  ['931327dd-c89b-406c-a81e-ed7058ef36c6', 'Swissbit iShield Key FIDO2', 'Swissbit', K, false, false],
  ['5d629218-d3a5-11ed-afa1-0242ac120002', 'Swissbit iShield Key Pro', 'Swissbit', K, false, false],
];

function buildTable(rows: readonly Row[]): ReadonlyMap<string, Readonly<AaguidInfo>> {
  const table = new Map<string, Readonly<AaguidInfo>>();
  for (const [aaguid, name, vendor, category, syncs, signsInWithEntra] of rows) {
    table.set(aaguid, Object.freeze({ name, vendor, category, syncs, signsInWithEntra }));
  }
  return table;
}

const TABLE = buildTable(ROWS);

/** Every row as `[aaguid, info]` (lowercase AAGUIDs), for listing and for tests. */
export function listAaguids(): [string, Readonly<AaguidInfo>][] {
  return [...TABLE.entries()];
}

/** The raw rows' AAGUIDs in table order, duplicates included (a duplicate would be a table error). */
export function rawAaguidKeys(): string[] {
  return ROWS.map((r) => r[0]);
}

/** Looks an AAGUID up, case-insensitively and ignoring surrounding whitespace; unknown → `undefined`. */
export function lookupAaguid(aaguid: string | null | undefined): Readonly<AaguidInfo> | undefined {
  if (!aaguid) return undefined;
  return TABLE.get(aaguid.trim().toLowerCase());
}
