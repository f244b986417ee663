import type { DetectorStatus } from '../../../engines/detect/port.js';
import type { Camera, CameraStatus, Heartbeat } from './cameras.types.js';

/** Spec 001's `status_stale_seconds`: a worker silent this long is taken for gone. */
export const STATUS_STALE_SECONDS = 30;

/**
 * A camera's status from its row and its worker's last heartbeat (spec 001): disabled ⇒
 * offline; a heartbeat older than the stale limit ⇒ offline (the worker or its process
 * is gone, whatever it said last); a fresh `error` ⇒ error with the worker's reason; a
 * fresh `online` ⇒ online; a worker still connecting is offline until its first frame.
 */
export function cameraStatus(
  camera: Pick<Camera, 'id' | 'enabled'>,
  beat: Heartbeat | undefined,
  detector: DetectorStatus,
  now: number,
  staleSeconds = STATUS_STALE_SECONDS,
): CameraStatus {
  const base = {
    camera_id: camera.id,
    last_seen: beat?.seen_at ?? null,
    fps: beat ? beat.fps : null,
    detector: { engine: detector.engine, available: detector.available, reason: detector.reason },
  };
  if (!camera.enabled) return { ...base, status: 'offline', reason: 'The camera is disabled.' };
  if (!beat) return { ...base, status: 'offline', reason: 'No worker has reported on this camera yet.' };
  const age = (now - Date.parse(beat.seen_at)) / 1000;
  if (age > staleSeconds)
    return { ...base, status: 'offline', reason: `No heartbeat from its worker for ${Math.round(age)} s.` };
  if (beat.state === 'error') return { ...base, status: 'error', reason: beat.reason };
  if (beat.state === 'starting')
    return { ...base, status: 'offline', reason: beat.reason ?? 'Connecting to the camera.' };
  return { ...base, status: 'online', reason: null };
}
