import type { IrisMigration } from './types.js';

/**
 * Cameras (spec 001): a workspace's RTSP sources with their detection tuning. The RTSP
 * URL is a secret (it usually carries the camera's password): sealed with the instance
 * secret, and only its masked form is stored in the clear. A camera's live state comes
 * from its worker's heartbeat, a separate row so that a beat a second never rewrites
 * the camera itself (nor its updated_at).
 */
export const cameras: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('cameras')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('rtsp_url_sealed', 'text', (c) => c.notNull())
      .addColumn('rtsp_url_masked', 'text', (c) => c.notNull())
      .addColumn('enabled', t.bool, (c) => c.notNull())
      .addColumn('detect_conf', t.real, (c) => c.notNull())
      .addColumn('pre_seconds', 'integer', (c) => c.notNull())
      .addColumn('post_seconds', 'integer', (c) => c.notNull())
      .addColumn('trigger_classes', 'text', (c) => c.notNull())
      .addColumn('detect_iou', t.real, (c) => c.notNull())
      .addColumn('detect_imgsz', 'integer', (c) => c.notNull())
      .addColumn('detect_interval', t.real, (c) => c.notNull())
      .addColumn('trigger_cooldown', t.real, (c) => c.notNull())
      .addColumn('min_trigger_frames', 'integer', (c) => c.notNull())
      .addColumn('rtsp_transport', 'text', (c) => c.notNull())
      .addColumn('faces_enabled', t.bool, (c) => c.notNull())
      .addColumn('reid_enabled', t.bool, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('cameras_workspace_name')
      .on('cameras')
      .columns(['workspace_id', 'name', 'id'])
      .execute();
    await db.schema
      .createTable('camera_heartbeats')
      .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('fps', t.real, (c) => c.notNull())
      .addColumn('seen_at', t.time, (c) => c.notNull())
      .execute();
    // The latest frame of each camera, a couple of times a second, for snapshots and
    // live views served by a process other than the one running the camera's worker.
    await db.schema
      .createTable('camera_frames')
      .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
      .addColumn('jpeg', t.blob, (c) => c.notNull())
      .addColumn('captured_at', t.time, (c) => c.notNull())
      .execute();
    // Which process runs a camera: one worker per camera in the cluster, held by a lease
    // its holder renews; a dead holder's cameras are taken over once the lease runs out.
    await db.schema
      .createTable('camera_leases')
      .addColumn('camera_id', 'text', (c) => c.primaryKey().references('cameras.id').onDelete('cascade'))
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .execute();
  },
};
