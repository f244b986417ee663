import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runFfmpeg } from './command.js';
import { MediaProcessingError } from './errors.js';
import { inputUrl, outputUrl, writeAtomically } from './paths.js';
import { probe, type ProbeResult } from './probe.js';
import type { FfmpegProgress } from './progress.js';

/**
 * The media stage's outputs: a web-playable MP4 (or AAC for audio-only recordings), a
 * poster, thumbnails, and the 16 kHz mono WAV that speech-to-text engines want.
 *
 * Every function writes atomically (see paths.ts), reports progress when asked, stops on
 * the caller's signal, and works on damaged input as far as it can: ffmpeg keeps going
 * past a truncated tail, and the result says `truncated_input` so the pipeline can warn.
 */

export interface MediaJobOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  onProgress?: ((p: FfmpegProgress) => void) | undefined;
  /** A probe of the input the caller already has; otherwise the input is probed first. */
  probe?: ProbeResult | undefined;
}

export interface WebMp4Options extends MediaJobOptions {
  /** x264 constant rate factor: 23 is its default, visually fine for screen content. */
  crf?: number;
  /** x264 speed/size trade-off; "veryfast" keeps a 2-core box faster than real time at 720p. */
  preset?: string;
  /** Longest side cap (default 1920) and shortest side cap (default 1080): at most 1080p either way up. */
  maxLong?: number;
  maxShort?: number;
  audioBitrate?: string;
}

export interface TranscodeResult {
  path: string;
  size_bytes: number;
  duration_seconds: number | null;
  width?: number;
  height?: number;
  /** The input ended early or had undecodable parts; the output holds what could be read. */
  truncated_input: boolean;
  /** ffmpeg's messages about damaged input (redacted). */
  warnings: string[];
  elapsed_ms: number;
  /** Media seconds per wall-clock second. */
  speed: number | null;
}

export interface StillFrame {
  index: number;
  timestamp_seconds: number;
  path: string;
}

/** Fits a display size inside maxLong×maxShort (either orientation), never upscaling, even sides for yuv420p. */
export function webSize(
  width: number,
  height: number,
  maxLong = 1920,
  maxShort = 1080,
): { width: number; height: number } {
  const scale = Math.min(1, maxLong / Math.max(width, height), maxShort / Math.min(width, height));
  // Rounding to the nearest even number cannot exceed an even cap because w*scale <= cap.
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(width), height: even(height) };
}

async function probed(input: string, opts: MediaJobOptions): Promise<ProbeResult> {
  return opts.probe ?? probe(input, { signal: opts.signal });
}

const known = (input: string, output: string) => ({ [input]: 'input', [output]: 'output' });

async function finish(
  outPath: string,
  input: ProbeResult,
  warnings: string[],
  started: number,
  opts: MediaJobOptions,
): Promise<TranscodeResult> {
  const out = await probe(outPath, { signal: opts.signal, measureMissingDuration: false });
  const elapsed = performance.now() - started;
  const inDur = input.duration_seconds;
  const outDur = out.duration_seconds;
  // A header that promises more than could be decoded also means the input was cut short.
  const short = inDur !== null && outDur !== null && outDur < inDur * 0.9 - 0.5;
  return {
    path: outPath,
    size_bytes: out.size_bytes,
    duration_seconds: outDur,
    ...(out.video ? { width: out.video.width, height: out.video.height } : {}),
    truncated_input: short || warnings.length > 0,
    warnings,
    elapsed_ms: Math.round(elapsed),
    speed: outDur ? Math.round((outDur / (elapsed / 1000)) * 100) / 100 : null,
  };
}

/** H.264 (yuv420p, even size, ≤1080p) + AAC in an MP4 with the index first, so browsers can seek at once. */
export async function toWebMp4(
  input: string,
  output: string,
  opts: WebMp4Options = {},
): Promise<TranscodeResult> {
  const info = await probed(input, opts);
  if (!info.video) throw new MediaProcessingError('The recording has no video stream; use toAac.', null, '');
  const started = performance.now();
  const { width, height } = webSize(
    info.video.display_width,
    info.video.display_height,
    opts.maxLong ?? 1920,
    opts.maxShort ?? 1080,
  );
  // prettier-ignore
  const audio = info.audio
    ? [
        '-map', `0:${info.audio.index}`,
        '-c:a', 'aac', '-b:a', opts.audioBitrate ?? '128k',
        // Browsers play stereo; 5.1 is downmixed, mono stays mono.
        '-ac', String(Math.min(2, Math.max(1, info.audio.channels))),
      ]
    : ['-an'];
  const { warnings } = await writeAtomically(output, (temp) =>
    runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', `0:${info.video?.index ?? 0}`,
        // ffmpeg applies the rotation itself (autorotate), so the size is the displayed one.
        '-vf', `scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p`,
        '-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 23),
        '-profile:v', 'high', '-pix_fmt', 'yuv420p',
        '-metadata:s:v:0', 'rotate=0',
        ...audio,
        '-sn', '-dn',
        '-movflags', '+faststart',
        // Sparse or badly interleaved inputs otherwise fail with "Too many packets buffered".
        '-max_muxing_queue_size', '4096',
        '-f', 'mp4', outputUrl(temp),
      ],
      {
        what: 'Transcoding to web MP4',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        durationSeconds: info.duration_seconds,
        onProgress: opts.onProgress,
        redact: known(input, temp),
      },
    ),
  );
  return finish(output, info, warnings, started, opts);
}

