/**
 * Seeded tenant generator: a realistic, deterministic simulated Entra tenant (file format `model.ts`).
 *
 * The same options always give the same tenant, byte for byte: every random choice and every id comes
 * from one `SeededRandom`, consumed in a fixed order. Each user carries a `truth` block (persona, roles,
 * break-glass, VIP) so tests can compare the bot's picture with what the generator meant, user by user.
 * Documented in `docs/tenant-file.md`.
 */
import { SeededRandom } from '../../system/clock.js';
import { KNOWN_AAGUIDS, ZERO_AAGUID, listAaguids, lookupAaguid } from '../../passkeys/aaguids.js';
import {
  ROLE_TEMPLATES,
  TENANT_FILE_VERSION,
  type GraphAuthenticationMethod,
  type GraphConditionalAccessPolicy,
  type GraphFido2Configuration,
  type GraphFido2Method,
  type SimBehaviour,
  type SimDevice,
  type SimDirectoryRole,
  type SimGroup,
  type SimTeamsCatalogApp,
  type SimUser,
  type TenantFile,
} from './model.js';

// ---- public constants ---------------------------------------------------------------------------

export const DEFAULT_GENERATED_AT = '2026-11-02T08:00:00Z';
export const DEFAULT_DOMAIN = 'contoso.example';
export const DEFAULT_TEAMS_APP_EXTERNAL_ID = 'b7d9e0a1-6c3f-4c55-9a1e-5d0f2e7c1a01';
/** The smallest tenant that still holds every role, persona and special group. */
export const MIN_USERS = 50;
export const MAX_USERS = 1_000_000;

export const DEFAULT_BEHAVIOUR: Readonly<SimBehaviour> = Object.freeze({
  registrationReportPasskeyValues: 'current',
  registrationReportPageSize: 1000,
  registrationReportAcceptsTop: true,
  duplicateInstallAnswer: 409,
  signInsPolicyFilterSupported: true,
});

/** Id of the Default passkey profile (graph-facts §1: the documented examples use this id). */
export const DEFAULT_PASSKEY_PROFILE_ID = '00000000-0000-0000-0000-000000000001';
export const ADMIN_PASSKEY_PROFILE_NAME = 'Administrators - hardware keys';

/**
 * Named accounts present in every generated tenant, with fixed object ids (independent of the seed), so
 * the demo and the tests can act as known people. The UPN is `<upnPrefix>@<domain>`.
 */
export const DEMO_ACCOUNTS = Object.freeze({
  user: {
    id: 'de300000-0000-4000-8000-000000000001',
    upnPrefix: 'demo.user',
    displayName: 'Demo User',
    department: 'Sales',
    jobTitle: 'Account Executive',
    roleTemplateId: null,
    persona: 'no-passkey',
  },
  helpdesk: {
    id: 'de300000-0000-4000-8000-000000000002',
    upnPrefix: 'demo.helpdesk',
    displayName: 'Demo Helpdesk',
    department: 'Support',
    jobTitle: 'Service Desk Analyst',
    roleTemplateId: ROLE_TEMPLATES.helpdeskAdministrator,
    persona: 'authenticator-passkey',
  },
  authadmin: {
    id: 'de300000-0000-4000-8000-000000000003',
    upnPrefix: 'demo.authadmin',
    displayName: 'Demo Authentication Admin',
    department: 'IT',
    jobTitle: 'Identity Support Engineer',
    roleTemplateId: ROLE_TEMPLATES.authenticationAdministrator,
    persona: 'security-key',
  },
  admin: {
    id: 'de300000-0000-4000-8000-000000000004',
    upnPrefix: 'demo.admin',
    displayName: 'Demo Security Admin',
    department: 'IT',
    jobTitle: 'Security Engineer',
    roleTemplateId: ROLE_TEMPLATES.securityAdministrator,
    persona: 'admin-security-key',
  },
  admin2: {
    id: 'de300000-0000-4000-8000-000000000005',
    upnPrefix: 'demo.admin2',
    displayName: 'Demo Conditional Access Admin',
    department: 'IT',
    jobTitle: 'Identity Architect',
    roleTemplateId: ROLE_TEMPLATES.conditionalAccessAdministrator,
    persona: 'admin-security-key',
  },
} as const);

export type DemoAccountKey = keyof typeof DEMO_ACCOUNTS;

export function demoUpn(key: DemoAccountKey, domain: string = DEFAULT_DOMAIN): string {
  return `${DEMO_ACCOUNTS[key].upnPrefix}@${domain}`;
}

/** Display names of the groups every generated tenant has. */
export const GROUP_NAMES = Object.freeze({
  allStaff: 'All Staff',
  tier0: 'Tier 0 Administrators',
  helpdeskOperators: 'Helpdesk Operators',
  breakGlass: 'Emergency Access Accounts',
  vip: 'VIP Executives',
  pilot: 'Passkey Pilot',
  unified: 'Contoso Social Club',
  /** Two different groups carry this name (an ambiguity the bot must answer with candidates). */
  duplicate: 'Project Phoenix',
  externalPartners: 'External Partners',
  engineering: 'Engineering',
  engineeringPlatform: 'Engineering - Platform',
  engineeringApps: 'Engineering - Apps',
  engineeringSre: 'Engineering - Platform - SRE',
});

