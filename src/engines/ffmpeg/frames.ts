import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runFfmpeg } from './command.js';
import { MediaProcessingError } from './errors.js';
import { locateFfmpeg } from './locate.js';
import { inputUrl, outputUrl } from './paths.js';
import { probe, type ProbeResult } from './probe.js';
import type { FfmpegProgress } from './progress.js';
import { webSize } from './transcode.js';

/**
 * Keyframes for OCR and the frames view: one decode pass that keeps a frame when the
 * picture changes (scene score) and at least every `maxIntervalSeconds` otherwise, so a
 * static screen still gets a frame now and then and nothing on screen for long is missed.
 *
 * It is ffmpeg's `select` filter (the 2018 npm build has no `scdet`):
 *   first frame  OR  t - last ≥ max  OR  (scene > threshold AND t - last ≥ min)
 * followed by `metadata=print`, which logs each kept frame's pts_time and scene score on
 * stderr as it goes; the images are written by the image2 muxer as frame-000000.jpg….
 *
 * Thresholds: ffmpeg's scene score is ~min(mean abs pixel change, change of that)/100.
 * Measured on 1280×720 x264 screen content: a static screen scores ≤ 0.00001, one
 * changed line of 18 px text ≈ 0.006, a changed 64 px title ≈ 0.027. The usual
 * cut-detection values (0.3–0.4) therefore miss every on-screen text change; the default
 * here (0.003) is for screen recordings. Camera footage wants 0.1–0.3.
 */

export const DEFAULT_SCENE_THRESHOLD = 0.003;
export const DEFAULT_MAX_INTERVAL_SECONDS = 10;
export const DEFAULT_MIN_INTERVAL_SECONDS = 1;

export interface KeyframeOptions {
  sceneThreshold?: number;
  /** A frame at least this often, changed or not. */
  maxIntervalSeconds?: number;
  /**
   * Scene changes closer than this to the last kept frame are ignored (scrolling or video
   * playback on screen would otherwise keep every frame). The max interval still applies.
   */
  minIntervalSeconds?: number;
  /**
   * Compare frames this many times a second instead of every decoded frame. Lower rates
   * make a change spread over several frames (a slide animation, a fade) count as one
   * change, and cost less; timestamps are then accurate to 1/analysisFps. Default: every frame.
   */
  analysisFps?: number | undefined;
  format?: 'jpg' | 'png';
  /** Downscale frames so the longest side is at most this; default: keep the source size (OCR wants pixels). */
  maxLong?: number | undefined;
  /** Hard cap on frames written (pathological inputs). Default 5000. */
  maxFrames?: number;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  onProgress?: ((p: FfmpegProgress) => void) | undefined;
  probe?: ProbeResult | undefined;
}

export interface SampledFrame {
  /** 0-based, in time order; also the number in the file name. */
  index: number;
  /** Seconds from the start of the recording (the container's start time subtracted). */
  timestamp_seconds: number;
  path: string;
  /** Why it was kept. */
  reason: 'first' | 'scene' | 'interval';
  /** ffmpeg's scene score against the previous analysed frame (0–1). */
  scene_score: number;
}

export interface KeyframeResult {
  frames: SampledFrame[];
  /** ffmpeg's messages about damaged input (redacted); frames stop where decoding stopped. */
  warnings: string[];
  elapsed_ms: number;
}

const FRAME_FILE = /^frame-\d{6}\.(jpg|png)$/;

/** Builds the select expression. Exported for tests and for the curious. */
export function selectExpression(threshold: number, minInterval: number, maxInterval: number): string {
  const n = (x: number) => String(Math.max(0, x));
  return (
    `isnan(prev_selected_t)` +
    `+gte(t-prev_selected_t,${n(maxInterval)})` +
    `+gt(scene,${n(threshold)})*gte(t-prev_selected_t,${n(minInterval)})`
  );
}

async function clearFrames(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => FRAME_FILE.test(n)).map((n) => fs.rm(path.join(dir, n), { force: true })),
  );
}

