/**
 * Representative data for every card template: used by the template tests (no `${` left,
 * schema-valid, under the size limit) and by the PNG renderer for the docs.
 * Every template in this folder must have an entry here.
 */
export const CARD_SAMPLES: Record<string, object> = {
  help: {
    roleLabel: 'an admin',
    sections: [
      { title: 'Everyone', commands: [{ usage: 'help [command]', summary: 'What you can ask me.' }, { usage: 'whoami', summary: 'Your Entra identity and your role here.' }] },
      { title: 'Campaigns', commands: [{ usage: 'campaign create <name> [deadline <YYYY-MM-DD>]', summary: 'Create a campaign (no arguments: a form).' }] },
    ],
  },
  whoami: {
    displayName: 'Megan Bowen',
    userPrincipalName: 'megan.bowen@contoso.example',
    objectId: 'de300000-0000-4000-8000-000000000004',
    roleLabel: 'an admin',
    because: 'Security Administrator',
    tap: 'Your Entra roles do not allow issuing Temporary Access Passes.',
  },
  'campaign-form': { name: '', deadline: '', strength: 'phishing-resistant', threshold: 95, today: '2026-11-23', error: '' },
  'campaign-created': {
    name: 'Passkeys 2027',
    strength: 'Phishing-resistant MFA (built-in)',
    deadline: '2027-03-01',
    threshold: '95% of a cohort',
    createdBy: 'Megan Bowen',
    nextSteps: 'Next: add cohorts with `cohort add <group> to Passkeys 2027 as <tier0|tier1|workforce>`.',
  },
  'campaign-list': {
    count: 2,
    campaigns: [
      { name: 'Passkeys 2027', strength: 'Phishing-resistant MFA (built-in)', deadline: '2027-03-01', cohorts: '3 cohorts (1 planned, 1 nudging, 1 report-only)', paused: false },
      { name: 'Admins first', strength: 'Passkeys only (custom strength)', deadline: '2026-12-15', cohorts: 'no cohorts', paused: true },
    ],
  },
  'campaign-show': {
    name: 'Passkeys 2027',
    strength: 'Phishing-resistant MFA (built-in)',
    deadline: '2027-03-01',
    threshold: '95% of a cohort',
    reminders: '14, 7, 3, 1 days before the deadline, then every 7 days (at most 8)',
    reportOnlyPolicy: 'not created yet',
    enforcedPolicy: 'not created yet',
    breakGlass: 'Emergency Access Accounts (group)',
    cohorts: [
      { name: 'All Staff', tier: 'workforce', stage: 'nudging', compliance: '312/480 ready' },
      { name: 'Admins', tier: 'tier0', stage: 'planned', compliance: '11/14 ready' },
    ],
    noCohortsHint: 'None yet.',
    warnings: '',
  },
  status: {
    title: 'Campaign Passkeys 2027',
    syncLine: 'Last sync: 2026-11-23 04:00 UTC (incremental).',
    cohorts: [
      {
        name: 'All Staff',
        campaign: 'Passkeys 2027',
        tier: 'workforce',
        stage: 'nudging',
        ready: '312 of 478 ready (65.2%) · threshold 95%',
        readyColor: 'Warning',
        states: [
          { label: 'ready (right passkey)', value: '312' },
          { label: 'no passkey', value: '150' },
          { label: 'lockout risk (only passkey in an Entra-SSO password manager)', value: '16' },
          { label: 'break-glass (excluded)', value: '2' },
        ],
        kinds: [
          { label: 'device-bound · Microsoft Authenticator', value: '120' },
          { label: 'synced · iCloud Keychain', value: '80' },
        ],
        findings: [{ text: 'Passkey policy: 3 members can only register device-bound passkeys.', color: 'Warning' }],
      },
    ],
  },
  methods: {
    displayName: 'Adele Vance',
    upn: 'adele.vance@contoso.example',
    accountState: 'account enabled',
    nextStep: 'Add a second passkey outside that password manager.',
    memberships: [{ cohort: 'All Staff', campaign: 'Passkeys 2027', tier: 'workforce', stage: 'nudging', state: 'lockout risk', reason: 'Only passkey is in 1Password.', color: 'Attention' }],
    passkeys: [{ name: '1Password', provider: '1Password', kind: 'synced', attestation: 'not attested', created: '2026-10-02', lastUsed: '2026-11-20' }],
    methodsKnown: true,
    methods: [
      { type: 'Passkey', detail: '1Password · added 2026-10-02' },
      { type: 'Password', detail: 'added 2024-01-10' },
      { type: 'Phone', detail: 'mobile ending 0123' },
    ],
    signInsKnown: true,
    signIns: [{ at: '2026-11-22 09:14', app: 'Microsoft Teams', outcome: 'signed in', campaignResults: 'Passkeys 2027 (report-only): reportOnlySuccess' }],
  },
  'my-status': {
    summary: 'Action needed: register a passkey.',
    color: 'Attention',
    nextStep: 'Register a passkey (synced passkeys in a phone or password manager are fine) at https://aka.ms/mysecurityinfo.',
    deadline: '2027-03-01',
    passkeys: [],
  },
  readiness: {
    title: 'the whole tenant',
    population: 500,
    slices: [
      { legend: 'ready (has a suitable passkey)', value: 210 },
      { legend: 'must register (device able)', value: 240 },
      { legend: 'needs a device update first', value: 31 },
      { legend: 'blocked by the passkey policy', value: 9 },
    ],
    facts: [
      { legend: 'ready (has a suitable passkey)', value: '210' },
      { legend: 'must register (device able)', value: '240' },
    ],
    donutFallback: 'ready: 210 · must register: 240 · needs a device update: 31 · blocked: 9',
    groupsTitle: 'By group',
    groups: [{ name: 'Engineering', line: '120 people · 58% ready · 6 need a device update · 0 blocked' }],
    waves: [
      { start: '2026-11-30', name: 'Pilot: Passkey Pilot', line: '5 new people · 80% ready · workforce' },
      { start: '2026-12-14', name: 'Privileged: Tier 0 Administrators', line: '14 new people · 71% ready · tier0' },
      { start: '2026-12-28', name: 'Wave 1: Engineering', line: '115 new people · 58% ready · workforce' },
    ],
    note: 'Registered devices were read for 280 people.',
    canAccept: true,
    campaigns: [{ name: 'Passkeys 2027' }],
    defaultCampaign: 'Passkeys 2027',
    acceptWaves: [{ groupId: 'cccccccc-cccc-4ccc-8ccc-000000000001', tier: 'workforce' }],
  },
  'readiness-accepted': { campaign: 'Passkeys 2027', lines: [{ text: 'Created cohort "Passkey Pilot" (workforce).' }, { text: 'Created cohort "Engineering" (workforce).' }] },
  'members-page': {
    title: 'All Staff — members',
    subtitle: 'Page 1 of 12 (280 members). The full list is in the CSV file.',
    cohortId: 'cccccccc-cccc-4ccc-8ccc-000000000001',
    rows: [
      { name: 'Adele Vance (adele.vance@contoso.example)', line: 'lockout risk · synced · 1Password · last reminder 2026-11-20' },
      { name: 'Alex Wilber (alex.wilber@contoso.example)', line: 'ready · device-bound · Microsoft Authenticator' },
    ],
    hasPrevious: false,
    previousPage: 0,
    hasNext: true,
    nextPage: 2,
  },
};
