import type { IrisMigration } from './types.js';

/**
 * Camera events (spec 001): one row per presence a camera's tracker saw (or per manual
 * recording), with the best label and score, when it started and ended, and the keys of
 * its thumbnail and clip in blob storage.
 */
export const cameraEvents: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('camera_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('camera_id', 'text', (c) => c.notNull().references('cameras.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('score', t.real, (c) => c.notNull())
      .addColumn('labels', t.json, (c) => c.notNull())
      .addColumn('started_at', t.time, (c) => c.notNull())
      .addColumn('ended_at', t.time)
      .addColumn('thumbnail_key', 'text')
      .addColumn('clip_key', 'text')
      .addColumn('person_id', 'text')
      .addColumn('person_name', 'text')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('camera_events_workspace_started')
      .on('camera_events')
      .columns(['workspace_id', 'started_at desc', 'id desc'])
      .execute();
    await db.schema
      .createIndex('camera_events_camera_started')
      .on('camera_events')
      .columns(['camera_id', 'started_at desc'])
      .execute();
  },
};
