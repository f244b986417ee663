import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attachmentDisposition,
  createBlobStore,
  decodeBlobKey,
  encodeBlobKey,
  LocalBlobStore,
  parseS3Url,
  S3BlobStore,
  validateKey,
} from '../../src/platform/storage/index.js';

const base = { dataDir: '/var/lib/iris', secret: 'x'.repeat(32), publicUrl: 'http://iris.test' };

describe('createBlobStore picks the adapter from IRIS_STORAGE_URL', () => {
  it('uses <dataDir>/blobs on local disk by default, or a file:// directory', async () => {
    for (const storageUrl of [undefined, '', 'file:///srv/blobs']) {
      const store = createBlobStore({ ...base, storageUrl });
      expect(store.kind).toBe('local');
      expect(store).toBeInstanceOf(LocalBlobStore);
    }
    const url = await createBlobStore({ ...base, storageUrl: undefined }).signedUrl('a', {
      expiresInSeconds: 5,
    });
    expect(url.startsWith('http://iris.test/api/v1/blobs/YQ?exp=')).toBe(true);
  });

  it('uses S3 for s3:// URLs', async () => {
    const store = createBlobStore({
      ...base,
      storageUrl: 's3://media?endpoint=http://127.0.0.1:9000',
      env: {},
    });
    expect(store.kind).toBe('s3');
    expect(store).toBeInstanceOf(S3BlobStore);
    await store.close();
  });

  it('rejects other schemes', () => {
    expect(() => createBlobStore({ ...base, storageUrl: 'gs://bucket' })).toThrow(/Unsupported/);
  });
});

describe('parseS3Url', () => {
  it('reads bucket, prefix, endpoint, region, path style and IRIS_S3_* credentials', () => {
    const env = { IRIS_S3_ACCESS_KEY: 'ak', IRIS_S3_SECRET_KEY: 'sk' };
    expect(
      parseS3Url(
        's3://iris-media/prod/blobs?endpoint=http://ceph:7480&region=eu-1&force_path_style=true',
        env,
      ),
    ).toEqual({
      bucket: 'iris-media',
      prefix: 'prod/blobs/',
      endpoint: 'http://ceph:7480',
      region: 'eu-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'ak', secretAccessKey: 'sk' },
    });
  });

  it('leaves credentials to the AWS default chain and defaults sensibly', () => {
    expect(parseS3Url('s3://media', { AWS_REGION: 'eu-west-3' })).toEqual({
      bucket: 'media',
      prefix: '',
      region: 'eu-west-3',
      forcePathStyle: false,
    });
    expect(parseS3Url('s3://media?endpoint=http://minio:9000', {}).forcePathStyle).toBe(true);
    expect(
      parseS3Url('s3://media?endpoint=http://minio:9000&force_path_style=false', {}).forcePathStyle,
    ).toBe(false);
  });

  it('rejects typos and unsafe input', () => {
    expect(() => parseS3Url('s3://media?endpiont=http://x', {})).toThrow(/Unknown/);
    expect(() => parseS3Url('s3://media?endpoint=ftp://x', {})).toThrow(/endpoint/);
    expect(() => parseS3Url('s3://ak:sk@media', {})).toThrow(/credentials/);
    expect(() => parseS3Url('s3://x', {})).toThrow(/bucket/);
    expect(() => parseS3Url('s3://media', { IRIS_S3_ACCESS_KEY: 'only-one' })).toThrow(/both/);
  });
});

describe('key helpers', () => {
  it('round-trips keys through the URL encoding', () => {
    for (const key of ['a', 'rec/1/ünï côdé.mp4', 'x'.repeat(1024)])
      expect(decodeBlobKey(encodeBlobKey(key))).toBe(key);
    expect(encodeBlobKey('a/b?c')).not.toMatch(/[/?+=]/);
  });

  it('accepts the longest key and refuses one byte more', () => {
    const segs = (n: number) =>
      Array.from({ length: Math.ceil(n / 200) }, () => 'y'.repeat(199))
        .join('/')
        .slice(0, n);
    expect(validateKey(segs(1024))).toHaveLength(1024);
    expect(() => validateKey(segs(1025))).toThrow(/longer/);
    expect(() => validateKey('z'.repeat(256))).toThrow(/segment/);
  });

  it('builds a safe attachment Content-Disposition', () => {
    expect(attachmentDisposition('a"b\\c\r\n.pdf')).toBe(
      `attachment; filename="a_b_c__.pdf"; filename*=UTF-8''a%22b_c__.pdf`,
    );
    expect(attachmentDisposition('  ')).toContain('filename="download"');
    expect(path.basename(attachmentDisposition('../../etc/passwd'))).not.toContain('/');
  });
});
