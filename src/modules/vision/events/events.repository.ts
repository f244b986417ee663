import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { CameraEventsTable, DB } from '../../../platform/db/schema.js';

export interface CameraEvent {
  id: string;
  workspace_id: string;
  camera_id: string;
  kind: 'track' | 'manual';
  label: string;
  score: number;
  labels: string[];
  started_at: string;
  ended_at: string | null;
  thumbnail_key: string | null;
  clip_key: string | null;
  person_id: string | null;
  person_name: string | null;
  created_at: string;
  /** The clip as a library recording (vision's clips are; clip_key is for a clip kept beside the library). */
  recording_id: string | null;
  /** A manual recording's clip is due once the camera's buffer holds this time; null once cut. */
  clip_due_at: string | null;
}

export interface EventFilters {
  workspaceId: string;
  cameraId?: string | undefined;
  personId?: string | undefined;
  label?: string | undefined;
  /** Inclusive. */
  from?: string | undefined;
  /** Exclusive. */
  to?: string | undefined;
}

const toEvent = (r: Selectable<CameraEventsTable>): CameraEvent => ({
  id: r.id,
  workspace_id: r.workspace_id,
  camera_id: r.camera_id,
  kind: r.kind as CameraEvent['kind'],
  label: r.label,
  score: Number(r.score),
  labels: decode.json<string[]>(r.labels, []),
  started_at: decode.time(r.started_at),
  ended_at: decode.timeOrNull(r.ended_at),
  thumbnail_key: r.thumbnail_key,
  clip_key: r.clip_key,
  person_id: r.person_id,
  person_name: r.person_name,
  created_at: decode.time(r.created_at),
  recording_id: r.recording_id,
  clip_due_at: decode.timeOrNull(r.clip_due_at),
});

export class EventsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(
    e: Omit<CameraEvent, 'created_at' | 'recording_id' | 'clip_due_at'> & { clip_due_at?: string },
  ): Promise<CameraEvent> {
    const row = {
      ...e,
      labels: codec.json(e.labels),
      started_at: codec.time(e.started_at),
      ended_at: e.ended_at ? codec.time(e.ended_at) : null,
      clip_due_at: e.clip_due_at ? codec.time(e.clip_due_at) : null,
      created_at: codec.now(),
    };
    await this.db.insertInto('camera_events').values(row).execute();
    return (await this.get(e.id))!;
  }

  async update(
    id: string,
    changes: Partial<
      Pick<
        CameraEvent,
        | 'label'
        | 'score'
        | 'labels'
        | 'ended_at'
        | 'thumbnail_key'
        | 'clip_key'
        | 'recording_id'
        | 'clip_due_at'
      >
    >,
  ): Promise<void> {
    const { labels, ended_at, clip_due_at, ...rest } = changes;
    await this.db
      .updateTable('camera_events')
      .set({
        ...rest,
        ...(labels ? { labels: codec.json(labels) } : {}),
        ...(ended_at !== undefined ? { ended_at: ended_at ? codec.time(ended_at) : null } : {}),
        ...(clip_due_at !== undefined ? { clip_due_at: clip_due_at ? codec.time(clip_due_at) : null } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async get(id: string): Promise<CameraEvent | undefined> {
    const row = await this.db.selectFrom('camera_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  async list(
    f: EventFilters,
    limit: number,
    offset: number,
  ): Promise<{ items: CameraEvent[]; total: number }> {
    let q = this.db.selectFrom('camera_events').where('workspace_id', '=', f.workspaceId);
    if (f.cameraId) q = q.where('camera_id', '=', f.cameraId);
    if (f.personId) q = q.where('person_id', '=', f.personId);
    if (f.label) q = q.where('label', '=', f.label);
    if (f.from) q = q.where('started_at', '>=', codec.time(f.from));
    if (f.to) q = q.where('started_at', '<', codec.time(f.to));
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toEvent), total: decode.int(count.n) };
  }

  async ofCamera(cameraId: string): Promise<CameraEvent[]> {
    const rows = await this.db
      .selectFrom('camera_events')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .execute();
    return rows.map(toEvent);
  }

  /** Manual recordings of the camera whose clips are due by `now`. */
  async dueClips(cameraId: string, now: Date): Promise<CameraEvent[]> {
    const rows = await this.db
      .selectFrom('camera_events')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .where('clip_due_at', '<=', codec.time(now.toISOString()))
      .execute();
    return rows.map(toEvent);
  }

  /** Events of the camera still open (a worker's presence that has not ended). */
  async open(cameraId: string): Promise<CameraEvent[]> {
    const rows = await this.db
      .selectFrom('camera_events')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .where('ended_at', 'is', null)
      .execute();
    return rows.map(toEvent);
  }

  async deleteMany(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db.deleteFrom('camera_events').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
