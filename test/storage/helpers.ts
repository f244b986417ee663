import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../src/errors.js';

const CHUNK = 64 * 1024;

/**
 * Deterministic pseudo-random bytes produced 64 KiB at a time, so multi-megabyte bodies
 * (and any slice of them) can be regenerated instead of kept in memory.
 */
export function* generatedChunks(total: number, seed: string): Generator<Buffer> {
  for (let i = 0, sent = 0; sent < total; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, total - sent));
    for (let o = 0; o < chunk.length; o += block.length)
      block.copy(chunk, o, 0, Math.min(block.length, chunk.length - o));
    // Vary every block so a misplaced range cannot match by accident.
    chunk.writeUInt32BE(i, 0);
    sent += chunk.length;
    yield chunk;
  }
}

export const generatedStream = (total: number, seed: string): Readable =>
  Readable.from(generatedChunks(total, seed), { objectMode: false });

export function generatedSha256(total: number, seed: string): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(total, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/** Bytes [start, end] (inclusive) of a generated body. */
export function generatedSlice(total: number, seed: string, start: number, end: number): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const chunk of generatedChunks(total, seed)) {
    const from = Math.max(start - offset, 0);
    const to = Math.min(end + 1 - offset, chunk.length);
    if (from < to) parts.push(chunk.subarray(from, to));
    offset += chunk.length;
    if (offset > end) break;
  }
  return Buffer.concat(parts);
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts);
}

/** Size and SHA-256 of a stream without holding it in memory. */
export async function digestStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    hash.update(buf);
  }
  return { size, sha256: hash.digest('hex') };
}

/** A body that sends some bytes and then fails, like a client disconnecting mid-upload. */
export function failingStream(bytesBeforeError: number): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(bytesBeforeError, 7);
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('client went away');
  }
  return Readable.from(gen(), { objectMode: false });
}

export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const err: unknown = await promise.then(
    () => new Error(`expected AppError(${code}), but it resolved`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

export const S3_ENV = process.env.IRIS_TEST_S3_ENDPOINT
  ? {
      endpoint: process.env.IRIS_TEST_S3_ENDPOINT,
      accessKeyId: process.env.IRIS_TEST_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.IRIS_TEST_S3_SECRET_KEY ?? '',
      region: process.env.IRIS_TEST_S3_REGION ?? 'us-east-1',
    }
  : undefined;

/** An s3:// storage URL for a fresh bucket on the test server, with its credentials set. */
export function testS3StorageUrl(name: string): string {
  process.env.IRIS_S3_ACCESS_KEY = S3_ENV!.accessKeyId;
  process.env.IRIS_S3_SECRET_KEY = S3_ENV!.secretAccessKey;
  const bucket = `iris-${name}-${randomBytes(4).toString('hex')}`;
  return `s3://${bucket}?endpoint=${encodeURIComponent(S3_ENV!.endpoint)}&region=${S3_ENV!.region}`;
}
