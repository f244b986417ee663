import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import sharp from 'sharp';
import type { Detection, Detector } from '../../../engines/detect/port.js';
import { newId } from '../../../platform/ids.js';
import type { BlobStore } from '../../../platform/storage/index.js';
import type { RunnableCamera } from '../cameras/cameras.repository.js';
import { eventThumbnailKey } from '../events/event-keys.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { FrameHub } from '../live/frame-hub.js';
import type { FrameSink } from '../workers/supervisor.js';
import { annotate } from './annotate.js';
import { EventTracker, type TrackerAction } from './event-tracker.js';
import type { EventAnnouncer } from '../events/event-announcer.js';
import { MOTION_HEIGHT, MOTION_WIDTH, MotionGate } from './motion-gate.js';
import { nms } from './nms.js';
import { withClip } from '../recording/clip-maker.js';
import type { RecordingsLibrary } from '../../recordings/recordings-library.js';
import { SEGMENT_SECONDS, type SegmentBuffer } from '../recording/segment-buffer.js';
import { eventClipKey } from '../events/event-keys.js';

/**
 * Boxes stay drawn on the live view this long after the detection that found them: the
 * analysed frame and the next one or two. Longer, and they trail behind people who walk
 * on (seen on the dashboard with 1.5 s).
 */
const BOXES_SHOWN_MS = 400;
/** How often the segment buffer is trimmed to its retention. */
const PRUNE_EVERY_MS = 30_000;
/** How often the worker looks for manual recordings whose clips it should cut. */
const DUE_CLIPS_EVERY_MS = 1_000;
/** Spec 001's pre/post-roll of a manual recording. */
export const MANUAL_ROLL_SECONDS = 1;

export interface CameraDetectionDeps {
  camera: RunnableCamera;
  /** The camera's rolling segment buffer, clips are cut from (none: events have no clip). */
  buffer?: SegmentBuffer | undefined;
  detector: Detector | undefined;
  hub: FrameHub;
  events: EventsRepository;
  blobs: BlobStore;
  /** Where clips become recordings (none: they are kept under the event). */
  library?: RecordingsLibrary | undefined;
  logger: Logger;
  /** Counts for the bench and /metrics. */
  stats?: DetectionStats;
  /** Tells webhooks and MQTT about the camera's events. */
  announce?: EventAnnouncer | undefined;
  /** When the camera was last seen running (its last heartbeat), to end what a dead worker left open. */
  lastSeen?: () => Promise<string | undefined>;
}

export interface DetectionStats {
  frames: number;
  motionFrames: number;
  detections: number;
  detectMs: number;
  motionMs: number;
  skippedBusy: number;
}

export const emptyDetectionStats = (): DetectionStats => ({
  frames: 0,
  motionFrames: 0,
  detections: 0,
  detectMs: 0,
  motionMs: 0,
  skippedBusy: 0,
});

/**
 * What happens to each frame of a camera in the process running its worker (Frigate's
 * order): the frame goes to the live view; a motion gate on a tiny grey copy decides
 * whether it is worth the detector; at most one detection per `detect_interval` runs,
 * and only on motion or while an event is open; detections above `detect_conf` pass NMS
 * at `detect_iou` into the track-mode tracker, whose starts and ends become events with
 * an annotated thumbnail. A frame that arrives while the previous one is still being
 * looked at only goes to the live view: the camera is never queued behind its detector.
 */
export class CameraDetection implements FrameSink {
  private readonly gate = new MotionGate();
  private readonly tracker: EventTracker;
  private busy = false;
  private lastDetect = -Infinity;
  private lastMotion = -Infinity;
  private boxes: { at: number; detections: Detection[] } | undefined;
  private open: { id: string; labels: Set<string>; best: number; startedAt: number } | undefined;
  private readonly triggers: Set<string>;
  private writes: Promise<unknown> = Promise.resolve();
  private lastPrune = 0;
  private lastDueCheck = 0;

  constructor(private readonly d: CameraDetectionDeps) {
    const s = d.camera.settings;
    this.triggers = new Set(s.trigger_classes.split(',').filter(Boolean));
    this.tracker = new EventTracker({
      triggers: this.triggers,
      minTriggerFrames: s.min_trigger_frames,
      postSeconds: s.post_seconds,
      cooldownSeconds: s.trigger_cooldown,
    });
  }

  ffmpegOutputs(): readonly string[] {
    return this.d.buffer?.ffmpegOutput() ?? [];
  }

