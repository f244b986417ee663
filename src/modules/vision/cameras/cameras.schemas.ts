import { Type, type TSchema } from 'typebox';
import { COCO_CLASSES } from '../../../engines/detect/coco.js';
import { Id, PaginationMeta, Strict, Timestamp } from '../../../platform/http/schemas.js';
import { MAX_RTSP_URL } from './rtsp-url.js';

/** Spec 001's lists carry `total` beside `items`; ours add `pagination`. */
export const SpecListOf = <T extends TSchema>(item: T) =>
  Type.Object({ total: Type.Integer(), items: Type.Array(item), pagination: PaginationMeta });

const Status = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('error')]);
const Transport = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);

/** Spec 001's fields and ranges; every one optional on update. */
const tuning = {
  enabled: Type.Boolean(),
  detect_conf: Type.Number({ minimum: 0, maximum: 1, description: 'Detection confidence threshold.' }),
  pre_seconds: Type.Integer({ minimum: 0, maximum: 120, description: 'Clip pre-roll.' }),
  post_seconds: Type.Integer({ minimum: 0, maximum: 300, description: 'Clip post-roll.' }),
  trigger_classes: Type.String({
    maxLength: 2000,
    description: 'Comma-separated COCO classes that start an event, e.g. "person,car,dog". Empty ⇒ person.',
  }),
  detect_iou: Type.Number({ minimum: 0, maximum: 1, description: 'IoU for non-maximum suppression.' }),
  detect_imgsz: Type.Integer({ minimum: 128, maximum: 1920, description: 'Detector input size (px).' }),
  detect_interval: Type.Number({
    minimum: 0,
    maximum: 60,
    description: 'Seconds between detections (0: every frame).',
  }),
  trigger_cooldown: Type.Number({ minimum: 0, maximum: 3600, description: 'Min seconds between triggers.' }),
  min_trigger_frames: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Consecutive detection frames before a trigger.',
  }),
  rtsp_transport: Transport,
  faces_enabled: Type.Boolean(),
  reid_enabled: Type.Boolean(),
};
const optional = Object.fromEntries(Object.entries(tuning).map(([k, v]) => [k, Type.Optional(v)])) as {
  [K in keyof typeof tuning]: ReturnType<typeof Type.Optional<(typeof tuning)[K]>>;
};
const CameraName = Type.String({ minLength: 1, maxLength: 200 });
const RtspUrl = Type.String({
  maxLength: MAX_RTSP_URL,
  description: 'rtsp://user:pass@host/path. Write-only: responses show it masked (rtsp://***@host/path).',
});

export const CameraCreate = Strict({
  name: CameraName,
  rtsp_url: RtspUrl,
  workspace_id: Type.Optional(Id('ws')),
  ...optional,
});

export const CameraUpdate = Strict({
  name: Type.Optional(CameraName),
  rtsp_url: Type.Optional({
    ...RtspUrl,
    description:
      'A new URL replaces the stored one and purges the camera’s history; blank or masked keeps it.',
  }),
  ...optional,
});

export const CameraSchema = Type.Object({
  id: Id('cam'),
  workspace_id: Id('ws'),
  name: Type.String(),
  rtsp_url: Type.String({ description: 'Masked: credentials and query replaced by ***.' }),
  ...tuning,
  status: Status,
  last_seen: Type.Union([Timestamp, Type.Null()]),
  fps: Type.Union([Type.Number(), Type.Null()]),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Detector = Type.Object({
  engine: Type.Union([Type.String(), Type.Null()]),
  available: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
});

export const CameraStatusSchema = Type.Object({
  camera_id: Id('cam'),
  status: Status,
  last_seen: Type.Union([Timestamp, Type.Null()]),
  fps: Type.Union([Type.Number(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  detector: Detector,
});

export const DetectClassesSchema = Type.Object({
  classes: Type.Array(Type.String(), { description: `The detector's ${COCO_CLASSES.length} COCO classes.` }),
  default: Type.Array(Type.String(), { description: 'What a camera triggers on when it names nothing.' }),
  detector: Type.Object({ ...Detector.properties, device: Type.Union([Type.String(), Type.Null()]) }),
});
