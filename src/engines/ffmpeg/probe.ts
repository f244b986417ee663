import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { explainFailure, redact, runFfmpeg, runFfprobe } from './command.js';
import { CorruptMediaError, MediaProcessingError, NotMediaError } from './errors.js';
import { inputUrl, outputUrl } from './paths.js';

/**
 * What a file is, from ffprobe: the first thing the pipeline does with an upload, and
 * what decides 415 (not media) versus a recording (audio-only is a recording too).
 *
 * Truncated files are probed as far as their headers allow (an MP4 with its index at
 * the front reports its full duration even when half the data is missing: the media
 * stage finds out and says so). Files whose container is recognised but unreadable
 * raise CorruptMediaError with an explanation a person can act on.
 */

export interface VideoStreamInfo {
  /** Stream index in the file, for `-map 0:<index>`. */
  index: number;
  codec: string;
  /** Coded size, as stored. */
  width: number;
  height: number;
  /** Size as shown: rotation and non-square pixels applied. */
  display_width: number;
  display_height: number;
  /** Average frame rate; null when the container does not know (some VFR recordings). */
  fps: number | null;
  /** Clockwise rotation a player applies: 0, 90, 180 or 270. */
  rotation: number;
  pix_fmt: string | null;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sample_rate: number;
  channels: number;
}

export interface ProbeResult {
  /** Null only when neither the container nor a full read could tell (rare). */
  duration_seconds: number | null;
  /** Presentation time of the first sample; timestamps elsewhere are made relative to it. */
  start_time_seconds: number;
  /** ffprobe's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "wav". */
  format_name: string;
  size_bytes: number;
  bit_rate: number | null;
  has_video: boolean;
  has_audio: boolean;
  video?: VideoStreamInfo;
  audio?: AudioStreamInfo;
  /** ffprobe warnings (redacted), e.g. about damaged headers. Empty for a healthy file. */
  warnings: string[];
}

export interface ProbeOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /**
   * When the container has no duration (browser MediaRecorder WebM often has none),
   * read the whole file once with stream copy to measure it. Default true.
   */
  measureMissingDuration?: boolean;
}

// --- narrowing of ffprobe's JSON (it is input from outside: no blind casts) ---

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** ffprobe prints numbers as strings ("6.000000", "N/A") in format/stream fields. */
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** "30000/1001" → 29.97; "0/0" → undefined. */
export function parseRate(v: unknown): number | undefined {
  const s = str(v);
  if (!s) return undefined;
  const [a, b] = s.split('/').map(Number);
  if (a === undefined || !Number.isFinite(a)) return undefined;
  const rate = b === undefined ? a : b === 0 ? NaN : a / b;
  return Number.isFinite(rate) && rate > 0 ? Math.round(rate * 1000) / 1000 : undefined;
}

/** Clockwise display rotation from the display matrix side data or the old `rotate` tag. */
function rotationOf(stream: Json): number {
  let deg: number | undefined;
  const side = Array.isArray(stream.side_data_list) ? stream.side_data_list : [];
  for (const sd of side) {
    // ffprobe prints the display matrix angle counter-clockwise (libavutil's convention):
    // -90 means "turn 90° clockwise to show", which is what the old `rotate` tag said as 90.
    // Files written by pre-2022 ffmpeg muxers (the npm build) carry a transposed matrix and
    // read back as the opposite quarter turn; the displayed size is right either way.
    if (isObj(sd) && num(sd.rotation) !== undefined) deg = -(num(sd.rotation) ?? 0);
  }
  if (deg === undefined && isObj(stream.tags)) deg = num(stream.tags.rotate);
  const norm = (((Math.round((deg ?? 0) / 90) * 90) % 360) + 360) % 360;
  return norm;
}

function isAttachedPicture(stream: Json): boolean {
  return isObj(stream.disposition) && num(stream.disposition.attached_pic) === 1;
}

function pickStream(streams: Json[], type: 'video' | 'audio'): Json | undefined {
  const candidates = streams.filter((s) => s.codec_type === type && !isAttachedPicture(s));
  // Prefer the stream the file marks as default; otherwise the first one.
  return candidates.find((s) => isObj(s.disposition) && num(s.disposition.default) === 1) ?? candidates[0];
}

