import { Readable } from 'node:stream';
import { badRequest, conflict } from '../../../errors.js';
import type { Principal } from '../../../platform/auth/principal.js';
import { newId } from '../../../platform/ids.js';
import type { BlobStore } from '../../../platform/storage/index.js';
import type { AuditWriter } from '../../audit/audit.service.js';
import type { CamerasService } from '../cameras/cameras.service.js';
import { MANUAL_ROLL_SECONDS } from '../detection/camera-detection.js';
import { eventThumbnailKey } from '../events/event-keys.js';
import type { EventsRepository } from '../events/events.repository.js';
import { SEGMENT_RETENTION_SECONDS } from '../recording/segment-buffer.js';
import type { FrameHub } from './frame-hub.js';
import type { StartSigner } from './signed-start.js';
import type { EventAnnouncer } from '../events/event-announcer.js';

/** How long record/stop waits for the camera's worker to cut the clip before answering without it. */
const CLIP_WAIT_MS = 20_000;

export interface ManualRecordingResult {
  event_id: string;
  /** Where the clip is served, or null while its worker has not cut it yet (the event gets it later). */
  clip: string | null;
  duration: number;
}

/**
 * Spec 001's manual recording, stateless as the spec wants: start hands out a signed
 * `started_at`; stop checks it, writes a `manual` event for [started_at, now] with the
 * live frame as its thumbnail, and marks its clip due. The clip is cut by whichever
 * process runs the camera's worker (it holds the segment buffer; see CameraDetection's
 * due clips), so this works from any API process; stop waits for it a little.
 */
export class ManualRecordings {
  constructor(
    private readonly d: {
      cameras: CamerasService;
      hub: FrameHub;
      events: EventsRepository;
      blobs: BlobStore;
      audit: AuditWriter;
      signer: StartSigner;
      announce?: EventAnnouncer;
      clipWaitMs?: number;
    },
  ) {}

  async start(principal: Principal, cameraId: string): Promise<{ camera_id: string; started_at: string }> {
    await this.d.cameras.authorize(principal, cameraId, 'live:record', 'live.record_start');
    await this.requireRunning(principal, cameraId);
    return { camera_id: cameraId, started_at: this.d.signer.sign(cameraId, new Date()) };
  }

  async stop(principal: Principal, cameraId: string, startedAt: string): Promise<ManualRecordingResult> {
    const camera = await this.d.cameras.authorize(principal, cameraId, 'live:record', 'live.record_stop');
    const signed = this.d.signer.verify(cameraId, startedAt);
    const now = Date.now();
    if (signed === undefined || signed > now)
      throw badRequest('started_at is not one record/start of this camera handed out.', {
        field: 'started_at',
      });
    await this.requireRunning(principal, cameraId);
    // Bounded by what the buffer keeps.
    const start = Math.max(signed, now - SEGMENT_RETENTION_SECONDS * 1000);
    const id = newId('evt');
    const frame = await this.d.hub.latest(cameraId);
    let thumbnail: string | null = null;
    if (frame) {
      thumbnail = eventThumbnailKey(camera.workspace_id, camera.id, id);
      await this.d.blobs.put(thumbnail, Readable.from([frame.jpeg]), { contentType: 'image/jpeg' });
    }
    const created = await this.d.events.create({
      id,
      workspace_id: camera.workspace_id,
      camera_id: camera.id,
      kind: 'manual',
      label: 'manual',
      score: 1,
      labels: [],
      started_at: new Date(start).toISOString(),
      ended_at: new Date(now).toISOString(),
      thumbnail_key: thumbnail,
      clip_key: null,
      person_id: null,
      person_name: null,
      clip_due_at: new Date(now + MANUAL_ROLL_SECONDS * 1000).toISOString(),
    });
    this.d.announce?.event('end', created, camera.name);
    await this.d.audit.record(principal, {
      workspaceId: camera.workspace_id,
      action: 'live.record',
      permission: 'live:record',
      target: { type: 'event', id },
      after: {
        camera_id: camera.id,
        started_at: new Date(start).toISOString(),
        ended_at: new Date(now).toISOString(),
      },
    });
    const cut = await this.waitForClip(id);
    return { event_id: id, clip: cut ? `/api/v1/events/${id}/clip` : null, duration: (now - start) / 1000 };
  }

  private async waitForClip(id: string): Promise<boolean> {
    const until = Date.now() + (this.d.clipWaitMs ?? CLIP_WAIT_MS);
    for (;;) {
      const e = await this.d.events.get(id);
      if (!e) return false;
      if (e.clip_due_at === null) return e.recording_id !== null || e.clip_key !== null;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Nothing is recorded of a camera no worker is reading. */
  private async requireRunning(principal: Principal, cameraId: string): Promise<void> {
    const status = await this.d.cameras.status(principal, cameraId);
    if (status.status !== 'online')
      throw conflict(`The camera is ${status.status}: nothing is being recorded from it to keep.`);
  }
}