export const DEPARTMENTS = [
  'Engineering',
  'Sales',
  'Marketing',
  'Finance',
  'HR',
  'Legal',
  'IT',
  'Operations',
  'Support',
  'Executive',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

// ---- personas -----------------------------------------------------------------------------------

type PasskeyKind = 'synced' | 'securityKey' | 'adminKey' | 'authenticator' | 'windowsHello' | 'unknown' | 'zero';

interface PersonaSpec {
  passkeys: readonly { kind: PasskeyKind; aaguids?: readonly string[] }[];
  /** Register a Windows Hello for Business method. */
  whfb?: boolean;
  /** Register phone / Authenticator / e-mail MFA methods besides the password. */
  mfa: boolean;
  /** Persona for members with no methods at all (guests). */
  noMethods?: boolean;
}

const K = KNOWN_AAGUIDS;
const synced = (...aaguids: string[]) => ({ kind: 'synced' as const, aaguids });

/** Every persona the generator writes into `truth.persona`, with the methods it stands for. */
const PERSONA_SPECS = {
  'no-passkey': { passkeys: [], mfa: true },
  'password-only': { passkeys: [], mfa: false },
  'synced-icloud': { passkeys: [synced(K.applePasswords)], mfa: true },
  'synced-icloud-managed': { passkeys: [synced(K.iCloudKeychainManaged)], mfa: true },
  'synced-google': { passkeys: [synced(K.googlePasswordManager)], mfa: true },
  'synced-samsung': { passkeys: [synced(K.samsungPass)], mfa: true },
  'pm-only-1password': { passkeys: [synced(K.onePassword)], mfa: true },
  'pm-only-bitwarden': { passkeys: [synced(K.bitwarden)], mfa: true },
  'pm-only-keeper': { passkeys: [synced(K.keeper)], mfa: true },
  'pm-only-dashlane': { passkeys: [synced(K.dashlane)], mfa: true },
  'pm-only-microsoft': { passkeys: [synced(K.microsoftPasswordManager)], mfa: true },
  'security-key': { passkeys: [{ kind: 'securityKey' }], mfa: true },
  'authenticator-passkey': { passkeys: [{ kind: 'authenticator' }], mfa: true },
  whfb: { passkeys: [], whfb: true, mfa: true },
  'windows-hello-passkey': { passkeys: [{ kind: 'windowsHello' }], mfa: true },
  'synced-and-security-key': {
    passkeys: [synced(K.applePasswords, K.googlePasswordManager, K.onePassword, K.bitwarden), { kind: 'securityKey' }],
    mfa: true,
  },
  'synced-and-authenticator': {
    passkeys: [synced(K.onePassword, K.bitwarden, K.keeper, K.dashlane, K.microsoftPasswordManager), { kind: 'authenticator' }],
    mfa: true,
  },
  'two-security-keys': { passkeys: [{ kind: 'securityKey' }, { kind: 'securityKey' }], mfa: true },
  'unknown-provider': { passkeys: [{ kind: 'unknown' }], mfa: true },
  'zero-aaguid': { passkeys: [{ kind: 'zero' }], mfa: true },
  'admin-security-key': { passkeys: [{ kind: 'adminKey' }], mfa: true },
  'admin-two-security-keys': { passkeys: [{ kind: 'adminKey' }, { kind: 'adminKey' }], mfa: true },
  'admin-synced-only': { passkeys: [synced(K.applePasswords, K.onePassword, K.googlePasswordManager)], mfa: true },
  'admin-authenticator': { passkeys: [{ kind: 'authenticator' }], mfa: true },
  'admin-no-passkey': { passkeys: [], mfa: true },
  'break-glass': { passkeys: [{ kind: 'adminKey', aaguids: [K.yubiKey5FipsNfc] }, { kind: 'adminKey', aaguids: [K.yubiKey5Fips] }], mfa: false },
  guest: { passkeys: [], mfa: false, noMethods: true },
} as const satisfies Record<string, PersonaSpec>;

export type Persona = keyof typeof PERSONA_SPECS;
export const PERSONAS = Object.freeze(Object.keys(PERSONA_SPECS) as Persona[]);

/** Personas of ordinary workforce members, with their weights (normalised when drawn). */
export const WORKFORCE_PERSONA_WEIGHTS: readonly (readonly [Persona, number])[] = [
  ['no-passkey', 34],
  ['password-only', 2],
  ['synced-icloud', 7],
  ['synced-icloud-managed', 1],
  ['synced-google', 5],
  ['synced-samsung', 1.5],
  ['pm-only-1password', 2.5],
  ['pm-only-bitwarden', 1.5],
  ['pm-only-keeper', 1],
  ['pm-only-dashlane', 1],
  ['pm-only-microsoft', 1.5],
  ['security-key', 9],
  ['authenticator-passkey', 10],
  ['whfb', 7],
  ['windows-hello-passkey', 3],
  ['synced-and-security-key', 3],
  ['synced-and-authenticator', 3],
  ['two-security-keys', 2],
  ['unknown-provider', 1],
  ['zero-aaguid', 1],
];

/** Personas of Tier 0 administrators, given in this order first so every one is present, then weighted. */
export const ADMIN_PERSONA_ORDER: readonly Persona[] = [
  'admin-security-key',
  'admin-synced-only',
  'admin-two-security-keys',
  'admin-authenticator',
  'admin-no-passkey',
];
const ADMIN_PERSONA_WEIGHTS: readonly (readonly [Persona, number])[] = [
  ['admin-security-key', 75],
  ['admin-two-security-keys', 10],
  ['admin-synced-only', 7],
  ['admin-authenticator', 5],
  ['admin-no-passkey', 3],
];

const SECURITY_KEY_WEIGHTS: readonly (readonly [string, number])[] = [
  [K.yubiKey5Nfc, 30],
  [K.yubiKey5, 15],
  [K.yubiKey5Lightning, 5],
  [K.yubiKey5Fips, 5],
  [K.yubiKey5FipsNfc, 5],
  [K.securityKeyNfcByYubico, 10],
  [K.securityKeyByYubico, 3],
  [K.yubiKeyBio, 5],
  [K.feitianBioPass, 5],
  [K.feitianEPassNfc, 5],
  [K.thalesIdPrime3940, 4],
  [K.token2PinPlus, 4],
  [K.googleTitanV2, 4],
];
const ADMIN_KEY_WEIGHTS: readonly (readonly [string, number])[] = [
  [K.yubiKey5Nfc, 40],
  [K.yubiKey5Fips, 20],
  [K.yubiKey5FipsNfc, 20],
  [K.yubiKey5Lightning, 10],
  [K.yubiKeyBio, 10],
];
const WINDOWS_HELLO_WEIGHTS: readonly (readonly [string, number])[] = [
  [K.windowsHelloHardware, 6],
  [K.windowsHelloVbs, 2],
  [K.windowsHelloSoftware, 2],
];

/**
 * Real authenticators the product's AAGUID table does not list (entra-docs concept-fido2-hardware-vendor,
 * MDS 285), for the `unknown-provider` persona.
 */
export const UNLISTED_AUTHENTICATORS: readonly { aaguid: string; model: string }[] = [
  { aaguid: '2cd2f727-f6ca-44da-8f48-5c2e5da000a2', model: 'Nitrokey 3 AM' },
  { aaguid: 'd94a29d9-52dd-4247-9c2d-8b818b610389', model: 'VeriMark Guard Fingerprint Key' },
  { aaguid: '3b1adb99-0dfe-46fd-90b8-7f7614a4de2a', model: 'GoTrust Idem Key' },
  { aaguid: 'ba76a271-6eb6-4171-874d-b6428dbe3437', model: 'ATKey.ProS' },
];

// Graph's fixed method ids (MGDC phoneauthenticationmethod / passwordauthenticationmethod / email docs).
const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
const MOBILE_PHONE_METHOD_ID = '3179e48a-750b-4051-897c-87b9720928f7';
const ALT_MOBILE_PHONE_METHOD_ID = 'b6332ec1-7057-4abe-9331-3d72feddfe41';
const OFFICE_PHONE_METHOD_ID = 'e37fc753-ff3b-4958-9484-eaa9425c82bc';
const EMAIL_METHOD_ID = '3ddfcfc8-9383-446f-83cc-3ab9be4be18f';

// ---- people data --------------------------------------------------------------------------------

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Daniel', 'Karen',
  'Matthew', 'Nancy', 'Anthony', 'Lisa', 'Mark', 'Emily', 'Andrew', 'Michelle', 'Joshua', 'Laura',
  'Kevin', 'Rebecca', 'Brian', 'Amanda', 'Ryan', 'Melissa', 'Jacob', 'Stephanie', 'Nicholas', 'Rachel',
  'Luca', 'Sofia', 'Lukas', 'Emma', 'Hugo', 'Chloé', 'Mateo', 'Lucía', 'Jan', 'Anna',
  'Finn', 'Mia', 'Oliver', 'Amelia', 'Noah', 'Isla', 'Lars', 'Ingrid', 'Piotr', 'Zofia',
  'Matteo', 'Giulia', 'Pablo', 'Elena', 'Sven', 'Astrid', 'Niamh', 'Seán', 'Théo', 'Léa',
  'Aarav', 'Priya', 'Vihaan', 'Ananya', 'Arjun', 'Diya', 'Rohan', 'Kavya', 'Rahul', 'Sneha',
  'Aditya', 'Pooja', 'Vikram', 'Meera', 'Sanjay', 'Lakshmi', 'Wei', 'Li', 'Jun', 'Mei',
  'Hiroshi', 'Yuki', 'Haruto', 'Sakura', 'Min-jun', 'Seo-yeon', 'Ji-ho', 'Ha-eun', 'Arif', 'Siti',
  'Nguyen', 'Linh', 'Kai', 'Aiko', 'Liam', 'Chloe', 'Jack', 'Olivia', 'Ethan', 'Zara',
  'Lucas', 'Beatriz', 'Gabriel', 'Camila', 'Rafael', 'Mariana', 'Omar', 'Layla', 'Yusuf', 'Amira',
];

const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Dubois', 'Lefèvre',
  'Moreau', 'Laurent', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', "O'Brien", 'Murphy', 'Kelly',
  'Jansen', 'de Vries', 'van Dijk', 'Nowak', 'Kowalski', 'Wiśniewski', 'Johansson', 'Andersson', 'Nilsson', 'Hansen',
  'Sharma', 'Patel', 'Singh', 'Kumar', 'Gupta', 'Reddy', 'Iyer', 'Nair', 'Mehta', 'Joshi',
  'Rao', 'Das', 'Chatterjee', 'Menon', 'Pillai', 'Wang', 'Zhang', 'Liu', 'Chen', 'Yang',
  'Huang', 'Zhao', 'Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Kim', 'Park', 'Choi',
  'Tran', 'Pham', 'Santos', 'Oliveira', 'Silva', 'Costa', 'Pereira', 'Haddad', 'Khan', 'Rahman',
  'Nguyen', 'Wong', 'Tan', 'Lim', 'Ng', 'Mitchell', 'Campbell', 'Roberts', 'Carter', 'Phillips',
];

