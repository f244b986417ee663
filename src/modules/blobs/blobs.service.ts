import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import {
  attachmentDisposition,
  decodeBlobKey,
  verifyBlobSignature,
  type BlobStore,
  type BlobUrlExtras,
  type GetResult,
} from '../../platform/storage/index.js';
import { parseRange, resolveRange } from '../../platform/http/range.js';

export interface SignedBlobQuery {
  exp: string;
  sig: string;
  filename?: string;
  type?: string;
}

export interface BlobResponse {
  status: 200 | 206;
  headers: Record<string, string>;
  stream: Readable;
}

/** Thrown for a range that cannot be satisfied; the route adds `Content-Range: bytes *\/size`. */
export class RangeNotSatisfiable extends AppError {
  constructor(readonly size: number) {
    super('RANGE_NOT_SATISFIABLE', `The requested range is outside the ${size} bytes of this file.`, {
      size,
    });
  }
}

/**
 * Serves the signed, expiring blob URLs the local store hands out
 * (`/api/v1/blobs/<base64url key>?exp=&sig=[&filename=&type=]`, see
 * platform/storage/signing.ts). The URL is the credential: the HMAC covers the key, the
 * expiry and the response overrides, and is compared in constant time. Nothing is
 * read from the store before the signature checks out.
 */
export class BlobLinksService {
  constructor(
    private readonly blobs: BlobStore,
    private readonly secret: string,
  ) {}

  async open(
    token: string,
    query: SignedBlobQuery,
    rangeHeader: string | undefined,
    nowMs: number = Date.now(),
  ): Promise<BlobResponse> {
    const key = decodeBlobKey(token);
    const extras: BlobUrlExtras = {
      ...(query.filename !== undefined ? { filename: query.filename } : {}),
      ...(query.type !== undefined ? { contentType: query.type } : {}),
    };
    if (!verifyBlobSignature(this.secret, key, query.exp, query.sig, extras, nowMs)) {
      // Only a genuine signature can be "expired"; anything else is just invalid.
      const expired = verifyBlobSignature(this.secret, key, query.exp, query.sig, extras, 0);
      throw new AppError('FORBIDDEN', expired ? 'This link has expired.' : 'This link is not valid.');
    }

    const range = parseRange(rangeHeader);
    let result: GetResult;
    if (range === null) {
      result = await this.blobs.get(key);
    } else {
      // A suffix needs the size first; a plain range is resolved (and clamped) by the store.
      let absolute = range.kind === 'from' ? { start: range.start, end: range.end } : undefined;
      if (range.kind === 'suffix') {
        const stat = await this.blobs.stat(key);
        if (!stat) throw new AppError('NOT_FOUND', 'Blob not found.');
        const resolved = resolveRange(range, stat.size);
        if (!resolved) throw new RangeNotSatisfiable(stat.size);
        absolute = resolved;
      }
      try {
        result = await this.blobs.get(key, absolute);
      } catch (err) {
        if (err instanceof AppError && err.code === 'RANGE_NOT_SATISFIABLE') {
          const size =
            typeof err.details?.size === 'number' ? err.details.size : (await this.blobs.stat(key))?.size;
          if (size === undefined) throw new AppError('NOT_FOUND', 'Blob not found.');
          throw new RangeNotSatisfiable(size);
        }
        throw err;
      }
    }

    const headers: Record<string, string> = {
      'accept-ranges': 'bytes',
      'content-type': query.type ?? result.contentType ?? 'application/octet-stream',
      // Stored files may be anything users uploaded: never let a browser run them as a page.
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
    };
    if (query.filename !== undefined) headers['content-disposition'] = attachmentDisposition(query.filename);
    if (result.range) {
      const { start, end } = result.range;
      headers['content-range'] = `bytes ${start}-${end}/${result.size}`;
      headers['content-length'] = String(end - start + 1);
      return { status: 206, headers, stream: result.stream };
    }
    headers['content-length'] = String(result.size);
    return { status: 200, headers, stream: result.stream };
  }
}
