import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import { LocalBlobStore, S3BlobStore, type BlobStore } from '../../src/platform/storage/index.js';
import { S3_ENV } from './helpers.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';
export const TEST_PUBLIC_URL = 'http://iris.test';

export interface StorageBackend {
  store: BlobStore;
  /** Half-written state a failed put must not leave: temp files, open multipart uploads. */
  leftovers(): Promise<string[]>;
  teardown(): Promise<void>;
}

export interface BackendSpec {
  name: 'local' | 's3';
  setup(): Promise<StorageBackend>;
}

const local: BackendSpec = {
  name: 'local',
  async setup() {
    const root = mkdtempSync(path.join(os.tmpdir(), 'iris-blobs-'));
    const store = new LocalBlobStore({ root, secret: TEST_SECRET, publicUrl: TEST_PUBLIC_URL });
    await store.init();
    return {
      store,
      leftovers: async () => readdirSync(path.join(root, 'tmp')),
      teardown: async () => rmSync(root, { recursive: true, force: true }),
    };
  },
};

const s3: BackendSpec = {
  name: 's3',
  async setup() {
    if (!S3_ENV) throw new Error('unreachable: S3 backend without IRIS_TEST_S3_ENDPOINT');
    const bucket = `iris-test-${randomBytes(5).toString('hex')}`;
    const store = new S3BlobStore({
      bucket,
      prefix: '',
      endpoint: S3_ENV.endpoint,
      region: S3_ENV.region,
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ENV.accessKeyId, secretAccessKey: S3_ENV.secretAccessKey },
      // Small pages so listing and batched deletes cross page boundaries with few keys.
      batchSize: 3,
      partSize: 5 * 1024 * 1024,
    });
    await store.ensureBucket();
    const openUploads = async () =>
      (await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
    return {
      store,
      leftovers: async () => (await openUploads()).map((u) => `multipart upload ${u.Key} ${u.UploadId}`),
      async teardown() {
        for (const u of await openUploads()) {
          await store.client.send(
            new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
          );
        }
        for await (const key of store.list('')) await store.delete(key);
        await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
        await store.close();
      },
    };
  },
};

export const BACKENDS: BackendSpec[] = S3_ENV ? [local, s3] : [local];
