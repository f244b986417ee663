import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { CameraHeartbeatsTable, CamerasTable, DB } from '../../../platform/db/schema.js';
import type { Page } from '../../../platform/http/pagination.js';
import type { Camera, CameraSettings, Heartbeat, RtspTransport } from './cameras.types.js';

const toCamera = (r: Selectable<CamerasTable>): Camera => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  rtsp_url: r.rtsp_url_masked,
  enabled: decode.bool(r.enabled),
  detect_conf: Number(r.detect_conf),
  pre_seconds: decode.int(r.pre_seconds),
  post_seconds: decode.int(r.post_seconds),
  trigger_classes: r.trigger_classes,
  detect_iou: Number(r.detect_iou),
  detect_imgsz: decode.int(r.detect_imgsz),
  detect_interval: Number(r.detect_interval),
  trigger_cooldown: Number(r.trigger_cooldown),
  min_trigger_frames: decode.int(r.min_trigger_frames),
  rtsp_transport: r.rtsp_transport as RtspTransport,
  faces_enabled: decode.bool(r.faces_enabled),
  reid_enabled: decode.bool(r.reid_enabled),
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

const toHeartbeat = (r: Selectable<CameraHeartbeatsTable>): Heartbeat => ({
  camera_id: r.camera_id,
  worker_id: r.worker_id,
  state: r.state as Heartbeat['state'],
  reason: r.reason,
  fps: Number(r.fps),
  seen_at: decode.time(r.seen_at),
});

const settingsRow = (s: Partial<CameraSettings>) => ({
  ...s,
  ...(s.enabled !== undefined ? { enabled: codec.bool(s.enabled) } : {}),
  ...(s.faces_enabled !== undefined ? { faces_enabled: codec.bool(s.faces_enabled) } : {}),
  ...(s.reid_enabled !== undefined ? { reid_enabled: codec.bool(s.reid_enabled) } : {}),
});

export interface NewCamera extends CameraSettings {
  id: string;
  workspace_id: string;
  rtsp_url_sealed: string;
  rtsp_url_masked: string;
  created_by: string | null;
}

export interface RunnableCamera {
  id: string;
  workspace_id: string;
  /** For the titles of its clips in the library. */
  name: string;
  sealed_url: string;
  transport: RtspTransport;
  version: string;
  /** What the camera's detection runs with. */
  settings: Pick<
    CameraSettings,
    | 'detect_conf'
    | 'detect_iou'
    | 'detect_imgsz'
    | 'detect_interval'
    | 'trigger_classes'
    | 'min_trigger_frames'
    | 'trigger_cooldown'
    | 'pre_seconds'
    | 'post_seconds'
  >;
}

export class CamerasRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(c: NewCamera): Promise<Camera> {
    const now = codec.now();
    const row = { ...c, ...settingsRow(c), created_at: now, updated_at: now };
    await this.db
      .insertInto('cameras')
      .values(row as CamerasTable)
      .execute();
    return (await this.get(c.id))!;
  }

  async get(id: string): Promise<Camera | undefined> {
    const row = await this.db.selectFrom('cameras').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toCamera(row) : undefined;
  }

  /** The sealed URL, for the worker only (never for a response). */
  async sealedUrl(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('cameras')
      .select('rtsp_url_sealed')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.rtsp_url_sealed;
  }

  /** Cameras of a workspace by name; `ids` narrows to the cameras a caller may see. */
  async list(
    workspaceId: string,
    page: Page,
    ids?: readonly string[],
  ): Promise<{ items: Camera[]; total: number }> {
    let q = this.db.selectFrom('cameras').where('workspace_id', '=', workspaceId);
    if (ids) q = ids.length ? q.where('id', 'in', ids) : q.where('id', '=', '');
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('name').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toCamera), total: decode.int(count.n) };
  }

  /**
   * Every enabled camera of the instance with what its worker runs on, for the worker
   * supervisor; `version` changes whenever the camera does (a new URL or tuning).
   */
  async runnable(): Promise<RunnableCamera[]> {
    const rows = await this.db
      .selectFrom('cameras')
      .selectAll()
      .where('enabled', '=', codec.bool(true))
      .orderBy('id')
      .execute();
    return rows.map((r) => {
      const c = toCamera(r);
      return {
        id: c.id,
        workspace_id: c.workspace_id,
        name: c.name,
        sealed_url: r.rtsp_url_sealed,
        transport: c.rtsp_transport,
        version: `${c.updated_at}|${r.rtsp_url_sealed}`,
        settings: {
          detect_conf: c.detect_conf,
          detect_iou: c.detect_iou,
          detect_imgsz: c.detect_imgsz,
          detect_interval: c.detect_interval,
          trigger_classes: c.trigger_classes,
          min_trigger_frames: c.min_trigger_frames,
          trigger_cooldown: c.trigger_cooldown,
          pre_seconds: c.pre_seconds,
          post_seconds: c.post_seconds,
        },
      };
    });
  }

  async update(
    id: string,
    changes: Partial<CameraSettings> & { rtsp_url_sealed?: string; rtsp_url_masked?: string },
  ): Promise<Camera | undefined> {
    await this.db
      .updateTable('cameras')
      .set({ ...settingsRow(changes), updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('cameras').where('id', '=', id).execute();
  }

  async heartbeats(ids: readonly string[]): Promise<Map<string, Heartbeat>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('camera_heartbeats')
      .selectAll()
      .where('camera_id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.camera_id, toHeartbeat(r)]));
  }

  async beat(h: Heartbeat): Promise<void> {
    const row = { ...h, seen_at: codec.time(h.seen_at) };
    await this.db
      .insertInto('camera_heartbeats')
      .values(row)
      .onConflict((oc) =>
        oc.column('camera_id').doUpdateSet({
          worker_id: row.worker_id,
          state: row.state,
          reason: row.reason,
          fps: row.fps,
          seen_at: row.seen_at,
        }),
      )
      .execute();
  }

  async clearHeartbeat(cameraId: string): Promise<void> {
    await this.db.deleteFrom('camera_heartbeats').where('camera_id', '=', cameraId).execute();
  }
}
