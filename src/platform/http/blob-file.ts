import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import type { BlobStore } from '../storage/index.js';
import { parseRange, resolveRange } from './range.js';

/** A stored file as an HTTP answer: headers and (for GET) a stream, one byte range at most. */
export type FileResponse = {
  kind: 'file';
  status: 200 | 206;
  headers: Record<string, string>;
  stream?: Readable;
};

/** Error for an unsatisfiable range; the route adds `Content-Range: bytes *\/<size>`. */
export class RangeNotSatisfiable extends AppError {
  constructor(readonly size: number) {
    super('RANGE_NOT_SATISFIABLE', `The requested range is outside the file (${size} bytes).`, { size });
  }
}

export interface FileRequest {
  range?: string | undefined;
  head: boolean;
}

/**
 * Serves a blob for <video> and downloads: `Accept-Ranges: bytes` always, one range
 * (suffix ranges too) as 206 with Content-Range, 416 past the end, HEAD without a body.
 * The body streams from storage, so memory stays flat whatever the file's size.
 * `missing` is the message when the blob is gone.
 */
export async function serveBlobFile(
  blobs: BlobStore,
  key: string,
  contentType: string,
  request: FileRequest,
  missing: string,
  cacheControl = 'private, no-cache',
): Promise<FileResponse> {
  const base: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': contentType,
    'cache-control': cacheControl,
  };
  const range = parseRange(request.range);
  if (request.head) {
    const stat = await blobs.stat(key);
    if (!stat) throw new AppError('NOT_FOUND', missing);
    if (!range)
      return { kind: 'file', status: 200, headers: { ...base, 'content-length': String(stat.size) } };
    const r = resolveRange(range, stat.size);
    if (!r) throw new RangeNotSatisfiable(stat.size);
    return { kind: 'file', status: 206, headers: { ...base, ...partialHeaders(r, stat.size) } };
  }
  if (!range) {
    const res = await blobs.get(key);
    return {
      kind: 'file',
      status: 200,
      headers: { ...base, 'content-length': String(res.size) },
      stream: res.stream,
    };
  }
  // The range is resolved against the size the store reports when it opens the file,
  // so the headers always describe the bytes actually sent.
  const stat = await blobs.stat(key);
  if (!stat) throw new AppError('NOT_FOUND', missing);
  const wanted = resolveRange(range, stat.size);
  if (!wanted) throw new RangeNotSatisfiable(stat.size);
  let res;
  try {
    res = await blobs.get(key, wanted);
  } catch (err) {
    if (err instanceof AppError && err.code === 'RANGE_NOT_SATISFIABLE')
      throw new RangeNotSatisfiable(stat.size);
    throw err;
  }
  const served = res.range ?? { start: 0, end: res.size - 1 };
  return {
    kind: 'file',
    status: 206,
    headers: { ...base, ...partialHeaders(served, res.size) },
    stream: res.stream,
  };
}

function partialHeaders(r: { start: number; end: number }, size: number): Record<string, string> {
  return {
    'content-range': `bytes ${r.start}-${r.end}/${size}`,
    'content-length': String(r.end - r.start + 1),
  };
}
