/**
 * Blob storage throughput against a plain `fs` copy measured in the same run: a 256 MB
 * generated file is written into and read back out of the local adapter (always) and
 * the S3 adapter (IRIS_TEST_S3_ENDPOINT), each compared with
 * `fs.createReadStream().pipe(fs.createWriteStream())` on the same disk.
 * Run: npx tsx bench/storage.bench.ts   (IRIS_BENCH_STORAGE_MB to change the size,
 * IRIS_BENCH_DIR to bench another disk than the OS temp dir)
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { LocalBlobStore, S3BlobStore, type BlobStore } from '../src/platform/storage/index.js';

export interface StorageBenchResult {
  target: string;
  operation: string;
  mb: number;
  mb_per_second: number;
  /** mb_per_second divided by the plain fs copy's; 1.0 means as fast as the copy. */
  ratio_vs_fs_copy: number;
}

const MB = 1024 * 1024;

/** Random bytes written 1 MB at a time, so nothing the size of the file is held in memory. */
async function generateFile(file: string, mb: number): Promise<void> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < mb; i++) yield randomBytes(MB);
  }
  await pipeline(chunks(), createWriteStream(file));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function openStores(
  dir: string,
): Promise<{ name: string; store: BlobStore; cleanup(): Promise<void> }[]> {
  const local = new LocalBlobStore({
    root: path.join(dir, 'blobs'),
    secret: 'bench',
    publicUrl: 'http://bench',
  });
  await local.init();
  const stores = [{ name: 'local', store: local as BlobStore, cleanup: async () => {} }];
  const endpoint = process.env.IRIS_TEST_S3_ENDPOINT;
  if (endpoint) {
    const s3 = new S3BlobStore({
      bucket: `iris-bench-${randomBytes(4).toString('hex')}`,
      prefix: '',
      endpoint,
      region: process.env.IRIS_TEST_S3_REGION ?? 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: process.env.IRIS_TEST_S3_ACCESS_KEY ?? '',
        secretAccessKey: process.env.IRIS_TEST_S3_SECRET_KEY ?? '',
      },
    });
    await s3.ensureBucket();
    const { DeleteBucketCommand } = await import('@aws-sdk/client-s3');
    stores.push({
      name: 's3',
      store: s3,
      async cleanup() {
        await s3.deletePrefix('bench/');
        await s3.client.send(new DeleteBucketCommand({ Bucket: s3.bucket }));
        await s3.close();
      },
    });
  } else {
    console.warn('IRIS_TEST_S3_ENDPOINT not set: skipping the S3 storage benchmark');
  }
  return stores;
}

export async function run(
  mb = Number(process.env.IRIS_BENCH_STORAGE_MB ?? 256),
): Promise<StorageBenchResult[]> {
  const dir = mkdtempSync(path.join(process.env.IRIS_BENCH_DIR ?? os.tmpdir(), 'iris-sbench-'));
  const source = path.join(dir, 'source.bin');
  const out = path.join(dir, 'out.bin');
  const rows: StorageBenchResult[] = [];
  try {
    await generateFile(source, mb);
    const bytes = statSync(source).size;
    const rate = (ms: number) => bytes / MB / (ms / 1000);

    const copyMs = await timed(() => pipeline(createReadStream(source), createWriteStream(out)));
    const copy = rate(copyMs);
    const row = (target: string, operation: string, ms: number): StorageBenchResult => ({
      target,
      operation,
      mb,
      mb_per_second: Math.round(rate(ms)),
      ratio_vs_fs_copy: Math.round((rate(ms) / copy) * 100) / 100,
    });
    rows.push(row('fs', 'copy (baseline)', copyMs));
    // The store fsyncs every blob; this shows how much of any gap is the fsync alone.
    rows.push(
      row(
        'fs',
        'copy + fsync',
        await timed(() => pipeline(createReadStream(source), createWriteStream(out, { flush: true }))),
      ),
    );

    for (const { name, store, cleanup } of await openStores(dir)) {
      try {
        const key = 'bench/blob.bin';
        rows.push(
          row(
            name,
            'write (put, sha256)',
            await timed(async () => void (await store.put(key, createReadStream(source)))),
          ),
        );
        rows.push(
          row(
            name,
            'read (get → file)',
            await timed(async () => pipeline((await store.get(key)).stream, createWriteStream(out))),
          ),
        );
        await store.delete(key);
      } finally {
        await cleanup();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await run());
}
