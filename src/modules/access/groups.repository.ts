import type { Kysely } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB, GroupsTable } from '../../platform/db/schema.js';
import type { Permission, Role } from '../../platform/auth/permissions.js';

/** A workspace group: its roles and permissions are added to every member's. */
export interface Group {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  roles: Role[];
  permissions: Permission[];
  member_ids: string[];
  created_at: string;
  updated_at: string;
}

export type GroupPatch = Partial<Pick<Group, 'name' | 'description' | 'roles' | 'permissions'>>;

const toGroup = (r: GroupsTable, memberIds: string[]): Group => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  description: r.description,
  roles: decode.json<Role[]>(r.roles, []),
  permissions: decode.json<Permission[]>(r.permissions, []),
  member_ids: memberIds,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

export class GroupsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private async withMembers(rows: GroupsTable[]): Promise<Group[]> {
    if (!rows.length) return [];
    const seats = await this.db
      .selectFrom('group_members')
      .select(['group_id', 'user_id'])
      .where(
        'group_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('user_id')
      .execute();
    const byGroup = new Map<string, string[]>();
    for (const s of seats) byGroup.set(s.group_id, [...(byGroup.get(s.group_id) ?? []), s.user_id]);
    return rows.map((r) => toGroup(r, byGroup.get(r.id) ?? []));
  }

  async list(workspaceId: string, limit: number, offset: number): Promise<{ items: Group[]; total: number }> {
    const base = this.db.selectFrom('groups').where('workspace_id', '=', workspaceId);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('name').orderBy('id').limit(limit).offset(offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: await this.withMembers(rows), total: decode.int(count.n) };
  }

  async find(workspaceId: string, id: string): Promise<Group | undefined> {
    return (await this.findMany(workspaceId, [id]))[0];
  }

  /** The groups among `ids` that belong to this workspace. */
  async findMany(workspaceId: string, ids: string[]): Promise<Group[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('groups')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids)
      .execute();
    return this.withMembers(rows);
  }

  async nameTaken(workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
    let q = this.db
      .selectFrom('groups')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  }

  async create(group: Group): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('groups')
        .values({
          id: group.id,
          workspace_id: group.workspace_id,
          name: group.name,
          description: group.description,
          roles: codec.json(group.roles),
          permissions: codec.json(group.permissions),
          created_at: group.created_at,
          updated_at: group.updated_at,
        })
        .execute();
      if (group.member_ids.length) {
        await trx
          .insertInto('group_members')
          .values(group.member_ids.map((user_id) => ({ group_id: group.id, user_id })))
          .execute();
      }
    });
  }

  /** Updates fields and, when `memberIds` is given, replaces the member list; atomically. */
  async update(id: string, patch: GroupPatch, memberIds?: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('groups')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.roles !== undefined ? { roles: codec.json(patch.roles) } : {}),
          ...(patch.permissions !== undefined ? { permissions: codec.json(patch.permissions) } : {}),
          updated_at: codec.now(),
        })
        .where('id', '=', id)
        .execute();
      if (memberIds) {
        await trx.deleteFrom('group_members').where('group_id', '=', id).execute();
        if (memberIds.length) {
          await trx
            .insertInto('group_members')
            .values(memberIds.map((user_id) => ({ group_id: id, user_id })))
            .execute();
        }
      }
    });
  }

  async delete(id: string): Promise<void> {
    // group_members rows go with it (ON DELETE CASCADE).
    await this.db.deleteFrom('groups').where('id', '=', id).execute();
  }
}
