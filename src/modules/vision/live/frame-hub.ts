import type { Kysely } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { DB } from '../../../platform/db/schema.js';

export interface LiveFrame {
  jpeg: Buffer;
  /** Epoch ms it was taken. */
  at: number;
}

/**
 * The latest frame of every camera. The process running a camera's worker holds it in
 * memory (what its own live views read, every frame), and saves it to the camera's slot
 * in the database every `slotEveryMs`, so an `api` process, which runs no workers,
 * serves snapshots and live views too, at the slot's rate.
 */
export class FrameHub {
  private readonly local = new Map<string, LiveFrame>();
  private readonly saved = new Map<string, number>();
  private readonly cache = new Map<string, { frame: LiveFrame | undefined; read: number }>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: { slotEveryMs?: number; slotCacheMs?: number } = {},
  ) {}

  publish(cameraId: string, jpeg: Buffer, at: number): void {
    this.local.set(cameraId, { jpeg, at });
    const last = this.saved.get(cameraId) ?? 0;
    if (at - last < (this.opts.slotEveryMs ?? 500)) return;
    this.saved.set(cameraId, at);
    const row = { camera_id: cameraId, jpeg, captured_at: codec.time(at) };
    void this.db
      .insertInto('camera_frames')
      .values(row)
      .onConflict((oc) =>
        oc.column('camera_id').doUpdateSet({ jpeg: row.jpeg, captured_at: row.captured_at }),
      )
      .execute()
      // The camera may have been deleted under its worker; the next frame tries again.
      .catch(() => this.saved.delete(cameraId));
  }

  async latest(cameraId: string): Promise<LiveFrame | undefined> {
    const mine = this.local.get(cameraId);
    if (mine) return mine;
    const now = Date.now();
    const hit = this.cache.get(cameraId);
    // Many viewers of one camera in an api process read the slot once per interval.
    if (hit && now - hit.read < (this.opts.slotCacheMs ?? 100)) return hit.frame;
    const row = await this.db
      .selectFrom('camera_frames')
      .select(['jpeg', 'captured_at'])
      .where('camera_id', '=', cameraId)
      .executeTakeFirst();
    const frame = row
      ? { jpeg: Buffer.from(row.jpeg), at: Date.parse(decode.time(row.captured_at)) }
      : undefined;
    this.cache.set(cameraId, { frame, read: now });
    return frame;
  }

  /** The camera's worker stopped here (its frames now come from elsewhere, or not at all). */
  forget(cameraId: string): void {
    this.local.delete(cameraId);
    this.saved.delete(cameraId);
    this.cache.delete(cameraId);
  }
}
