import type { Kysely } from 'kysely';
import { decode } from '../db/codec.js';
import { prepare } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import type { KeyScope } from './permissions.js';

export interface KeyCredential {
  keyId: string;
  workspaceId: string;
  scopes: KeyScope[];
  lastUsedAt: string | null;
  user: CredentialUser;
}

export interface CredentialUser {
  id: string;
  email: string;
  name: string;
  isInstanceAdmin: boolean;
  status: string;
}

/**
 * The lookups authentication needs on every request; one indexed query each, compiled
 * once and, on SQLite, reused until anything is written (prepared.ts): a revocation by
 * any process moves the change epoch, so the very next request runs the query again.
 * Expiry is checked here against the clock, never inside the reused SQL.
 */
export class CredentialsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private readonly keyByHash = prepare(
    () => this.db,
    (p) =>
      this.db
        .selectFrom('api_keys')
        .innerJoin('users', 'users.id', 'api_keys.user_id')
        .select([
          'api_keys.id as key_id',
          'api_keys.workspace_id',
          'api_keys.scopes',
          'api_keys.last_used_at',
          'api_keys.expires_at',
          'users.id as user_id',
          'users.email',
          'users.name',
          'users.is_instance_admin',
          'users.status',
        ])
        .where('api_keys.key_hash', '=', p<string>('hash'))
        .where('api_keys.revoked_at', 'is', null),
    { reuseWhileUnchanged: true },
  );

  private readonly sessionById = prepare(
    () => this.db,
    (p) =>
      this.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'users.id',
          'users.email',
          'users.name',
          'users.is_instance_admin',
          'users.status',
          'sessions.expires_at',
        ])
        .where('sessions.id', '=', p<string>('sessionId'))
        .where('sessions.user_id', '=', p<string>('userId'))
        .where('sessions.revoked_at', 'is', null),
    { reuseWhileUnchanged: true },
  );

  async activeKeyByHash(hash: string, now: string): Promise<KeyCredential | undefined> {
    const [row] = await this.keyByHash({ hash });
    if (!row) return undefined;
    if (row.expires_at && decode.time(row.expires_at) <= now) return undefined;
    return {
      keyId: row.key_id,
      workspaceId: row.workspace_id,
      scopes: decode.json<KeyScope[]>(row.scopes, []),
      lastUsedAt: decode.timeOrNull(row.last_used_at),
      user: {
        id: row.user_id,
        email: row.email,
        name: row.name,
        isInstanceAdmin: decode.bool(row.is_instance_admin),
        status: row.status,
      },
    };
  }

  async touchKey(keyId: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', keyId).execute();
  }

  async activeSession(sessionId: string, userId: string, now: string): Promise<CredentialUser | undefined> {
    const [row] = await this.sessionById({ sessionId, userId });
    if (!row || decode.time(row.expires_at) <= now) return undefined;
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      isInstanceAdmin: decode.bool(row.is_instance_admin),
      status: row.status,
    };
  }

  async userByEmail(email: string): Promise<CredentialUser | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'is_instance_admin', 'status'])
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    return row
      ? {
          id: row.id,
          email: row.email,
          name: row.name,
          isInstanceAdmin: decode.bool(row.is_instance_admin),
          status: row.status,
        }
      : undefined;
  }
}

export const KEY_TOUCH_INTERVAL_MS = 60_000;
export const touchDue = (last: string | null, now: string) =>
  !last || Date.parse(now) - Date.parse(last) >= KEY_TOUCH_INTERVAL_MS;