export async function extractKeyframes(
  input: string,
  outDir: string,
  opts: KeyframeOptions = {},
): Promise<KeyframeResult> {
  const info = opts.probe ?? (await probe(input, { signal: opts.signal }));
  const video = info.video;
  if (!video)
    throw new MediaProcessingError('The recording has no video stream to take frames from.', null, '');
  const threshold = opts.sceneThreshold ?? DEFAULT_SCENE_THRESHOLD;
  const maxInterval = opts.maxIntervalSeconds ?? DEFAULT_MAX_INTERVAL_SECONDS;
  const minInterval = Math.min(opts.minIntervalSeconds ?? DEFAULT_MIN_INTERVAL_SECONDS, maxInterval);
  const ext = opts.format ?? 'jpg';
  const started = performance.now();

  await fs.mkdir(outDir, { recursive: true });
  // Idempotent retries: frames from an earlier attempt must not mix with this one's.
  await clearFrames(outDir);

  const filters: string[] = [];
  if (opts.analysisFps && opts.analysisFps > 0) filters.push(`fps=${opts.analysisFps}`);
  // Single quotes keep the expression's commas from splitting the filter chain.
  filters.push(`select='${selectExpression(threshold, minInterval, maxInterval)}'`, 'metadata=mode=print');
  if (opts.maxLong) {
    const { width, height } = webSize(video.display_width, video.display_height, opts.maxLong, opts.maxLong);
    filters.push(`scale=${width}:${height}:flags=bicubic`);
  }
  filters.push('setsar=1');

  // Parsed from stderr as frames are selected: "frame:3 pts:… pts_time:4.1" then "lavfi.scene_score=0.02".
  const seen: Array<{ pts: number; score: number }> = [];
  const onStderrLine = (line: string) => {
    const f = /\] frame:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/.exec(line);
    if (f) {
      seen[Number(f[1])] = { pts: Number(f[2]), score: 0 };
      return;
    }
    const s = /\] lavfi\.scene_score=\s*([\d.]+(?:e[-+]?\d+)?)/.exec(line);
    const last = seen[seen.length - 1];
    if (s && last) last.score = Number(s[1]);
  };

  const bin = await locateFfmpeg();
  const pattern = path.join(path.resolve(outDir), `frame-%06d.${ext}`);
  let warnings: string[];
  try {
    ({ warnings } = await runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', `0:${video.index}`, '-an', '-sn', '-dn',
        '-vf', filters.join(','),
        // Without vfr the image2 muxer duplicates frames to fill a constant rate.
        ...(bin.capabilities.fpsMode ? ['-fps_mode', 'vfr'] : ['-vsync', 'vfr']),
        '-frames:v', String(opts.maxFrames ?? 5000),
        ...(ext === 'jpg' ? ['-q:v', '2'] : []),
        '-f', 'image2', '-start_number', '0', outputUrl(pattern),
      ],
      {
        what: 'Extracting keyframes',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        durationSeconds: info.duration_seconds,
        onProgress: opts.onProgress,
        onStderrLine,
        redact: { [input]: 'input', [path.resolve(outDir)]: 'frames' },
      },
    ));
  } catch (err) {
    await clearFrames(outDir);
    throw err;
  }

  const frames: SampledFrame[] = [];
  let prevT: number | undefined;
  for (let i = 0; i < seen.length; i++) {
    const entry = seen[i];
    const file = path.join(outDir, `frame-${String(i).padStart(6, '0')}.${ext}`);
    // The last selected frame may not reach the disk when a damaged input ends abruptly.
    if (!entry || !(await fs.stat(file).catch(() => undefined))) continue;
    const t = Math.max(0, Math.round((entry.pts - info.start_time_seconds) * 1000) / 1000);
    const reason: SampledFrame['reason'] =
      prevT === undefined
        ? 'first'
        : entry.score > threshold && t - prevT >= minInterval
          ? 'scene'
          : 'interval';
    frames.push({ index: i, timestamp_seconds: t, path: file, reason, scene_score: entry.score });
    prevT = t;
  }
  return { frames, warnings, elapsed_ms: Math.round(performance.now() - started) };
}
