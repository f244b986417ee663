import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type S3ClientConfig,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError, notFound } from '../../errors.js';
import { attachmentDisposition } from './disposition.js';
import { checkRangeShape, validateExpiry, validateKey, validateMaxBytes, validatePrefix } from './keys.js';
import { ByteMeter, isTooLarge } from './meter.js';
import type {
  BlobStat,
  BlobStore,
  ByteRange,
  GetResult,
  PutOptions,
  PutResult,
  SignedUrlOptions,
} from './port.js';
import type { S3Location } from './s3-url.js';

export interface S3BlobStoreOptions extends S3Location {
  /** Multipart part size (min 5 MiB). Memory per upload is about partSize × queueSize. */
  partSize?: number;
  /** Parts uploaded in parallel per put. */
  queueSize?: number;
  /** Page size for listing and batch size for DeleteObjects (S3 maximum 1000). */
  batchSize?: number;
}

const MIB = 1024 * 1024;

/** SDK client settings for a location; anything else talking to the same bucket uses them too. */
export function s3ClientConfig(location: S3Location): S3ClientConfig {
  return {
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    ...(location.credentials ? { credentials: location.credentials } : {}),
    // Newer SDKs send aws-chunked bodies with checksum trailers by default, which
    // several S3-compatible servers (Ceph RGW among them) reject; only send and check
    // checksums where the API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** Any S3-compatible server (AWS, MinIO, Ceph RGW, Garage, R2). */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.client = new S3Client(s3ClientConfig(options));
  }

  /** Where the blobs are (bucket, prefix, endpoint, credentials). */
  get location(): S3Location {
    return this.options;
  }

  async init(): Promise<void> {
    await this.ensureBucket();
  }

  /** Creates the bucket when it does not exist yet. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
    try {
      const region = this.options.region;
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that must not be named here.
          ...(region !== 'us-east-1'
            ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
            : {}),
        }),
      );
    } catch (err) {
      // Another process starting at the same time may have won the race.
      if (!(err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou')) throw err;
    }
  }

  async put(key: string, stream: Readable, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    validateMaxBytes(opts.maxBytes);
    const meter = new ByteMeter(opts.maxBytes);
    // Errors flow both ways: a source error or the size limit destroys the meter, which
    // fails the Upload; the Upload's parts are then aborted before done() rejects.
    const feeding = pipeline(stream, meter).then(
      () => undefined,
      (err: unknown) => err,
    );
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.prefix + key,
        Body: meter,
        ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      },
      partSize: Math.max(5 * MIB, this.options.partSize ?? 8 * MIB),
      queueSize: this.options.queueSize ?? 4,
    });
    try {
      await upload.done();
    } catch (err) {
      meter.destroy(); // stops the source too if S3 failed first
      const fed = await feeding;
      throw isTooLarge(fed) ? fed : err;
    }
    const fed = await feeding;
    if (fed !== undefined) throw fed;
    return { key, size: meter.byteCount(), sha256: meter.sha256() };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    validateKey(key);
    if (range) checkRangeShape(range);
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
    } catch (err) {
      if (isMissing(err)) throw notFound('Blob');
      if (status(err) === 416)
        throw new AppError('RANGE_NOT_SATISFIABLE', `Range starts past the end of the blob.`);
      throw err;
    }
    const body = res.Body;
    if (!(body instanceof Readable)) throw new Error('S3 GetObject returned a non-stream body');
    const contentType = res.ContentType;
    if (!range)
      return { stream: body, size: res.ContentLength ?? 0, ...(contentType ? { contentType } : {}) };

    const served = parseContentRange(res.ContentRange);
    if (!served) {
      body.destroy();
      throw new Error(`S3 server ignored the Range request for ${key}`);
    }
    return {
      stream: body,
      size: served.size,
      range: { start: served.start, end: served.end },
      ...(contentType ? { contentType } : {}),
    };
  }

  async stat(key: string): Promise<BlobStat | null> {
    validateKey(key);
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        size: res.ContentLength ?? 0,
        updatedAt: res.LastModified ?? new Date(0),
        ...(res.ContentType ? { contentType: res.ContentType } : {}),
      };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    validatePrefix(prefix);
    if (prefix === '') throw new AppError('INVALID_REQUEST', 'Refusing to delete every blob (empty prefix).');
    for await (const page of this.pages(prefix)) {
      if (page.length === 0) continue;
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: page.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(
          `S3 could not delete ${failed.length} object(s), first ${failed[0]?.Key}: ${failed[0]?.Code}`,
        );
      }
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    validatePrefix(prefix);
    for await (const page of this.pages(prefix)) {
      for (const fullKey of page) yield fullKey.slice(this.prefix.length);
    }
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    validateKey(key);
    const expiresIn = validateExpiry(opts.expiresInSeconds);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.prefix + key,
      ...(opts.filename !== undefined
        ? { ResponseContentDisposition: attachmentDisposition(opts.filename) }
        : {}),
      ...(opts.contentType !== undefined ? { ResponseContentType: opts.contentType } : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Full (bucket-level) keys under `prefix`, one listing page at a time. */
  private async *pages(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: Math.min(1000, this.options.batchSize ?? 1000),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      yield (res.Contents ?? []).flatMap((o) => (o.Key !== undefined ? [o.Key] : []));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }
}

const status = (err: unknown): number | undefined =>
  err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;

/** HEAD has no body, so a missing key there is only a bare 404 ("NotFound"). */
const isMissing = (err: unknown): boolean =>
  err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound');

function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), size: Number(m[3]) };
}
