import type { Kysely } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';
import type { AccessPolicy } from '../../platform/auth/policy.js';
import { toAccessPolicy } from '../../platform/auth/access.repository.js';

export interface StoredPolicy extends AccessPolicy {
  position: number;
  updated_at: string;
}

/** A workspace's access policies; always written as a whole set. */
export class PoliciesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(workspaceId: string): Promise<StoredPolicy[]> {
    const rows = await this.db
      .selectFrom('access_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({
      ...toAccessPolicy(r),
      position: decode.int(r.position),
      updated_at: decode.time(r.updated_at),
    }));
  }

  /**
   * Replaces the whole set in one transaction, so the access check never sees half of
   * an old set and half of a new one.
   */
  async replace(workspaceId: string, policies: AccessPolicy[]): Promise<void> {
    const at = codec.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_policies').where('workspace_id', '=', workspaceId).execute();
      if (!policies.length) return;
      await trx
        .insertInto('access_policies')
        .values(
          policies.map((p, position) => ({
            id: p.id,
            workspace_id: workspaceId,
            position,
            name: p.name,
            effect: p.effect,
            permissions: codec.json(p.permissions),
            subjects: codec.json(p.subjects),
            conditions: codec.json(p.conditions),
            updated_at: at,
          })),
        )
        .execute();
    });
  }
}
