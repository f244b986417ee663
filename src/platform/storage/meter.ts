import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../errors.js';

/**
 * Pass-through that hashes and counts bytes on their way to the backend, and fails the
 * stream as soon as the count passes `maxBytes` — so an oversized upload is cut off
 * early instead of being stored and measured afterwards.
 */
export class ByteMeter extends Transform {
  // Not called `size`/`length`: lib-storage's Upload reads those off its Body to guess
  // the total length, and would take a running count for the final one.
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private digest: string | undefined;

  constructor(private readonly maxBytes?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes !== undefined && this.bytes > this.maxBytes) {
      callback(tooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  byteCount(): number {
    return this.bytes;
  }

  /** Only meaningful once the stream has ended. */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

export const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `Blob is larger than the limit of ${maxBytes} bytes.`, {
    max_bytes: maxBytes,
  });

export const isTooLarge = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE';