interface Office {
  city: string;
  country: string;
  windowsZone: string;
  ianaZone: string;
  language: string;
  weight: number;
}

const OFFICES: readonly Office[] = [
  { city: 'Seattle', country: 'US', windowsZone: 'Pacific Standard Time', ianaZone: 'America/Los_Angeles', language: 'en-US', weight: 12 },
  { city: 'San Francisco', country: 'US', windowsZone: 'Pacific Standard Time', ianaZone: 'America/Los_Angeles', language: 'en-US', weight: 6 },
  { city: 'Denver', country: 'US', windowsZone: 'Mountain Standard Time', ianaZone: 'America/Denver', language: 'en-US', weight: 3 },
  { city: 'Chicago', country: 'US', windowsZone: 'Central Standard Time', ianaZone: 'America/Chicago', language: 'en-US', weight: 6 },
  { city: 'New York', country: 'US', windowsZone: 'Eastern Standard Time', ianaZone: 'America/New_York', language: 'en-US', weight: 10 },
  { city: 'Toronto', country: 'CA', windowsZone: 'Eastern Standard Time', ianaZone: 'America/Toronto', language: 'en-CA', weight: 3 },
  { city: 'São Paulo', country: 'BR', windowsZone: 'E. South America Standard Time', ianaZone: 'America/Sao_Paulo', language: 'pt-BR', weight: 3 },
  { city: 'London', country: 'GB', windowsZone: 'GMT Standard Time', ianaZone: 'Europe/London', language: 'en-GB', weight: 8 },
  { city: 'Dublin', country: 'IE', windowsZone: 'GMT Standard Time', ianaZone: 'Europe/Dublin', language: 'en-IE', weight: 3 },
  { city: 'Berlin', country: 'DE', windowsZone: 'W. Europe Standard Time', ianaZone: 'Europe/Berlin', language: 'de-DE', weight: 5 },
  { city: 'Munich', country: 'DE', windowsZone: 'W. Europe Standard Time', ianaZone: 'Europe/Berlin', language: 'de-DE', weight: 3 },
  { city: 'Amsterdam', country: 'NL', windowsZone: 'W. Europe Standard Time', ianaZone: 'Europe/Amsterdam', language: 'nl-NL', weight: 3 },
  { city: 'Paris', country: 'FR', windowsZone: 'Romance Standard Time', ianaZone: 'Europe/Paris', language: 'fr-FR', weight: 4 },
  { city: 'Madrid', country: 'ES', windowsZone: 'Romance Standard Time', ianaZone: 'Europe/Madrid', language: 'es-ES', weight: 2 },
  { city: 'Milan', country: 'IT', windowsZone: 'W. Europe Standard Time', ianaZone: 'Europe/Rome', language: 'it-IT', weight: 2 },
  { city: 'Stockholm', country: 'SE', windowsZone: 'W. Europe Standard Time', ianaZone: 'Europe/Stockholm', language: 'sv-SE', weight: 2 },
  { city: 'Warsaw', country: 'PL', windowsZone: 'Central European Standard Time', ianaZone: 'Europe/Warsaw', language: 'pl-PL', weight: 2 },
  { city: 'Bengaluru', country: 'IN', windowsZone: 'India Standard Time', ianaZone: 'Asia/Kolkata', language: 'en-IN', weight: 9 },
  { city: 'Pune', country: 'IN', windowsZone: 'India Standard Time', ianaZone: 'Asia/Kolkata', language: 'en-IN', weight: 4 },
  { city: 'Hyderabad', country: 'IN', windowsZone: 'India Standard Time', ianaZone: 'Asia/Kolkata', language: 'hi-IN', weight: 3 },
  { city: 'Singapore', country: 'SG', windowsZone: 'Singapore Standard Time', ianaZone: 'Asia/Singapore', language: 'en-SG', weight: 3 },
  { city: 'Tokyo', country: 'JP', windowsZone: 'Tokyo Standard Time', ianaZone: 'Asia/Tokyo', language: 'ja-JP', weight: 3 },
  { city: 'Seoul', country: 'KR', windowsZone: 'Korea Standard Time', ianaZone: 'Asia/Seoul', language: 'ko-KR', weight: 1 },
  { city: 'Shanghai', country: 'CN', windowsZone: 'China Standard Time', ianaZone: 'Asia/Shanghai', language: 'zh-CN', weight: 2 },
  { city: 'Sydney', country: 'AU', windowsZone: 'AUS Eastern Standard Time', ianaZone: 'Australia/Sydney', language: 'en-AU', weight: 3 },
];

const DEPARTMENT_WEIGHTS: readonly (readonly [Exclude<Department, 'Executive'>, number])[] = [
  ['Engineering', 32],
  ['Sales', 15],
  ['Marketing', 7],
  ['Finance', 6],
  ['HR', 4],
  ['Legal', 2],
  ['IT', 6],
  ['Operations', 12],
  ['Support', 16],
];

const JOB_TITLES: Record<Department, readonly string[]> = {
  Engineering: ['Software Engineer', 'Senior Software Engineer', 'Principal Engineer', 'QA Engineer', 'DevOps Engineer', 'Data Engineer', 'Site Reliability Engineer'],
  Sales: ['Account Executive', 'Sales Development Representative', 'Account Manager', 'Solutions Consultant', 'Sales Operations Analyst'],
  Marketing: ['Marketing Specialist', 'Content Strategist', 'Product Marketing Manager', 'Marketing Analyst', 'Brand Designer'],
  Finance: ['Financial Analyst', 'Accountant', 'Payroll Specialist', 'Controller', 'Accounts Payable Clerk'],
  HR: ['HR Generalist', 'Recruiter', 'People Partner', 'Benefits Specialist'],
  Legal: ['Counsel', 'Paralegal', 'Compliance Analyst'],
  IT: ['Systems Administrator', 'Network Engineer', 'Endpoint Engineer', 'Cloud Engineer', 'IT Support Specialist'],
  Operations: ['Operations Analyst', 'Logistics Coordinator', 'Facilities Coordinator', 'Procurement Specialist', 'Program Manager'],
  Support: ['Support Engineer', 'Customer Success Manager', 'Technical Support Specialist', 'Service Desk Analyst'],
  Executive: ['Vice President'],
};

const EXECUTIVE_TITLES = [
  'Chief Executive Officer',
  'Chief Financial Officer',
  'Chief Technology Officer',
  'Chief Operating Officer',
  'Chief Information Security Officer',
  'Chief Marketing Officer',
  'General Counsel',
  'Chief People Officer',
];

const GUEST_DOMAINS = ['fabrikam.example', 'northwind.example', 'adatum.example', 'tailspin.example'];

const IOS_VERSIONS: readonly (readonly [string, number])[] = [['15.7.9', 1], ['16.7.10', 2], ['17.6.1', 3], ['18.1.1', 4], ['18.2', 3]];
const ANDROID_VERSIONS: readonly (readonly [string, number])[] = [['8.1.0', 1], ['11', 2], ['12', 2], ['13', 3], ['14', 4], ['15', 2]];
const WINDOWS_VERSIONS: readonly (readonly [string, number])[] = [['6.3.9600', 1], ['10.0.19045.5131', 5], ['10.0.22631.4460', 6], ['10.0.26100.2314', 4]];
const MACOS_VERSIONS: readonly (readonly [string, number])[] = [['12.7.6', 1], ['13.7.1', 2], ['14.7.1', 4], ['15.1.1', 4]];
const IPHONES = ['iPhone 13', 'iPhone 14', 'iPhone 15', 'iPhone 15 Pro', 'iPhone 16'];
const ANDROID_PHONES = ['Pixel 7a', 'Pixel 8', 'Galaxy S23', 'Galaxy S24', 'Galaxy A54'];

