import type { IrisMigration } from './types.js';

/**
 * What the pipeline stages derive from a recording, one table per kind so each stage
 * rewrites only its own rows (a rerun deletes and re-inserts them, which keeps stages
 * idempotent):
 * - `recording_frames`: keyframes kept by the frames stage (image in blob storage),
 *   their OCR text/words (ocr stage) and per-frame url/app/description (enrich stage);
 * - `recording_segments`: the timestamped transcript (transcribe stage);
 * - `recording_context`: the recording-level summary, timeline, actions, urls, apps and
 *   tags (enrich stage);
 * - `recording_shares`: public share links (one active per recording; revoked rows stay
 *   for the audit trail, their ids never work again).
 * The search index has its own migration, since it differs by dialect.
 */
export const pipeline: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('recording_frames')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // Position among the kept frames, 0-based, in time order.
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('timestamp_seconds', t.real, (c) => c.notNull())
      .addColumn('image_key', 'text', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      // Perceptual hash (hex) used to drop near-duplicates.
      .addColumn('phash', 'text')
      .addColumn('ocr_text', 'text')
      // [{ text, confidence, box: { x, y, width, height } }]
      .addColumn('ocr_words', t.json)
      .addColumn('ocr_confidence', t.real)
      .addColumn('description', 'text')
      .addColumn('url', 'text')
      .addColumn('app', 'text')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('recording_frames_recording_idx')
      .on('recording_frames')
      .columns(['recording_id', 'idx'])
      .unique()
      .execute();

    await db.schema
      .createTable('recording_segments')
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('start_seconds', t.real, (c) => c.notNull())
      .addColumn('end_seconds', t.real, (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('confidence', t.real)
      .addColumn('speaker', 'text')
      .addPrimaryKeyConstraint('recording_segments_pk', ['recording_id', 'idx'])
      .execute();

    await db.schema
      .createTable('recording_context')
      .addColumn('recording_id', 'text', (c) =>
        c.primaryKey().references('recordings.id').onDelete('cascade'),
      )
      .addColumn('summary', 'text')
      // [{ start_seconds, end_seconds, title, text? }]
      .addColumn('timeline', t.json)
      // [{ text, timestamp_seconds?, owner?, due? }]
      .addColumn('actions', t.json)
      // [{ url, first_seen_seconds, frames? }]
      .addColumn('urls', t.json)
      // [{ name, seconds }]
      .addColumn('apps', t.json)
      // ["tag", …]
      .addColumn('tags', t.json)
      .addColumn('language', 'text')
      // Which engines produced it, e.g. { summary: "extractive" } or { summary: "llm:model" }.
      .addColumn('engines', t.json)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('recording_shares')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('revoked_at', t.time)
      .execute();
    await db.schema
      .createIndex('recording_shares_recording')
      .on('recording_shares')
      .columns(['recording_id', 'revoked_at'])
      .execute();
  },
};
