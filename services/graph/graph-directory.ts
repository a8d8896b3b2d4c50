import { GRAPH_PAGE } from '../budgets.js';
import type { Directory, DirectoryGroup, DirectoryMember, DirectoryUser } from '../ports/directory.js';
import type { GraphGateway } from './graph-gateway.js';

const USER_SELECT = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,department,jobTitle,usageLocation,preferredLanguage';

/** OData string literal: single quotes doubled, then URL-encoded for a query string. */
export function odataString(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}

function toUser(u: Record<string, unknown>): DirectoryUser {
  const s = (k: string) => (typeof u[k] === 'string' ? (u[k] as string) : null);
  return {
    id: String(u.id),
    userPrincipalName: s('userPrincipalName') ?? '',
    displayName: s('displayName') ?? '',
    mail: s('mail'),
    accountEnabled: typeof u.accountEnabled === 'boolean' ? u.accountEnabled : null,
    userType: s('userType'),
    department: s('department'),
    jobTitle: s('jobTitle'),
    usageLocation: s('usageLocation'),
    preferredLanguage: s('preferredLanguage'),
  };
}

const GROUP_SELECT = 'id,displayName,description,groupTypes,securityEnabled,membershipRule';

function toGroup(g: Record<string, unknown>): DirectoryGroup {
  return {
    id: String(g.id),
    displayName: typeof g.displayName === 'string' ? g.displayName : '',
    description: typeof g.description === 'string' ? g.description : null,
    groupTypes: Array.isArray(g.groupTypes) ? (g.groupTypes as string[]) : [],
    securityEnabled: typeof g.securityEnabled === 'boolean' ? g.securityEnabled : null,
    membershipRule: typeof g.membershipRule === 'string' ? g.membershipRule : null,
  };
}

/** `Directory` over Microsoft Graph (users, groups, directory roles). */
export class GraphDirectory implements Directory {
  constructor(private readonly graph: GraphGateway) {}

  async getGroup(id: string): Promise<DirectoryGroup | null> {
    const g = await this.graph.getOrNull<Record<string, unknown>>(`/groups/${encodeURIComponent(id)}?$select=${GROUP_SELECT}`);
    return g ? toGroup(g) : null;
  }

  async groupsNamed(name: string): Promise<DirectoryGroup[]> {
    const groups = await this.graph.all<Record<string, unknown>>(`/groups?$filter=displayName eq ${odataString(name)}&$select=${GROUP_SELECT}&$top=999`);
    return groups.map(toGroup);
  }

  async groupsStartingWith(text: string, limit: number): Promise<DirectoryGroup[]> {
    const body = await this.graph.get<{ value: Record<string, unknown>[] }>(`/groups?$filter=startsWith(displayName,${odataString(text)})&$select=${GROUP_SELECT}&$top=${Math.min(Math.max(limit, 1), 999)}`);
    return body.value.map(toGroup);
  }

  async transitiveUserMembers(groupId: string): Promise<DirectoryMember[]> {
    const members = await this.graph.all<Record<string, unknown>>(
      `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName,accountEnabled,userType&$top=${GRAPH_PAGE.members}&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    return members.map((m) => ({
      id: String(m.id).toLowerCase(),
      userPrincipalName: typeof m.userPrincipalName === 'string' ? m.userPrincipalName : '',
      displayName: typeof m.displayName === 'string' ? m.displayName : '',
      accountEnabled: typeof m.accountEnabled === 'boolean' ? m.accountEnabled : null,
      userType: typeof m.userType === 'string' ? m.userType : null,
    }));
  }

  async securityGroups(limit: number): Promise<DirectoryGroup[]> {
    const out: DirectoryGroup[] = [];
    for await (const page of this.graph.pages<Record<string, unknown>>(`/groups?$filter=securityEnabled eq true&$select=${GROUP_SELECT}&$top=999`, { priority: 'background' })) {
      out.push(...page.value.map(toGroup));
      if (out.length >= limit) break;
    }
    return out.slice(0, limit).sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  async usersNamed(name: string, limit: number): Promise<DirectoryUser[]> {
    const body = await this.graph.get<{ value: Record<string, unknown>[] }>(
      `/users?$filter=displayName eq ${odataString(name)}&$select=${USER_SELECT}&$top=${Math.min(Math.max(limit, 1), 999)}`,
    );
    return body.value.map(toUser);
  }

  async getUser(idOrUpn: string): Promise<DirectoryUser | null> {
    const u = await this.graph.getOrNull<Record<string, unknown>>(`/users/${encodeURIComponent(idOrUpn)}?$select=${USER_SELECT}`);
    return u ? toUser(u) : null;
  }

  async findUsers(text: string, limit: number): Promise<DirectoryUser[]> {
    const q = odataString(text);
    const filter = `startsWith(displayName,${q}) or startsWith(userPrincipalName,${q})`;
    const body = await this.graph.get<{ value: Record<string, unknown>[] }>(
      `/users?$filter=${filter}&$select=${USER_SELECT}&$top=${Math.min(Math.max(limit, 1), 999)}&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    return body.value.map(toUser);
  }

  async roleTemplateIdsOf(userId: string): Promise<string[]> {
    const roles = await this.graph.all<{ roleTemplateId?: string }>(
      `/users/${encodeURIComponent(userId)}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,roleTemplateId`,
    );
    return roles.map((r) => r.roleTemplateId).filter((r): r is string => typeof r === 'string').map((r) => r.toLowerCase());
  }

  async memberGroupsOf(userId: string, groupIds: string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const r = await this.graph.post<{ value: string[] }>(`/users/${encodeURIComponent(userId)}/checkMemberGroups`, { groupIds });
    return (r.body.value ?? []).map((g) => g.toLowerCase());
  }
}
