import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ERRORS } from '@tus/utils';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { RedisTusLocker } from '../../src/modules/recordings/tus-redis-locker.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { S3_ENV, testS3StorageUrl } from '../storage/helpers.js';
import { mediaFiles, sha256 } from './recordings.helpers.js';

const REDIS_URL = process.env.IRIS_TEST_REDIS_URL;
if (!REDIS_URL)
  console.warn('[iris tests] IRIS_TEST_REDIS_URL is not set: shared tus lock suites are skipped.');
const silent = pino({ level: 'silent' });

describe.runIf(REDIS_URL)('tus upload locks shared through Redis', () => {
  const lockers: RedisTusLocker[] = [];
  /** One locker per simulated API process, all on one Redis under one prefix. */
  const processes = (n: number, options: { ttlMs?: number; acquireTimeoutMs?: number } = {}) => {
    const prefix = `iris-test:tus:${randomUUID()}`;
    const made = Array.from(
      { length: n },
      () => new RedisTusLocker(REDIS_URL!, silent, { prefix, ...options }),
    );
    lockers.push(...made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(lockers.splice(0).map((l) => l.close()));
  });

  it('makes a second process ask the holder to release, then take the lock', async () => {
    const [a, b] = processes(2);
    const held = a!.newLock('rec_1');
    let asked = 0;
    await held.lock(new AbortController().signal, async () => {
      asked++;
      await held.unlock();
    });
    const started = Date.now();
    const waiter = b!.newLock('rec_1');
    await waiter.lock(new AbortController().signal, () => undefined);
    expect(asked).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Other uploads are independent.
    const other = a!.newLock('rec_2');
    await other.lock(new AbortController().signal, () => undefined);
    await Promise.all([waiter.unlock(), other.unlock()]);
  });

  it('gives up with the tus lock timeout when the holder does not let go', async () => {
    const [a, b] = processes(2, { acquireTimeoutMs: 300 });
    await a!.newLock('rec_1').lock(new AbortController().signal, () => undefined);
    await expect(b!.newLock('rec_1').lock(new AbortController().signal, () => undefined)).rejects.toBe(
      ERRORS.ERR_LOCK_TIMEOUT,
    );
  });

  it("frees a dead holder's lock after its TTL, and a live holder keeps its lock past it", async () => {
    const [a, b, c] = processes(3, { ttlMs: 400, acquireTimeoutMs: 3_000 });
    const live = c!.newLock('rec_live');
    await live.lock(new AbortController().signal, () => undefined);
    await a!.newLock('rec_dead').lock(new AbortController().signal, () => undefined);
    await a!.close(); // the process dies holding the lock: no unlock, no renewals
    const started = Date.now();
    await b!.newLock('rec_dead').lock(new AbortController().signal, () => undefined);
    expect(Date.now() - started).toBeGreaterThan(100);
    // Renewed every ttl/3, the live lock is still held after several TTLs.
    await new Promise((r) => setTimeout(r, 1_000));
    const quick = new RedisTusLocker(REDIS_URL!, silent, { prefix: b!.prefix, acquireTimeoutMs: 200 });
    lockers.push(quick);
    await expect(quick.newLock('rec_live').lock(new AbortController().signal, () => undefined)).rejects.toBe(
      ERRORS.ERR_LOCK_TIMEOUT,
    );
    await live.unlock();
  });
});

/**
 * Two API processes as a scaled-out deployment runs them: one database, one Redis, and
 * either a shared tus directory (local storage) or nothing shared on disk at all (S3
 * storage: the parts go to the bucket). An upload created on one continues and
 * finishes on the other.
 */
const STORAGES = ['local', ...(S3_ENV ? ['s3'] : [])] as const;

describe.runIf(REDIS_URL).each(STORAGES)(
  'a tus upload moving between two API processes (%s storage)',
  (storage) => {
    let t: TestApp;
    let second: Container;
    let secondApp: Awaited<ReturnType<typeof buildApp>>;
    const dirs: string[] = [];
    const bases: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(path.join(os.tmpdir(), 'iris-tus-shared-')));
      const storageUrl = storage === 's3' ? testS3StorageUrl('tus2') : undefined;
      // Local storage: blobs and tus parts in one directory both processes see. S3: each
      // process has its own data directory, as on separate hosts.
      const [firstDir, secondDir] = storage === 's3' ? [dirs[0]!, dirs[1]!] : [dirs[0]!, dirs[0]!];
      const shared = {
        redisUrl: REDIS_URL,
        ...(storageUrl ? { storageUrl } : { tusDir: path.join(firstDir, 'shared-tus') }),
      };
      t = await createTestApp('sqlite', { dataDir: firstDir, ...shared });
      t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
      bases.push(await t.app.listen({ port: 0, host: '127.0.0.1' }));
      const config = loadConfig(
        { IRIS_DATA_DIR: secondDir },
        {
          databaseUrl: t.tdb.url,
          secret: 'test-secret-test-secret-test-secret-0123',
          passwordCost: 10,
          logLevel: 'silent',
          dataDir: secondDir,
          ...shared,
        },
      );
      second = await createContainer(config, silent);
      second.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
      secondApp = await buildApp(second);
      bases.push(await secondApp.listen({ port: 0, host: '127.0.0.1' }));
    }, 60_000);
    afterAll(async () => {
      await secondApp?.close();
      await second?.close();
      if (t && storage === 's3') for await (const key of t.c.blobs.list('')) await t.c.blobs.delete(key);
      await t?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('creates on one process, resumes on the other, and lands one recording', async () => {
      const user = await seedUser(t);
      const video = (await mediaFiles()).video;
      const tus = (
        base: string,
        method: string,
        url: string,
        headers: Record<string, string>,
        body?: Buffer,
      ) =>
        fetch(`${base}${url}`, {
          method,
          headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${user.token}`, ...headers },
          ...(body ? { body } : {}),
        });
      const created = await tus(bases[0]!, 'POST', '/api/v1/uploads/tus', {
        'upload-length': String(video.length),
        'upload-metadata': `filename ${Buffer.from('moved.mp4').toString('base64')}`,
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const location = created.headers.get('location')!;
      const half = Math.floor(video.length / 2);
      const octets = { 'content-type': 'application/offset+octet-stream' };
      const first = await tus(
        bases[0]!,
        'PATCH',
        location,
        { ...octets, 'upload-offset': '0' },
        video.subarray(0, half),
      );
      expect(first.status).toBe(204);

      const head = await tus(bases[1]!, 'HEAD', location, {});
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-offset')).toBe(String(half));
      const last = await tus(
        bases[1]!,
        'PATCH',
        location,
        { ...octets, 'upload-offset': String(half) },
        video.subarray(half),
      );
      expect(last.status, await last.clone().text()).toBe(204);
      expect(last.headers.get('iris-recording-status')).toBe('queued');

      const id = location.split('/').pop()!;
      const rec = (await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token })).json();
      expect(rec).toMatchObject({ size_bytes: video.length, sha256: sha256(video) });
    });
  },
);
