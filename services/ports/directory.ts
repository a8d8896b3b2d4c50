/** The organisation's directory (Entra users, groups, roles), as the campaign logic needs it. */

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
  description: string | null;
  groupTypes: string[];
  securityEnabled: boolean | null;
  membershipRule: string | null;
}

export interface DirectoryMember {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean | null;
  userType: string | null;
}

export interface Directory {
  /** A group by object id; null when there is none. */
  getGroup(id: string): Promise<DirectoryGroup | null>;
  /** Groups whose display name is exactly `name` (case-insensitive, as Graph compares). */
  groupsNamed(name: string): Promise<DirectoryGroup[]>;
  /** Groups whose display name starts with `text` (suggestions for a name not found). */
  groupsStartingWith(text: string, limit: number): Promise<DirectoryGroup[]>;
  /** Every user in the group, nested groups flattened (pages of 999). */
  transitiveUserMembers(groupId: string): Promise<DirectoryMember[]>;
  /** Security groups (for readiness wave plans), at most `limit`, by display name. */
  securityGroups(limit: number): Promise<DirectoryGroup[]>;
  /** Users whose display name is exactly `name`. */
  usersNamed(name: string, limit: number): Promise<DirectoryUser[]>;
  /** By object id or UPN; null when there is no such user. */
  getUser(idOrUpn: string): Promise<DirectoryUser | null>;
  /** Users whose display name or UPN starts with `text` (at most `limit`). */
  findUsers(text: string, limit: number): Promise<DirectoryUser[]>;
  /** Directory role template ids the user holds, directly or through groups. */
  roleTemplateIdsOf(userId: string): Promise<string[]>;
  /** Which of `groupIds` the user is a member of, transitively. */
  memberGroupsOf(userId: string, groupIds: string[]): Promise<string[]>;
}
