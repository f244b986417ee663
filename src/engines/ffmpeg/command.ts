import path from 'node:path';
import type { Readable } from 'node:stream';
import { MediaProcessingError } from './errors.js';
import { locateFfmpeg, locateFfprobe } from './locate.js';
import { createProgressParser, type FfmpegProgress } from './progress.js';
import { runProcess, type RunResult } from './run.js';

/**
 * ffmpeg and ffprobe invoked the way every media function here needs: the located
 * binary, no stdin, no banner, machine-readable progress on stdout, stderr streamed for
 * callers that read it (showinfo, metadata=print), and a failure turned into a
 * MediaProcessingError whose message is the useful end of stderr with paths removed.
 */

export interface FfmpegRunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Input duration, to turn processed time into a 0–1 fraction. */
  durationSeconds?: number | null | undefined;
  onProgress?: ((p: FfmpegProgress) => void) | undefined;
  onStderrLine?: (line: string) => void;
  /** Raw media on stdout (`pipe:1` as the output); progress then goes to fd 3. */
  onStdout?: (stdout: Readable) => void;
  /** Paths to hide from messages, mapped to what to say instead ("input", "output"). */
  redact?: Record<string, string>;
  /** What is being done, for the error message: "Transcoding to MP4". */
  what: string;
}

export interface FfmpegRunResult extends RunResult {
  /** stderr lines at warning level or above that suggest damaged input (redacted, deduplicated). */
  warnings: string[];
}

const ABS_PATH = /(^|[\s'"(=])\/(?:[^\s'"/:]+\/)+([^\s'"/:]+)/g;
const ADDRESS = / @ 0x[0-9a-f]+\]/g;

/** Removes file-system paths (known ones by label, others down to their file name) and pointer noise. */
export function redact(text: string, known: Record<string, string> = {}): string {
  let out = text;
  // Longest first so "/a/b.mp4.partial" is replaced before "/a/b.mp4".
  for (const p of Object.keys(known).sort((a, b) => b.length - a.length)) {
    if (p)
      out = out
        .split(`file:${p}`)
        .join(known[p] ?? 'file')
        .split(p)
        .join(known[p] ?? 'file');
  }
  return out.replace(ABS_PATH, '$1$2').replace(ADDRESS, ']');
}

/** Lines ffmpeg prints about a damaged or truncated input while carrying on. */
const DAMAGE =
  /partial file|invalid data found|error while decoding|read error|truncat|corrupt|missing picture|moov atom not found|end of file|concealing/i;

/** The last few stderr lines that explain a failure, without progress lines or the configuration dump. */
export function explainFailure(stderrTail: string, known: Record<string, string>): string {
  const lines = stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(frame|size)=|^\s*(built with|configuration:|lib\w+\s+\d)/.test(l));
  const picked = lines.slice(-3).map((l) => redact(l, known));
  return picked.join(' | ').slice(0, 600);
}

export async function runFfmpeg(args: string[], opts: FfmpegRunOptions): Promise<FfmpegRunResult> {
  const bin = await locateFfmpeg();
  // ffmpeg sees absolute paths (paths.ts), so hide those as well as the names as given.
  const known: Record<string, string> = {};
  for (const [p, label] of Object.entries(opts.redact ?? {})) known[p] = known[path.resolve(p)] = label;
  const warnings = new Set<string>();
  const progress = opts.onProgress ? createProgressParser(opts.durationSeconds, opts.onProgress) : undefined;
  const result = await runProcess(
    bin.path,
    ['-hide_banner', '-nostdin', '-y', '-nostats', '-progress', opts.onStdout ? 'pipe:3' : 'pipe:1', ...args],
    {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      label: 'ffmpeg',
      ...(opts.onStdout
        ? { onStdout: opts.onStdout, onFd3Line: (line: string) => progress?.(line) }
        : { onStdoutLine: (line: string) => progress?.(line) }),
      onStderrLine: (line) => {
        if (warnings.size < 20 && DAMAGE.test(line)) warnings.add(redact(line, known));
        opts.onStderrLine?.(line);
      },
    },
  );
  if (result.exitCode !== 0) {
    const how =
      result.exitCode === null
        ? `was killed (${result.killedBy ?? 'signal'})`
        : `exited with ${result.exitCode}`;
    throw new MediaProcessingError(
      `${opts.what} failed: ffmpeg ${how}: ${explainFailure(result.stderrTail, known) || 'no message'}`,
      result.exitCode,
      redact(result.stderrTail, known),
    );
  }
  return { ...result, warnings: [...warnings] };
}

export interface FfprobeRunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** ffprobe with JSON output kept in memory (bounded: a stream/format listing is small). */
export async function runFfprobe(args: string[], opts: FfprobeRunOptions = {}): Promise<RunResult> {
  const bin = await locateFfprobe();
  return runProcess(bin.path, ['-hide_banner', ...args], {
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 60_000,
    label: 'ffprobe',
    captureStdoutBytes: 16 * 1024 * 1024,
  });
}
