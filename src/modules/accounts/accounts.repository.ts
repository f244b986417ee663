import type { Kysely, Transaction } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';

/** A user as the API shows it: never the password hash. */
export interface AccountUser {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  is_instance_admin: boolean;
  status: string;
  default_workspace_id: string | null;
  created_at: string;
}

/** What the service needs to check a password; stays inside the service. */
export interface UserWithSecret extends AccountUser {
  passwordHash: string | null;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  /** Null for accounts that only log in through an identity provider. */
  password_hash: string | null;
  email_verified_at: string | null;
  is_instance_admin: boolean;
  default_workspace_id: string | null;
  created_by: string | null;
}

export interface NewSession {
  id: string;
  user_id: string;
  via: string;
  ip: string | null;
  user_agent: string | null;
  expires_at: string;
}

export type EmailTokenPurpose = 'verify_email' | 'reset_password';

/** A workspace the user owns, with the head counts that decide what deleting them does. */
export interface OwnedWorkspace {
  id: string;
  name: string;
  owners: number;
  members: number;
}

type Db = Kysely<DB> | Transaction<DB>;

/** The row key that records which user claimed "first user becomes instance admin". */
const FIRST_ADMIN_SETTING = 'accounts.first_admin';

function toUser(r: DB['users']): UserWithSecret {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    email_verified: r.email_verified_at !== null,
    is_instance_admin: decode.bool(r.is_instance_admin),
    status: r.status,
    default_workspace_id: r.default_workspace_id,
    created_at: decode.time(r.created_at),
    passwordHash: r.password_hash,
  };
}

/** Strips the secret so a user can be returned or audited. */
export function publicUser(u: UserWithSecret): AccountUser {
  const { passwordHash: _secret, ...rest } = u;
  return rest;
}

/** Users, sessions and one-time email tokens: the only SQL the accounts module runs. */
export class AccountsRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (repo: AccountsRepository, trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return (this.db as Kysely<DB>).transaction().execute((trx) => fn(new AccountsRepository(trx), trx));
  }

  async findById(id: string): Promise<UserWithSecret | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async findByEmail(email: string): Promise<UserWithSecret | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async insertUser(user: NewUser): Promise<void> {
    const now = codec.now();
    await this.db
      .insertInto('users')
      .values({
        ...user,
        is_instance_admin: codec.bool(user.is_instance_admin),
        status: 'active',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async updateUser(
    id: string,
    patch: {
      name?: string;
      password_hash?: string;
      default_workspace_id?: string | null;
      is_instance_admin?: boolean;
      status?: string;
    },
  ): Promise<void> {
    const { is_instance_admin, ...rest } = patch;
    await this.db
      .updateTable('users')
      .set({
        ...rest,
        ...(is_instance_admin !== undefined ? { is_instance_admin: codec.bool(is_instance_admin) } : {}),
        updated_at: codec.now(),
      })
      .where('id', '=', id)
      .execute();
  }

  async markEmailVerified(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ email_verified_at: at, updated_at: at })
      .where('id', '=', id)
      .where('email_verified_at', 'is', null)
      .execute();
  }

  async deleteUser(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return decode.int(r.n);
  }

  /**
   * Claims the one-time "first user is instance admin" slot. The primary key makes
   * it atomic across processes: when two first sign-ups race, exactly one insert wins.
   */
  async claimFirstAdmin(userId: string): Promise<boolean> {
    const res = await this.db
      .insertInto('instance_settings')
      .values({ key: FIRST_ADMIN_SETTING, value: codec.json({ user_id: userId }), updated_at: codec.now() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async isMember(userId: string, workspaceId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('memberships')
      .select('workspace_id')
      .where('user_id', '=', userId)
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return r !== undefined;
  }

  async memberWorkspaceIds(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .select('workspace_id')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.workspace_id);
  }

  async ownedWorkspaces(userId: string): Promise<OwnedWorkspace[]> {
    const rows = await this.db
      .selectFrom('memberships as mine')
      .innerJoin('workspaces', 'workspaces.id', 'mine.workspace_id')
      .innerJoin('memberships as all_m', 'all_m.workspace_id', 'mine.workspace_id')
      .select((eb) => [
        'workspaces.id',
        'workspaces.name',
        eb.fn.countAll<number>().as('members'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb('all_m.role', '=', 'owner'), eb('all_m.status', '=', 'active')]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('owners'),
      ])
      .where('mine.user_id', '=', userId)
      .where('mine.role', '=', 'owner')
      .groupBy(['workspaces.id', 'workspaces.name'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      owners: decode.int(r.owners),
      members: decode.int(r.members),
    }));
  }

  async deleteWorkspaces(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('workspaces').where('id', 'in', ids).execute();
  }

  async insertSession(session: NewSession): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ ...session, created_at: codec.now() })
      .execute();
  }

  async revokeSession(id: string, at: string): Promise<boolean> {
    const res = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends every live session of the user except, optionally, the one making the request. */
  async revokeSessions(userId: string, at: string, exceptId?: string): Promise<number> {
    let q = this.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async insertEmailToken(token: {
    id: string;
    user_id: string;
    purpose: EmailTokenPurpose;
    token_hash: string;
    created_at: string;
    expires_at: string;
  }): Promise<void> {
    await this.db.insertInto('email_tokens').values(token).execute();
  }

  /** Marks the user's unused tokens for a purpose as spent, so only the newest link works. */
  async invalidateEmailTokens(userId: string, purpose: EmailTokenPurpose, at: string): Promise<void> {
    await this.db
      .updateTable('email_tokens')
      .set({ used_at: at })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
  }

  /**
   * Spends a token in one statement: only a row that is still unused and unexpired
   * is updated, so two concurrent uses cannot both succeed. Returns its user.
   */
  async consumeEmailToken(
    hash: string,
    purpose: EmailTokenPurpose,
    now: string,
  ): Promise<string | undefined> {
    const row = await this.db
      .updateTable('email_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Whether a token could still be spent; a cheap pre-check, not a claim. */
  async peekEmailToken(hash: string, purpose: EmailTokenPurpose, now: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('email_tokens')
      .select('id')
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }

  async latestEmailTokenAt(userId: string, purpose: EmailTokenPurpose): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('email_tokens')
      .select('created_at')
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? decode.time(row.created_at) : undefined;
  }
}

/** A unique-constraint failure on either dialect (a concurrent duplicate insert). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
