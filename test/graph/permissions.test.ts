import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adminConsentUrl,
  FEATURES,
  findGraphOperations,
  GRAPH_PERMISSIONS,
  normalizeGraphPath,
  permissionDeniedMessage,
  permissionHintFor,
  permissionsToGrant,
} from '../../services/graph/permissions.js';
import { markdownTable } from '../../scripts/graph-permissions.js';
import { Router } from '../../services/sim/tenant/route-kit.js';
import { registerAuthMethodRoutes } from '../../services/sim/tenant/routes/auth-methods.js';
import { registerChatRoutes } from '../../services/sim/tenant/routes/chats.js';
import { registerConditionalAccessRoutes } from '../../services/sim/tenant/routes/conditional-access.js';
import { registerDirectoryRoleRoutes } from '../../services/sim/tenant/routes/directory-roles.js';
import { registerGroupRoutes } from '../../services/sim/tenant/routes/groups.js';
import { registerMethodPolicyRoutes } from '../../services/sim/tenant/routes/method-policies.js';
import { registerReportRoutes } from '../../services/sim/tenant/routes/reports.js';
import { registerSignInRoutes } from '../../services/sim/tenant/routes/sign-ins.js';
import { registerTeamsRoutes } from '../../services/sim/tenant/routes/teams.js';
import { registerUserRoutes } from '../../services/sim/tenant/routes/users.js';

const root = new URL('../..', import.meta.url).pathname;

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(root, dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFilesUnder(relative(root, p)));
    else if (p.endsWith('.ts')) out.push(relative(root, p));
  }
  return out;
}

const CALLS: Record<string, string> = { get: 'GET', getOrNull: 'GET', pages: 'GET', all: 'GET', post: 'POST', patch: 'PATCH', delete: 'DELETE' };

/**
 * Graph calls written as `x.get(`/`post(`/`patch(`/`delete(`/`pages(`/`all(` with a literal path
 * (quotes or a template literal, `${…}` standing for one segment) and `url: '/…'` items of `$batch`.
 * A generic argument (`get<{ value: T[] }>(`) is skipped with bracket counting.
 */
