import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { CliIO } from './io.js';

/**
 * Asks one question on the terminal. With `secret` the answer is not echoed: the
 * prompt goes to stderr and the typed characters to a sink, so an API key never
 * lands in the scrollback.
 */
export async function ask(io: CliIO, question: string, options: { secret?: boolean } = {}): Promise<string> {
  io.stderr.write(question);
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({
    input: io.stdin,
    output: options.secret ? sink : (io.stderr as unknown as NodeJS.WritableStream),
    terminal: Boolean(io.stdin.isTTY),
  });
  try {
    return (await rl.question('')).trim();
  } finally {
    rl.close();
    if (options.secret) io.stderr.write('\n');
  }
}

/** All of stdin, for `--key -` in scripts (`pass show iris | iris login --key -`). */
export async function readAll(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}
