import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.js';

/**
 * Incoming upload bytes are streamed to a spool file on local disk first, then probed,
 * then streamed into blob storage. Why not straight into the BlobStore:
 * - ffprobe needs a seekable file (an MP4 written without faststart keeps its index at
 *   the end), and reading the blob back from S3 just to probe it costs a full download;
 * - a file that is not media is refused (415) before anything reaches blob storage;
 * - tus uploads land in a local file store anyway, so all three upload paths share
 *   one flow: local file → probe → blob put → delete the local file.
 * Memory stays flat (streams all the way); the data dir needs room for the uploads in
 * flight.
 */
export class Spool {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Leftovers of a crash mid-upload: nothing refers to them any more.
    const cutoff = Date.now() - 24 * 3600_000;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const file = path.join(this.dir, name);
      const st = await stat(file).catch(() => null);
      if (st && st.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  /**
   * Streams `source` into a new spool file, failing with 413 as soon as it passes
   * `maxBytes`. The source (the request) is never destroyed here, only unpiped: the
   * client must still get the 413, and the route closes the connection after it.
   */
  async write(source: Readable, maxBytes: number, what: string): Promise<{ file: string; size: number }> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${randomUUID()}.part`);
    const counter = new ByteLimit(maxBytes, what);
    // Opened before streaming, so the file exists when a failure removes it (a stream
    // that opens lazily could create it after the cleanup). No fsync: a spool file
    // only has to outlive this request, not a crash.
    const fh = await open(file, 'wx');
    const written = pipeline(counter, fh.createWriteStream());
    const onError = (err: Error) => counter.destroy(err);
    const onClose = () => {
      if (!source.readableEnded) counter.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    };
    source.on('error', onError);
    source.on('close', onClose);
    source.pipe(counter);
    try {
      await written;
    } catch (err) {
      source.unpipe(counter);
      await rm(file, { force: true });
      throw err;
    } finally {
      source.off('error', onError);
      source.off('close', onClose);
    }
    return { file, size: counter.size };
  }

  async remove(file: string): Promise<void> {
    await rm(file, { force: true });
  }
}

export const tooLarge = (maxBytes: number, what: string) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `${what} is larger than this workspace's plan allows (${formatBytes(maxBytes)} per upload).`,
    { max_bytes: maxBytes },
  );

/** Counts bytes on their way through and fails the stream the moment the count passes the cap. */
class ByteLimit extends Transform {
  size = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(tooLarge(this.maxBytes, this.what));
      return;
    }
    callback(null, chunk);
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && Number.isInteger(value / 1024)) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0 && n >= 1024) return `${n} bytes`;
  return `${value} ${units[unit]}`;
}
