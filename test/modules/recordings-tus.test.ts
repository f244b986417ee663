import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/platform/db/database.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { S3_ENV, testS3StorageUrl } from '../storage/helpers.js';
import { npmFfmpeg } from '../fixtures/media.js';

const run = promisify(execFile);
import {
  filesUnder,
  mediaFiles,
  sha256,
  stageOf,
  storedBlobs,
  waitForStatus,
  type MediaFiles,
} from './recordings.helpers.js';

/** The API's error shape, from a fetch response. */
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; request_id: string } }).error;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');

/** Every dialect with local storage (tus file store), and S3 storage (tus S3 store) when a server is given. */
const CASES: { dialect: Dialect; storage: 'local' | 's3' }[] = [
  ...DIALECTS.map((dialect) => ({ dialect, storage: 'local' as const })),
  ...(S3_ENV ? [{ dialect: 'sqlite' as const, storage: 's3' as const }] : []),
];

/**
 * tus resumable uploads over a real socket (app.listen on a free port + fetch), with the
 * protocol's own headers, as tus-js-client or any tus client sends them.
 */
describe.each(CASES)('tus uploads on $dialect with $storage storage', ({ dialect, storage }) => {
  let t: TestApp;
  let dataDir: string;
  let base: string;
  let m: MediaFiles;
  let user: Awaited<ReturnType<typeof seedUser>>;

  const tus = (
    method: string,
    url: string,
    token: string | undefined,
    headers: Record<string, string> = {},
    body?: Buffer,
  ) =>
    fetch(`${base}${url}`, {
      method,
      headers: {
        'tus-resumable': '1.0.0',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body ? { body } : {}),
    });
  const create = (token: string, length: number, meta: Record<string, string>) =>
    tus('POST', '/api/v1/uploads/tus', token, {
      'upload-length': String(length),
      'upload-metadata': metadata(meta),
    });
  const patch = (token: string, location: string, offset: number, chunk: Buffer) =>
    tus(
      'PATCH',
      location,
      token,
      { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      chunk,
    );
  /** What tus keeps of partial uploads: files in the tus dir, or keys at the bucket's root. */
  const tusFiles = async (): Promise<string[]> => {
    if (storage === 'local') return filesUnder(path.join(dataDir, 'uploads', 'tus'));
    const keys: string[] = [];
    for await (const key of t.c.blobs.list('')) if (!key.includes('/')) keys.push(key);
    return keys;
  };
  /** Blob keys of a recording in blob storage. */
  const blobsOf = async (id: string): Promise<string[]> => {
    if (storage === 'local') return storedBlobs(dataDir).filter((k) => k.includes(`/rec/${id}/`));
    const keys: string[] = [];
    for await (const key of t.c.blobs.list('')) if (key.includes(`/rec/${id}/`)) keys.push(key);
    return keys;
  };
  const rowsOf = (workspaceId: string) =>
    t.c.database.db.selectFrom('recordings').selectAll().where('workspace_id', '=', workspaceId).execute();

  beforeAll(async () => {
    m = await mediaFiles();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-tus-data-'));
    t = await createTestApp(dialect, {
      dataDir,
      ...(storage === 's3' ? { storageUrl: testS3StorageUrl('tus') } : {}),
    });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    user = await seedUser(t);
  }, 60_000);
  afterAll(async () => {
    if (t && storage === 's3') for await (const key of t.c.blobs.list('')) await t.c.blobs.delete(key);
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => t.c.recordings.uploads.setUploadCaps({}));

  it('creates, takes two PATCH chunks with a resume in between, and lands the recording', async () => {
    const video = m.video;
    const created = await create(user.token, video.length, {
      filename: 'screen recording.mp4',
      title: 'Quarterly review',
      filetype: 'video/mp4',
    });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(created.headers.get('tus-resumable')).toBe('1.0.0');
    expect(created.headers.get('x-request-id')).toMatch(/^req_/);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/uploads\/tus\/rec_[0-9a-z]{26}$/);
    const id = location.split('/').pop()!;

    // The recording exists from creation on, as `uploading`.
    const pending = await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token });
    expect(pending.json()).toMatchObject({
      id,
      status: 'uploading',
      title: 'Quarterly review',
      original_filename: 'screen recording.mp4',
    });

    const half = Math.floor(video.length / 2);
    const first = await patch(user.token, location, 0, video.subarray(0, half));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe(String(half));

    // A client resuming after a drop asks where to continue.
    const head = await tus('HEAD', location, user.token);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    expect(head.headers.get('upload-length')).toBe(String(video.length));

    const wrongOffset = await patch(user.token, location, 0, video.subarray(0, 10));
    expect(wrongOffset.status).toBe(409);
    expect((await errorOf(wrongOffset)).code).toBe('CONFLICT');

    const last = await patch(user.token, location, half, video.subarray(half));
    expect(last.status, await last.clone().text()).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(video.length));
    expect(last.headers.get('iris-recording-id')).toBe(id);
    expect(last.headers.get('iris-recording-status')).toBe('queued');

    const rec = (await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token })).json();
    expect(['queued', 'processing']).toContain(rec.status); // the queue may have started already
    expect(rec).toMatchObject({
      size_bytes: video.length,
      sha256: sha256(video),
      content_type: 'video/mp4',
      has_video: true,
      width: 320,
    });
    // The tus copy is gone; the file lives in blob storage under the recording's prefix.
    expect(await tusFiles()).toEqual([]);
    expect(await blobsOf(id)).toHaveLength(1);
    const status = await waitForStatus(t, user.token, id, (s) => stageOf(s, 'probe').state === 'done');
    expect(status.status).toBe('processing');

    // Finished uploads are no longer addressable through tus.
    expect((await tus('HEAD', location, user.token)).status).toBe(404);
    // The stored original is the upload byte for byte. (Not read through /video: once the
    // media stage has made the web-playable copy, /video serves that instead.)
    const row = await t.c.database.db
      .selectFrom('recordings')
      .select('original_key')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const stored = await t.c.blobs.get(row.original_key!);
    const chunks: Buffer[] = [];
    for await (const chunk of stored.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(video)).toBe(true);
    const video200 = await fetch(`${base}/api/v1/recordings/${id}/video`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(video200.status).toBe(200);
    await video200.arrayBuffer();
  });

  it('lands a 17 MB upload sent in 4 MB PATCHes byte for byte (S3: multipart parts plus a short tail)', async () => {
    const file = path.join(dataDir, 'big.nut');
    // prettier-ignore
    await run(npmFfmpeg(), [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '6',
      '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', '-f', 'nut', file,
    ]);
    const big = readFileSync(file);
    expect(big.length).toBeGreaterThan(16 * 1024 * 1024);
    const created = await create(user.token, big.length, { filename: 'big.nut' });
    const location = created.headers.get('location')!;
    const chunk = 4 * 1024 * 1024;
    let last: Response | undefined;
    for (let offset = 0; offset < big.length; offset += chunk) {
      last = await patch(user.token, location, offset, big.subarray(offset, offset + chunk));
      expect(last.status, await last.clone().text()).toBe(204);
      if (offset + chunk >= big.length) break; // finished uploads are not addressable through tus
      const head = await tus('HEAD', location, user.token);
      expect(head.headers.get('upload-offset'), 'offset after a PATCH').toBe(String(offset + chunk));
    }
    expect(last!.headers.get('iris-recording-status')).toBe('queued');
    const id = location.split('/').pop()!;
    const rec = (await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token })).json();
    expect(rec).toMatchObject({ size_bytes: big.length, sha256: sha256(big) });
    expect(await tusFiles()).toEqual([]);
  }, 60_000);

  it('takes the whole file in the creation request (creation-with-upload)', async () => {
    const res = await tus(
      'POST',
      '/api/v1/uploads/tus',
      user.token,
      {
        'upload-length': String(m.audio.length),
        'upload-metadata': metadata({ filename: 'memo.m4a' }),
        'content-type': 'application/offset+octet-stream',
      },
      m.audio,
    );
    expect(res.status, await res.clone().text()).toBe(201);
    expect(res.headers.get('upload-offset')).toBe(String(m.audio.length));
    const id = res.headers.get('location')!.split('/').pop()!;
    const rec = (await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token })).json();
    expect(rec).toMatchObject({ title: 'memo', has_video: false, has_audio: true, error: null });
    expect(['queued', 'processing']).toContain(rec.status);
  });

  it('refuses an Upload-Length over the plan cap with 413 before any byte, leaving nothing', async () => {
    const u = await seedUser(t);
    t.c.recordings.uploads.setUploadCaps({ free: 1000 });
    const res = await create(u.token, 1001, { filename: 'big.mp4' });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(error.message).toMatch(/1000 bytes per upload/);
    expect(error.request_id).toMatch(/^req_/);
    expect(await rowsOf(u.workspaceId)).toEqual([]);
    expect(await tusFiles()).toEqual([]);
  });

  it('counts a deferred-length upload against the cap while it arrives (413)', async () => {
    t.c.recordings.uploads.setUploadCaps({ free: 5000 });
    const created = await tus('POST', '/api/v1/uploads/tus', user.token, {
      'upload-defer-length': '1',
      'upload-metadata': metadata({ filename: 'live.mp4' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = created.headers.get('location')!;
    const res = await patch(user.token, location, 0, m.video);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    expect((await tus('DELETE', location, user.token)).status).toBe(204);
  });

  it('marks a non-media upload failed (415 on the last PATCH) and keeps no file', async () => {
    const created = await create(user.token, m.text.length, { filename: 'notes.txt' });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    const res = await patch(user.token, location, 0, m.text);
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const rec = (await t.call('GET', `/api/v1/recordings/${id}`, { token: user.token })).json();
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(/not a recognised audio or video format/);
    expect(await tusFiles()).toEqual([]);
    expect(await blobsOf(id)).toEqual([]);
  });

  it('terminates an unfinished upload (DELETE): the recording goes too', async () => {
    const u = await seedUser(t);
    const created = await create(u.token, m.video.length, { filename: 'a.mp4' });
    const location = created.headers.get('location')!;
    expect((await patch(u.token, location, 0, m.video.subarray(0, 1000))).status).toBe(204);
    expect(await rowsOf(u.workspaceId)).toHaveLength(1);
    const del = await tus('DELETE', location, u.token);
    expect(del.status).toBe(204);
    expect(await rowsOf(u.workspaceId)).toEqual([]);
    expect(await tusFiles()).toEqual([]);
    const usage = (
      await t.call('GET', `/api/v1/workspaces/${u.workspaceId}/usage`, { token: u.token })
    ).json();
    expect(usage.usage.recordings.used).toBe(0);
  });

  it('the maintenance sweep removes uploads left unfinished for a week, and nothing else', async () => {
    const u = await seedUser(t);
    const created = await create(u.token, m.video.length, { filename: 'left.mp4' });
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    expect((await patch(u.token, location, 0, m.video.subarray(0, 1000))).status).toBe(204);
    const stub = await t.call('POST', '/api/v1/recordings', {
      token: u.token,
      body: { title: 'never uploaded' },
    });
    expect(stub.statusCode).toBe(201);
    const finished = await t.call('POST', '/api/v1/recordings', { token: u.token, body: { title: 'done' } });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/recordings/${finished.json().id}/file`,
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'video/mp4' },
      payload: m.video,
    });
    expect(put.statusCode, put.body).toBeLessThan(300);
    const sweep = t.c.maintenanceSweeps.find((s) => s.name === 'abandoned_uploads')!;
    const signal = new AbortController().signal;
    const used = async () =>
      (await t.call('GET', `/api/v1/workspaces/${u.workspaceId}/usage`, { token: u.token })).json().usage
        .recordings.used;
    expect(await used()).toBe(3);

    // Still fresh: nothing goes.
    expect(await sweep.run(Date.now(), signal)).toBe(0);
    expect(await rowsOf(u.workspaceId)).toHaveLength(3);
    // Every PATCH counts as activity: an upload started long ago but still moving stays.
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
    await t.c.database.db
      .updateTable('recordings')
      .set({ updated_at: eightDaysAgo })
      .where('id', '=', id)
      .execute();
    expect((await patch(u.token, location, 1000, m.video.subarray(1000, 2000))).status).toBe(204);
    expect(await sweep.run(Date.now(), signal)).toBe(0);

    // A week and a day later: both unfinished uploads go, the finished recording stays.
    expect(await sweep.run(Date.now() + 8 * 24 * 3600_000, signal)).toBe(2);
    expect((await rowsOf(u.workspaceId)).map((r) => r.id)).toEqual([finished.json().id]);
    expect((await tusFiles()).filter((f) => f.startsWith(id))).toEqual([]);
    expect(await used()).toBe(1);
    expect((await patch(u.token, location, 2000, m.video.subarray(2000))).status).toBe(404);
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .select(['target_id', 'actor_type'])
      .where('action', '=', 'recording.upload_expire')
      .where('workspace_id', '=', u.workspaceId)
      .execute();
    expect(audit.map((a) => a.target_id).sort()).toEqual([id, stub.json().id].sort());
  });

  it('deleting the recording mid-upload removes the partial tus file', async () => {
    const u = await seedUser(t);
    const created = await create(u.token, m.video.length, { filename: 'a.mp4' });
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    expect((await patch(u.token, location, 0, m.video.subarray(0, 1000))).status).toBe(204);
    expect((await tusFiles()).some((f) => f.startsWith(id))).toBe(true);
    expect((await t.call('DELETE', `/api/v1/recordings/${id}`, { token: u.token })).statusCode).toBe(204);
    expect((await tusFiles()).filter((f) => f.startsWith(id))).toEqual([]);
    expect((await patch(u.token, location, 1000, m.video.subarray(1000))).status).toBe(404);
  });

  it('uses the API credentials: 401 without, 404 for another user, 403 for a read key; 412 without Tus-Resumable', async () => {
    const anonymous = await tus('POST', '/api/v1/uploads/tus', undefined, { 'upload-length': '10' });
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe('UNAUTHORIZED');

    const created = await create(user.token, m.video.length, { filename: 'mine.mp4' });
    const location = created.headers.get('location')!;
    const stranger = await seedUser(t);
    expect((await patch(stranger.token, location, 0, m.video.subarray(0, 100))).status).toBe(404);
    expect((await tus('HEAD', location, stranger.token)).status).toBe(404);
    expect((await tus('DELETE', location, stranger.token)).status).toBe(404);

    const key = await t.call('POST', '/api/v1/keys', {
      token: user.token,
      body: { name: 'r', scopes: ['read'] },
    });
    const read = key.json().key.plaintext as string;
    const denied = await create(read, 10, { filename: 'x.mp4' });
    expect(denied.status).toBe(403);

    const noVersion = await fetch(`${base}/api/v1/uploads/tus`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'upload-length': '10' },
    });
    expect(noVersion.status).toBe(412);
    expect((await errorOf(noVersion)).message).toMatch(/Tus-Resumable/i);

    const otherWs = await create(user.token, 10, { filename: 'x.mp4', workspace_id: stranger.workspaceId });
    expect(otherWs.status).toBe(404);
    const badWs = await create(user.token, 10, { filename: 'x.mp4', workspace_id: 'nope' });
    expect(badWs.status).toBe(400);

    const options = await fetch(`${base}/api/v1/uploads/tus`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-version')).toBe('1.0.0');
    expect(options.headers.get('tus-extension')).toContain('creation');
  });
});
