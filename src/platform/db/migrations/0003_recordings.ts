import type { IrisMigration } from './types.js';

/**
 * The recordings library: one row per recording whatever its source, and one row per
 * pipeline stage (probe, media, frames, ocr, transcribe, enrich, index) with its own
 * state, progress, engine and timings. Stored files live in blob storage under
 * `ws/<workspace>/rec/<id>/`, so deleting a recording removes one prefix. Context,
 * frames and transcripts belong to the pipeline stages and get their own tables there.
 */
export const recordings: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('recordings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      // How the bytes arrive (stub = JSON then PUT, multipart, tus); null for other sources.
      .addColumn('upload_method', 'text')
      .addColumn('original_key', 'text')
      .addColumn('playback_key', 'text')
      .addColumn('playback_content_type', 'text')
      .addColumn('size_bytes', t.bigint)
      .addColumn('stored_bytes', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('sha256', 'text')
      .addColumn('content_type', 'text')
      .addColumn('original_filename', 'text')
      .addColumn('duration_seconds', t.real)
      .addColumn('has_video', t.bool)
      .addColumn('has_audio', t.bool)
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('media', t.json)
      .addColumn('error', 'text')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('processed_at', t.time)
      .execute();
    // Lists and "latest": newest first within a workspace, optionally by status.
    await db.schema
      .createIndex('recordings_workspace_created')
      .on('recordings')
      .columns(['workspace_id', 'created_at desc', 'id desc'])
      .execute();
    await db.schema
      .createIndex('recordings_workspace_status')
      .on('recordings')
      .columns(['workspace_id', 'status', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('recording_stages')
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('progress', t.real, (c) => c.notNull().defaultTo(0))
      .addColumn('engine', 'text')
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', t.time)
      .addColumn('finished_at', t.time)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('recording_stages_pk', ['recording_id', 'stage'])
      .execute();
  },
};
