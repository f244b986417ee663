import type { IrisMigration } from './types.js';

/**
 * A camera event's clip is a recording of the library (source `camera`): the recording
 * names its camera and event, the event its recording. Deleting the recording in the
 * library leaves the event without a clip (set null); deleting the camera or the event
 * deletes the recording through the services, which also remove its files.
 */
export const cameraClips: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .alterTable('recordings')
      .addColumn('camera_id', 'text', (c) => c.references('cameras.id').onDelete('set null'))
      .execute();
    await db.schema.alterTable('recordings').addColumn('camera_event_id', 'text').execute();
    await db.schema
      .createIndex('recordings_camera')
      .on('recordings')
      .columns(['camera_id', 'created_at desc'])
      .execute();
    await db.schema
      .alterTable('camera_events')
      .addColumn('recording_id', 'text', (c) => c.references('recordings.id').onDelete('set null'))
      .execute();
    // A manual recording's clip, due once the buffer holds this time (its worker cuts it).
    await db.schema.alterTable('camera_events').addColumn('clip_due_at', t.time).execute();
    await db.schema
      .createIndex('camera_events_clip_due')
      .on('camera_events')
      .columns(['camera_id', 'clip_due_at'])
      .execute();
  },
};
