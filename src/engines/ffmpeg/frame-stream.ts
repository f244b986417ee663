import type { Readable } from 'node:stream';
import { runFfmpeg } from './command.js';
import { MediaProcessingError } from './errors.js';
import { inputUrl } from './paths.js';
import { probe, type ProbeResult } from './probe.js';
import type { FfmpegProgress } from './progress.js';
import { webSize } from './transcode.js';

/**
 * A recording's pictures as raw frames at a fixed rate, streamed from one ffmpeg decode
 * through a pipe: the caller looks at every frame (to decide which to keep) without
 * ffmpeg writing thousands of images to disk first. Only one frame is in this process's
 * memory at a time unless the caller holds on to one; reading is paced by the caller
 * (the pipe applies backpressure to ffmpeg), so an hour costs no more memory than a
 * minute. Frames are scaled by ffmpeg (area averaging when shrinking), grey or RGB.
 *
 * Timestamps come from ffmpeg's showinfo (pts_time of each output frame), relative to
 * the container's start time like every other timestamp in the pipeline.
 */
export interface RawFrame {
  /** 0-based position in the decoded sequence. */
  index: number;
  timestamp_seconds: number;
  width: number;
  height: number;
  /** width × height × channels bytes (gray: 1, rgb24: 3); the caller owns it. */
  data: Buffer;
}

export interface DecodeFramesOptions {
  /** Frames per second to decode out (the fps filter drops or repeats frames to get it). */
  fps: number;
  /** Downscale so the longest side is at most this; default: the display size. */
  maxLong?: number | undefined;
  /** Default rgb24. */
  pixelFormat?: 'gray' | 'rgb24';
  probe?: ProbeResult | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  onProgress?: ((p: FfmpegProgress) => void) | undefined;
}

export interface DecodeFramesResult {
  frames: number;
  width: number;
  height: number;
  /** Timestamp of the last frame decoded: less than the duration means decoding stopped early. */
  last_timestamp_seconds: number | null;
  /** ffmpeg's messages about damaged input (redacted). */
  warnings: string[];
  elapsed_ms: number;
}

const SHOWINFO = /\]\s*n:\s*(\d+)\s+pts:\s*\S+\s+pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/;

export async function decodeFrames(
  input: string,
  opts: DecodeFramesOptions,
  onFrame: (frame: RawFrame) => Promise<void> | void,
): Promise<DecodeFramesResult> {
  const info = opts.probe ?? (await probe(input, { signal: opts.signal }));
  const video = info.video;
  if (!video)
    throw new MediaProcessingError('The recording has no video stream to take frames from.', null, '');
  if (!(opts.fps > 0)) throw new RangeError('fps must be positive');
  const cap = opts.maxLong ?? Math.max(video.display_width, video.display_height);
  const { width, height } = webSize(video.display_width, video.display_height, cap, cap);
  const pixelFormat = opts.pixelFormat ?? 'rgb24';
  const frameBytes = width * height * (pixelFormat === 'gray' ? 1 : 3);
  const shrinking = width < video.display_width;
  const started = performance.now();

  const times: number[] = [];
  const onStderrLine = (line: string) => {
    const m = SHOWINFO.exec(line);
    if (m) times[Number(m[1])] = Number(m[2]);
  };
  const timeOf = (i: number) => {
    const pts = times[i] ?? (times[0] ?? info.start_time_seconds) + i / opts.fps;
    return Math.max(0, Math.round((pts - info.start_time_seconds) * 1000) / 1000);
  };

  // The consumer runs beside ffmpeg; its failure stops ffmpeg, ffmpeg's failure wins otherwise.
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let count = 0;
  let consumerError: { error: unknown } | undefined;
  let consuming: Promise<void> = Promise.resolve();
  const consume = async (stdout: Readable) => {
    let frame = Buffer.allocUnsafe(frameBytes);
    let filled = 0;
    try {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(frameBytes - filled, chunk.length - at);
          chunk.copy(frame, filled, at, at + n);
          filled += n;
          at += n;
          if (filled === frameBytes) {
            const index = count++;
            await onFrame({ index, timestamp_seconds: timeOf(index), width, height, data: frame });
            frame = Buffer.allocUnsafe(frameBytes);
            filled = 0;
          }
        }
      }
    } catch (error) {
      consumerError = { error };
      stop.abort(error);
      stdout.resume();
    }
  };

  let warnings: string[];
  try {
    ({ warnings } = await runFfmpeg(
      // prettier-ignore
      [
        '-i', inputUrl(input),
        '-map', `0:${video.index}`, '-an', '-sn', '-dn',
        '-vf', `fps=${opts.fps},scale=${width}:${height}:flags=${shrinking ? 'area' : 'bicubic'},setsar=1,showinfo,format=${pixelFormat}`,
        '-f', 'rawvideo', 'pipe:1',
      ],
      {
        what: 'Decoding frames',
        signal,
        timeoutMs: opts.timeoutMs,
        durationSeconds: info.duration_seconds,
        onProgress: opts.onProgress,
        onStderrLine,
        onStdout: (stdout) => (consuming = consume(stdout)),
        redact: { [input]: 'input' },
      },
    ));
  } catch (err) {
    await consuming;
    throw consumerError ? consumerError.error : err;
  }
  await consuming;
  if (consumerError) throw consumerError.error;
  return {
    frames: count,
    width,
    height,
    last_timestamp_seconds: count ? timeOf(count - 1) : null,
    warnings,
    elapsed_ms: Math.round(performance.now() - started),
  };
}