function videoInfo(s: Json): VideoStreamInfo {
  const width = num(s.width) ?? 0;
  const height = num(s.height) ?? 0;
  const rotation = rotationOf(s);
  const [sn, sd] = (str(s.sample_aspect_ratio) ?? '1:1').split(':').map(Number);
  const sar = sn && sd && Number.isFinite(sn / sd) && sn > 0 ? sn / sd : 1;
  let dw = Math.round(width * sar);
  let dh = height;
  if (rotation === 90 || rotation === 270) [dw, dh] = [dh, dw];
  return {
    index: num(s.index) ?? 0,
    codec: str(s.codec_name) ?? 'unknown',
    width,
    height,
    display_width: dw,
    display_height: dh,
    fps: parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate) ?? null,
    rotation,
    pix_fmt: str(s.pix_fmt) ?? null,
  };
}

function audioInfo(s: Json): AudioStreamInfo {
  return {
    index: num(s.index) ?? 0,
    codec: str(s.codec_name) ?? 'unknown',
    sample_rate: num(s.sample_rate) ?? 0,
    channels: num(s.channels) ?? 0,
  };
}

/** ffmpeg's own "recognised but only by a guess" level (AVPROBE_SCORE_RETRY): below it, it is not media. */
const MIN_PROBE_SCORE = 25;
const STILL_IMAGE_FORMATS = /^(image2|\w+_pipe)$/;

function classifyFailure(stderr: string, known: Record<string, string>): Error {
  // A "[demuxer @ 0x…]" line means ffmpeg recognised the container before failing.
  const demuxer = /^\[([\w,]+) @ 0x[0-9a-f]+\]/m.exec(stderr)?.[1];
  const detail = explainFailure(stderr, known);
  // …unless it only guessed from the file name (random bytes called .mp4): that is not media.
  if (/detected only with low score/i.test(stderr)) {
    return new NotMediaError('The file is not a recognised audio or video format.', 'unrecognized');
  }
  if (demuxer && /moov atom not found/i.test(stderr)) {
    return new CorruptMediaError(
      'The MP4/MOV file has no index (moov atom): it was probably cut off before the recording or upload ' +
        'finished. Upload the complete file, or re-export it from the recorder.',
      demuxer,
    );
  }
  if (demuxer)
    return new CorruptMediaError(`The ${demuxer.split(',')[0]} file could not be read: ${detail}`, demuxer);
  return new NotMediaError('The file is not a recognised audio or video format.', 'unrecognized');
}

/** Full read with stream copy (no decoding) to learn a duration the container does not state. */
async function measureDuration(input: string, streams: number[], opts: ProbeOptions): Promise<number | null> {
  let seconds: number | null = null;
  try {
    await runFfmpeg(
      ['-i', inputUrl(input), ...streams.flatMap((i) => ['-map', `0:${i}`]), '-c', 'copy', '-f', 'null', '-'],
      {
        what: 'Measuring duration',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        redact: { [input]: 'input' },
        onProgress: (p) => {
          if (p.seconds > 0) seconds = p.seconds;
        },
      },
    );
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    // A damaged tail: what was read so far is still the best answer.
    if (!(err instanceof MediaProcessingError)) throw err;
  }
  return seconds;
}

