import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobStore, S3BlobStore } from '../../src/platform/storage/index.js';
import { readAll, S3_ENV } from './helpers.js';

const body = (s: string) => Readable.from([Buffer.from(s)]);

async function keys(store: S3BlobStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list(prefix)) out.push(k);
  return out.sort();
}

/** What the contract cannot see: the URL-configured path and the in-bucket key prefix. */
describe.runIf(S3_ENV)('S3BlobStore configured from an s3:// URL', () => {
  const bucket = `iris-test-url-${randomBytes(4).toString('hex')}`;
  const url = (path = '') =>
    `s3://${bucket}${path}?endpoint=${encodeURIComponent(S3_ENV?.endpoint ?? '')}&region=${S3_ENV?.region}&force_path_style=true`;
  const env = { IRIS_S3_ACCESS_KEY: S3_ENV?.accessKeyId, IRIS_S3_SECRET_KEY: S3_ENV?.secretAccessKey };
  const make = (path = '') => {
    const store = createBlobStore({
      storageUrl: url(path),
      dataDir: '/nonexistent',
      secret: 'x',
      publicUrl: 'http://x',
      env,
    });
    if (!(store instanceof S3BlobStore)) throw new Error('expected an S3BlobStore');
    return store;
  };
  // Built in beforeAll, not here: vitest collects this body even when the suite is
  // skipped, and without IRIS_TEST_S3_* there is no endpoint to build a store for.
  let whole: S3BlobStore;
  let tenant: S3BlobStore;
  beforeAll(() => {
    whole = make();
    tenant = make('/tenant-a');
  });

  afterAll(async () => {
    for (const k of await keys(whole)) await whole.delete(k);
    await whole.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    await Promise.all([whole.close(), tenant.close()]);
  });

  it('creates the bucket on init, once even when raced', async () => {
    await Promise.all([whole.init(), tenant.init(), whole.init()]);
    await whole.ensureBucket();
    expect(await keys(whole)).toEqual([]);
  });

  it('keeps a prefixed store inside its prefix', async () => {
    await whole.put('outside.txt', body('not yours'));
    await tenant.put('x/1', body('one'), { contentType: 'text/plain' });
    expect(await keys(whole)).toEqual(['outside.txt', 'tenant-a/x/1']);
    expect(await keys(tenant)).toEqual(['x/1']);
    expect((await readAll((await tenant.get('x/1')).stream)).toString()).toBe('one');
    expect(await tenant.stat('outside.txt')).toBeNull();

    const signed = await fetch(await tenant.signedUrl('x/1', { expiresInSeconds: 60 }));
    expect(await signed.text()).toBe('one');

    await tenant.deletePrefix('x');
    expect(await keys(whole)).toEqual(['outside.txt']);
  });
});
