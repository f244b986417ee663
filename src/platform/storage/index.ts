import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBlobStore } from './local.js';
import type { BlobStore } from './port.js';
import { S3BlobStore } from './s3.js';
import { parseS3Url } from './s3-url.js';

export * from './port.js';
export { validateKey, validatePrefix, workspacePrefix, MAX_KEY_BYTES } from './keys.js';
export { LocalBlobStore, type LocalBlobStoreOptions } from './local.js';
export { S3BlobStore, type S3BlobStoreOptions } from './s3.js';
export { parseS3Url, type S3Location, type S3Credentials } from './s3-url.js';
export { attachmentDisposition } from './disposition.js';
export {
  BLOB_ROUTE_PREFIX,
  blobSignature,
  buildSignedBlobUrl,
  decodeBlobKey,
  encodeBlobKey,
  verifyBlobSignature,
  type BlobUrlExtras,
} from './signing.js';

export interface CreateBlobStoreOptions {
  /** IRIS_STORAGE_URL: unset → `<dataDir>/blobs`; `file:///path` → that directory; `s3://…` → S3. */
  storageUrl: string | undefined;
  dataDir: string;
  /** Server secret; signs local blob URLs. */
  secret: string;
  /** Base URL local signed URLs point at. */
  publicUrl: string;
  /** Where IRIS_S3_* credentials are read from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/** Chooses the adapter from config. Call init() on the result before serving. */
export function createBlobStore(options: CreateBlobStoreOptions): BlobStore {
  const { storageUrl, dataDir, secret, publicUrl } = options;
  if (storageUrl === undefined || storageUrl === '') {
    return new LocalBlobStore({ root: path.join(dataDir, 'blobs'), secret, publicUrl });
  }
  const protocol = new URL(storageUrl).protocol;
  if (protocol === 'file:') {
    return new LocalBlobStore({ root: fileURLToPath(storageUrl), secret, publicUrl });
  }
  if (protocol === 's3:') return new S3BlobStore(parseS3Url(storageUrl, options.env));
  throw new Error(`Unsupported storage URL scheme "${protocol}" (use file:// or s3://)`);
}
