import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed URLs for the local store: `${publicUrl}/api/v1/blobs/<base64url key>?exp=&sig=`
 * plus optional `filename`/`type`. Everything the response depends on is inside the
 * HMAC, so nobody can take a valid link and turn it into one serving the bytes as
 * `text/html` or under another name.
 */
export const BLOB_ROUTE_PREFIX = '/api/v1/blobs/';

export interface BlobUrlExtras {
  filename?: string;
  contentType?: string;
}

export function encodeBlobKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** Inverse of encodeBlobKey; the caller still validates the key (validateKey). */
export function decodeBlobKey(encoded: string): string {
  return Buffer.from(encoded, 'base64url').toString('utf8');
}

export function blobSignature(secret: string, key: string, exp: number, extras: BlobUrlExtras = {}): string {
  // JSON keeps the fields unambiguous whatever characters they contain.
  const message = JSON.stringify([
    'blob-url-v1',
    key,
    exp,
    extras.filename ?? null,
    extras.contentType ?? null,
  ]);
  return createHmac('sha256', signingKey(secret)).update(message).digest('base64url');
}

/**
 * True when `sig` is the signature of key+exp(+extras) and `exp` (unix seconds) has not
 * passed. `exp` may be the raw query string value; anything but plain digits fails.
 */
export function verifyBlobSignature(
  secret: string,
  key: string,
  exp: number | string,
  sig: string,
  extras: BlobUrlExtras = {},
  nowMs: number = Date.now(),
): boolean {
  const expiry = typeof exp === 'number' ? exp : /^\d{1,12}$/.test(exp) ? Number(exp) : NaN;
  if (!Number.isSafeInteger(expiry) || expiry * 1000 <= nowMs) return false;
  if (typeof sig !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
  const expected = Buffer.from(blobSignature(secret, key, expiry, extras), 'base64url');
  const given = Buffer.from(sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function buildSignedBlobUrl(
  publicUrl: string,
  secret: string,
  key: string,
  exp: number,
  extras: BlobUrlExtras = {},
): string {
  const params = new URLSearchParams({ exp: String(exp) });
  if (extras.filename !== undefined) params.set('filename', extras.filename);
  if (extras.contentType !== undefined) params.set('type', extras.contentType);
  params.set('sig', blobSignature(secret, key, exp, extras));
  return `${publicUrl.replace(/\/+$/, '')}${BLOB_ROUTE_PREFIX}${encodeBlobKey(key)}?${params.toString()}`;
}

// The server secret also signs sessions; a derived key keeps a blob signature from
// ever being valid as anything else.
function signingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('iris:blob-url:v1').digest();
}
