import { AppError } from '../../errors.js';
import { MAX_SIGNED_URL_SECONDS, type ByteRange } from './port.js';

/** S3's own limit; keeping it for local disk too means a key valid on one is valid on both. */
export const MAX_KEY_BYTES = 1024;
/** NAME_MAX on common filesystems; checked on S3 as well for the same reason. */
const MAX_SEGMENT_BYTES = 255;
// Control characters break logs, headers and some filesystems; backslash is a
// separator on Windows, so a key containing one could mean a different path there.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;

const invalid = (message: string) => new AppError('INVALID_REQUEST', message);

/**
 * A key is a relative path of non-empty segments separated by single slashes, with no
 * `.` or `..` segment, so it maps to exactly one file under the local root whatever the
 * platform and means the same object on S3.
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw invalid('Blob key must be a non-empty string.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    throw invalid(`Blob key is longer than ${MAX_KEY_BYTES} bytes.`);
  if (FORBIDDEN_CHARS.test(key)) throw invalid('Blob key contains a control character or a backslash.');
  if (key.startsWith('/')) throw invalid('Blob key must be relative.');
  for (const segment of key.split('/')) checkSegment(segment);
  return key;
}

/**
 * A prefix is a key that may end in `/` or in a partial last segment (`rec_1` matches
 * `rec_1/…` and `rec_10/…`). The empty prefix means everything.
 */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== 'string') throw invalid('Blob prefix must be a string.');
  if (prefix === '') return prefix;
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) throw invalid('Blob prefix is too long.');
  if (FORBIDDEN_CHARS.test(prefix)) throw invalid('Blob prefix contains a control character or a backslash.');
  if (prefix.startsWith('/')) throw invalid('Blob prefix must be relative.');
  const segments = prefix.split('/');
  segments.pop(); // the partial last segment only has to be free of forbidden characters
  for (const segment of segments) checkSegment(segment);
  return prefix;
}

function checkSegment(segment: string): void {
  if (segment === '') throw invalid('Blob key has an empty path segment.');
  if (segment === '.' || segment === '..') throw invalid('Blob key must not contain "." or ".." segments.');
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES)
    throw invalid('Blob key has a segment that is too long.');
}

/** Resolves an HTTP-style inclusive range against a known size. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw invalid('Byte range must have 0 <= start <= end.');
  }
  if (start >= size) {
    throw new AppError('RANGE_NOT_SATISFIABLE', `Range starts at ${start} but the blob has ${size} bytes.`, {
      size,
    });
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/** Checks a range's shape before a backend (S3) resolves it against the real size. */
export function checkRangeShape(range: ByteRange): void {
  resolveRange(range, Number.MAX_SAFE_INTEGER);
}

export function validateExpiry(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SIGNED_URL_SECONDS) {
    throw invalid(`expiresInSeconds must be an integer between 1 and ${MAX_SIGNED_URL_SECONDS}.`);
  }
  return seconds;
}

export function validateMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw invalid('maxBytes must be a non-negative integer.');
  }
}

/** Everything a workspace stores lives under this prefix, so deleting it is one deletePrefix. */
export const workspacePrefix = (workspaceId: string): string => `ws/${workspaceId}/`;
