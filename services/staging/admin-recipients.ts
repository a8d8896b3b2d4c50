import { ADMIN_ROLE_TEMPLATES } from '../access/roles.js';
import type { Clock } from '../ports/clock.js';
import type { Directory } from '../ports/directory.js';
import type { RoleMembers } from '../ports/policy-gateway.js';

/**
 * Who the bot's admins are, for approval requests and alerts when a campaign has no admins
 * channel: the holders of the admin directory roles (DESIGN.md mapping, read through
 * `directoryRoles(roleTemplateId='…')/members`) and the members of ADMIN_GROUP_IDS. Cached briefly:
 * roles are re-checked from Entra at the moment anyone acts on a card anyway.
 */
export class AdminRecipients {
  private cached: { at: number; ids: string[] } | null = null;

  constructor(
    private readonly roles: RoleMembers,
    private readonly directory: Directory,
    private readonly adminGroupIds: string[],
    private readonly clock: Clock,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async adminIds(): Promise<string[]> {
    const now = this.clock.nowMs();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.ids;
    const ids = new Set(await this.roles.usersWithRoles(ADMIN_ROLE_TEMPLATES));
    for (const g of this.adminGroupIds) for (const m of await this.directory.transitiveUserMembers(g)) ids.add(m.id.toLowerCase());
    this.cached = { at: now, ids: [...ids].sort() };
    return this.cached.ids;
  }
}
