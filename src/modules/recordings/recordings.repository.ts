import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB, RecordingsTable, RecordingStagesTable } from '../../platform/db/schema.js';
import {
  PIPELINE_STAGES,
  type RecordingSource,
  type RecordingStatus,
  type StageName,
  type StageState,
} from './stages.js';

/** A recording row, decoded (booleans, JSON, timestamps); blob keys stay internal to the module. */
export interface Recording {
  id: string;
  workspace_id: string;
  created_by: string | null;
  title: string;
  source: RecordingSource;
  status: RecordingStatus;
  upload_method: UploadMethod | null;
  original_key: string | null;
  playback_key: string | null;
  playback_content_type: string | null;
  size_bytes: number | null;
  stored_bytes: number;
  sha256: string | null;
  content_type: string | null;
  original_filename: string | null;
  duration_seconds: number | null;
  has_video: boolean | null;
  has_audio: boolean | null;
  width: number | null;
  height: number | null;
  media: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  processed_at: string | null;
  /** The camera and event a camera clip (source `camera`) was recorded for. */
  camera_id: string | null;
  camera_event_id: string | null;
}

export interface Stage {
  stage: StageName;
  state: StageState;
  progress: number;
  engine: string | null;
  error: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export type NewRecording = Pick<
  Recording,
  | 'id'
  | 'workspace_id'
  | 'created_by'
  | 'title'
  | 'source'
  | 'status'
  | 'upload_method'
  | 'original_filename'
  | 'content_type'
> &
  Partial<Pick<Recording, 'camera_id' | 'camera_event_id'>>;

export type UploadMethod = 'stub' | 'multipart' | 'tus';

/** Columns a service may change; `updated_at` is always set by the repository. */
export type RecordingPatch = Partial<
  Omit<
    Recording,
    | 'id'
    | 'workspace_id'
    | 'created_by'
    | 'source'
    | 'created_at'
    | 'updated_at'
    | 'stored_bytes'
    | 'camera_id'
    | 'camera_event_id'
  >
>;

export type StagePatch = Partial<Omit<Stage, 'stage' | 'updated_at'>>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toRecording = (r: Selectable<RecordingsTable>): Recording => ({
  id: r.id,
  workspace_id: r.workspace_id,
  created_by: r.created_by,
  title: r.title,
  source: r.source as RecordingSource,
  status: r.status as RecordingStatus,
  upload_method: r.upload_method as UploadMethod | null,
  original_key: r.original_key,
  playback_key: r.playback_key,
  playback_content_type: r.playback_content_type,
  size_bytes: num(r.size_bytes),
  stored_bytes: decode.int(r.stored_bytes),
  sha256: r.sha256,
  content_type: r.content_type,
  original_filename: r.original_filename,
  duration_seconds: num(r.duration_seconds),
  has_video: r.has_video === null ? null : decode.bool(r.has_video),
  has_audio: r.has_audio === null ? null : decode.bool(r.has_audio),
  width: num(r.width),
  height: num(r.height),
  media: decode.json<Record<string, unknown> | null>(r.media, null),
  error: r.error,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
  processed_at: decode.timeOrNull(r.processed_at),
  camera_id: r.camera_id,
  camera_event_id: r.camera_event_id,
});

const toStage = (r: Selectable<RecordingStagesTable>): Stage => ({
  stage: r.stage as StageName,
  state: r.state as StageState,
  progress: Number(r.progress),
  engine: r.engine,
  error: r.error,
  attempts: decode.int(r.attempts),
  started_at: decode.timeOrNull(r.started_at),
  finished_at: decode.timeOrNull(r.finished_at),
  updated_at: decode.time(r.updated_at),
});

function encodePatch(patch: RecordingPatch): Updateable<RecordingsTable> {
  const out: Updateable<RecordingsTable> = {};
  for (const [key, value] of Object.entries(patch) as [keyof RecordingPatch, unknown][]) {
    if (value === undefined) continue;
    if (key === 'media') out.media = value === null ? null : codec.json(value);
    else if (key === 'has_video' || key === 'has_audio')
      out[key] = value === null ? null : codec.bool(value as boolean);
    else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

const stageOrder = (a: Stage, b: Stage) =>
  PIPELINE_STAGES.indexOf(a.stage) - PIPELINE_STAGES.indexOf(b.stage);

/** The only code that touches the recordings tables. */
export class RecordingsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Inserts the recording and one `queued` row per pipeline stage, together. */
  async insert(rec: NewRecording, now = codec.now()): Promise<Recording> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('recordings')
        .values({ ...rec, stored_bytes: 0, created_at: now, updated_at: now })
        .execute();
      await trx
        .insertInto('recording_stages')
        .values(
          PIPELINE_STAGES.map((stage) => ({
            recording_id: rec.id,
            stage,
            state: 'queued',
            progress: 0,
            attempts: 0,
            updated_at: now,
          })),
        )
        .execute();
    });
    return (await this.find(rec.id))!;
  }

  async find(id: string): Promise<Recording | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecording(row) : undefined;
  }

  async list(
    workspaceId: string,
    filter: {
      status?: RecordingStatus | undefined;
      source?: RecordingSource | undefined;
      cameraId?: string | undefined;
    },
    limit: number,
    offset: number,
  ): Promise<{ items: Recording[]; total: number }> {
    let q = this.db.selectFrom('recordings').where('workspace_id', '=', workspaceId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.source) q = q.where('source', '=', filter.source);
    if (filter.cameraId) q = q.where('camera_id', '=', filter.cameraId);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecording), total: decode.int(count.n) };
  }

  async latest(workspaceId: string): Promise<Recording | undefined> {
    const row = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRecording(row) : undefined;
  }

  async update(id: string, patch: RecordingPatch, now = codec.now()): Promise<Recording | undefined> {
    await this.db
      .updateTable('recordings')
      .set({ ...encodePatch(patch), updated_at: now })
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }

  /**
   * Moves a recording from one status to another only if it is still in `from`: the
   * guard that keeps two uploads to one stub (or an upload racing a delete) apart.
   */
  async transition(
    id: string,
    from: readonly RecordingStatus[],
    patch: RecordingPatch,
    now = codec.now(),
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('recordings')
      .set({ ...encodePatch(patch), updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Adds to the bytes this recording holds in blob storage (original + stage outputs). */
  async addStoredBytes(id: string, delta: number): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({ stored_bytes: sql`stored_bytes + ${delta}`, updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes the row (stages cascade) and returns it as it was, or undefined when already gone. */
  async deleteReturning(id: string): Promise<Recording | undefined> {
    const row = await this.db.deleteFrom('recordings').where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toRecording(row) : undefined;
  }

  /** Recordings still `uploading` whose row has not changed since `before` (oldest first). */
  async staleUploads(before: string, limit: number): Promise<Recording[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('status', '=', 'uploading')
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toRecording);
  }

  /** Deletes the row only while it is still `uploading` and unchanged since `before`. */
  async deleteStaleUpload(id: string, before: string): Promise<Recording | undefined> {
    const row = await this.db
      .deleteFrom('recordings')
      .where('id', '=', id)
      .where('status', '=', 'uploading')
      .where('updated_at', '<', before)
      .returningAll()
      .executeTakeFirst();
    return row ? toRecording(row) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async stages(id: string): Promise<Stage[]> {
    const rows = await this.db
      .selectFrom('recording_stages')
      .selectAll()
      .where('recording_id', '=', id)
      .execute();
    return rows.map(toStage).sort(stageOrder);
  }

  async updateStage(id: string, stage: StageName, patch: StagePatch, now = codec.now()): Promise<void> {
    await this.db
      .updateTable('recording_stages')
      .set({ ...patch, updated_at: now })
      .where('recording_id', '=', id)
      .where('stage', '=', stage)
      .execute();
  }

  /** Marks a stage running and counts the attempt, in one statement. */
  async startStage(id: string, stage: StageName, engine: string | null, now = codec.now()): Promise<void> {
    await this.db
      .updateTable('recording_stages')
      .set({
        state: 'running',
        progress: 0,
        engine,
        error: null,
        started_at: now,
        finished_at: null,
        attempts: sql`attempts + 1`,
        updated_at: now,
      })
      .where('recording_id', '=', id)
      .where('stage', '=', stage)
      .execute();
  }

  /** Puts every given stage back to `queued` (retry); returns those that were failed. */
  async requeueFailed(id: string, now = codec.now()): Promise<StageName[]> {
    return this.db.transaction().execute(async (trx) => {
      const failed = await trx
        .selectFrom('recording_stages')
        .select('stage')
        .where('recording_id', '=', id)
        .where('state', '=', 'failed')
        .execute();
      if (failed.length === 0) return [];
      await trx
        .updateTable('recording_stages')
        .set({
          state: 'queued',
          progress: 0,
          error: null,
          started_at: null,
          finished_at: null,
          updated_at: now,
        })
        .where('recording_id', '=', id)
        .where('state', '=', 'failed')
        .execute();
      return failed.map((f) => f.stage as StageName);
    });
  }

  /** Plan of a workspace, or undefined when it does not exist. */
  async workspacePlan(workspaceId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('workspaces')
      .select('plan')
      .where('id', '=', workspaceId)
      .executeTakeFirst();
    return row?.plan;
  }

  /** Plans of every workspace the user is an active member of (for the early size check). */
  async memberPlans(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select('workspaces.plan')
      .where('memberships.user_id', '=', userId)
      .where('memberships.status', '=', 'active')
      .execute();
    return rows.map((r) => r.plan);
  }
}
