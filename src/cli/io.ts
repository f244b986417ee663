import type { Readable } from 'node:stream';

/** A stream the CLI writes to; `isTTY` decides between live redraws and plain lines. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything the client commands touch outside themselves, passed in so the tests run
 * the real CLI in-process with their own argv, environment and captured output.
 */
export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * `iris ls | head` closes the pipe while iris still writes: the reader has what it wanted,
 * so iris ends quietly with 0, as Unix tools do (Node would otherwise die with an
 * unhandled EPIPE stack trace). Other write errors are still errors.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export function processIO(): CliIO {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
