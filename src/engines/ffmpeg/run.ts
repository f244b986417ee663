import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { EngineUnavailableError, ProcessTimeoutError } from './errors.js';

/**
 * Runs an engine binary (ffmpeg, ffprobe, tesseract) as a child process.
 *
 * - Media never passes through this process's memory: the tools read and write files,
 *   stdout is either ignored, streamed line by line, or kept up to a small bound
 *   (ffprobe JSON, tesseract TSV).
 * - stderr is streamed line by line (progress, showinfo) and only its last few KB are
 *   kept, for error messages: an hour-long transcode logs megabytes.
 * - An AbortSignal or the timeout kills the process with SIGKILL (the output is being
 *   thrown away, so there is nothing to flush), and the promise settles only once the
 *   process is gone, so callers can delete partial outputs safely.
 * - A non-zero exit is not an error here: ffprobe and tesseract exit codes mean different
 *   things, so each caller decides.
 */

export interface RunOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout in memory up to this many bytes; more is an error. Omit to not keep it. */
  captureStdoutBytes?: number;
  onStdoutLine?: (line: string) => void;
  /**
   * Binary output read by the caller (raw video frames): the stream is handed over as
   * it opens, and reading it at the caller's pace holds the process back (backpressure).
   */
  onStdout?: (stdout: Readable) => void;
  /** Opens a fourth pipe (fd 3) and streams it line by line (ffmpeg's `-progress pipe:3`). */
  onFd3Line?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** How much of the end of stderr to keep. Default 32 KiB. */
  stderrTailBytes?: number;
  /** Name for messages, e.g. "ffmpeg". Defaults to the binary's file name. */
  label?: string;
}

export interface RunResult {
  exitCode: number | null;
  /** Set when the process died from a signal it did not get from us (e.g. OOM killer). */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderrTail: string;
  durationMs: number;
}

const DEFAULT_STDERR_TAIL = 32 * 1024;
/** A "line" longer than this without a newline is cut: a binary stream on stderr must not grow memory. */
const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines on \n or \r (ffmpeg's stats use \r), decoding UTF-8 across chunks. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const feed = (text: string) => {
    pending += text;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c === 10 || c === 13) {
        if (i > start) onLine(pending.slice(start, i));
        start = i + 1;
      }
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE) {
      onLine(pending.slice(0, MAX_LINE));
      pending = '';
    }
  };
  return {
    push: (chunk) => feed(decoder.write(chunk)),
    end: () => {
      feed(decoder.end());
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/** Keeps the last `max` characters of a stream of text, in amortised O(1). */
class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  add(s: string): void {
    this.text += s;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.length > this.max ? this.text.slice(-this.max) : this.text;
  }
}

export function runProcess(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const label = opts.label ?? file.split('/').pop() ?? file;
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<RunResult>((resolve, reject) => {
    const started = performance.now();
    const wantStdout =
      opts.captureStdoutBytes !== undefined || opts.onStdoutLine !== undefined || opts.onStdout !== undefined;
    const child = spawn(file, args, {
      stdio: [
        'ignore',
        wantStdout ? 'pipe' : 'ignore',
        'pipe',
        ...(opts.onFd3Line ? (['pipe'] as const) : []),
      ],
      env: opts.env ?? process.env,
      windowsHide: true,
    });

    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      if (failure) return;
      failure = { error };
      child.kill('SIGKILL');
    };

    if (opts.onStdout && child.stdout) opts.onStdout(child.stdout);
    const fd3 = child.stdio[3];
    const fd3Lines = opts.onFd3Line && fd3 ? lineSplitter(opts.onFd3Line) : undefined;
    if (fd3Lines) (fd3 as Readable).on('data', (chunk: Buffer) => fd3Lines.push(chunk));

    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    const stdoutLines = opts.onStdoutLine ? lineSplitter(opts.onStdoutLine) : undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutLines?.push(chunk);
      if (opts.captureStdoutBytes === undefined) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > opts.captureStdoutBytes) {
        fail(new Error(`${label} wrote more than ${opts.captureStdoutBytes} bytes to stdout.`));
        return;
      }
      stdoutChunks.push(chunk);
    });

    const tail = new Tail(opts.stderrTailBytes ?? DEFAULT_STDERR_TAIL);
    const stderrLines = lineSplitter((line) => {
      tail.add(line + '\n');
      opts.onStderrLine?.(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => stderrLines.push(chunk));

    const onAbort = () => fail(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      opts.timeoutMs !== undefined && opts.timeoutMs > 0
        ? setTimeout(() => fail(new ProcessTimeoutError(label, opts.timeoutMs ?? 0)), opts.timeoutMs)
        : undefined;

    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) arrive here and 'close' may never follow.
      cleanup();
      if (failure) return reject(failure.error);
      const why =
        err.code === 'ENOENT' ? 'was not found' : `could not be started (${err.code ?? err.message})`;
      reject(new EngineUnavailableError(label, `${label} ${why}.`));
    });

    child.on('close', (code, killSignal) => {
      cleanup();
      stdoutLines?.end();
      fd3Lines?.end();
      stderrLines.end();
      if (failure) return reject(failure.error);
      resolve({
        exitCode: code,
        killedBy: killSignal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        stderrTail: tail.toString(),
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}
