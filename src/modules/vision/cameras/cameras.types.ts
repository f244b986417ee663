/** A camera as the API shows it: the RTSP URL only ever masked. */
export interface Camera {
  id: string;
  workspace_id: string;
  name: string;
  rtsp_url: string;
  enabled: boolean;
  detect_conf: number;
  pre_seconds: number;
  post_seconds: number;
  /** Comma-separated, as spec 001 has it. */
  trigger_classes: string;
  detect_iou: number;
  detect_imgsz: number;
  detect_interval: number;
  trigger_cooldown: number;
  min_trigger_frames: number;
  rtsp_transport: RtspTransport;
  faces_enabled: boolean;
  reid_enabled: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export type RtspTransport = 'tcp' | 'udp';

/** The fields a camera's owner sets (spec 001's create/update body), URL aside. */
export type CameraSettings = Pick<
  Camera,
  | 'name'
  | 'enabled'
  | 'detect_conf'
  | 'pre_seconds'
  | 'post_seconds'
  | 'trigger_classes'
  | 'detect_iou'
  | 'detect_imgsz'
  | 'detect_interval'
  | 'trigger_cooldown'
  | 'min_trigger_frames'
  | 'rtsp_transport'
  | 'faces_enabled'
  | 'reid_enabled'
>;

/** Settings a new camera gets when the body leaves them out (Frigate-like defaults). */
export const CAMERA_DEFAULTS: Omit<CameraSettings, 'name'> = {
  enabled: true,
  detect_conf: 0.5,
  pre_seconds: 5,
  post_seconds: 10,
  trigger_classes: 'person',
  detect_iou: 0.45,
  detect_imgsz: 640,
  detect_interval: 1,
  trigger_cooldown: 10,
  min_trigger_frames: 2,
  rtsp_transport: 'tcp',
  faces_enabled: false,
  reid_enabled: false,
};

/** Changing these restarts the camera's worker (spec 001: "any tuning field"). */
export const WORKER_FIELDS: ReadonlyArray<keyof CameraSettings> = [
  'detect_conf',
  'pre_seconds',
  'post_seconds',
  'trigger_classes',
  'detect_iou',
  'detect_imgsz',
  'detect_interval',
  'trigger_cooldown',
  'min_trigger_frames',
  'rtsp_transport',
  'faces_enabled',
  'reid_enabled',
];

export type CameraState = 'online' | 'offline' | 'error';

export interface CameraStatus {
  camera_id: string;
  status: CameraState;
  /** Last heartbeat of its worker; null before the first. */
  last_seen: string | null;
  /** Frames a second the worker decoded at its last heartbeat. */
  fps: number | null;
  /** Why it is offline or in error, in words. */
  reason: string | null;
  detector: { engine: string | null; available: boolean; reason: string | null };
}

export interface Heartbeat {
  camera_id: string;
  worker_id: string;
  state: 'starting' | 'online' | 'error';
  reason: string | null;
  fps: number;
  seen_at: string;
}
