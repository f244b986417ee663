import type { Kysely, Transaction } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import { prepare } from '../../platform/db/prepared.js';
import type { DB } from '../../platform/db/schema.js';
import type { Permission, Role } from '../../platform/auth/permissions.js';

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CustomRateLimits {
  requests_per_minute: number | null;
  agent_requests_per_minute: number | null;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  status: string;
  grants: Permission[];
  joined_at: string;
}

export interface Invite {
  id: string;
  workspace_id: string;
  email: string;
  role: Role;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

type Db = Kysely<DB> | Transaction<DB>;

const toWorkspace = (r: DB['workspaces']): Workspace => ({
  ...r,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

const toInvite = (r: DB['invites']): Invite => ({
  id: r.id,
  workspace_id: r.workspace_id,
  email: r.email,
  role: r.role as Role,
  invited_by: r.invited_by,
  created_at: decode.time(r.created_at),
  expires_at: decode.time(r.expires_at),
  accepted_at: decode.timeOrNull(r.accepted_at),
  revoked_at: decode.timeOrNull(r.revoked_at),
});

export class WorkspacesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  transaction<T>(fn: (repo: WorkspacesRepository, trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .execute((trx) => fn(new WorkspacesRepository(trx as unknown as Kysely<DB>), trx));
  }

  async create(ws: Workspace, ownerId: string, db: Db = this.db): Promise<void> {
    await db.insertInto('workspaces').values(ws).execute();
    await db
      .insertInto('memberships')
      .values({
        workspace_id: ws.id,
        user_id: ownerId,
        role: 'owner',
        status: 'active',
        grants: codec.json([]),
        created_at: ws.created_at,
        updated_at: ws.created_at,
      })
      .execute();
  }

  async find(id: string): Promise<Workspace | undefined> {
    const row = await this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWorkspace(row) : undefined;
  }

  private memberOf(userId: string) {
    return this.db
      .selectFrom('workspaces')
      .innerJoin('memberships', 'memberships.workspace_id', 'workspaces.id')
      .where('memberships.user_id', '=', userId);
  }

  // Every request of a signed-in dashboard lists these: compiled once (prepared.ts), the
  // page and the count in one query (the count query runs only for a page past the end),
  // reused on SQLite until anything is written.
  private readonly pageForUser = prepare(
    () => this.db,
    (p) =>
      this.memberOf(p<string>('userId'))
        .selectAll('workspaces')
        .select(['memberships.role', 'memberships.status as member_status'])
        .select((eb) => eb.fn.countAll<number>().over().as('total'))
        .orderBy('workspaces.created_at')
        .orderBy('workspaces.id')
        .limit(p<number>('limit'))
        .offset(p<number>('offset')),
    { reuseWhileUnchanged: true },
  );
  private readonly countForUser = prepare(
    () => this.db,
    (p) => this.memberOf(p<string>('userId')).select((eb) => eb.fn.countAll<number>().as('n')),
    { reuseWhileUnchanged: true },
  );

  async listForUser(userId: string, limit: number, offset: number) {
    const rows = await this.pageForUser({ userId, limit, offset });
    const total = rows[0] ? rows[0].total : offset > 0 ? (await this.countForUser({ userId }))[0]?.n : 0;
    return {
      items: rows.map(({ total: _total, ...r }) => ({
        ...toWorkspace(r),
        role: r.role as Role,
        member_status: r.member_status,
      })),
      total: decode.int(total ?? 0),
    };
  }

  async update(id: string, patch: Partial<Pick<Workspace, 'name' | 'plan'>>): Promise<void> {
    await this.db
      .updateTable('workspaces')
      .set({ ...patch, updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('workspaces').where('id', '=', id).execute();
  }

  /** The workspace's custom rates (null: the plan's). */
  async customRateLimits(id: string): Promise<CustomRateLimits> {
    const row = await this.db
      .selectFrom('workspace_rate_limits')
      .select(['requests_per_minute', 'agent_requests_per_minute'])
      .where('workspace_id', '=', id)
      .executeTakeFirst();
    return {
      requests_per_minute: row?.requests_per_minute ?? null,
      agent_requests_per_minute: row?.agent_requests_per_minute ?? null,
    };
  }

  async setCustomRateLimits(id: string, limits: CustomRateLimits): Promise<void> {
    const row = { workspace_id: id, ...limits, updated_at: codec.now() };
    await this.db
      .insertInto('workspace_rate_limits')
      .values(row)
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ ...limits, updated_at: row.updated_at }))
      .execute();
  }

  async members(workspaceId: string): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'users.id as user_id',
        'users.email',
        'users.name',
        'memberships.role',
        'memberships.status',
        'memberships.grants',
        'memberships.created_at',
      ])
      .where('memberships.workspace_id', '=', workspaceId)
      .orderBy('memberships.created_at')
      .execute();
    return rows.map((r) => ({
      user_id: r.user_id,
      email: r.email,
      name: r.name,
      role: r.role as Role,
      status: r.status,
      grants: decode.json<Permission[]>(r.grants, []),
      joined_at: decode.time(r.created_at),
    }));
  }

  async member(workspaceId: string, userId: string): Promise<Member | undefined> {
    return (await this.members(workspaceId)).find((m) => m.user_id === userId);
  }

  async countOwners(workspaceId: string): Promise<number> {
    const r = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return decode.int(r.n);
  }

  async addMember(workspaceId: string, userId: string, role: Role, db: Db = this.db): Promise<void> {
    const now = codec.now();
    await db
      .insertInto('memberships')
      .values({
        workspace_id: workspaceId,
        user_id: userId,
        role,
        status: 'active',
        grants: codec.json([]),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .execute();
  }

  async updateMember(
    workspaceId: string,
    userId: string,
    patch: { role?: Role; status?: string; grants?: Permission[] },
  ): Promise<void> {
    await this.db
      .updateTable('memberships')
      .set({
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.grants ? { grants: codec.json(patch.grants) } : {}),
        updated_at: codec.now(),
      })
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Removes a member with everything tied to them in this workspace (keys, group seats). */
  async removeMember(workspaceId: string, userId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('memberships')
        .where('workspace_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .execute();
      await trx
        .updateTable('api_keys')
        .set({ revoked_at: codec.now() })
        .where('workspace_id', '=', workspaceId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .deleteFrom('group_members')
        .where('user_id', '=', userId)
        .where(
          'group_id',
          'in',
          trx.selectFrom('groups').select('id').where('workspace_id', '=', workspaceId),
        )
        .execute();
      await trx
        .updateTable('users')
        .set({ default_workspace_id: null })
        .where('id', '=', userId)
        .where('default_workspace_id', '=', workspaceId)
        .execute();
    });
  }

  async createInvite(invite: Invite & { token_hash: string }): Promise<void> {
    await this.db.insertInto('invites').values(invite).execute();
  }

  async pendingInvites(workspaceId: string, now: string): Promise<Invite[]> {
    const rows = await this.db
      .selectFrom('invites')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .execute();
    return rows.map(toInvite);
  }

  async findInviteByHash(hash: string): Promise<Invite | undefined> {
    const row = await this.db
      .selectFrom('invites')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    return row ? toInvite(row) : undefined;
  }

  async findInvite(workspaceId: string, id: string): Promise<Invite | undefined> {
    const row = await this.db
      .selectFrom('invites')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toInvite(row) : undefined;
  }

  async revokePendingInvites(workspaceId: string, email: string): Promise<void> {
    await this.db
      .updateTable('invites')
      .set({ revoked_at: codec.now() })
      .where('workspace_id', '=', workspaceId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeInvite(id: string): Promise<void> {
    await this.db.updateTable('invites').set({ revoked_at: codec.now() }).where('id', '=', id).execute();
  }

  /** Marks the invite used only if it still is pending; returns whether this call won. */
  async markInviteAccepted(id: string, userId: string, db: Db = this.db): Promise<boolean> {
    const res = await db
      .updateTable('invites')
      .set({ accepted_at: codec.now(), accepted_by: userId })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async userIdByEmail(email: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    return r?.id;
  }

  async setDefaultWorkspaceIfNone(userId: string, workspaceId: string, db: Db = this.db): Promise<void> {
    await db
      .updateTable('users')
      .set({ default_workspace_id: workspaceId })
      .where('id', '=', userId)
      .where('default_workspace_id', 'is', null)
      .execute();
  }
}
