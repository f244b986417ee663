import type { Kysely } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { DB } from '../../../platform/db/schema.js';

/**
 * Leases that give each camera exactly one worker in the cluster. A holder takes a free
 * or expired lease, renews its own, and lets go when it stops; the conditional upsert
 * is one statement, so two processes racing for a camera cannot both win.
 */
export class CameraLeasesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Takes or renews the lease until `until`; whether `holder` holds it now. */
  async acquire(cameraId: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const expires_at = codec.time(until);
    await this.db
      .insertInto('camera_leases')
      .values({ camera_id: cameraId, holder, expires_at })
      .onConflict((oc) =>
        oc
          .column('camera_id')
          .doUpdateSet({ holder, expires_at })
          .where((eb) =>
            eb.or([
              eb('camera_leases.holder', '=', holder),
              eb('camera_leases.expires_at', '<', codec.time(now)),
            ]),
          ),
      )
      .execute();
    const row = await this.db
      .selectFrom('camera_leases')
      .select(['holder', 'expires_at'])
      .where('camera_id', '=', cameraId)
      .executeTakeFirst();
    return row?.holder === holder && decode.time(row.expires_at) === expires_at;
  }

  async release(cameraId: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom('camera_leases')
      .where('camera_id', '=', cameraId)
      .where('holder', '=', holder)
      .execute();
  }

  async holders(): Promise<Map<string, { holder: string; expires_at: string }>> {
    const rows = await this.db.selectFrom('camera_leases').selectAll().execute();
    return new Map(
      rows.map((r) => [r.camera_id, { holder: r.holder, expires_at: decode.time(r.expires_at) }]),
    );
  }
}
