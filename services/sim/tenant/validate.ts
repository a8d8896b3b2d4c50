/**
 * Tenant file validation: the JSON Schema (`tenant.schema.json`, draft 2020-12) for shape, then the
 * references a schema cannot express (members, owners, managers, role members, policy targets, passkey
 * profiles, unique ids and UPNs, ground truth consistent with the roles). Messages name the JSON path,
 * plus the object's display name where that helps a person find it.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { BUILT_IN_STRENGTHS, type SimGroup, type TenantFile } from './model.js';

export type TenantValidation = { ok: true; tenant: TenantFile } | { ok: false; errors: string[] };

/** How many problems a report lists before it says "… and N more". */
export const MAX_REPORTED_ERRORS = 100;

/** Special values Conditional Access accepts in `includeUsers` / `excludeUsers` besides user ids. */
const CA_USER_KEYWORDS = new Set(['All', 'None', 'GuestsOrExternalUsers']);

export const TENANT_SCHEMA_URL = new URL('./tenant.schema.json', import.meta.url);

// ajv and ajv-formats are CommonJS; under NodeNext the default import is `module.exports`, whose
// `.default` is the export itself.
type AjvClass = typeof import('ajv/dist/2020.js').default;
type AddFormats = typeof import('ajv-formats').default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: AjvClass }).default ?? Ajv2020Module) as AjvClass;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(TENANT_SCHEMA_URL, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Validates parsed JSON as a tenant file: schema first, then cross-references. */
export function validateTenantFile(json: unknown): TenantValidation {
  const validate = schemaValidator();
  if (!validate(json)) {
    return { ok: false, errors: capErrors((validate.errors ?? []).map((e) => formatAjvError(e, json))) };
  }
  const tenant = json as TenantFile;
  const errors = checkReferences(tenant);
  return errors.length === 0 ? { ok: true, tenant } : { ok: false, errors: capErrors(errors) };
}

/** A tenant file that could not be read, parsed or validated; `errors` lists every problem found. */
export class TenantFileError extends Error {
  constructor(
    readonly path: string,
    readonly errors: string[],
  ) {
    super(`invalid tenant file ${path}:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'TenantFileError';
  }
}

/** Reads, parses and validates a tenant file; throws `TenantFileError` listing the problems. */
export async function readTenantFile(path: string): Promise<TenantFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TenantFileError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TenantFileError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  const result = validateTenantFile(json);
  if (!result.ok) throw new TenantFileError(path, result.errors);
  return result.tenant;
}

// ---- schema error formatting --------------------------------------------------------------------

function formatAjvError(e: ErrorObject, root: unknown): string {
  const where = describePath(e.instancePath, root);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${where}: missing required field '${String(p['missingProperty'])}'`;
    case 'additionalProperties':
      return `${where}: unknown field '${String(p['additionalProperty'])}'`;
    case 'pattern':
      return `${where}: ${JSON.stringify(valueAt(e.instancePath, root))} ${patternHint(e.schemaPath)}`;
    case 'format':
      return `${where}: ${JSON.stringify(valueAt(e.instancePath, root))} is not a valid ${String(p['format'])} (ISO 8601 with a time zone, e.g. 2026-11-02T08:00:00Z)`;
    case 'enum':
      return `${where}: ${JSON.stringify(valueAt(e.instancePath, root))} must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where}: must be ${JSON.stringify(p['allowedValue'])}`;
    case 'discriminator':
      return `${where}: unknown or missing "@odata.type" ${JSON.stringify((valueAt(e.instancePath, root) as Record<string, unknown> | undefined)?.['@odata.type'])}`;
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}

function patternHint(schemaPath: string): string {
  if (schemaPath.includes('/guid/')) return 'is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)';
  return 'has the wrong format';
}

function valueAt(pointer: string, root: unknown): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** `/users/3/mail` → `/users/3 (ann.lee@contoso.example)/mail`, so a person can find the object. */
function describePath(pointer: string, root: unknown): string {
  if (pointer === '') return '(root)';
  const parts = pointer.split('/').slice(1);
  const out: string[] = [];
  let cur: unknown = root;
  for (const raw of parts) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    out.push(raw + labelOf(cur, out.length === 1));
  }
  return '/' + out.join('/');
}

function labelOf(value: unknown, isTopLevelItem: boolean): string {
  if (!isTopLevelItem || value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  const o = value as Record<string, unknown>;
  const name = o['userPrincipalName'] ?? o['displayName'];
  return typeof name === 'string' && name !== '' ? ` (${name})` : '';
}

function capErrors(errors: string[]): string[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  return [...errors.slice(0, MAX_REPORTED_ERRORS), `… and ${errors.length - MAX_REPORTED_ERRORS} more`];
}

// ---- references ---------------------------------------------------------------------------------

function checkReferences(t: TenantFile): string[] {
  const errors: string[] = [];
  const err = (msg: string) => errors.push(msg);
  const userAt = (i: number) => `/users/${i} (${t.users[i]!.userPrincipalName})`;
  const groupAt = (i: number) => `/groups/${i} (${t.groups[i]!.displayName})`;

  // Directory objects share one id space.
  const owner = new Map<string, string>();
  const claim = (id: string, where: string) => {
    const key = id.toLowerCase();
    const first = owner.get(key);
    if (first) err(`${where}/id: '${id}' is also the id of ${first}`);
    else owner.set(key, where);
  };
  t.users.forEach((u, i) => claim(u.id, userAt(i)));
  t.groups.forEach((g, i) => claim(g.id, groupAt(i)));
  t.directoryRoles.forEach((r, i) => claim(r.id, `/directoryRoles/${i} (${r.displayName})`));

  const users = new Map(t.users.map((u) => [u.id.toLowerCase(), u]));
  const groups = new Map(t.groups.map((g) => [g.id.toLowerCase(), g]));
  const isUser = (id: string) => users.has(id.toLowerCase());
  const group = (id: string): SimGroup | undefined => groups.get(id.toLowerCase());

  // Users.
  const upns = new Map<string, number>();
  t.users.forEach((u, i) => {
    const key = u.userPrincipalName.toLowerCase();
    const first = upns.get(key);
    if (first !== undefined) err(`/users/${i}/userPrincipalName: '${u.userPrincipalName}' is also used by ${userAt(first)}`);
    else upns.set(key, i);
    if (u.managerId !== null) {
      if (!isUser(u.managerId)) err(`${userAt(i)}/managerId: '${u.managerId}' is not a user in this file`);
      else if (u.managerId.toLowerCase() === u.id.toLowerCase()) err(`${userAt(i)}/managerId: a user cannot be their own manager`);
    }
    const methodIds = new Set<string>();
    u.authenticationMethods.forEach((m, j) => {
      if (methodIds.has(m.id)) err(`${userAt(i)}/authenticationMethods/${j}/id: '${m.id}' is used by another method of this user`);
      methodIds.add(m.id);
    });
    if (u.truth.isBreakGlass && u.userType !== 'Member') err(`${userAt(i)}/truth/isBreakGlass: a break-glass account must be a member, not a guest`);
  });

  // Groups: members, owners, nesting.
  t.groups.forEach((g, i) => {
    const seen = new Set<string>();
    g.members.forEach((m, j) => {
      const key = m.toLowerCase();
      if (seen.has(key)) err(`${groupAt(i)}/members/${j}: '${m}' is listed twice`);
      seen.add(key);
      const nested = group(m);
      if (!isUser(m) && !nested) err(`${groupAt(i)}/members/${j}: '${m}' is neither a user nor a group in this file`);
      if (nested && key === g.id.toLowerCase()) err(`${groupAt(i)}/members/${j}: a group cannot be a member of itself`);
      if (nested && g.isAssignableToRole) err(`${groupAt(i)}/members/${j}: a role-assignable group cannot contain groups ('${nested.displayName}')`);
    });
    const seenOwners = new Set<string>();
    g.owners.forEach((o, j) => {
      if (seenOwners.has(o.toLowerCase())) err(`${groupAt(i)}/owners/${j}: '${o}' is listed twice`);
      seenOwners.add(o.toLowerCase());
      if (!isUser(o)) err(`${groupAt(i)}/owners/${j}: '${o}' is not a user in this file`);
    });
  });
  for (const cycle of findNestingCycles(t.groups)) err(`/groups: nesting cycle ${cycle.join(' → ')}`);

  // Directory roles: members are users or role-assignable groups; truth must agree.
  const rolesOf = new Map<string, Set<string>>();
  const grant = (userId: string, template: string) => {
    const key = userId.toLowerCase();
    const set = rolesOf.get(key) ?? new Set<string>();
    set.add(template.toLowerCase());
    rolesOf.set(key, set);
  };
  t.directoryRoles.forEach((r, i) => {
    const where = `/directoryRoles/${i} (${r.displayName})`;
    r.members.forEach((m, j) => {
      const g = group(m);
      if (isUser(m)) grant(m, r.roleTemplateId);
      else if (g) {
        if (!g.isAssignableToRole) err(`${where}/members/${j}: group '${g.displayName}' is not role-assignable (isAssignableToRole is false)`);
        for (const member of g.members) if (isUser(member)) grant(member, r.roleTemplateId);
      } else err(`${where}/members/${j}: '${m}' is neither a user nor a group in this file`);
    });
  });
  const templates = new Set<string>();
  t.directoryRoles.forEach((r, i) => {
    const key = r.roleTemplateId.toLowerCase();
    if (templates.has(key)) err(`/directoryRoles/${i} (${r.displayName})/roleTemplateId: '${r.roleTemplateId}' is activated twice`);
    templates.add(key);
  });
  t.users.forEach((u, i) => {
    const actual = [...(rolesOf.get(u.id.toLowerCase()) ?? [])].sort();
    const claimed = [...new Set(u.truth.roleTemplateIds.map((x) => x.toLowerCase()))].sort();
    if (actual.join() !== claimed.join()) {
      err(`${userAt(i)}/truth/roleTemplateIds: says [${claimed.join(', ')}] but directoryRoles give [${actual.join(', ')}]`);
    }
  });

  // Conditional Access: group and user references, authentication strengths.
  const strengths = new Set<string>([...Object.values(BUILT_IN_STRENGTHS), ...t.authenticationStrengthPolicies.map((s) => s.id.toLowerCase())]);
  const strengthIds = new Set<string>();
  t.authenticationStrengthPolicies.forEach((s, i) => {
    if (strengthIds.has(s.id.toLowerCase()) || Object.values(BUILT_IN_STRENGTHS).includes(s.id as never)) {
      err(`/authenticationStrengthPolicies/${i} (${s.displayName})/id: '${s.id}' is a built-in or repeated strength id`);
    }
    strengthIds.add(s.id.toLowerCase());
  });
  const policyIds = new Set<string>();
  t.conditionalAccessPolicies.forEach((p, i) => {
    const where = `/conditionalAccessPolicies/${i} (${p.displayName})`;
    if (policyIds.has(p.id.toLowerCase())) err(`${where}/id: '${p.id}' is used by another policy`);
    policyIds.add(p.id.toLowerCase());
    const u = p.conditions.users;
    for (const field of ['includeGroups', 'excludeGroups'] as const) {
      u[field].forEach((gid, j) => {
        if (!group(gid)) err(`${where}/conditions/users/${field}/${j}: '${gid}' is not a group in this file`);
      });
    }
    for (const field of ['includeUsers', 'excludeUsers'] as const) {
      u[field].forEach((uid, j) => {
        if (!CA_USER_KEYWORDS.has(uid) && !isUser(uid)) {
          err(`${where}/conditions/users/${field}/${j}: '${uid}' is not a user in this file (nor All, None or GuestsOrExternalUsers)`);
        }
      });
    }
    const strength = p.grantControls?.authenticationStrength;
    if (strength && !strengths.has(strength.id.toLowerCase())) {
      err(`${where}/grantControls/authenticationStrength/id: '${strength.id}' is neither a built-in nor a listed authentication strength`);
    }
  });

  // Passkey (FIDO2) policy: profiles and targets.
  const f = t.fido2Configuration;
  const profiles = new Set<string>();
  f.passkeyProfiles.forEach((pp, i) => {
    if (profiles.has(pp.id.toLowerCase())) err(`/fido2Configuration/passkeyProfiles/${i} (${pp.name})/id: '${pp.id}' is used by another profile`);
    profiles.add(pp.id.toLowerCase());
  });
  if (f.defaultPasskeyProfile !== null && !profiles.has(f.defaultPasskeyProfile.toLowerCase())) {
    err(`/fido2Configuration/defaultPasskeyProfile: '${f.defaultPasskeyProfile}' is not one of passkeyProfiles`);
  }
  f.includeTargets.forEach((target, i) => {
    if (target.id !== 'all_users' && !group(target.id)) err(`/fido2Configuration/includeTargets/${i}/id: '${target.id}' is not a group in this file (nor all_users)`);
    target.allowedPasskeyProfiles.forEach((pid, j) => {
      if (!profiles.has(pid.toLowerCase())) err(`/fido2Configuration/includeTargets/${i}/allowedPasskeyProfiles/${j}: '${pid}' is not one of passkeyProfiles`);
    });
    if (f.passkeyProfiles.length > 0 && target.allowedPasskeyProfiles.length === 0) {
      err(`/fido2Configuration/includeTargets/${i}/allowedPasskeyProfiles: a target needs at least one passkey profile`);
    }
  });
  f.excludeTargets.forEach((target, i) => {
    if (target.id !== 'all_users' && !group(target.id)) err(`/fido2Configuration/excludeTargets/${i}/id: '${target.id}' is not a group in this file`);
  });

  // TAP policy lifetimes.
  const tap = t.temporaryAccessPassPolicy;
  if (!(tap.minimumLifetimeInMinutes <= tap.defaultLifetimeInMinutes && tap.defaultLifetimeInMinutes <= tap.maximumLifetimeInMinutes)) {
    err(`/temporaryAccessPassPolicy: needs minimumLifetimeInMinutes ≤ defaultLifetimeInMinutes ≤ maximumLifetimeInMinutes`);
  }

  // Teams app catalog.
  const catalogIds = new Set<string>();
  const externalIds = new Set<string>();
  t.teamsAppCatalog.forEach((app, i) => {
    const where = `/teamsAppCatalog/${i} (${app.displayName})`;
    if (catalogIds.has(app.id.toLowerCase())) err(`${where}/id: '${app.id}' is used by another app`);
    catalogIds.add(app.id.toLowerCase());
    if (externalIds.has(app.externalId.toLowerCase())) err(`${where}/externalId: '${app.externalId}' is used by another app`);
    externalIds.add(app.externalId.toLowerCase());
    const installed = new Set<string>();
    app.installedFor.forEach((inst, j) => {
      if (!isUser(inst.userId)) err(`${where}/installedFor/${j}/userId: '${inst.userId}' is not a user in this file`);
      if (installed.has(inst.userId.toLowerCase())) err(`${where}/installedFor/${j}/userId: '${inst.userId}' is listed twice`);
      installed.add(inst.userId.toLowerCase());
    });
  });

  return errors;
}

/** Nesting cycles among groups (Entra refuses them; the simulator's transitive walk needs none). */
function findNestingCycles(groups: SimGroup[]): string[][] {
  const byId = new Map(groups.map((g) => [g.id.toLowerCase(), g]));
  const state = new Map<string, 1 | 2>();
  const cycles: string[][] = [];
  const stack: SimGroup[] = [];
  const visit = (g: SimGroup): void => {
    const key = g.id.toLowerCase();
    state.set(key, 1);
    stack.push(g);
    for (const m of g.members) {
      const child = byId.get(m.toLowerCase());
      if (!child) continue;
      const s = state.get(child.id.toLowerCase());
      if (s === 1) {
        const from = stack.indexOf(child);
        cycles.push([...stack.slice(from), child].map((x) => x.displayName));
      } else if (s === undefined) visit(child);
    }
    stack.pop();
    state.set(key, 2);
  };
  for (const g of groups) if (!state.has(g.id.toLowerCase())) visit(g);
  return cycles;
}