  /**
   * Before the stream starts here: events a worker that died left open are ended at
   * the camera's last heartbeat, with their clips cut if this disk still holds the
   * segments (the same host restarting). A live worker holds the camera's lease alone,
   * so whatever is open now has no one else to end it.
   */
  async prepare(): Promise<void> {
    await this.d.buffer?.init();
    const cam = this.d.camera;
    const orphans = await this.d.events.open(cam.id);
    if (orphans.length === 0) return;
    const seen = await this.d.lastSeen?.();
    for (const e of orphans) {
      const start = Date.parse(e.started_at);
      const end = Math.max(start, seen ? Date.parse(seen) : start);
      await this.d.events.update(e.id, { ended_at: new Date(end).toISOString() });
      await this.announceNow('end', e.id);
      this.d.logger.info({ camera_id: cam.id, event_id: e.id }, 'ended an event its worker left open');
      if (!e.recording_id && !e.clip_key) {
        const s = cam.settings;
        await this.clip(
          e.id,
          start / 1000 - s.pre_seconds,
          end / 1000 + s.post_seconds,
          e.labels,
          start / 1000,
        ).catch((err: unknown) =>
          this.d.logger.warn({ err, camera_id: cam.id }, 'clip of an orphaned event not made'),
        );
      }
    }
  }

  async discard(): Promise<void> {
    await this.d.buffer?.remove();
  }

  frame(jpeg: Buffer, at: number): void {
    if (this.d.stats) this.d.stats.frames++;
    if (this.d.buffer && at - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = at;
      void this.d.buffer.prune().catch(() => undefined);
    }
    if (this.d.buffer && at - this.lastDueCheck > DUE_CLIPS_EVERY_MS) {
      this.lastDueCheck = at;
      this.writes = this.writes.then(() =>
        this.cutDueClips(at).catch((err: unknown) =>
          this.d.logger.warn({ err, camera_id: this.d.camera.id }, 'manual clips not cut'),
        ),
      );
    }
    const shown = this.boxes && at - this.boxes.at < BOXES_SHOWN_MS ? this.boxes.detections : undefined;
    if (this.busy) {
      if (this.d.stats) this.d.stats.skippedBusy++;
      if (!shown) this.d.hub.publish(this.d.camera.id, jpeg, at);
      return;
    }
    this.busy = true;
    void this.look(jpeg, at, shown)
      .catch((err: unknown) =>
        this.d.logger.warn({ err, camera_id: this.d.camera.id }, 'frame analysis failed'),
      )
      .finally(() => (this.busy = false));
  }

  async close(): Promise<void> {
    await this.apply(this.tracker.flush(Date.now() / 1000), undefined);
    await this.writes;
    // Its frames now come from wherever the camera runs next, or not at all.
    this.d.hub.forget(this.d.camera.id);
  }

