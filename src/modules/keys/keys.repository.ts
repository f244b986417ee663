import type { Kysely } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { ApiKeysTable, DB } from '../../platform/db/schema.js';
import type { KeyScope } from '../../platform/auth/permissions.js';

/** An API key as the API shows it: never the hash, never the plaintext. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: KeyScope[];
  workspace_id: string;
  user_id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export type NewApiKey = Omit<ApiKey, 'last_used_at' | 'revoked_at'> & { key_hash: string };

const COLUMNS = [
  'id',
  'name',
  'prefix',
  'scopes',
  'workspace_id',
  'user_id',
  'created_at',
  'last_used_at',
  'expires_at',
  'revoked_at',
] as const;

const toKey = (r: Omit<ApiKeysTable, 'key_hash'>): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: decode.json<KeyScope[]>(r.scopes, []),
  workspace_id: r.workspace_id,
  user_id: r.user_id,
  created_at: decode.time(r.created_at),
  last_used_at: decode.timeOrNull(r.last_used_at),
  expires_at: decode.timeOrNull(r.expires_at),
  revoked_at: decode.timeOrNull(r.revoked_at),
});

export class KeysRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(key: NewApiKey): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({ ...key, scopes: codec.json(key.scopes) })
      .execute();
  }

  /** Non-revoked keys in a workspace, of one user or (userId undefined) of everybody. */
  async listActive(
    workspaceId: string,
    userId: string | undefined,
    limit: number,
    offset: number,
  ): Promise<{ items: ApiKey[]; total: number }> {
    let base = this.db
      .selectFrom('api_keys')
      .where('workspace_id', '=', workspaceId)
      .where('revoked_at', 'is', null);
    if (userId !== undefined) base = base.where('user_id', '=', userId);
    const [rows, count] = await Promise.all([
      base
        .select([...COLUMNS])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toKey), total: decode.int(count.n) };
  }

  async countActive(workspaceId: string, userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return decode.int(r.n);
  }

  async find(id: string): Promise<ApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .select([...COLUMNS])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  /** Revokes only if still active; returns whether this call did it. */
  async revoke(id: string, at: string): Promise<boolean> {
    const res = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
