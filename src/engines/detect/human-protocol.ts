/** Messages between the detector thread (human-thread.ts) and its client (human.ts). */
export interface DetectRequest {
  id: number;
  what: 'objects' | 'faces';
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, row by row; transferred, not copied. */
  rgb: ArrayBuffer;
}

/** Box in pixels of the image given: x, y, width, height. */
export type PixelBox = [number, number, number, number];

export interface RawDetection {
  label: string;
  score: number;
  box: PixelBox;
}

export interface RawFace {
  score: number;
  box: PixelBox;
  /** faceres's descriptor (1024 floats), null when it could not describe the face. */
  embedding: Float32Array | null;
}

export type DetectResponse =
  | { kind: 'ready'; version: string; backend: string }
  | { kind: 'failed'; error: string }
  | { kind: 'result'; id: number; objects: RawDetection[]; faces: RawFace[]; ms: number }
  | { kind: 'error'; id: number; error: string };
