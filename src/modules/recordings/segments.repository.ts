import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';

/** One timestamped piece of the transcript. */
export interface Segment {
  idx: number;
  start_seconds: number;
  end_seconds: number;
  text: string;
  confidence: number | null;
  speaker: string | null;
}

/** The transcript of recordings: written by the transcribe stage. */
export class SegmentsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(recordingId: string): Promise<Segment[]> {
    const rows = await this.db
      .selectFrom('recording_segments')
      .select(['idx', 'start_seconds', 'end_seconds', 'text', 'confidence', 'speaker'])
      .where('recording_id', '=', recordingId)
      .orderBy('idx')
      .execute();
    return rows.map((r) => ({
      idx: Number(r.idx),
      start_seconds: Number(r.start_seconds),
      end_seconds: Number(r.end_seconds),
      text: r.text,
      confidence: r.confidence === null ? null : Number(r.confidence),
      speaker: r.speaker,
    }));
  }

  /** Replaces the whole transcript in one transaction (the transcribe stage is rerunnable). */
  async replaceAll(recordingId: string, segments: Omit<Segment, 'idx'>[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recording_segments').where('recording_id', '=', recordingId).execute();
      const rows = segments.map((s, idx) => ({ ...s, idx, recording_id: recordingId }));
      for (let i = 0; i < rows.length; i += 100) {
        await trx
          .insertInto('recording_segments')
          .values(rows.slice(i, i + 100))
          .execute();
      }
    });
  }
}