function graphCallsIn(source: string): { method: string; path: string; raw: string }[] {
  const out: { method: string; path: string; raw: string }[] = [];
  for (const m of source.matchAll(/\.(get|getOrNull|pages|all|post|patch|delete)\b/g)) {
    let i = m.index! + m[0].length;
    if (source[i] === '<') {
      let depth = 0;
      for (; i < source.length; i++) {
        if (source[i] === '<') depth++;
        else if (source[i] === '>' && source[i - 1] !== '=') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    }
    const rest = /^\(\s*(['"`])/.exec(source.slice(i));
    if (!rest) continue;
    const literal = readLiteral(source, i + rest[0].length - 1);
    if (literal === null || !literal.startsWith('/')) continue;
    out.push({ method: CALLS[m[1]!]!, path: literal, raw: literal });
  }
  for (const m of source.matchAll(/method:\s*'(GET|POST|PATCH|DELETE)'\s*,\s*url:\s*(['"`])/g)) {
    const literal = readLiteral(source, m.index! + m[0].length - 1);
    if (literal !== null && literal.startsWith('/')) out.push({ method: m[1]!, path: literal, raw: literal });
  }
  return out.map((c) => ({ ...c, path: c.path.replace(/\$\{[^}]*\}/g, 'X') }));
}

/** The literal starting at `start` (its opening quote), `${…}` kept as written; null when unterminated. */
function readLiteral(source: string, start: number): string | null {
  const quote = source[start]!;
  let depth = 0;
  for (let j = start + 1; j < source.length; j++) {
    const ch = source[j]!;
    if (ch === '\\') {
      j++;
      continue;
    }
    if (quote === '`' && ch === '$' && source[j + 1] === '{') depth++;
    else if (depth > 0 && ch === '}') depth--;
    else if (depth === 0 && ch === quote) return source.slice(start + 1, j);
  }
  return null;
}

describe('GRAPH_PERMISSIONS table', () => {
  it('names each permission once, with a known level, features, reasoning and a source', () => {
    const names = GRAPH_PERMISSIONS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of GRAPH_PERMISSIONS) {
      expect(p.name).toMatch(/^[A-Z][A-Za-z]*(-[A-Za-z]+)?(\.[A-Za-z]+)+$/);
      expect(['required', 'recommended', 'optional']).toContain(p.level);
      expect(p.features.length).toBeGreaterThan(0);
      for (const f of p.features) expect(Object.keys(FEATURES)).toContain(f);
      expect(p.leastPrivilege.length).toBeGreaterThan(20);
      expect(p.withoutIt.length).toBeGreaterThan(20);
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.broaderAlternatives).not.toContain(p.name);
    }
  });

  it('gives every operation a method, a path after the version segment, a feature the permission lists, and known co-permissions', () => {
    const names = new Set(GRAPH_PERMISSIONS.map((p) => p.name));
    for (const p of GRAPH_PERMISSIONS) {
      for (const op of p.operations) {
        expect(['GET', 'POST', 'PATCH', 'DELETE']).toContain(op.method);
        expect(op.path).toMatch(/^\/[^?]*$/);
        expect(op.path).not.toMatch(/^\/(v1\.0|beta)\//);
        expect(p.features).toContain(op.feature);
        for (const other of op.alsoNeeds ?? []) expect(names.has(other), `${other} (needed with ${p.name})`).toBe(true);
      }
    }
  });

  it('claims every operation for one permission only', () => {
    const seen = new Map<string, string>();
    for (const p of GRAPH_PERMISSIONS) {
      for (const op of p.operations) {
        const key = `${op.method} ${op.path.toLowerCase()}`;
        expect(seen.get(key), key).toBeUndefined();
        seen.set(key, p.name);
      }
    }
  });

  it('grants required, then recommended, then optional permissions', () => {
    const required = permissionsToGrant('required');
    const recommended = permissionsToGrant('recommended');
    const all = permissionsToGrant('optional');
    expect(required).toEqual(expect.arrayContaining(['User.Read.All', 'AuditLog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'Policy.Read.All']));
    expect(required).not.toContain('UserAuthenticationMethod.ReadWrite.All');
    expect(recommended).toEqual(expect.arrayContaining([...required, 'UserAuthMethod-Passkey.Read.All', 'MailboxSettings.Read', 'Policy.ReadWrite.ConditionalAccess']));
    expect(recommended).not.toContain('UserAuthenticationMethod.ReadWrite.All');
    expect(all).toEqual(GRAPH_PERMISSIONS.map((p) => p.name));
  });

  it('prefers the granular passkey permission for fido2Methods and lists the broader ones as alternatives', () => {
    const passkey = GRAPH_PERMISSIONS.find((p) => p.name === 'UserAuthMethod-Passkey.Read.All')!;
    expect(passkey.broaderAlternatives).toContain('UserAuthenticationMethod.Read.All');
    expect(permissionHintFor('GET', '/users/u1/authentication/fido2Methods')!.permissions).toEqual(['UserAuthMethod-Passkey.Read.All']);
  });

  it('marks the documented ambiguities as unconfirmed (TAP granular permission)', () => {
    const tap = GRAPH_PERMISSIONS.find((p) => p.features.includes('tap'))!;
    expect(tap.unconfirmed).toMatch(/UserAuthMethod-TAP\.ReadWrite\.All/);
  });
});

describe('every Graph call the product makes has a permission entry', () => {
  const files = tsFilesUnder('services/graph').filter((f) => !f.endsWith('/permissions.ts'));
  const calls = files.flatMap((file) => graphCallsIn(readFileSync(join(root, file), 'utf8')).map((c) => ({ ...c, file })));

  it('finds the Graph calls in services/graph (the scanner works)', () => {
    // graph-directory.ts alone has four; if this drops, the scanner has stopped seeing calls.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.map((c) => `${c.method} ${normalizeGraphPath(c.path)}`)).toEqual(expect.arrayContaining(['GET /users/X', 'POST /users/X/checkMemberGroups']));
  });

  it('resolves each literal Graph path in services/graph/**/*.ts to a table entry', () => {
    const missing = calls.filter((c) => findGraphOperations(c.method, c.path).length === 0).map((c) => `${c.file}: ${c.method} ${c.raw}`);
    expect(missing, 'add these operations to services/graph/permissions.ts').toEqual([]);
  });

  it('the scanner reads generic calls, template literals and $batch items', () => {
    const src = [
      "await this.graph.get<{ value: Record<string, unknown>[] }>(`/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$top=999`, { headers });",
      "this.graph.post('/users/' + id, {});",
      "for await (const p of graph.pages(`/reports/authenticationMethods/userRegistrationDetails`)) {}",
      "items.push({ method: 'GET', url: `/users/${u}/authentication/fido2Methods` });",
      "raw.headers.get('request-id');",
    ].join('\n');
    expect(graphCallsIn(src).map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /groups/X/transitiveMembers/microsoft.graph.user?$top=999',
      'POST /users/',
      'GET /reports/authenticationMethods/userRegistrationDetails',
      'GET /users/X/authentication/fido2Methods',
    ]);
  });

  // The simulated tenant serves the Graph surface the product is built against; each of its routes
  // is either in the table or listed here with the reason the bot never calls it.
  const NOT_CALLED_BY_THE_BOT: { method: string; pattern: RegExp; why: string }[] = [
    { method: 'DELETE', pattern: /^\/users\/\{userId\}\/authentication\//, why: 'the bot never deletes a user\'s authentication methods (helpdesk does that in the portal)' },
    { method: 'PATCH', pattern: /^\/policies\/authenticationMethodsPolicy\//, why: 'the bot reads passkey profiles and never writes the passkey policy' },
  ];

  it('covers every Graph route the simulated tenant serves (or says why the bot never calls it)', () => {
    const routes: { method: string; pattern: string }[] = [];
    const recorder = { add: (method: string, pattern: string) => (routes.push({ method, pattern }), recorder) } as unknown as Router;
    for (const register of [
      registerUserRoutes,
      registerGroupRoutes,
      registerDirectoryRoleRoutes,
      registerAuthMethodRoutes,
      registerReportRoutes,
      registerSignInRoutes,
      registerConditionalAccessRoutes,
      registerMethodPolicyRoutes,
      registerTeamsRoutes,
      registerChatRoutes,
    ]) {
      register(recorder);
    }
    expect(routes.length).toBeGreaterThan(40);
    const uncovered = routes
      .filter((r) => !NOT_CALLED_BY_THE_BOT.some((x) => x.method === r.method && x.pattern.test(r.pattern)))
      .filter((r) => findGraphOperations(r.method, r.pattern.replace(/\{\w+\}/g, 'abc')).length === 0)
      .map((r) => `${r.method} ${r.pattern}`);
    expect(uncovered).toEqual([]);
  });
});

describe('permissionHintFor', () => {
  it.each([
    ['GET', 'https://graph.microsoft.com/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999', ['AuditLog.Read.All'], /registration/],
    ['GET', '/v1.0/auditLogs/signIns?$filter=createdDateTime ge 2026-01-01', ['AuditLog.Read.All', 'Policy.Read.All'], /sign-in logs/],
    ['PATCH', '/identity/conditionalAccess/policies/0b1c', ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'], /Conditional Access/],
    ['POST', '/beta/users/adele%40contoso.com/authentication/temporaryAccessPassMethods', ['UserAuthenticationMethod.ReadWrite.All'], /Temporary Access Pass/],
    ['POST', '/users/u1/teamwork/installedApps', ['TeamsAppInstallation.ReadWriteSelfForUser.All'], /install the app/],
    ['GET', '/appCatalogs/teamsApps?$filter=externalId eq \'x\'', ['AppCatalog.Read.All'], /install the app/],
    ['GET', '/users/u1/mailboxSettings', ['MailboxSettings.Read'], /time zone/],
    ['POST', '/groups/g1/members/$ref', ['GroupMember.ReadWrite.All'], /exemptions group/],
    ['DELETE', '/groups/g1/members/u1/$ref', ['GroupMember.ReadWrite.All'], /exemptions group/],
    ['GET', "/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members", ['RoleManagement.Read.Directory'], /roles/],
    ['GET', '/users/u1/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,roleTemplateId', ['User.Read.All', 'RoleManagement.Read.Directory'], /roles/],
    ['GET', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2', ['Policy.Read.All'], /passkey \(FIDO2\) policy/],
    ['GET', '/users/u1/registeredDevices', ['User.Read.All'], /devices/],
    ['GET', '/users/u1/manager', ['User.Read.All'], /managers/],
  ])('%s %s → %j', (method, path, permissions, feature) => {
    const hint = permissionHintFor(method, path);
    expect(hint).not.toBeNull();
    expect(hint!.permissions).toEqual(permissions);
    expect(hint!.feature).toMatch(feature);
  });

  it('is case-insensitive on the path and the method', () => {
    expect(permissionHintFor('get', '/USERS/u1/Authentication/FIDO2Methods')!.permissions).toEqual(['UserAuthMethod-Passkey.Read.All']);
  });

  it('answers null for requests outside the table (the 403 has another cause)', () => {
    expect(permissionHintFor('GET', '/sites/root')).toBeNull();
    expect(permissionHintFor('DELETE', '/users/u1/authentication/fido2Methods/m1')).toBeNull();
    expect(permissionHintFor('PATCH', '/users/u1')).toBeNull();
  });

  it('does not let a one-segment placeholder swallow several segments', () => {
    expect(findGraphOperations('GET', '/users/u1/x/manager')).toEqual([]);
  });

  it('builds the message people see', () => {
    expect(permissionDeniedMessage('POST', '/users/u1/authentication/temporaryAccessPassMethods')).toBe(
      "I can't issue a Temporary Access Pass: the bot's app has not been granted UserAuthenticationMethod.ReadWrite.All. Ask a Global Administrator to grant it (docs/permissions.md).",
    );
    expect(permissionDeniedMessage('GET', '/auditLogs/signIns')).toMatch(/granted AuditLog\.Read\.All and Policy\.Read\.All\./);
    expect(permissionDeniedMessage('GET', '/nothing')).toBeNull();
  });
});

describe('normalizeGraphPath', () => {
  it.each([
    ['https://graph.microsoft.com/v1.0/users?$top=1', '/users'],
    ['https://127.0.0.1:4443/beta/groups/g/members/', '/groups/g/members'],
    ['/v1.0', '/'],
    ['users/u1', '/users/u1'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeGraphPath(input)).toBe(expected);
  });
});

describe('adminConsentUrl', () => {
  it('uses the documented tenant-wide admin consent endpoint', () => {
    expect(adminConsentUrl('11111111-2222-3333-4444-555555555555', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toBe(
      'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/adminconsent?client_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    expect(adminConsentUrl('contoso.onmicrosoft.com', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toMatch(/^https:\/\/login\.microsoftonline\.com\/contoso\.onmicrosoft\.com\/adminconsent\?/);
  });

  it('refuses values that are not a tenant or a client id', () => {
    expect(() => adminConsentUrl('../common', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toThrow(RangeError);
    expect(() => adminConsentUrl('contoso.onmicrosoft.com', 'not-a-guid')).toThrow(RangeError);
  });
});

describe('docs/permissions.md', () => {
  const doc = readFileSync(join(root, 'docs/permissions.md'), 'utf8');

  it('carries the table generated from GRAPH_PERMISSIONS (regenerate: npx tsx scripts/graph-permissions.ts --table)', () => {
    expect(doc).toContain(markdownTable());
    for (const p of GRAPH_PERMISSIONS) expect(doc).toContain(`\`${p.name}\``);
  });

  it('documents the admin-consent URL pattern and the grant script', () => {
    expect(doc).toContain('https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client id}');
    expect(doc).toContain('scripts/grant-graph-permissions.sh');
  });
});
