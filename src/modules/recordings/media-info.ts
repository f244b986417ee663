/**
 * What the recordings core needs from probing a file, independent of the probe engine's
 * own result type (see probe-adapter.ts for the ffprobe engine).
 */
export interface MediaInfo {
  /** ffprobe's container names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName: string | null;
  durationSeconds: number | null;
  hasVideo: boolean;
  hasAudio: boolean;
  width: number | null;
  height: number | null;
  /** Stored as the recording's `media` JSON: container, duration, bit rate, streams. */
  summary: Record<string, unknown>;
  /** Engine label for the stage's `engine` column, e.g. `ffprobe 6.1`. */
  engine: string;
}

/**
 * Probes a local file. Throws the engine's NotMediaError (an AppError with code
 * UNSUPPORTED_MEDIA_TYPE) for files that are not audio or video, and CorruptMediaError
 * (UNPROCESSABLE) for media that cannot be opened.
 */
export type Prober = (file: string, signal?: AbortSignal) => Promise<MediaInfo>;
