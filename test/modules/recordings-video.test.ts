import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { S3_ENV } from '../storage/helpers.js';
import { mediaFiles, uploaded, type MediaFiles } from './recordings.helpers.js';

/** GET/HEAD /recordings/:id/video against the real local store: ranges byte-exact against the file. */
describe.each(DIALECTS)('recording video on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let m: MediaFiles;
  let user: Awaited<ReturnType<typeof seedUser>>;
  let id: string;
  let size: number;

  const get = (headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET', rec = id) =>
    t.call(method, `/api/v1/recordings/${rec}/video`, { token: user.token, headers });

  beforeAll(async () => {
    m = await mediaFiles();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-video-data-'));
    t = await createTestApp(dialect, { dataDir });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    user = await seedUser(t);
    id = (await uploaded(t, user.token, { data: m.video, filename: 'clip.mp4', type: 'video/mp4' })).id;
    size = m.video.length;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the whole file with its type and Accept-Ranges', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(m.video)).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-length']).toBe(String(size));
    expect(res.headers['accept-ranges']).toBe('bytes');
  });

  it('answers byte ranges with 206 and the exact bytes', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, size - 1],
      ['bytes=-500', size - 500, size - 1],
      [`bytes=-${size * 3}`, 0, size - 1],
      [`bytes=${size - 1}-${size + 1000}`, size - 1, size - 1],
      ['bytes=1000-1000', 1000, 1000],
    ];
    for (const [range, start, end] of cases) {
      const res = await get({ range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length'], range).toBe(String(end - start + 1));
      expect(res.headers['content-type']).toBe('video/mp4');
      expect(res.rawPayload.equals(m.video.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers an unsatisfiable range with 416 and Content-Range bytes */size', async () => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await get({ range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
      expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
    }
  });

  it('ignores ranges it does not serve (other units, several ranges, bad syntax) and sends it all', async () => {
    for (const range of ['bytes=5-2', 'bytes=0-1,5-6', 'items=0-1', 'bytes=abc']) {
      const res = await get({ range });
      expect(res.statusCode, range).toBe(200);
      expect(res.rawPayload.length).toBe(size);
    }
  });

  it('answers HEAD with the headers and no body, ranges included', async () => {
    const head = await get({}, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(size));
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(head.headers['content-type']).toBe('video/mp4');
    expect(head.rawPayload.length).toBe(0);
    const partial = await get({ range: 'bytes=10-19' }, 'HEAD');
    expect(partial.statusCode).toBe(206);
    expect(partial.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(partial.headers['content-length']).toBe('10');
    expect(partial.rawPayload.length).toBe(0);
    const bad = await get({ range: `bytes=${size}-` }, 'HEAD');
    expect(bad.statusCode).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('serves audio-only recordings with their audio type', async () => {
    const audio = await uploaded(t, user.token, { data: m.audio, filename: 'memo.m4a', type: 'audio/x-m4a' });
    const res = await get({ range: 'bytes=0-9' }, 'GET', audio.id);
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-type']).toBe('audio/mp4');
    expect(res.rawPayload.equals(m.audio.subarray(0, 10))).toBe(true);
  });

  it('serves the web-playable version once a stage stored one, else the original', async () => {
    const rec = await uploaded(t, user.token, { data: m.video, filename: 'raw.mp4', type: 'video/mp4' });
    const derivative = randomBytes(4096);
    const file = path.join(dataDir, 'playback.mp4');
    writeFileSync(file, derivative);
    const stored = (await t.c.recordings.repo.find(rec.id))!;
    // What the media stage will do: store the output and point playback at it.
    const key = await t.c.recordings.pipeline.storeDerived(stored, 'playback.mp4', file, 'video/mp4');
    await t.c.recordings.repo.update(rec.id, { playback_key: key, playback_content_type: 'video/mp4' });
    const res = await get({ range: 'bytes=-100' }, 'GET', rec.id);
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 3996-4095/4096`);
    expect(res.rawPayload.equals(derivative.subarray(3996))).toBe(true);
  });

  it('streams a large file with flat memory', async () => {
    // 64 MB through the store and out again; heap growth stays far below the file size.
    const big = 64 * 1024 * 1024;
    const rec = await uploaded(t, user.token, { data: m.video, filename: 'big.mp4', type: 'video/mp4' });
    const stored = (await t.c.recordings.repo.find(rec.id))!;
    const file = path.join(dataDir, 'big.bin');
    const chunk = randomBytes(1024 * 1024);
    writeFileSync(file, Buffer.alloc(0));
    const { appendFileSync } = await import('node:fs');
    for (let i = 0; i < big / chunk.length; i++) appendFileSync(file, chunk);
    const key = await t.c.recordings.pipeline.storeDerived(stored, 'playback.mp4', file, 'video/mp4');
    await t.c.recordings.repo.update(rec.id, { playback_key: key, playback_content_type: 'video/mp4' });
    rmSync(file);

    // The server side of the response finishing (not just the client having read it):
    // closing the app before that would wait for the keep-alive timeout.
    const served = new Promise<void>((resolve) =>
      t.app.server.once('request', (_req, res) => res.once('close', () => resolve())),
    );
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const res = await fetch(`${base}/api/v1/recordings/${rec.id}/video`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(res.status).toBe(200);
    let received = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(received).toBe(big);
    await served;
    expect(peak - before).toBeLessThan(big / 2);
  }, 60_000);
});

/** With S3 storage the API never carries the bytes: a 302 to a presigned URL. */
describe.skipIf(!S3_ENV)('recording video with S3 storage', () => {
  let t: TestApp;
  let dataDir: string;
  const bucket = `iris-rec-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-video-s3-'));
    process.env.IRIS_S3_ACCESS_KEY = S3_ENV!.accessKeyId;
    process.env.IRIS_S3_SECRET_KEY = S3_ENV!.secretAccessKey;
    const storageUrl = `s3://${bucket}?endpoint=${encodeURIComponent(S3_ENV!.endpoint)}&region=${S3_ENV!.region}`;
    t = await createTestApp('sqlite', { dataDir, storageUrl });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  }, 60_000);
  afterAll(async () => {
    if (t) {
      for await (const key of t.c.blobs.list('')) await t.c.blobs.delete(key);
      await t.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uploads into the bucket and redirects playback to a presigned URL', async () => {
    expect(t.c.blobs.kind).toBe('s3');
    const m = await mediaFiles();
    const user = await seedUser(t);
    const rec = await uploaded(t, user.token, { data: m.video, filename: 'clip.mp4', type: 'video/mp4' });
    const res = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    expect(res.statusCode).toBe(302);
    const location = res.headers.location as string;
    expect(location).toContain('X-Amz-Signature');
    const ranged = await fetch(location, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(m.video.subarray(0, 100))).toBe(true);

    expect((await t.call('DELETE', `/api/v1/recordings/${rec.id}`, { token: user.token })).statusCode).toBe(
      204,
    );
    const left: string[] = [];
    for await (const key of t.c.blobs.list(`ws/${user.workspaceId}/`)) left.push(key);
    expect(left).toEqual([]);
  });
});
