import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  KeyframeSelector,
  SELECTOR_DEFAULTS,
  type KeepReason,
  type Selected,
  type SelectorOptions,
} from '../image/keyframe-selector.js';
import { THUMB_LONG } from '../image/screen-diff.js';
import { runFfmpeg } from './command.js';
import { MediaProcessingError } from './errors.js';
import { decodeFrames } from './frame-stream.js';
import { locateFfmpeg } from './locate.js';
import { inputUrl, outputUrl } from './paths.js';
import { probe, type ProbeResult } from './probe.js';
import type { FfmpegProgress } from './progress.js';
import { webSize } from './transcode.js';

/**
 * Keyframes for OCR and the frames view: one frame per distinct screen, in two passes
 * over the recording.
 * 1. Decode at `analysisFps` into small grey images (320 px, area-averaged by ffmpeg,
 *    57 KB a frame through a pipe) and let the selector (keyframe-selector.ts) pick,
 *    comparing each with the last frame kept and waiting for the screen to settle.
 * 2. Decode again through the same `fps` filter, so frame numbers match, and have ffmpeg
 *    write only the picked frames, at the resolution OCR wants.
 * Decoding is the cheap part (a 720p screen recording decodes at ~80× real time here);
 * moving full-size pictures through this process was not: one pass piping RGB frames
 * and shrinking them with sharp took 3.4× as long as these two passes.
 *
 * Why not ffmpeg's scene score: on screen recordings it proposes too few changes. Its
 * score is a mean over the whole picture, and with the one-second minimum gap it needs
 * to ignore scrolling and typing, a page that loads less than a second after the
 * address bar was selected is never proposed; with the dHash dedupe after it, a white
 * page of sparse text was dropped as a "duplicate" of the black frame before it.
 * bench/screens.bench.ts compares both on real recordings.
 */

export const DEFAULT_ANALYSIS_FPS = 4;

export interface KeyframeOptions {
  /** Frames compared per second; a screen visible for 2/fps s or more is kept. */
  analysisFps?: number;
  selector?: Partial<SelectorOptions>;
  format?: 'jpg' | 'png';
  /** Downscale frames so the longest side is at most this; default: the display size (OCR wants pixels). */
  maxLong?: number | undefined;
  /** Hard cap on frames kept (pathological inputs). Default 5000. */
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
  /** Why it was kept (keyframe-selector.ts). */
  reason: KeepReason;
  /** Share of pixels that differ from the frame kept before it (1 for the first). */
  change: number;
}

export interface KeyframeResult {
  frames: SampledFrame[];
  /** Frames compared. */
  analysed: number;
  /** Of those, black, white or single-colour: never kept. */
  blank: number;
  /** Timestamp of the last frame decoded (how far decoding got). */
  last_timestamp_seconds: number | null;
  /** ffmpeg's messages about damaged input (redacted); frames stop where decoding stopped. */
  warnings: string[];
  elapsed_ms: number;
}

const FRAME_FILE = /^frame-\d{6}\.(jpg|png)$/;
/** Share of the progress bar the analysis pass takes; writing the kept frames is the rest. */
const ANALYSIS_SHARE = 0.6;

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
  const fps = opts.analysisFps ?? DEFAULT_ANALYSIS_FPS;
  const maxFrames = opts.maxFrames ?? 5000;
  const started = performance.now();
  await fs.mkdir(outDir, { recursive: true });
  // Idempotent retries: frames from an earlier attempt must not mix with this one's.
  await clearFrames(outDir);

  const selector = new KeyframeSelector<number>({ ...SELECTOR_DEFAULTS, ...opts.selector });
  const picked: Array<Selected<number>> = [];
  const pick = (s: Selected<number> | undefined) => {
    if (s && picked.length < maxFrames) picked.push(s);
  };
  const progress = (from: number, share: number) =>
    opts.onProgress
      ? (p: FfmpegProgress) => opts.onProgress?.({ ...p, fraction: from + share * (p.fraction ?? 0) })
      : undefined;
  try {
    const analysed = await decodeFrames(
      input,
      {
        fps,
        maxLong: THUMB_LONG,
        pixelFormat: 'gray',
        probe: info,
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        onProgress: progress(0, ANALYSIS_SHARE),
      },
      (frame) => pick(selector.push(frame.index, frame.timestamp_seconds, frame)),
    );
    pick(selector.finish());
    const written = picked.length
      ? await writeFrames(input, outDir, picked, {
          ...opts,
          fps,
          info,
          onProgress: progress(ANALYSIS_SHARE, 1 - ANALYSIS_SHARE),
        })
      : { warnings: [] };
    const frames: SampledFrame[] = [];
    for (const [index, s] of picked.entries()) {
      const file = path.join(outDir, `frame-${String(index).padStart(6, '0')}.${opts.format ?? 'jpg'}`);
      // The second pass may stop early on a damaged file: keep what reached the disk.
      if (!(await fs.stat(file).catch(() => undefined))) continue;
      frames.push({
        index: frames.length,
        timestamp_seconds: s.t,
        path: file,
        reason: s.reason,
        change: s.change,
      });
    }
    return {
      frames,
      analysed: selector.counts.seen,
      blank: selector.counts.blank,
      last_timestamp_seconds: analysed.last_timestamp_seconds,
      warnings: [...new Set([...analysed.warnings, ...written.warnings])],
      elapsed_ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    await clearFrames(outDir);
    throw err;
  }
}

/** The second pass: the same fps filter, so `n` is the analysed frame's number, and only the picked ones written. */
async function writeFrames(
  input: string,
  outDir: string,
  picked: Array<Selected<number>>,
  o: KeyframeOptions & { fps: number; info: ProbeResult },
): Promise<{ warnings: string[] }> {
  const video = o.info.video!;
  const ext = o.format ?? 'jpg';
  const filters = [`fps=${o.fps}`, `select='${picked.map((p) => `eq(n,${p.item})`).join('+')}'`];
  if (o.maxLong) {
    const { width, height } = webSize(video.display_width, video.display_height, o.maxLong, o.maxLong);
    filters.push(`scale=${width}:${height}:flags=bicubic`);
  }
  filters.push('setsar=1');
  const bin = await locateFfmpeg();
  return runFfmpeg(
    // prettier-ignore
    [
      '-i', inputUrl(input),
      '-map', `0:${video.index}`, '-an', '-sn', '-dn',
      // Single quotes keep the expression's commas from splitting the filter chain.
      '-vf', filters.join(','),
      // Without vfr the image2 muxer duplicates frames to fill a constant rate.
      ...(bin.capabilities.fpsMode ? ['-fps_mode', 'vfr'] : ['-vsync', 'vfr']),
      '-frames:v', String(picked.length),
      ...(ext === 'jpg' ? ['-q:v', '2'] : []),
      '-f', 'image2', '-start_number', '0', outputUrl(path.join(path.resolve(outDir), `frame-%06d.${ext}`)),
    ],
    {
      what: 'Writing keyframes',
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      durationSeconds: o.info.duration_seconds,
      onProgress: o.onProgress,
      redact: { [input]: 'input', [path.resolve(outDir)]: 'frames' },
    },
  );
}