export async function probe(input: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const stat = await fs.stat(input); // a missing file is the caller's bug: let ENOENT through
  if (!stat.isFile()) throw new NotMediaError('Not a file.', 'unrecognized');
  if (stat.size === 0) throw new NotMediaError('The file is empty.', 'empty');
  const known = { [input]: 'input', [path.resolve(input)]: 'input' };

  const res = await runFfprobe(
    ['-v', 'warning', '-print_format', 'json', '-show_format', '-show_streams', inputUrl(input)],
    opts,
  );
  if (res.killedBy) return probeByRemux(input, stat.size, opts);
  if (res.exitCode !== 0) throw classifyFailure(res.stderrTail, known);

  let parsed: unknown;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    throw new MediaProcessingError(
      'ffprobe returned unreadable output.',
      res.exitCode,
      redact(res.stderrTail, known),
    );
  }
  const root = isObj(parsed) ? parsed : {};
  const format = isObj(root.format) ? root.format : {};
  const streams = (Array.isArray(root.streams) ? root.streams : []).filter(isObj);
  const formatName = str(format.format_name) ?? 'unknown';
  const score = num(format.probe_score);

  if ((score !== undefined && score < MIN_PROBE_SCORE) || formatName === 'tty') {
    throw new NotMediaError('The file is not a recognised audio or video format.', 'unrecognized');
  }
  const v = pickStream(streams, 'video');
  const a = pickStream(streams, 'audio');
  if (!v && !a) throw new NotMediaError('The file has no audio or video stream.', 'no-streams');
  if (!a && STILL_IMAGE_FORMATS.test(formatName)) {
    throw new NotMediaError('The file is a still image, not a recording.', 'still-image');
  }

  const streamDurations = [v, a].map((s) => (s ? num(s.duration) : undefined)).filter((d) => d !== undefined);
  let duration =
    num(format.duration) ?? (streamDurations.length ? Math.max(...streamDurations) : undefined) ?? null;
  if (duration === null && opts.measureMissingDuration !== false) {
    duration = await measureDuration(
      input,
      [v, a].flatMap((s) => (s ? [num(s.index) ?? 0] : [])),
      opts,
    );
  }

  const warnings = [
    ...new Set(
      res.stderrTail
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => redact(l, known)),
    ),
  ].slice(0, 20);

  return {
    duration_seconds: duration,
    start_time_seconds: num(format.start_time) ?? 0,
    format_name: formatName,
    size_bytes: num(format.size) ?? stat.size,
    bit_rate: num(format.bit_rate) ?? null,
    has_video: v !== undefined,
    has_audio: a !== undefined,
    ...(v ? { video: videoInfo(v) } : {}),
    ...(a ? { audio: audioInfo(a) } : {}),
    warnings,
  };
}

/**
 * The npm ffprobe build (@ffprobe-installer, a static ffmpeg 6 snapshot) dies of SIGSEGV
 * opening any MPEG-TS file (camera exports, broadcast and OBS .ts recordings), measured
 * here, while the npm ffmpeg (4.x) reads them. So when ffprobe crashes, ffmpeg copies the
 * first seconds of the streams into Matroska and ffprobe reads that. What Matroska
 * changes is taken from ffmpeg's own listing of the original: the demuxer's name and
 * the streams' indices; the duration comes from a full copy-read of the original.
 */
async function probeByRemux(input: string, size: number, opts: ProbeOptions): Promise<ProbeResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'iris-probe-'));
  try {
    const head = path.join(dir, 'head.mkv');
    let demuxer: string | undefined;
    const indices: { video?: number; audio?: number } = {};
    try {
      // prettier-ignore
      await runFfmpeg(
        ['-i', inputUrl(input), '-map', '0:v:0?', '-map', '0:a:0?', '-t', '10', '-c', 'copy', '-f', 'matroska', outputUrl(head)],
        {
          what: 'Reading the file',
          signal: opts.signal,
          timeoutMs: opts.timeoutMs ?? 60_000,
          redact: { [input]: 'input', [dir]: 'work' },
          onStderrLine: (line) => {
            demuxer ??= /^Input #0, ([\w,]+), from/.exec(line)?.[1];
            const stream = /^\s*Stream #0:(\d+)\S*: (Video|Audio):/.exec(line);
            const kind = stream?.[2] === 'Video' ? 'video' : stream?.[2] === 'Audio' ? 'audio' : undefined;
            if (kind && indices[kind] === undefined) indices[kind] = Number(stream![1]);
          },
        },
      );
    } catch (err) {
      if (opts.signal?.aborted || !demuxer)
        throw new NotMediaError('The file is not a recognised audio or video format.', 'unrecognized');
      throw new CorruptMediaError(
        `The ${demuxer.split(',')[0]} file could not be read: ${(err as Error).message}`,
        demuxer,
      );
    }
    const copy = await probe(head, { ...opts, measureMissingDuration: false });
    const duration = await measureDuration(input, [], opts);
    return {
      ...copy,
      duration_seconds: duration ?? copy.duration_seconds,
      start_time_seconds: 0,
      format_name: demuxer ?? copy.format_name,
      size_bytes: size,
      bit_rate: duration ? Math.round((size * 8) / duration) : null,
      ...(copy.video ? { video: { ...copy.video, index: indices.video ?? copy.video.index } } : {}),
      ...(copy.audio ? { audio: { ...copy.audio, index: indices.audio ?? copy.audio.index } } : {}),
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
