/**
 * Object and face detection on one decoded frame. The engine is chosen at start-up
 * (select.ts); where none can run, `DetectorStatus` says why, and the features that need
 * one (camera triggers, the pipeline's detect and faces stages) report that reason
 * instead of pretending.
 */
export interface DetectorStatus {
  /** Engine name, e.g. `human-centernet`; null when none is available. */
  engine: string | null;
  available: boolean;
  /** Why no detector runs (what to install), when none does. */
  reason: string | null;
  /** Where the engine runs: `cpu` (wasm) today. */
  device: string | null;
}

/** Pixels of the image given, origin top-left. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Detection {
  /** A COCO class (coco.ts). */
  label: string;
  /** 0–1. */
  score: number;
  box: Box;
}

export interface DetectedFace {
  score: number;
  box: Box;
  /** L2-normalised descriptor; null when the engine could not describe the face. */
  embedding: Float32Array | null;
}

/** RGB, 3 bytes a pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Detector {
  readonly name: string;
  status(): DetectorStatus;
  detectObjects(image: RgbImage): Promise<Detection[]>;
  detectFaces(image: RgbImage): Promise<DetectedFace[]>;
  close(): Promise<void>;
}