  private async look(jpeg: Buffer, at: number, shown: Detection[] | undefined): Promise<void> {
    const s = this.d.camera.settings;
    const m0 = performance.now();
    const { data } = await sharp(jpeg)
      .resize(MOTION_WIDTH, MOTION_HEIGHT, { fit: 'fill', kernel: 'linear' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const moved = this.gate.isMotion(this.gate.push({ width: MOTION_WIDTH, height: MOTION_HEIGHT, data }));
    if (this.d.stats) {
      this.d.stats.motionMs += performance.now() - m0;
      if (moved) this.d.stats.motionFrames++;
    }
    if (moved) this.lastMotion = at;
    const due = at - this.lastDetect >= s.detect_interval * 1000;
    // Motion in the last interval counts: a person who stops still stays in view.
    const worth = this.tracker.inEvent || at - this.lastMotion <= Math.max(1000, s.detect_interval * 1000);
    if (!this.d.detector || !due || !worth) {
      this.d.hub.publish(this.d.camera.id, shown ? await this.draw(jpeg, shown) : jpeg, at);
      return;
    }
    this.lastDetect = at;
    const meta = await sharp(jpeg).metadata();
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    const scale = Math.min(1, s.detect_imgsz / Math.max(width, height));
    const rgb = await sharp(jpeg)
      .resize(Math.round(width * scale), Math.round(height * scale))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const d0 = performance.now();
    const found = await this.d.detector.detectObjects({
      width: rgb.info.width,
      height: rgb.info.height,
      data: rgb.data,
    });
    if (this.d.stats) {
      this.d.stats.detections++;
      this.d.stats.detectMs += performance.now() - d0;
    }
    const detections = nms(
      found
        .filter((x) => x.score >= s.detect_conf)
        .map((x) => ({
          ...x,
          box: { x: x.box.x / scale, y: x.box.y / scale, w: x.box.w / scale, h: x.box.h / scale },
        })),
      s.detect_iou,
    );
    this.boxes = { at, detections };
    const annotated = await annotate(jpeg, width, height, detections);
    this.d.hub.publish(this.d.camera.id, annotated, at);
    await this.apply(this.tracker.pass(at / 1000, detections), annotated);
  }

  /** Draws boxes found on an earlier frame (the frame is probed for its size; detection frames know theirs). */
  private draw(jpeg: Buffer, detections: readonly Detection[]) {
    return sharp(jpeg)
      .metadata()
      .then((m) => annotate(jpeg, m.width ?? 0, m.height ?? 0, detections));
  }

  /** Tracker actions become event rows and thumbnails; writes are serialised per camera. */
  private apply(actions: TrackerAction[], annotated: Buffer | undefined): Promise<unknown> {
    const cam = this.d.camera;
    for (const a of actions) {
      this.writes = this.writes
        .then(async () => {
          if (a.kind === 'start') {
            const id = newId('evt');
            this.open = { id, labels: new Set([a.label]), best: a.score, startedAt: a.at };
            const thumbnail = annotated ? await this.saveThumbnail(id, annotated) : null;
            const created = await this.d.events.create({
              id,
              workspace_id: cam.workspace_id,
              camera_id: cam.id,
              kind: 'track',
              label: a.label,
              score: a.score,
              labels: [...new Set(a.detections.map((x) => x.label))],
              started_at: new Date(a.at * 1000).toISOString(),
              ended_at: null,
              thumbnail_key: thumbnail,
              clip_key: null,
              person_id: null,
              person_name: null,
            });
            this.d.announce?.event('new', created, cam.name);
          } else if (a.kind === 'update' && this.open) {
            for (const x of a.detections) this.open.labels.add(x.label);
            this.open.best = a.score;
            if (annotated) await this.saveThumbnail(this.open.id, annotated);
            await this.d.events.update(this.open.id, {
              label: a.label,
              score: a.score,
              labels: [...this.open.labels],
            });
          } else if (a.kind === 'end' && this.open) {
            const { id, startedAt, labels } = this.open;
            this.open = undefined;
            await this.d.events.update(id, { ended_at: new Date(a.lastSeen * 1000).toISOString() });
            await this.announceNow('end', id);
            const s = this.d.camera.settings;
            await this.clip(
              id,
              startedAt - s.pre_seconds,
              a.lastSeen + s.post_seconds,
              [...labels],
              startedAt,
            );
          }
        })
        .catch((err: unknown) => this.d.logger.warn({ err, camera_id: cam.id }, 'event not recorded'));
    }
    return this.writes;
  }

  /**
   * Manual recordings (record/stop, in whichever process took the request) whose end
   * the buffer now holds, segment closed: this worker has the segments, so it cuts them.
   */
  private async cutDueClips(at: number): Promise<void> {
    const due = await this.d.events.dueClips(this.d.camera.id, new Date(at - SEGMENT_SECONDS * 1000));
    for (const e of due) {
      const start = Date.parse(e.started_at) / 1000;
      try {
        await this.clip(
          e.id,
          start - MANUAL_ROLL_SECONDS,
          Date.parse(e.clip_due_at!) / 1000,
          ['manual recording'],
          start,
        );
      } finally {
        await this.d.events.update(e.id, { clip_due_at: null });
      }
    }
  }

  /**
   * The event's clip from the buffer over [from, to] (epoch seconds: its pre-roll to
   * its post-roll) becomes a recording of the library, linked both ways.
   * Without a library, or when it refuses the clip (a full plan, a camera deleted
   * meanwhile), the clip is kept beside it under the event's prefix instead.
   */
  private async clip(
    eventId: string,
    from: number,
    to: number,
    labels: readonly string[],
    startedAt: number,
  ): Promise<void> {
    const buffer = this.d.buffer;
    if (!buffer) return;
    const cam = this.d.camera;
    const segments = await buffer.covering(from, to);
    await withClip(segments, async (clip) => {
      if (this.d.library) {
        try {
          const recordingId = await this.d.library.add({
            workspaceId: cam.workspace_id,
            source: 'camera',
            title: clipTitle(cam.name, labels, startedAt),
            file: clip.file,
            bytes: clip.bytes,
            filename: `${eventId}.mp4`,
            contentType: 'video/mp4',
            cameraId: cam.id,
            cameraEventId: eventId,
          });
          await this.d.events.update(eventId, { recording_id: recordingId });
          // Deleted while its clip was made: the clip goes too.
          if (!(await this.announceNow('clip_ready', eventId))) await this.d.library.remove(recordingId);
          return;
        } catch (err) {
          this.d.logger.warn({ err, camera_id: cam.id, event_id: eventId }, 'clip kept outside the library');
        }
      }
      const key = eventClipKey(cam.workspace_id, cam.id, eventId);
      await this.d.blobs.put(key, createReadStream(clip.file), { contentType: 'video/mp4' });
      await this.d.events.update(eventId, { clip_key: key });
      if (!(await this.announceNow('clip_ready', eventId))) await this.d.blobs.delete(key);
    });
  }

  /** Announces the event as it now is; false when it is gone (deleted meanwhile). */
  private async announceNow(type: 'end' | 'clip_ready', eventId: string): Promise<boolean> {
    const e = await this.d.events.get(eventId);
    if (e) this.d.announce?.event(type, e, this.d.camera.name);
    return e !== undefined;
  }

  private async saveThumbnail(eventId: string, jpeg: Buffer): Promise<string> {
    const key = eventThumbnailKey(this.d.camera.workspace_id, this.d.camera.id, eventId);
    await this.d.blobs.put(key, Readable.from([jpeg]), { contentType: 'image/jpeg' });
    return key;
  }
}

/** "Front door: person, car at 2026-12-07 20:15:02 UTC": what and when, in words search finds. */
export function clipTitle(camera: string, labels: readonly string[], startedAt: number): string {
  const when = new Date(startedAt * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${camera}: ${labels.join(', ') || 'motion'} at ${when} UTC`;
}
