import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AppError } from '../../errors.js';

/**
 * Runs a local engine binary: output read line by line as it comes (for progress and
 * so a long transcript is never one giant string), the end of stderr kept for error
 * messages (pocketsphinx logs tens of kilobytes there), killed on abort or timeout.
 */
export interface RunOptions {
  /** Engine name for messages. */
  engine: string;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number | null;
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 4096;

export function runCli(bin: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stderrTail = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const kill = () => {
      child.kill('SIGTERM');
      // An engine stuck in a native loop may ignore SIGTERM.
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref();
    };
    const onAbort = () => {
      kill();
      finish(() => reject(opts.signal?.reason));
    };
    const timer = setTimeout(() => {
      kill();
      finish(() =>
        reject(
          new AppError(
            'MODEL_ERROR',
            `${opts.engine} did not finish within ${Math.round(opts.timeoutMs / 1000)} s.`,
            {
              engine: opts.engine,
              timeout: true,
            },
          ),
        ),
      );
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    createInterface({ input: child.stdout }).on('line', (line) => opts.onStdoutLine?.(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail = (stderrTail + line + '\n').slice(-STDERR_TAIL_BYTES);
      opts.onStderrLine?.(line);
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          new AppError(
            'MODEL_ERROR',
            `Could not start ${opts.engine} (${bin}): ${err.code ?? err.message}.`,
            {
              engine: opts.engine,
            },
          ),
        ),
      ),
    );
    // 'close' (not 'exit') so every stdout line has been delivered first.
    child.on('close', (code) => finish(() => resolve({ code, stderrTail })));
  });
}

/** The last meaningful stderr lines, for an error message. */
export function lastLines(text: string, count = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ');
}
