import type { Kysely, Selectable } from 'kysely';
import { decode } from '../db/codec.js';
import type { AccessPoliciesTable, DB } from '../db/schema.js';
import type { AccessPolicy } from './policy.js';
import type { Permission, Role } from './permissions.js';

export interface MemberAccessRow {
  role: Role;
  status: string;
  grants: Permission[];
  groups: Array<{ id: string; roles: Role[]; permissions: Permission[] }>;
}

/** Reads what the access check needs: membership, groups and policies of a workspace. */
export class AccessRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async memberAccess(workspaceId: string, userId: string): Promise<MemberAccessRow | undefined> {
    const m = await this.db
      .selectFrom('memberships')
      .select(['role', 'status', 'grants'])
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!m) return undefined;
    const groups = await this.db
      .selectFrom('group_members')
      .innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select(['groups.id', 'groups.roles', 'groups.permissions'])
      .where('group_members.user_id', '=', userId)
      .where('groups.workspace_id', '=', workspaceId)
      .execute();
    return {
      role: m.role as Role,
      status: m.status,
      grants: decode.json<Permission[]>(m.grants, []),
      groups: groups.map((g) => ({
        id: g.id,
        roles: decode.json<Role[]>(g.roles, []),
        permissions: decode.json<Permission[]>(g.permissions, []),
      })),
    };
  }

  async policies(workspaceId: string): Promise<AccessPolicy[]> {
    const rows = await this.db
      .selectFrom('access_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('position')
      .execute();
    return rows.map(toAccessPolicy);
  }

  async defaultWorkspaceId(userId: string): Promise<string | undefined> {
    const user = await this.db
      .selectFrom('users')
      .select('default_workspace_id')
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user?.default_workspace_id) {
      const stillMember = await this.db
        .selectFrom('memberships')
        .select('workspace_id')
        .where('workspace_id', '=', user.default_workspace_id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (stillMember) return stillMember.workspace_id;
    }
    const first = await this.db
      .selectFrom('memberships')
      .select('workspace_id')
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .executeTakeFirst();
    return first?.workspace_id;
  }
}

/** An access_policies row as the policy engine reads it (JSON columns decoded). */
export function toAccessPolicy(r: Selectable<AccessPoliciesTable>): AccessPolicy {
  return {
    id: r.id,
    name: r.name,
    effect: r.effect as AccessPolicy['effect'],
    permissions: decode.json<AccessPolicy['permissions']>(r.permissions, []),
    subjects: decode.json<AccessPolicy['subjects']>(r.subjects, {}),
    conditions: decode.json<AccessPolicy['conditions']>(r.conditions, {}),
  };
}
