import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB, RecordingSharesTable } from '../../platform/db/schema.js';

export interface Share {
  id: string;
  recording_id: string;
  workspace_id: string;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}

const toShare = (r: Selectable<RecordingSharesTable>): Share => ({
  id: r.id,
  recording_id: r.recording_id,
  workspace_id: r.workspace_id,
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  revoked_at: r.revoked_at === null ? null : decode.time(r.revoked_at),
});

/**
 * Public share links of recordings. At most one active (unrevoked) share per recording;
 * revoked rows stay for the audit trail and are never looked up as live again.
 */
export class SharesRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * The live share with this id. The lookup is the primary-key index, so how long it
   * takes says nothing useful about how close a guess was.
   */
  async findActive(id: string): Promise<Share | null> {
    const row = await this.db
      .selectFrom('recording_shares')
      .selectAll()
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? toShare(row) : null;
  }

  async activeFor(recordingId: string): Promise<Share | null> {
    const row = await this.db
      .selectFrom('recording_shares')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row ? toShare(row) : null;
  }

  /**
   * Returns the active share, creating it when there is none. Two concurrent requests
   * must not both create one: PostgreSQL locks the recording row first; SQLite runs
   * transactions one at a time on its single connection.
   */
  async getOrCreate(
    share: Pick<Share, 'id' | 'recording_id' | 'workspace_id' | 'created_by'>,
  ): Promise<{ share: Share; created: boolean } | null> {
    return this.db.transaction().execute(async (trx) => {
      let recording = trx.selectFrom('recordings').select('id').where('id', '=', share.recording_id);
      if (this.dialect === 'postgres') recording = recording.forUpdate();
      // Deleted meanwhile: nothing to share (and the foreign key would refuse the row).
      if (!(await recording.executeTakeFirst())) return null;
      const existing = await trx
        .selectFrom('recording_shares')
        .selectAll()
        .where('recording_id', '=', share.recording_id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (existing) return { share: toShare(existing), created: false };
      const row = { ...share, created_at: codec.now(), revoked_at: null };
      await trx.insertInto('recording_shares').values(row).execute();
      return { share: toShare(row), created: true };
    });
  }

  /** Revokes every active share of the recording; returns what was revoked. */
  async revokeFor(recordingId: string): Promise<Share[]> {
    const now = codec.now();
    const rows = await this.db
      .updateTable('recording_shares')
      .set({ revoked_at: now })
      .where('recording_id', '=', recordingId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .execute();
    return rows.map(toShare);
  }
}
