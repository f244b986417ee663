import type { Kysely } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import { containsFn } from '../../platform/db/sql.js';
import { newId } from '../../platform/ids.js';
import type { Permission, Role } from '../../platform/auth/permissions.js';

/** A workspace member as the RBAC admin pages see them. */
export interface MemberRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** Membership status in this workspace: `active` or `disabled`. */
  status: string;
  /** The account's own status, instance-wide. */
  account_status: string;
  email_verified: boolean;
  password_set: boolean;
  grants: Permission[];
  joined_at: string;
  updated_at: string;
}

export interface MemberFilter {
  q?: string | undefined;
  role?: Role | undefined;
  status?: string | undefined;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_by: string | null;
  default_workspace_id: string;
}

type Db = Kysely<DB>;

/** The reads and writes of user administration that workspaces and accounts do not already cover. */
export class AccessUsersRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  withDb(db: Db): AccessUsersRepository {
    return new AccessUsersRepository(db, this.dialect);
  }

  private members(workspaceId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .where('memberships.workspace_id', '=', workspaceId);
  }

  private static readonly COLUMNS = [
    'users.id',
    'users.email',
    'users.name',
    'users.status as account_status',
    'users.email_verified_at',
    'users.password_hash',
    'memberships.role',
    'memberships.status',
    'memberships.grants',
    'memberships.created_at',
    'memberships.updated_at',
  ] as const;

  private static toRecord(r: {
    id: string;
    email: string;
    name: string;
    account_status: string;
    email_verified_at: string | null;
    password_hash: string | null;
    role: string;
    status: string;
    grants: string;
    created_at: string;
    updated_at: string;
  }): MemberRecord {
    return {
      id: r.id,
      email: r.email,
      name: r.name,
      role: r.role as Role,
      status: r.status,
      account_status: r.account_status,
      email_verified: r.email_verified_at !== null,
      // Only whether one exists leaves this function, never the hash.
      password_set: r.password_hash !== null,
      grants: decode.json<Permission[]>(r.grants, []),
      joined_at: decode.time(r.created_at),
      updated_at: decode.time(r.updated_at),
    };
  }

  async list(
    workspaceId: string,
    filter: MemberFilter,
    limit: number,
    offset: number,
  ): Promise<{ items: MemberRecord[]; total: number }> {
    let base = this.members(workspaceId);
    if (filter.role) base = base.where('memberships.role', '=', filter.role);
    if (filter.status) base = base.where('memberships.status', '=', filter.status);
    if (filter.q) {
      const needle = filter.q.toLowerCase();
      base = base.where((eb) =>
        eb.or(
          (['users.email', 'users.name'] as const).map((col) =>
            eb(containsFn(this.dialect, eb.fn('lower', [col]), needle), '>', 0),
          ),
        ),
      );
    }
    const [rows, count] = await Promise.all([
      base
        .select([...AccessUsersRepository.COLUMNS])
        .orderBy('memberships.created_at')
        .orderBy('users.id')
        .limit(limit)
        .offset(offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(AccessUsersRepository.toRecord), total: decode.int(count.n) };
  }

  async member(workspaceId: string, userId: string): Promise<MemberRecord | undefined> {
    const row = await this.members(workspaceId)
      .select([...AccessUsersRepository.COLUMNS])
      .where('users.id', '=', userId)
      .executeTakeFirst();
    return row ? AccessUsersRepository.toRecord(row) : undefined;
  }

  /** Groups of this workspace each user belongs to. */
  async groupsOf(
    workspaceId: string,
    userIds: string[],
  ): Promise<Map<string, Array<{ id: string; name: string }>>> {
    const out = new Map<string, Array<{ id: string; name: string }>>();
    if (!userIds.length) return out;
    const rows = await this.db
      .selectFrom('group_members')
      .innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select(['group_members.user_id', 'groups.id', 'groups.name'])
      .where('groups.workspace_id', '=', workspaceId)
      .where('group_members.user_id', 'in', userIds)
      .orderBy('groups.name')
      .execute();
    for (const r of rows) {
      const list = out.get(r.user_id) ?? [];
      list.push({ id: r.id, name: r.name });
      out.set(r.user_id, list);
    }
    return out;
  }

  /** Replaces the user's group seats in this workspace (groups elsewhere are untouched). */
  async setGroups(workspaceId: string, userId: string, groupIds: string[]): Promise<void> {
    await this.db
      .deleteFrom('group_members')
      .where('user_id', '=', userId)
      .where(
        'group_id',
        'in',
        this.db.selectFrom('groups').select('id').where('workspace_id', '=', workspaceId),
      )
      .execute();
    if (groupIds.length) {
      await this.db
        .insertInto('group_members')
        .values(groupIds.map((group_id) => ({ group_id, user_id: userId })))
        .execute();
    }
  }

  async userByEmail(email: string): Promise<{ id: string; email: string; name: string } | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'email', 'name'])
      .where('email', '=', email)
      .executeTakeFirst();
  }

  /** A new account made by an administrator: verified, since an admin vouched for the address. */
  async createUser(user: NewUser): Promise<void> {
    const now = codec.now();
    await this.db
      .insertInto('users')
      .values({
        ...user,
        email_verified_at: now,
        is_instance_admin: codec.bool(false),
        status: 'active',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async workspaceIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .select('workspace_id')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.workspace_id);
  }

  /**
   * Sets a password, ends every session of the user and spends any reset links, in
   * one transaction. Returns how many sessions were revoked.
   */
  async setPassword(userId: string, passwordHash: string): Promise<number> {
    const at = codec.now();
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: at })
        .where('id', '=', userId)
        .execute();
      await trx
        .updateTable('email_tokens')
        .set({ used_at: at })
        .where('user_id', '=', userId)
        .where('purpose', '=', 'reset_password')
        .where('used_at', 'is', null)
        .execute();
      const res = await trx
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    });
  }

  /** Stores a one-time email token (hash only); older unused ones of that purpose stop working. */
  async issueEmailToken(
    userId: string,
    purpose: 'reset_password',
    tokenHash: string,
    ttlMs: number,
  ): Promise<void> {
    const now = new Date();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('email_tokens')
        .set({ used_at: now.toISOString() })
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .insertInto('email_tokens')
        .values({
          id: newId('tok'),
          user_id: userId,
          purpose,
          token_hash: tokenHash,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + ttlMs).toISOString(),
        })
        .execute();
    });
  }
}
