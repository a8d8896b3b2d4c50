import type { Directory } from '../ports/directory.js';
import { resolveAccess, type Access, type RoleGroups } from './roles.js';

/**
 * Reads the acting user's roles from Entra on every command and card action, from the Teams
 * activity's `aadObjectId` only — never from message text or card data.
 */
export class AccessResolver {
  constructor(
    private readonly directory: Directory,
    private readonly groups: RoleGroups,
  ) {}

  async resolve(aadObjectId: string): Promise<Access> {
    const configured = [...this.groups.adminGroupIds, ...this.groups.helpdeskGroupIds];
    const [roles, groups] = await Promise.all([
      this.directory.roleTemplateIdsOf(aadObjectId),
      this.directory.memberGroupsOf(aadObjectId, configured),
    ]);
    return resolveAccess(roles, groups, this.groups);
  }
}

/** Access for someone the bot could not identify (no `aadObjectId` on the activity). */
export function anonymousAccess(): Access {
  return resolveAccess([], [], { adminGroupIds: [], helpdeskGroupIds: [] });
}
