import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { S3Store, type MetadataValue } from '@tus/s3-store';
import { IoRedisKvStore, type DataStore, type KvStore } from '@tus/utils';
import type { Redis } from 'ioredis';
import { S3BlobStore, type BlobStore } from '../../platform/storage/index.js';
import { s3ClientConfig } from '../../platform/storage/s3.js';
import type { S3Location } from '../../platform/storage/s3-url.js';
import type { Spool } from './spool.js';

/**
 * Where tus keeps uploads while they are incomplete, chosen to match blob storage so a
 * scaled-out deployment needs nothing shared beyond what it already has:
 * - local blob storage: @tus/file-store under IRIS_TUS_DIR (one host, or a shared volume);
 * - S3 blob storage: @tus/s3-store, each PATCH becoming parts of an S3 multipart upload
 *   in the same bucket, so any API process on any host can take the next PATCH.
 */
export interface TusStorage {
  readonly kind: 'file' | 's3';
  readonly store: DataStore;
  /**
   * The finished upload as a local file for the upload flow to probe and store, and how
   * to clean up what this call made (not the upload itself: see discard).
   */
  open(id: string, size: number): Promise<{ file: string; release(): Promise<void> }>;
  /** Removes everything kept for an upload, finished or not; missing parts are fine. */
  discard(id: string): Promise<void>;
}

export class FileTusStorage implements TusStorage {
  readonly kind = 'file' as const;
  readonly store: FileStore;

  constructor(readonly directory: string) {
    this.store = new FileStore({ directory });
  }

  async open(id: string): Promise<{ file: string; release(): Promise<void> }> {
    return { file: path.join(this.directory, id), release: async () => {} };
  }

  async discard(id: string): Promise<void> {
    await this.store.remove(id).catch(() => {});
    // The store may have written only one of its two files.
    const file = path.join(this.directory, id);
    await rm(file, { force: true });
    await rm(`${file}.json`, { force: true });
  }
}

const MIB = 1024 * 1024;

export class S3TusStorage implements TusStorage {
  readonly kind = 's3' as const;
  readonly store: S3Store;
  private readonly client: S3Client;

  constructor(
    private readonly location: S3Location,
    private readonly spool: Spool,
    /** Upload metadata cache; shared through Redis when there is one (several processes). */
    cache?: KvStore<MetadataValue>,
  ) {
    const config = s3ClientConfig(location);
    this.client = new S3Client(config);
    // @tus/s3-store has no key prefix: partial uploads sit at the bucket root as
    // `rec_…`, `rec_….info` and `rec_….part`, apart from the blobs under `ws_…/`.
    this.store = new S3Store({
      partSize: 8 * MIB,
      // Keep each PATCH's memory bounded: parts are buffered on disk, a few in flight.
      maxConcurrentPartUploads: 4,
      useTags: false,
      ...(cache ? { cache } : {}),
      s3ClientConfig: { ...config, bucket: location.bucket },
    });
  }

  /** Streams the finished object into a spool file: probing needs a seekable local file. */
  async open(id: string, size: number): Promise<{ file: string; release(): Promise<void> }> {
    const body = (await this.store.read(id)) as Readable;
    try {
      const { file } = await this.spool.write(body, size, 'The upload');
      return { file, release: () => this.spool.remove(file) };
    } catch (err) {
      body.destroy(); // the spool only unpipes; free the S3 connection
      throw err;
    }
  }

  async discard(id: string): Promise<void> {
    // Aborts the multipart upload of an unfinished one (throws for a finished upload,
    // whose multipart upload is already complete).
    await this.store.remove(id).catch(() => {});
    await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.location.bucket,
        Delete: { Objects: [{ Key: id }, { Key: `${id}.info` }, { Key: `${id}.part` }], Quiet: true },
      }),
    );
  }
}

/** The tus storage that matches the blob store (see TusStorage). */
export function tusStorageFor(
  blobs: BlobStore,
  options: { directory: string; spool: Spool; redis?: Redis | undefined },
): TusStorage {
  if (blobs instanceof S3BlobStore) {
    const cache = options.redis
      ? new IoRedisKvStore<MetadataValue>(options.redis, 'iris:tus:meta:')
      : undefined;
    return new S3TusStorage(blobs.location, options.spool, cache);
  }
  return new FileTusStorage(options.directory);
}