/** Audio-only recordings: AAC in an MP4 (.m4a) container with faststart. */
export async function toAac(
  input: string,
  output: string,
  opts: MediaJobOptions & { bitrate?: string } = {},
): Promise<TranscodeResult> {
  const info = await probed(input, opts);
  if (!info.audio) throw new MediaProcessingError('The recording has no audio stream.', null, '');
  const started = performance.now();
  const { warnings } = await writeAtomically(output, (temp) =>
    runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', `0:${info.audio?.index ?? 0}`, '-vn', '-sn', '-dn',
        '-c:a', 'aac', '-b:a', opts.bitrate ?? '128k',
        '-ac', String(Math.min(2, Math.max(1, info.audio?.channels ?? 2))),
        '-movflags', '+faststart',
        '-f', 'mp4', outputUrl(temp),
      ],
      {
        what: 'Transcoding to AAC',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        durationSeconds: info.duration_seconds,
        onProgress: opts.onProgress,
        redact: known(input, temp),
      },
    ),
  );
  return finish(output, info, warnings, started, opts);
}

/** Mono 16 kHz signed 16-bit PCM, what whisper.cpp and pocketsphinx expect. */
export async function extractAudioWav16k(
  input: string,
  output: string,
  opts: MediaJobOptions = {},
): Promise<TranscodeResult> {
  const info = await probed(input, opts);
  if (!info.audio) throw new MediaProcessingError('The recording has no audio stream.', null, '');
  const started = performance.now();
  const { warnings } = await writeAtomically(output, (temp) =>
    runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', `0:${info.audio?.index ?? 0}`, '-vn', '-sn', '-dn',
        '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le',
        // Past 4 GiB (~37 h at 16 kHz) plain WAV overflows; RF64 takes over only then.
        '-rf64', 'auto',
        '-f', 'wav', outputUrl(temp),
      ],
      {
        what: 'Extracting audio for speech-to-text',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        durationSeconds: info.duration_seconds,
        onProgress: opts.onProgress,
        redact: known(input, temp),
      },
    ),
  );
  return finish(output, info, warnings, started, opts);
}

export interface StillOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  probe?: ProbeResult | undefined;
  /** Longest side of the image; default: the web video's size (≤1920). */
  maxLong?: number;
  /** JPEG quality on ffmpeg's 2 (best) – 31 scale. */
  quality?: number;
}

async function grabFrame(input: string, output: string, at: number, info: ProbeResult, opts: StillOptions) {
  const video = info.video;
  if (!video) throw new MediaProcessingError('The recording has no video stream.', null, '');
  const maxLong = opts.maxLong ?? 1920;
  const { width, height } = webSize(
    video.display_width,
    video.display_height,
    maxLong,
    Math.min(maxLong, 1080),
  );
  await writeAtomically(output, async (temp) => {
    await runFfmpeg(
      // prettier-ignore
      [
        // Seeking before -i jumps to the nearest keyframe and decodes up to `at`: fast and exact.
        '-ss', at.toFixed(3),
        '-i', inputUrl(input),
        '-map', `0:${video.index}`, '-frames:v', '1',
        '-vf', `scale=${width}:${height}:flags=bicubic,setsar=1`,
        '-q:v', String(opts.quality ?? 3), '-c:v', 'mjpeg',
        '-f', 'image2', '-update', '1', outputUrl(temp),
      ],
      {
        what: 'Extracting a still',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs ?? 60_000,
        redact: known(input, temp),
      },
    );
    // Past the last frame ffmpeg exits 0 having written nothing.
    const st = await fs.stat(temp).catch(() => undefined);
    if (!st || st.size === 0) throw new NoFrameAt(at);
  });
}

class NoFrameAt extends MediaProcessingError {
  constructor(at: number) {
    super(`No video frame could be decoded at ${at.toFixed(1)} s.`, 0, '');
  }
}

/** A JPEG poster at `atSeconds`, falling back to the first frame when there is nothing there. */
export async function poster(
  input: string,
  output: string,
  atSeconds: number,
  opts: StillOptions = {},
): Promise<StillFrame> {
  const info = opts.probe ?? (await probe(input, { signal: opts.signal }));
  const at = Math.max(0, atSeconds);
  try {
    await grabFrame(input, output, at, info, opts);
    return { index: 0, timestamp_seconds: at, path: output };
  } catch (err) {
    // A seek past a truncated end, or into a corrupt region: the first frame is a fine poster.
    if (!(err instanceof NoFrameAt) || at === 0) throw err;
    await grabFrame(input, output, 0, info, opts);
    return { index: 0, timestamp_seconds: 0, path: output };
  }
}

/**
 * `count` JPEGs evenly spread over the recording (centre of each slice), for a scrub
 * strip or a grid. One short seek per image rather than one decode of the whole file,
 * so the cost does not grow with the recording's length. Images that cannot be decoded
 * (damaged regions) are left out rather than failing the set.
 */
export async function thumbnails(
  input: string,
  outDir: string,
  opts: StillOptions & { count?: number } = {},
): Promise<StillFrame[]> {
  const info = opts.probe ?? (await probe(input, { signal: opts.signal }));
  const count = Math.max(1, Math.floor(opts.count ?? 10));
  const duration = info.duration_seconds ?? 0;
  await fs.mkdir(outDir, { recursive: true });
  const out: StillFrame[] = [];
  for (let i = 0; i < count; i++) {
    const at = duration > 0 ? ((i + 0.5) * duration) / count : 0;
    const file = path.join(outDir, `thumb-${String(i).padStart(4, '0')}.jpg`);
    try {
      await grabFrame(input, file, at, info, { maxLong: 320, ...opts });
      out.push({ index: out.length, timestamp_seconds: Math.round(at * 1000) / 1000, path: file });
    } catch (err) {
      if (!(err instanceof NoFrameAt)) throw err;
    }
  }
  return out;
}
