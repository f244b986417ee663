import type { Readable } from 'node:stream';

/**
 * Blob storage port. Keys are opaque to the store but must be relative,
 * slash-separated paths (see keys.ts); callers namespace them, e.g.
 * `recordings/<workspace>/<rec>/original.mp4`. Every invalid key is rejected with
 * AppError('INVALID_REQUEST') before anything is read or written.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';

  /** Creates what the store needs (root dirs, bucket). Safe to call more than once. */
  init(): Promise<void>;

  /**
   * Streams `stream` into `key`, replacing any existing blob only once the new one is
   * complete: readers see the old bytes or the new ones, never a mix. Over `maxBytes`
   * the write is abandoned (the previous blob, if any, stays) and
   * AppError('PAYLOAD_TOO_LARGE') is thrown. The stream is consumed and, on failure
   * while reading, destroyed.
   */
  put(key: string, stream: Readable, opts?: PutOptions): Promise<PutResult>;

  /**
   * Streams a blob, or the inclusive byte `range` of it (HTTP semantics: `end` past the
   * last byte is clamped, a missing `end` means to the end). Throws
   * AppError('NOT_FOUND') for a missing key and AppError('RANGE_NOT_SATISFIABLE') when
   * `start` is at or past the size.
   */
  get(key: string, range?: ByteRange): Promise<GetResult>;

  /** null when there is no blob at `key`. */
  stat(key: string): Promise<BlobStat | null>;

  exists(key: string): Promise<boolean>;

  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Deletes every key starting with `prefix` (a plain string prefix, as in S3:
   * `rec_1` also matches `rec_10/…`; end it with `/` to mean a folder). An empty
   * prefix is refused so one bug cannot wipe the store.
   */
  deletePrefix(prefix: string): Promise<void>;

  /** Keys starting with `prefix` (plain string prefix). Order is not specified. */
  list(prefix: string): AsyncIterable<string>;

  /**
   * A URL anyone can GET until it expires. Local: a signed Iris URL
   * (`/api/v1/blobs/…`, see signing.ts); S3: a presigned GetObject URL. `filename`
   * makes it download as an attachment with that name; `contentType` overrides the
   * stored type in the response.
   */
  signedUrl(key: string, opts: SignedUrlOptions): Promise<string>;

  /** Releases connections; the store must not be used afterwards. */
  close(): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
  maxBytes?: number;
}

export interface PutResult {
  key: string;
  size: number;
  /** Lower-case hex SHA-256 of the bytes written, computed while streaming. */
  sha256: string;
}

/** Inclusive byte offsets, like an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetResult {
  stream: Readable;
  /** Size of the whole blob, not of the range (for Content-Range). */
  size: number;
  contentType?: string;
  /** The range actually served (end clamped), present when a range was asked for. */
  range?: { start: number; end: number };
}

export interface BlobStat {
  size: number;
  contentType?: string;
  updatedAt: Date;
}

export interface SignedUrlOptions {
  expiresInSeconds: number;
  filename?: string;
  contentType?: string;
}

/** SigV4 presigned URLs cannot outlive seven days; the local store uses the same cap. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;
