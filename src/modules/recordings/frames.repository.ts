import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB, RecordingFramesTable } from '../../platform/db/schema.js';

export interface OcrWord {
  text: string;
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
}

/** A kept keyframe, decoded; `image_key` stays internal (clients get a signed URL). */
export interface Frame {
  id: string;
  recording_id: string;
  workspace_id: string;
  idx: number;
  timestamp_seconds: number;
  image_key: string;
  width: number | null;
  height: number | null;
  phash: string | null;
  ocr_text: string | null;
  ocr_words: OcrWord[] | null;
  ocr_confidence: number | null;
  description: string | null;
  url: string | null;
  app: string | null;
  created_at: string;
  updated_at: string;
}

export type NewFrame = Pick<
  Frame,
  'id' | 'idx' | 'timestamp_seconds' | 'image_key' | 'width' | 'height' | 'phash'
>;

export interface FrameOcr {
  ocr_text: string | null;
  ocr_words: OcrWord[] | null;
  ocr_confidence: number | null;
}

export interface FrameEnrichment {
  url: string | null;
  app: string | null;
  description: string | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toFrame = (r: Selectable<RecordingFramesTable>): Frame => ({
  id: r.id,
  recording_id: r.recording_id,
  workspace_id: r.workspace_id,
  idx: decode.int(r.idx),
  timestamp_seconds: Number(r.timestamp_seconds),
  image_key: r.image_key,
  width: num(r.width),
  height: num(r.height),
  phash: r.phash,
  ocr_text: r.ocr_text,
  ocr_words: decode.json<OcrWord[] | null>(r.ocr_words, null),
  ocr_confidence: num(r.ocr_confidence),
  description: r.description,
  url: r.url,
  app: r.app,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

/** Keyframes of recordings: written by the frames stage, annotated by ocr and enrich. */
export class FramesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(recordingId: string): Promise<Frame[]> {
    const rows = await this.db
      .selectFrom('recording_frames')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .orderBy('idx')
      .execute();
    return rows.map(toFrame);
  }

  /** One page of a recording's frames in time order, with the total for pagination. */
  async page(recordingId: string, limit: number, offset: number): Promise<{ items: Frame[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.db
        .selectFrom('recording_frames')
        .selectAll()
        .where('recording_id', '=', recordingId)
        .orderBy('idx')
        .limit(limit)
        .offset(offset)
        .execute(),
      this.count(recordingId),
    ]);
    return { items: rows.map(toFrame), total };
  }

  async find(recordingId: string, frameId: string): Promise<Frame | null> {
    const row = await this.db
      .selectFrom('recording_frames')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .where('id', '=', frameId)
      .executeTakeFirst();
    return row ? toFrame(row) : null;
  }

  async count(recordingId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recording_frames')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('recording_id', '=', recordingId)
      .executeTakeFirstOrThrow();
    return decode.int(row.n);
  }

  /** Replaces every frame of a recording in one transaction (the frames stage is rerunnable). */
  async replaceAll(recordingId: string, workspaceId: string, frames: NewFrame[]): Promise<void> {
    const now = codec.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recording_frames').where('recording_id', '=', recordingId).execute();
      // Chunked: SQLite caps bound parameters per statement.
      for (let i = 0; i < frames.length; i += 50) {
        await trx
          .insertInto('recording_frames')
          .values(
            frames.slice(i, i + 50).map((f) => ({
              ...f,
              recording_id: recordingId,
              workspace_id: workspaceId,
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
      }
    });
  }

  async setOcr(frameId: string, ocr: FrameOcr): Promise<void> {
    await this.db
      .updateTable('recording_frames')
      .set({
        ocr_text: ocr.ocr_text,
        ocr_words: ocr.ocr_words === null ? null : codec.json(ocr.ocr_words),
        ocr_confidence: ocr.ocr_confidence,
        updated_at: codec.now(),
      })
      .where('id', '=', frameId)
      .execute();
  }

  async setEnrichment(frameId: string, e: FrameEnrichment): Promise<void> {
    await this.db
      .updateTable('recording_frames')
      .set({ ...e, updated_at: codec.now() })
      .where('id', '=', frameId)
      .execute();
  }
}
