import type { Principal } from '../../../platform/auth/principal.js';
import type { CamerasService } from '../cameras/cameras.service.js';
import type { FrameHub, LiveFrame } from './frame-hub.js';
import { noSignalJpeg } from './no-signal.js';

/** Spec 001's `live_mjpeg_fps`: the most frames a second a live view is sent. */
export const LIVE_MJPEG_FPS = 10;

export interface Snapshot {
  jpeg: Buffer;
  /** When the frame was taken; null for the no-signal placeholder. */
  at: number | null;
}

/** A camera's frames for one viewer, checked once when the view opens. */
export interface LiveFeed {
  cameraId: string;
  fps: number;
  /** The latest frame, or undefined before the first. */
  latest(): Promise<LiveFrame | undefined>;
}

/**
 * Live views (spec 001): the latest frame as a snapshot, and a feed of frames for the
 * MJPEG stream. Both need live:view on the camera.
 */
export class LiveService {
  constructor(private readonly d: { cameras: CamerasService; hub: FrameHub; maxFps?: number }) {}

  get maxFps() {
    return this.d.maxFps ?? LIVE_MJPEG_FPS;
  }

  async snapshot(principal: Principal, cameraId: string): Promise<Snapshot> {
    await this.d.cameras.authorize(principal, cameraId, 'live:view', 'live.snapshot');
    const frame = await this.d.hub.latest(cameraId);
    return frame ? { jpeg: frame.jpeg, at: frame.at } : { jpeg: await noSignalJpeg(), at: null };
  }

  async feed(principal: Principal, cameraId: string, fps: number | undefined): Promise<LiveFeed> {
    await this.d.cameras.authorize(principal, cameraId, 'live:view', 'live.stream');
    const wanted = fps === undefined || !Number.isFinite(fps) ? this.maxFps : fps;
    return {
      cameraId,
      fps: Math.min(this.maxFps, Math.max(1, wanted)),
      latest: () => this.d.hub.latest(cameraId),
    };
  }
}