const SIGN_IN_APPS: readonly { appId: string | null; appDisplayName: string }[] = [
  { appId: '00000002-0000-0ff1-ce00-000000000000', appDisplayName: 'Office 365 Exchange Online' },
  { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', appDisplayName: 'Microsoft Teams' },
  { appId: '00000003-0000-0ff1-ce00-000000000000', appDisplayName: 'Office 365 SharePoint Online' },
  { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', appDisplayName: 'Azure Portal' },
  { appId: '4765445b-32c6-49b0-83e6-1d93765276ca', appDisplayName: 'OfficeHome' },
  { appId: '4813382a-8fa7-425e-ab75-3b753aab3abb', appDisplayName: 'Microsoft Authenticator App' },
  // Third-party enterprise apps have a tenant-specific id; the generator draws one from the seed.
  { appId: null, appDisplayName: 'Salesforce' },
  { appId: null, appDisplayName: 'Workday' },
];

// ---- options ------------------------------------------------------------------------------------

export interface GenerateTenantOptions {
  /** Total number of user objects, including the demo accounts, break-glass accounts and guests. */
  users: number;
  seed: number;
  /** ISO 8601; every generated timestamp is before it. Default `DEFAULT_GENERATED_AT`. */
  generatedAt?: string;
  tenantId?: string;
  domain?: string;
  /** The bot's Teams app manifest id (`externalId` in the org catalog). */
  teamsAppExternalId?: string;
  behaviour?: Partial<SimBehaviour>;
}

/** Thrown for options the generator cannot use; `option` names the offending field. */
export class GenerateOptionError extends RangeError {
  constructor(
    readonly option: keyof GenerateTenantOptions,
    message: string,
  ) {
    super(message);
    this.name = 'GenerateOptionError';
  }
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DOMAIN_RE = /^(?=.{3,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

function checkOptions(opts: GenerateTenantOptions): void {
  if (!Number.isInteger(opts.users) || opts.users < MIN_USERS || opts.users > MAX_USERS) {
    throw new GenerateOptionError('users', `users must be an integer from ${MIN_USERS} to ${MAX_USERS} (got ${String(opts.users)})`);
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new GenerateOptionError('seed', `seed must be an integer from 0 to 4294967295 (got ${String(opts.seed)})`);
  }
  if (opts.generatedAt !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(opts.generatedAt)) {
    throw new GenerateOptionError('generatedAt', `generatedAt must be an ISO 8601 UTC timestamp such as ${DEFAULT_GENERATED_AT}`);
  }
  if (opts.generatedAt !== undefined && Number.isNaN(Date.parse(opts.generatedAt))) {
    throw new GenerateOptionError('generatedAt', `generatedAt is not a valid date: ${opts.generatedAt}`);
  }
  if (opts.tenantId !== undefined && !GUID_RE.test(opts.tenantId)) {
    throw new GenerateOptionError('tenantId', `tenantId must be a GUID (got ${opts.tenantId})`);
  }
  if (opts.domain !== undefined && !DOMAIN_RE.test(opts.domain)) {
    throw new GenerateOptionError('domain', `domain must be a lowercase DNS name such as ${DEFAULT_DOMAIN} (got ${opts.domain})`);
  }
  if (opts.teamsAppExternalId !== undefined && opts.teamsAppExternalId.trim() === '') {
    throw new GenerateOptionError('teamsAppExternalId', 'teamsAppExternalId must not be empty');
  }
}

// ---- randomness ---------------------------------------------------------------------------------

interface Weighted<T> {
  values: T[];
  cumulative: number[];
  total: number;
}

function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  const values: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [v, w] of entries) {
    total += w;
    values.push(v);
    cumulative.push(total);
  }
  return { values, cumulative, total };
}

class Dice {
  private readonly rng: SeededRandom;
  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
  }
  next(): number {
    return this.rng.next();
  }
  uuid(): string {
    return this.rng.uuid();
  }
  int(n: number): number {
    return Math.floor(this.rng.next() * n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  draw<T>(w: Weighted<T>): T {
    const x = this.rng.next() * w.total;
    const c = w.cumulative;
    for (let i = 0; i < c.length; i++) if (x < c[i]!) return w.values[i]!;
    return w.values[w.values.length - 1]!;
  }
  /** `k` distinct items, in draw order (partial Fisher–Yates on a copy). */
  sample<T>(items: readonly T[], k: number): T[] {
    const a = items.slice();
    const n = Math.min(k, a.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(a.length - i);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a.slice(0, n);
  }
  hex(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += HEX[this.int(16)];
    return s;
  }
  bytes(len: number): Buffer {
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = this.int(256);
    return b;
  }
}

const HEX = '0123456789abcdef';
const DAY = 86_400_000;

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
}

// ---- internal person record ---------------------------------------------------------------------

type Kind = 'demo' | 'breakglass' | 'executive' | 'member' | 'guest';

interface Person {
  kind: Kind;
  id: string;
  first: string;
  last: string;
  upn: string;
  mail: string | null;
  department: Department | null;
  jobTitle: string | null;
  office: Office | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  mailboxTimeZone: string | null;
  enabled: boolean;
  createdMs: number;
  phone: 'iOS' | 'Android';
  persona: Persona | null;
  roles: string[];
  tier0: boolean;
  managerId: string | null;
  teamsAppBlocked: boolean;
}

// ---- the generator ------------------------------------------------------------------------------

export function generateTenant(opts: GenerateTenantOptions): TenantFile {
  checkOptions(opts);
  const d = new Dice(opts.seed);
  const generatedAt = opts.generatedAt ?? DEFAULT_GENERATED_AT;
  const tenantId = opts.tenantId ?? d.uuid();
  const org = new Organisation(d, opts.users, Date.parse(generatedAt), opts.domain ?? DEFAULT_DOMAIN);

  org.createPeople();
  const viaGroup = org.assignRoles();
  org.assignPersonas();
  const tree = org.assignManagers();
  org.blockTeamsApp();

  const fido2 = new Fido2Maker(d, org.baseMs, weighted(SECURITY_KEY_WEIGHTS), weighted(ADMIN_KEY_WEIGHTS), weighted(WINDOWS_HELLO_WEIGHTS));
  const users: SimUser[] = org.people.map((p) => buildUser(d, p, fido2, org.baseMs));
  const groups = buildGroups(d, org, tree, viaGroup);
  const directoryRoles = buildDirectoryRoles(d, org.people, viaGroup, groups.helpdeskOperators.id);

  return {
    version: TENANT_FILE_VERSION,
    tenant: {
      id: tenantId,
      displayName: 'Contoso (simulated)',
      domain: org.domain,
      defaultTimeZone: 'America/New_York',
      seed: opts.seed,
      generatedAt,
    },
    users,
    groups: groups.all,
    directoryRoles,
    authenticationStrengthPolicies: [],
    conditionalAccessPolicies: makeCaPolicies(d, org.baseMs, groups.breakGlass.id),
    fido2Configuration: makeFido2Configuration(d, groups.tier0.id),
    temporaryAccessPassPolicy: {
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 480,
      isUsableOnce: false,
      defaultLength: 8,
    },
    teamsAppCatalog: makeCatalog(d, org.people, opts.teamsAppExternalId ?? DEFAULT_TEAMS_APP_EXTERNAL_ID),
    signInProfile: {
      perUserPerWorkday: 2,
      apps: SIGN_IN_APPS.map((a) => ({ appId: a.appId ?? d.uuid(), appDisplayName: a.appDisplayName })),
    },
    behaviour: { ...DEFAULT_BEHAVIOUR, ...(opts.behaviour ?? {}) },
  };
}

/** Counts users per `truth.persona`, sorted by persona name (for the CLI summary and tests). */
export function countPersonas(tenant: Pick<TenantFile, 'users'>): Record<string, number> {
  const counts = new Map<string, number>();
  for (const u of tenant.users) counts.set(u.truth.persona, (counts.get(u.truth.persona) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

// ---- people, roles, personas, managers ----------------------------------------------------------

interface ManagerTree {
  ceo: Person;
  byDept: Map<Department, Person[]>;
  heads: Map<Department, Person>;
  managers: Set<Person>;
}

/** The people of the tenant and who they are; each phase consumes the seed in a fixed order. */
class Organisation {
  readonly people: Person[] = [];
  private readonly upnCounts = new Map<string, number>();
  private readonly offices = weighted(OFFICES.map((o) => [o, o.weight] as const));

  constructor(
    private readonly d: Dice,
    readonly size: number,
    readonly baseMs: number,
    readonly domain: string,
  ) {
    for (const key of Object.keys(DEMO_ACCOUNTS) as DemoAccountKey[]) this.upnCounts.set(DEMO_ACCOUNTS[key].upnPrefix, 1);
    this.upnCounts.set('breakglass01', 1);
    this.upnCounts.set('breakglass02', 1);
  }

  of(kind: Kind): Person[] {
    return this.people.filter((p) => p.kind === kind);
  }

  createPeople(): void {
    const d = this.d;
    for (const key of Object.keys(DEMO_ACCOUNTS) as DemoAccountKey[]) {
      const a = DEMO_ACCOUNTS[key];
      const [first, ...rest] = a.displayName.split(' ');
      const p = this.add('demo', first!, rest.join(' '), a.upnPrefix, a.id);
      p.department = a.department;
      p.jobTitle = a.jobTitle;
      p.office = OFFICES[0]!;
      p.usageLocation = 'US';
      p.preferredLanguage = 'en-US';
      p.mailboxTimeZone = 'Pacific Standard Time';
      p.persona = a.persona;
      if (a.roleTemplateId) p.roles.push(a.roleTemplateId);
      p.tier0 = key === 'admin' || key === 'admin2';
    }
    // Break-glass: cloud-only Global Administrators with no mailbox and no department.
    for (const nr of ['01', '02']) {
      const p = this.add('breakglass', 'Break', `Glass ${nr}`, `breakglass${nr}`, d.uuid());
      p.mail = null;
      p.usageLocation = 'US';
      p.persona = 'break-glass';
      p.roles.push(ROLE_TEMPLATES.globalAdministrator);
    }

    const n = this.size;
    const guestCount = Math.max(1, Math.round(n * 0.03));
    const execCount = clamp(Math.round(n / 300), 5, 60);
    const memberCount = n - this.people.length - guestCount - execCount;
    const departments = weighted(DEPARTMENT_WEIGHTS);

    for (let i = 0; i < execCount; i++) {
      const p = this.addNamed('executive');
      p.department = 'Executive';
      p.jobTitle = i < EXECUTIVE_TITLES.length ? EXECUTIVE_TITLES[i]! : `Vice President, ${d.pick(DEPARTMENT_WEIGHTS)[0]}`;
      this.locate(p, i === 0 ? OFFICES[0]! : d.draw(this.offices));
    }
    for (let i = 0; i < memberCount; i++) {
      const p = this.addNamed('member');
      p.department = d.draw(departments);
      p.jobTitle = d.pick(JOB_TITLES[p.department]);
      this.locate(p, d.draw(this.offices));
      p.enabled = !d.chance(0.02);
    }
    for (let i = 0; i < guestCount; i++) {
      const first = d.pick(FIRST_NAMES);
      const last = d.pick(LAST_NAMES);
      const home = d.pick(GUEST_DOMAINS);
      const local = localPartOf(first, last);
      // B2B guests: the home address with '@' turned into '_', then #EXT# and the tenant's domain.
      const p = this.add('guest', first, last, this.uniqueLocalPart(`${local}_${home}#EXT#`), d.uuid());
      p.mail = `${local}@${home}`;
      p.persona = 'guest';
    }
  }

  /** Gives directory roles; returns the helpdesk staff who hold their role through the Helpdesk Operators group. */
  assignRoles(): Set<string> {
    const d = this.d;
    const n = this.size;
    const enabled = this.of('member').filter((p) => p.enabled);
    const assign = (count: number, role: string, depts: Department[], title: string, tier0: boolean): Person[] => {
      const free = enabled.filter((p) => p.roles.length === 0);
      const preferred = free.filter((p) => p.department !== null && depts.includes(p.department));
      const others = free.filter((p) => !(p.department !== null && depts.includes(p.department)));
      const chosen = [...d.sample(preferred, count), ...d.sample(others, count)].slice(0, count);
      for (const p of chosen) {
        p.roles.push(role);
        p.jobTitle = title;
        p.tier0 = p.tier0 || tier0;
      }
      return chosen;
    };
    const R = ROLE_TEMPLATES;
    assign(n < 5000 ? 2 : 3, R.globalAdministrator, ['IT'], 'IT Director', true);
    assign(clamp(Math.round(n / 2500), 1, 6), R.securityAdministrator, ['IT'], 'Security Engineer', true);
    assign(1 + (n >= 20_000 ? 1 : 0), R.conditionalAccessAdministrator, ['IT'], 'Identity Engineer', true);
    assign(1 + (n >= 20_000 ? 1 : 0), R.authenticationPolicyAdministrator, ['IT'], 'Identity Engineer', true);
    assign(1 + (n >= 50_000 ? 1 : 0), R.privilegedAuthenticationAdministrator, ['IT'], 'Identity Operations Lead', true);
    assign(clamp(Math.round(n / 2000), 1, 10), R.authenticationAdministrator, ['IT', 'Support'], 'Identity Support Engineer', false);
    const helpdesk = assign(clamp(Math.round(n / 700), 2, 25), R.helpdeskAdministrator, ['Support'], 'Service Desk Analyst', false);
    assign(1 + (n >= 10_000 ? 1 : 0), R.globalReader, ['IT', 'Legal'], 'IT Auditor', false);
    assign(1, R.userAdministrator, ['IT'], 'Systems Administrator', false);
    return new Set(helpdesk.slice(0, Math.ceil(helpdesk.length / 2)).map((p) => p.id));
  }

  assignPersonas(): void {
    const d = this.d;
    const workforce = weighted(WORKFORCE_PERSONA_WEIGHTS);
    const admins = weighted(ADMIN_PERSONA_WEIGHTS);
    const ordinary = WORKFORCE_PERSONA_WEIGHTS.map(([p]) => p);
    let adminSlot = 0;
    let workforceSlot = 0;
    for (const p of this.people) {
      if (p.persona) continue;
      if (p.tier0) {
        p.persona = adminSlot < ADMIN_PERSONA_ORDER.length ? ADMIN_PERSONA_ORDER[adminSlot]! : d.draw(admins);
        adminSlot++;
      } else if (p.kind === 'member' && p.roles.length === 0 && workforceSlot < ordinary.length) {
        // The first ordinary members take every workforce persona once, so even small tenants have them all.
        p.persona = ordinary[workforceSlot++]!;
      } else {
        p.persona = d.draw(workforce);
      }
    }
  }

  /** One tree per department under its head; heads and executives report to the CEO. */
  assignManagers(): ManagerTree {
    const d = this.d;
    const executives = this.of('executive');
    const ceo = executives[0]!;
    for (const e of executives) if (e !== ceo) e.managerId = ceo.id;
    const byDept = new Map<Department, Person[]>();
    for (const p of this.people) {
      if (p.department && p.kind !== 'executive') {
        const list = byDept.get(p.department) ?? [];
        list.push(p);
        byDept.set(p.department, list);
      }
    }
    const heads = new Map<Department, Person>();
    const allManagers = new Set<Person>();
    for (const [dept, list] of byDept) {
      const candidates = list.filter((p) => p.kind === 'member' && p.enabled);
      const head = candidates[0] ?? list[0]!;
      heads.set(dept, head);
      head.managerId = ceo.id;
      if (head.kind === 'member' && head.roles.length === 0) head.jobTitle = `Head of ${dept}`;
      const managers = candidates.filter((p) => p !== head).slice(0, Math.max(1, Math.floor(list.length / 10)));
      for (const m of managers) {
        m.managerId = head.id;
        if (m.roles.length === 0) m.jobTitle = `${dept} Manager`;
        allManagers.add(m);
      }
      for (const p of list) {
        if (p === head || allManagers.has(p)) continue;
        p.managerId = managers.length > 0 ? d.pick(managers).id : head.id;
      }
    }
    return { ceo, byDept, heads, managers: allManagers };
  }

  /** The org blocks the bot's app for ~0.5 % of members (at least one). */
  blockTeamsApp(): void {
    const members = this.of('member');
    for (const p of members) if (this.d.chance(0.005)) p.teamsAppBlocked = true;
    if (!members.some((p) => p.teamsAppBlocked)) this.d.pick(members).teamsAppBlocked = true;
  }

  private addNamed(kind: Kind): Person {
    const first = this.d.pick(FIRST_NAMES);
    const last = this.d.pick(LAST_NAMES);
    return this.add(kind, first, last, this.uniqueLocalPart(localPartOf(first, last)), this.d.uuid());
  }

  private add(kind: Kind, first: string, last: string, localPart: string, id: string): Person {
    const d = this.d;
    const p: Person = {
      kind,
      id,
      first,
      last,
      upn: `${localPart}@${this.domain}`,
      mail: `${localPart}@${this.domain}`,
      department: null,
      jobTitle: null,
      office: null,
      usageLocation: null,
      preferredLanguage: null,
      mailboxTimeZone: null,
      enabled: true,
      createdMs: this.baseMs - (30 + d.int(6 * 365)) * DAY - d.int(DAY),
      phone: d.chance(0.5) ? 'iOS' : 'Android',
      persona: null,
      roles: [],
      tier0: false,
      managerId: null,
      teamsAppBlocked: false,
    };
    this.people.push(p);
    return p;
  }

  private uniqueLocalPart(base: string): string {
    const seen = this.upnCounts.get(base) ?? 0;
    this.upnCounts.set(base, seen + 1);
    return seen === 0 ? base : `${base}${seen + 1}`;
  }

  private locate(p: Person, office: Office): void {
    const d = this.d;
    p.office = office;
    if (!d.chance(0.05)) {
      const r = d.next();
      p.mailboxTimeZone = r < 0.5 ? office.windowsZone : r < 0.97 ? office.ianaZone : 'UTC';
      p.usageLocation = office.country;
    } else {
      p.mail = null;
      p.mailboxTimeZone = null;
      // A few users have neither a mailbox nor a usage location: they fall back to the tenant default.
      p.usageLocation = d.chance(0.1) ? null : office.country;
    }
    const l = d.next();
    p.preferredLanguage = l < 0.7 ? office.language : l < 0.9 ? 'en-US' : null;
  }
}

// ---- groups and roles ---------------------------------------------------------------------------

interface BuiltGroups {
  all: SimGroup[];
  tier0: SimGroup;
  helpdeskOperators: SimGroup;
  breakGlass: SimGroup;
}

function buildGroups(d: Dice, org: Organisation, tree: ManagerTree, helpdeskViaGroup: Set<string>): BuiltGroups {
  const all: SimGroup[] = [];
  const nicknames = new Set<string>();
  const group = (
    displayName: string,
    description: string,
    members: string[],
    owners: string[],
    extra: Partial<Pick<SimGroup, 'groupTypes' | 'membershipRule' | 'isAssignableToRole'>> = {},
  ): SimGroup => {
    const unified = extra.groupTypes?.includes('Unified') ?? false;
    const g: SimGroup = {
      id: d.uuid(),
      displayName,
      description,
      mailNickname: nickname(displayName, nicknames),
      mailEnabled: unified,
      securityEnabled: !unified,
      groupTypes: extra.groupTypes ?? [],
      membershipRule: extra.membershipRule ?? null,
      isAssignableToRole: extra.isAssignableToRole ?? false,
      members,
      owners,
    };
    all.push(g);
    return g;
  };
  const ids = (people: Person[]) => people.map((p) => p.id);
  const { ceo, byDept, heads } = tree;
  const executives = org.of('executive');
  const enabledMembers = org.of('member').filter((p) => p.enabled);
  const itOwner = org.people.find((p) => p.kind === 'member' && p.roles.includes(ROLE_TEMPLATES.globalAdministrator)) ?? ceo;

  for (const dept of DEPARTMENTS) {
    const list = dept === 'Executive' ? executives : (byDept.get(dept) ?? []);
    const owner = dept === 'Executive' ? ceo : (heads.get(dept) ?? itOwner);
    if (dept !== 'Engineering') {
      group(dept, `Everyone in the ${dept} department`, ids(list), [owner.id]);
      continue;
    }
    // Engineering nests two levels deep: Engineering ⊃ Platform ⊃ SRE, and Engineering ⊃ Apps. The head and
    // the managers are direct members; everyone else sits in one team.
    const leads = list.filter((p) => p === owner || tree.managers.has(p));
    const leadSet = new Set(leads);
    const teams = { platform: [] as string[], sre: [] as string[], apps: [] as string[] };
    for (const p of list) {
      if (leadSet.has(p)) continue;
      const r = d.next();
      (r < 0.35 ? teams.platform : r < 0.5 ? teams.sre : teams.apps).push(p.id);
    }
    const sre = group(GROUP_NAMES.engineeringSre, 'Site reliability engineering (part of Platform)', teams.sre, [owner.id]);
    const platform = group(GROUP_NAMES.engineeringPlatform, 'Platform engineering teams', [...teams.platform, sre.id], [owner.id]);
    const apps = group(GROUP_NAMES.engineeringApps, 'Application engineering teams', teams.apps, [owner.id]);
    group(GROUP_NAMES.engineering, 'Everyone in the Engineering department (nested teams)', [...ids(leads), platform.id, apps.id], [owner.id]);
  }

  group(
    GROUP_NAMES.allStaff,
    'All enabled employees (dynamic)',
    ids(org.people.filter((p) => p.enabled && p.kind !== 'guest' && p.department !== null)),
    [itOwner.id],
    { groupTypes: ['DynamicMembership'], membershipRule: '(user.accountEnabled -eq true) and (user.userType -eq "Member") and (user.department -ne null)' },
  );
  const tier0 = group(GROUP_NAMES.tier0, 'Tier 0 administrators: device-bound, attested passkeys only', ids(org.people.filter((p) => p.tier0)), [itOwner.id], {
    isAssignableToRole: true,
  });
  const helpdeskOperators = group(GROUP_NAMES.helpdeskOperators, 'Holds the Helpdesk Administrator role', [...helpdeskViaGroup], [itOwner.id], {
    isAssignableToRole: true,
  });
  const breakGlass = group(GROUP_NAMES.breakGlass, 'Break-glass accounts; excluded from every Conditional Access policy', ids(org.of('breakglass')), [itOwner.id]);
  group(GROUP_NAMES.vip, 'Executives (Tier 1: device-bound passkeys)', ids(executives), [ceo.id]);

  const n = org.size;
  const pilot = d.sample(enabledMembers.filter((p) => p.roles.length === 0), Math.max(3, Math.round(n * 0.01)));
  group(GROUP_NAMES.pilot, 'Early adopters for the passkey rollout', [DEMO_ACCOUNTS.user.id, ...ids(pilot)], [itOwner.id]);
  const social = d.sample(enabledMembers, Math.max(3, Math.round(n * 0.05)));
  group(GROUP_NAMES.unified, 'Clubs, events and the office kitchen', ids(social), [d.pick(social).id], { groupTypes: ['Unified'] });
  const phoenixPool = enabledMembers.filter((p) => p.department === 'Engineering' || p.department === 'Marketing');
  const phoenixA = d.sample(phoenixPool.length >= 3 ? phoenixPool : enabledMembers, Math.max(3, Math.min(40, Math.round(n * 0.01))));
  group(GROUP_NAMES.duplicate, 'Project Phoenix core team (security group)', ids(phoenixA), [phoenixA[0]!.id]);
  const phoenixB = d.sample(enabledMembers, Math.max(3, Math.min(25, Math.round(n * 0.008))));
  group(GROUP_NAMES.duplicate, 'Project Phoenix stakeholders (Microsoft 365 group)', ids(phoenixB), [phoenixB[0]!.id], { groupTypes: ['Unified'] });
  group(GROUP_NAMES.externalPartners, 'Guests from partner organisations', ids(org.of('guest')), [itOwner.id]);

  return { all, tier0, helpdeskOperators, breakGlass };
}

const ROLE_DISPLAY_NAMES: Record<string, string> = {
  [ROLE_TEMPLATES.globalAdministrator]: 'Global Administrator',
  [ROLE_TEMPLATES.securityAdministrator]: 'Security Administrator',
  [ROLE_TEMPLATES.conditionalAccessAdministrator]: 'Conditional Access Administrator',
  [ROLE_TEMPLATES.authenticationPolicyAdministrator]: 'Authentication Policy Administrator',
  [ROLE_TEMPLATES.authenticationAdministrator]: 'Authentication Administrator',
  [ROLE_TEMPLATES.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE_TEMPLATES.helpdeskAdministrator]: 'Helpdesk Administrator',
  [ROLE_TEMPLATES.globalReader]: 'Global Reader',
  [ROLE_TEMPLATES.userAdministrator]: 'User Administrator',
};

function buildDirectoryRoles(d: Dice, people: Person[], helpdeskViaGroup: Set<string>, helpdeskGroupId: string): SimDirectoryRole[] {
  const helpdesk = ROLE_TEMPLATES.helpdeskAdministrator;
  return Object.entries(ROLE_DISPLAY_NAMES).map(([templateId, displayName]) => {
    const members = people
      .filter((p) => p.roles.includes(templateId) && !(templateId === helpdesk && helpdeskViaGroup.has(p.id)))
      .map((p) => p.id);
    if (templateId === helpdesk) members.push(helpdeskGroupId);
    return { id: d.uuid(), roleTemplateId: templateId, displayName, members };
  });
}

// ---- per-user construction ----------------------------------------------------------------------

class Fido2Maker {
  constructor(
    private readonly d: Dice,
    private readonly baseMs: number,
    private readonly secKeys: Weighted<string>,
    private readonly adminKeys: Weighted<string>,
    private readonly helloKeys: Weighted<string>,
  ) {}

  make(kind: PasskeyKind, choices: readonly string[] | undefined, phone: 'iOS' | 'Android', notBeforeMs: number): GraphFido2Method {
    const d = this.d;
    let aaguid: string;
    let model: string;
    let passkeyType: 'deviceBound' | 'synced' = 'deviceBound';
    let attested = false;
    let displayName: string;
    switch (kind) {
      case 'synced': {
        aaguid = d.pick(choices!);
        const info = lookupAaguid(aaguid)!;
        model = info.name;
        passkeyType = 'synced';
        displayName = d.chance(0.6) ? info.name : d.pick(['My passkey', 'Work passkey', 'Passkey']);
        break;
      }
      case 'securityKey':
      case 'adminKey': {
        aaguid = choices ? d.pick(choices) : d.draw(kind === 'adminKey' ? this.adminKeys : this.secKeys);
        model = lookupAaguid(aaguid)!.name;
        attested = true;
        displayName = d.pick(['YubiKey', 'Security key', 'Work key', 'Blue key', 'Backup key', model]);
        break;
      }
      case 'authenticator':
        aaguid = phone === 'iOS' ? KNOWN_AAGUIDS.authenticatorIos : KNOWN_AAGUIDS.authenticatorAndroid;
        model = lookupAaguid(aaguid)!.name;
        attested = true;
        displayName = phone === 'iOS' ? d.pick(IPHONES) : d.pick(ANDROID_PHONES);
        break;
      case 'windowsHello':
        aaguid = d.draw(this.helloKeys);
        model = lookupAaguid(aaguid)!.name;
        displayName = `Windows Hello (${windowsDeviceName(d)})`;
        break;
      case 'unknown': {
        const u = d.pick(UNLISTED_AUTHENTICATORS);
        aaguid = u.aaguid;
        model = u.model;
        attested = d.chance(0.5);
        displayName = d.pick(['Security key', 'Passkey', u.model]);
        break;
      }
      case 'zero':
        aaguid = ZERO_AAGUID;
        model = '';
        passkeyType = d.chance(0.7) ? 'synced' : 'deviceBound';
        displayName = 'Passkey';
        break;
    }
    const from = Math.max(notBeforeMs, this.baseMs - 540 * DAY);
    const created = from + d.next() * (this.baseMs - from - 3_600_000);
    const lastUsed = d.chance(0.15) ? null : created + d.next() * (this.baseMs - created);
    return {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
      id: d.bytes(16).toString('base64url') + '2',
      displayName,
      createdDateTime: iso(created),
      lastUsedDateTime: lastUsed === null ? null : iso(lastUsed),
      aaGuid: aaguid,
      model,
      attestationCertificates: attested ? [d.hex(40)] : [],
      attestationLevel: attested ? 'attested' : 'notAttested',
      passkeyType,
    };
  }
}

function buildUser(d: Dice, p: Person, fido2: Fido2Maker, baseMs: number): SimUser {
  const spec: PersonaSpec = PERSONA_SPECS[p.persona!];
  const methods: GraphAuthenticationMethod[] = [];
  const created = (from: number) => from + d.next() * (baseMs - from - 3_600_000);
  let newest = p.createdMs;
  const stamp = (ms: number): string => {
    if (ms > newest) newest = ms;
    return iso(ms);
  };

  if (!spec.noMethods) {
    methods.push({
      '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
      id: PASSWORD_METHOD_ID,
      password: null,
      createdDateTime: stamp(created(p.createdMs)),
    });
  }
  if (spec.mfa) {
    const r = d.next();
    const phone = r < 0.75;
    const app = r >= 0.35 || spec.passkeys.some((k) => k.kind === 'authenticator');
    if (phone) {
      methods.push({
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: MOBILE_PHONE_METHOD_ID,
        phoneNumber: `+1 5550100${String(d.int(1000)).padStart(3, '0')}`,
        phoneType: 'mobile',
        smsSignInState: 'notAllowedByPolicy',
      });
      if (d.chance(0.08)) {
        const office = d.chance(0.5);
        methods.push({
          '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
          id: office ? OFFICE_PHONE_METHOD_ID : ALT_MOBILE_PHONE_METHOD_ID,
          phoneNumber: `+1 5550100${String(d.int(1000)).padStart(3, '0')}`,
          phoneType: office ? 'office' : 'alternateMobile',
          smsSignInState: 'notSupported',
        });
      }
    }
    if (app) {
      methods.push({
        '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
        id: d.uuid(),
        displayName: p.phone === 'iOS' ? d.pick(IPHONES) : d.pick(ANDROID_PHONES),
        deviceTag: 'SoftwareTokenActivated',
        phoneAppVersion: p.phone === 'iOS' ? d.pick(['6.8.14', '6.8.17', '6.8.20']) : d.pick(['6.2409.6094', '6.2410.6557', '6.2411.7208']),
        createdDateTime: stamp(created(p.createdMs)),
      });
    }
    if (d.chance(0.2)) {
      methods.push({
        '@odata.type': '#microsoft.graph.emailAuthenticationMethod',
        id: EMAIL_METHOD_ID,
        emailAddress: `${localPartOf(p.first, p.last)}@mail.example`,
      });
    }
    if (d.chance(0.04)) {
      methods.push({ '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: d.uuid(), secretKey: null });
    }
  }
  if (spec.whfb) {
    methods.push({
      '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
      id: d.uuid(),
      displayName: windowsDeviceName(d),
      createdDateTime: stamp(created(p.createdMs)),
      keyStrength: d.chance(0.97) ? 'normal' : 'weak',
    });
  }
  for (const k of spec.passkeys) {
    const m = fido2.make(k.kind, 'aaguids' in k ? k.aaguids : undefined, p.phone, p.createdMs);
    stamp(Date.parse(m.createdDateTime));
    methods.push(m);
  }

  const user: SimUser = {
    id: p.id,
    userPrincipalName: p.upn,
    displayName: p.kind === 'breakglass' ? `Break Glass ${p.last.slice(-2)}` : `${p.first} ${p.last}`,
    givenName: p.kind === 'breakglass' ? null : p.first,
    surname: p.kind === 'breakglass' ? null : p.last,
    mail: p.mail,
    jobTitle: p.jobTitle,
    department: p.department,
    officeLocation: p.office?.city ?? null,
    usageLocation: p.usageLocation,
    preferredLanguage: p.preferredLanguage,
    accountEnabled: p.enabled,
    userType: p.kind === 'guest' ? 'Guest' : 'Member',
    managerId: p.managerId,
    mailboxSettings: p.mailboxTimeZone === null ? null : { timeZone: p.mailboxTimeZone },
    authenticationMethods: methods,
    registrationLastUpdated: iso(newest),
    devices: p.kind === 'guest' || p.kind === 'breakglass' ? [] : makeDevices(d, p, spec),
    truth: {
      persona: p.persona!,
      isBreakGlass: p.kind === 'breakglass',
      isVip: p.kind === 'executive',
      roleTemplateIds: [...p.roles].sort(),
    },
  };
  if (p.teamsAppBlocked) user.teamsAppBlocked = true;
  return user;
}

function makeDevices(d: Dice, p: Person, spec: PersonaSpec): SimDevice[] {
  const r = d.next();
  const count = r < 0.15 ? 0 : r < 0.5 ? 1 : r < 0.85 ? 2 : 3;
  const devices: SimDevice[] = [];
  const wantsWindows = spec.whfb || spec.passkeys.some((k) => k.kind === 'windowsHello');
  const apple = spec.passkeys.some((k) => 'aaguids' in k && k.aaguids?.some((a) => a === K.applePasswords || a === K.iCloudKeychainManaged));
  for (let i = 0; i < count; i++) {
    const slot = i === 0 ? (wantsWindows ? 'computer' : 'phone') : i === 1 ? (wantsWindows ? 'phone' : 'computer') : d.chance(0.5) ? 'phone' : 'computer';
    if (slot === 'phone') {
      const ios = apple || p.phone === 'iOS';
      devices.push({
        id: d.uuid(),
        displayName: ios ? `${p.first}'s ${d.pick(IPHONES)}` : d.pick(ANDROID_PHONES),
        operatingSystem: ios ? 'iOS' : 'Android',
        operatingSystemVersion: pickWeighted(d, ios ? IOS_VERSIONS : ANDROID_VERSIONS),
      });
    } else {
      const mac = !wantsWindows && (apple ? d.chance(0.6) : d.chance(0.2));
      devices.push({
        id: d.uuid(),
        displayName: mac ? `${p.first}'s MacBook ${d.pick(['Air', 'Pro'])}` : windowsDeviceName(d),
        operatingSystem: mac ? (d.chance(0.3) ? 'MacMDM' : 'macOS') : 'Windows',
        operatingSystemVersion: pickWeighted(d, mac ? MACOS_VERSIONS : WINDOWS_VERSIONS),
      });
    }
  }
  return devices;
}

function makeCaPolicies(d: Dice, baseMs: number, breakGlassGroupId: string): GraphConditionalAccessPolicy[] {
  const R = ROLE_TEMPLATES;
  const when = (daysAgo: number) => iso(baseMs - daysAgo * DAY - d.int(DAY));
  const users = (over: Partial<GraphConditionalAccessPolicy['conditions']['users']>) => ({
    includeUsers: [],
    excludeUsers: [],
    includeGroups: [],
    excludeGroups: [breakGlassGroupId],
    includeRoles: [],
    excludeRoles: [],
    ...over,
  });
  const grant = (controls: string[]) => ({
    operator: 'OR' as const,
    builtInControls: controls,
    customAuthenticationFactors: [],
    termsOfUse: [],
    authenticationStrength: null,
  });
  return [
    {
      id: d.uuid(),
      displayName: 'Block legacy authentication',
      state: 'enabled',
      createdDateTime: when(900),
      modifiedDateTime: when(400),
      conditions: {
        clientAppTypes: ['exchangeActiveSync', 'other'],
        applications: { includeApplications: ['All'], excludeApplications: [] },
        users: users({ includeUsers: ['All'] }),
      },
      grantControls: grant(['block']),
      sessionControls: null,
    },
    {
      id: d.uuid(),
      displayName: 'Require MFA for admins',
      state: 'enabled',
      createdDateTime: when(800),
      modifiedDateTime: when(120),
      conditions: {
        clientAppTypes: ['all'],
        applications: { includeApplications: ['All'], excludeApplications: [] },
        users: users({
          includeRoles: [
            R.globalAdministrator,
            R.securityAdministrator,
            R.conditionalAccessAdministrator,
            R.authenticationPolicyAdministrator,
            R.authenticationAdministrator,
            R.privilegedAuthenticationAdministrator,
            R.helpdeskAdministrator,
            R.userAdministrator,
          ],
        }),
      },
      grantControls: grant(['mfa']),
      sessionControls: null,
    },
    {
      id: d.uuid(),
      displayName: 'Require MFA for guests',
      state: 'disabled',
      createdDateTime: when(300),
      modifiedDateTime: null,
      conditions: {
        clientAppTypes: ['all'],
        applications: { includeApplications: ['All'], excludeApplications: [] },
        users: users({ includeUsers: ['GuestsOrExternalUsers'] }),
      },
      grantControls: grant(['mfa']),
      sessionControls: null,
    },
  ];
}

function makeFido2Configuration(d: Dice, tier0GroupId: string): GraphFido2Configuration {
  const adminProfileId = d.uuid();
  const hardware = listAaguids()
    .filter(([, info]) => info.vendor === 'Yubico')
    .map(([aaguid]) => aaguid);
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
    id: 'Fido2',
    state: 'enabled',
    isSelfServiceRegistrationAllowed: true,
    // The deprecated top-level settings come back as a copy of the Default profile (graph-facts §1).
    isAttestationEnforced: false,
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    defaultPasskeyProfile: DEFAULT_PASSKEY_PROFILE_ID,
    excludeTargets: [],
    includeTargets: [
      { id: 'all_users', targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [DEFAULT_PASSKEY_PROFILE_ID] },
      { id: tier0GroupId, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [adminProfileId] },
    ],
    passkeyProfiles: [
      {
        id: DEFAULT_PASSKEY_PROFILE_ID,
        name: 'Default passkey profile',
        passkeyTypes: 'deviceBound,synced',
        attestationEnforcement: 'disabled',
        keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
      },
      {
        id: adminProfileId,
        name: ADMIN_PASSKEY_PROFILE_NAME,
        passkeyTypes: 'deviceBound',
        attestationEnforcement: 'registrationOnly',
        keyRestrictions: {
          isEnforced: true,
          enforcementType: 'allow',
          aaGuids: [...hardware, KNOWN_AAGUIDS.authenticatorIos, KNOWN_AAGUIDS.authenticatorAndroid],
        },
      },
    ],
  };
}

function makeCatalog(d: Dice, people: Person[], externalId: string): SimTeamsCatalogApp[] {
  const eligible = people.filter((p) => p.kind === 'member' && p.enabled && !p.teamsAppBlocked);
  const install = (catalogId: string, share: number) =>
    eligible
      .filter(() => d.chance(share))
      .map((p) => ({ userId: p.id, installationId: Buffer.from(`${p.id}##${catalogId}`).toString('base64') }));
  const botId = d.uuid();
  const helpdeskId = d.uuid();
  const pollId = d.uuid();
  return [
    { id: botId, externalId, displayName: 'Passkey Rollout', distributionMethod: 'organization', installedFor: install(botId, 0.1) },
    { id: helpdeskId, externalId: d.uuid(), displayName: 'Contoso IT Helpdesk', distributionMethod: 'organization', installedFor: install(helpdeskId, 0.03) },
    { id: pollId, externalId: d.uuid(), displayName: 'Polly', distributionMethod: 'store', installedFor: install(pollId, 0.02) },
  ];
}

// ---- small helpers ------------------------------------------------------------------------------

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function pickWeighted(d: Dice, entries: readonly (readonly [string, number])[]): string {
  let total = 0;
  for (const [, w] of entries) total += w;
  let x = d.next() * total;
  for (const [v, w] of entries) {
    if (x < w) return v;
    x -= w;
  }
  return entries[entries.length - 1]![0];
}

/** `First Last` → `first.last`, ASCII only (diacritics and apostrophes dropped, spaces to nothing). */
export function localPartOf(first: string, last: string): string {
  const clean = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/ł/g, 'l')
      .replace(/[^a-z0-9-]/g, '');
  return `${clean(first)}.${clean(last)}`;
}

function nickname(displayName: string, used: Set<string>): string {
  const base = displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'group';
  let candidate = base;
  for (let i = 2; used.has(candidate); i++) candidate = `${base}${i}`;
  used.add(candidate);
  return candidate;
}

function windowsDeviceName(d: Dice): string {
  return `${d.pick(['DESKTOP', 'LAPTOP', 'CONTOSO-LT'])}-${d.hex(6).toUpperCase()}`;
}
