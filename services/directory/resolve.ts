import type { Directory, DirectoryGroup, DirectoryUser } from '../ports/directory.js';

/**
 * Turning what an admin typed into one Entra object: an object id, a UPN or a display name. An
 * ambiguous name answers with the candidates and an unknown one with a clear "not found" (plus
 * near matches) — never a guess.
 */
export type Resolution<T> =
  | { kind: 'found'; value: T }
  | { kind: 'ambiguous'; candidates: T[] }
  | { kind: 'not_found'; suggestions: T[] };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(s: string): boolean {
  return GUID.test(s.trim());
}

export async function resolveUser(directory: Directory, text: string): Promise<Resolution<DirectoryUser>> {
  const q = text.trim();
  if (isGuid(q) || q.includes('@')) {
    const u = await directory.getUser(q);
    if (u) return { kind: 'found', value: u };
    return { kind: 'not_found', suggestions: q.includes('@') ? await directory.findUsers(q.split('@')[0]!, 5) : [] };
  }
  const exact = await directory.usersNamed(q, 10);
  if (exact.length === 1) return { kind: 'found', value: exact[0]! };
  if (exact.length > 1) return { kind: 'ambiguous', candidates: exact };
  const near = await directory.findUsers(q, 6);
  if (near.length === 1 && near[0]!.displayName.toLowerCase() === q.toLowerCase()) return { kind: 'found', value: near[0]! };
  return { kind: 'not_found', suggestions: near.slice(0, 5) };
}

export async function resolveGroup(directory: Directory, text: string): Promise<Resolution<DirectoryGroup>> {
  const q = text.trim();
  if (isGuid(q)) {
    const g = await directory.getGroup(q);
    return g ? { kind: 'found', value: g } : { kind: 'not_found', suggestions: [] };
  }
  const exact = await directory.groupsNamed(q);
  if (exact.length === 1) return { kind: 'found', value: exact[0]! };
  if (exact.length > 1) return { kind: 'ambiguous', candidates: exact };
  const near = await directory.groupsStartingWith(q.slice(0, Math.max(3, Math.min(q.length, 12))), 5);
  return { kind: 'not_found', suggestions: near };
}

export type Principal = { kind: 'user'; user: DirectoryUser } | { kind: 'group'; group: DirectoryGroup };

/** A user or a group (break-glass lists take either). Users win on a UPN; otherwise both are looked up. */
export async function resolvePrincipal(directory: Directory, text: string): Promise<Resolution<Principal>> {
  const q = text.trim();
  if (q.includes('@')) {
    const r = await resolveUser(directory, q);
    return mapResolution(r, (user) => ({ kind: 'user', user }));
  }
  if (isGuid(q)) {
    const [u, g] = await Promise.all([directory.getUser(q), directory.getGroup(q)]);
    if (u) return { kind: 'found', value: { kind: 'user', user: u } };
    if (g) return { kind: 'found', value: { kind: 'group', group: g } };
    return { kind: 'not_found', suggestions: [] };
  }
  const [users, groups] = await Promise.all([directory.usersNamed(q, 10), directory.groupsNamed(q)]);
  const all: Principal[] = [...users.map((user) => ({ kind: 'user' as const, user })), ...groups.map((group) => ({ kind: 'group' as const, group }))];
  if (all.length === 1) return { kind: 'found', value: all[0]! };
  if (all.length > 1) return { kind: 'ambiguous', candidates: all };
  return { kind: 'not_found', suggestions: [] };
}

function mapResolution<A, B>(r: Resolution<A>, f: (a: A) => B): Resolution<B> {
  switch (r.kind) {
    case 'found':
      return { kind: 'found', value: f(r.value) };
    case 'ambiguous':
      return { kind: 'ambiguous', candidates: r.candidates.map(f) };
    case 'not_found':
      return { kind: 'not_found', suggestions: r.suggestions.map(f) };
  }
}

export function describeUser(u: DirectoryUser): string {
  return `${u.displayName} (${u.userPrincipalName})`;
}

export function describeGroup(g: DirectoryGroup): string {
  const type = g.groupTypes.includes('Unified') ? 'Microsoft 365 group' : g.groupTypes.includes('DynamicMembership') ? 'dynamic group' : 'security group';
  return `${g.displayName} — ${type}, id ${g.id}${g.description ? `: ${g.description}` : ''}`;
}

export function describePrincipal(p: Principal): string {
  return p.kind === 'user' ? `user ${describeUser(p.user)}` : `group ${describeGroup(p.group)}`;
}
