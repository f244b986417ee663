import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StageName } from '../../src/modules/recordings/stages.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import {
  mediaFiles,
  multipart,
  sha256,
  stageOf,
  storedBlobs,
  uploaded,
  uploadLeftovers,
  uploadMultipart,
  waitForStatus,
  type MediaFiles,
} from './recordings.helpers.js';

const PUBLIC_URL = 'http://iris.test';
const STAGES = ['probe', 'media', 'frames', 'ocr', 'transcribe', 'enrich', 'index'];

describe.each(DIALECTS)('recordings core on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let m: MediaFiles;
  let user: Awaited<ReturnType<typeof seedUser>>;

  const mp4 = () => ({ data: m.video, filename: 'standup.mp4', type: 'video/mp4' });
  const m4a = () => ({ data: m.audio, filename: 'voice memo.m4a', type: 'audio/mp4' });
  const txt = () => ({ data: m.text, filename: 'notes.txt', type: 'text/plain' });
  const rowsOf = (workspaceId: string) =>
    t.c.database.db.selectFrom('recordings').selectAll().where('workspace_id', '=', workspaceId).execute();
  const usage = async (token: string, workspaceId: string) => {
    const res = await t.call('GET', `/api/v1/workspaces/${workspaceId}/usage`, { token });
    expect(res.statusCode, res.body).toBe(200);
    const u = res.json().usage;
    return {
      recordings: u.recordings.used as number,
      storage: u.storage_bytes.used as number,
      uploaded: u.uploaded_bytes.used as number,
    };
  };
  const blobsOf = (id: string) => storedBlobs(dataDir).filter((k) => k.includes(`/rec/${id}/`));

  beforeAll(async () => {
    m = await mediaFiles();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-rec-data-'));
    t = await createTestApp(dialect, { dataDir, publicUrl: PUBLIC_URL });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    // The real queue runs recording.probe, as a serve/worker process would.
    await t.c.queue.start();
    user = await seedUser(t);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => t.c.recordings.uploads.setUploadCaps({}));

  describe('multipart upload', () => {
    it('streams, probes and stores the file, then the probe stage runs on the queue', async () => {
      const rec = await uploaded(t, user.token, mp4(), [['title', 'Stand-up, Monday']]);
      expect(rec).toMatchObject({
        workspace_id: user.workspaceId,
        created_by: user.userId,
        title: 'Stand-up, Monday',
        source: 'upload',
        status: 'queued',
        error: null,
        original_filename: 'standup.mp4',
        content_type: 'video/mp4',
        size_bytes: m.video.length,
        sha256: sha256(m.video),
        has_video: true,
        has_audio: true,
        width: 320,
        height: 240,
      });
      expect(rec.id).toMatch(/^rec_[0-9a-z]{26}$/);
      expect(rec.duration_seconds).toBeCloseTo(2, 0);
      expect(rec.media).toMatchObject({
        format_name: expect.stringContaining('mp4'),
        video: { codec: 'h264' },
      });
      expect(rec).not.toHaveProperty('original_key');

      // Stored once, under the recording's prefix; the spool file is gone.
      expect(blobsOf(rec.id)).toEqual([
        expect.stringMatching(new RegExp(`^ws/${user.workspaceId}/rec/${rec.id}/original`)),
      ]);
      expect(uploadLeftovers(dataDir)).toEqual([]);

      const status = await waitForStatus(t, user.token, rec.id, (s) => stageOf(s, 'probe').state === 'done');
      expect(status.stages.map((s) => s.stage)).toEqual(STAGES);
      const probe = stageOf(status, 'probe');
      expect(probe).toMatchObject({ state: 'done', progress: 1, error: null, attempts: 1 });
      expect(probe.engine).toMatch(/^ffprobe/);
      expect(probe.duration_ms).toBeGreaterThanOrEqual(0);
      expect(Date.parse(probe.finished_at!)).toBeGreaterThanOrEqual(Date.parse(probe.started_at!));
      // Stages that have no job yet stay queued: nothing claims work that did not run.
      const jobless = status.stages.filter((x) => !t.c.recordings.pipeline.hasJob(x.stage as StageName));
      for (const s of jobless) {
        expect(s).toMatchObject({
          state: 'queued',
          progress: 0,
          engine: null,
          attempts: 0,
          started_at: null,
        });
      }
      // The next stages' jobs may already have started (or, when every stage has a job, finished).
      expect(['processing', 'ready']).toContain(status.status);
      expect(status.progress).toBeGreaterThanOrEqual(1 / 7 - 0.001);

      const audit = await t.c.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('target_id', '=', rec.id)
        .where('action', '=', 'recording.create')
        .executeTakeFirstOrThrow();
      expect(audit.outcome).toBe('success');
      expect(JSON.parse(String(audit.after))).toMatchObject({ id: rec.id, status: 'queued' });
    });

    it('takes audio-only recordings as first-class (has_video false)', async () => {
      const rec = await uploaded(t, user.token, m4a());
      expect(rec).toMatchObject({
        title: 'voice memo',
        status: 'queued',
        has_video: false,
        has_audio: true,
        width: null,
        height: null,
        content_type: 'audio/mp4',
      });
      expect(rec.duration_seconds).toBeCloseTo(2, 0);
      const status = await waitForStatus(t, user.token, rec.id, (s) => stageOf(s, 'probe').state === 'done');
      expect(status.status).toBe('processing');
    });

    it('refuses a file that is not media with 415 and leaves nothing behind', async () => {
      const other = await seedUser(t);
      const before = await usage(other.token, other.workspaceId);
      const res = await uploadMultipart(t, other.token, txt(), [['title', 'notes']]);
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(res.json().error.message).toMatch(/not a recognised audio or video format/);
      expect(await rowsOf(other.workspaceId)).toEqual([]);
      expect(storedBlobs(dataDir).filter((k) => k.startsWith(`ws/${other.workspaceId}/`))).toEqual([]);
      expect(uploadLeftovers(dataDir)).toEqual([]);
      expect(await usage(other.token, other.workspaceId)).toEqual(before);
      const failure = await t.c.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('workspace_id', '=', other.workspaceId)
        .where('action', '=', 'recording.create')
        .executeTakeFirstOrThrow();
      expect(failure.outcome).toBe('failure');
    });

    it('refuses by Content-Length with 413 before reading, and by the streaming counter', async () => {
      const other = await seedUser(t);
      // Caps are per plan; the test lowers them instead of sending 500 MB.
      t.c.recordings.uploads.setUploadCaps({ free: 1000 });
      const big = { data: Buffer.alloc(200_000, 7), filename: 'big.mp4', type: 'video/mp4' };
      const early = await uploadMultipart(t, other.token, big);
      expect(early.statusCode).toBe(413);
      expect(early.json().error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(early.json().error.message).toMatch(/plan allows \(1000 bytes per upload\)/);
      expect(early.headers.connection).toBe('close');

      // Declared size fits (multipart framing allowance), the file itself does not:
      // the counter stops the stream at the cap.
      t.c.recordings.uploads.setUploadCaps({ free: m.video.length - 1 });
      const counted = await uploadMultipart(t, other.token, mp4());
      expect(counted.statusCode).toBe(413);
      expect(counted.json().error.code).toBe('PAYLOAD_TOO_LARGE');

      expect(await rowsOf(other.workspaceId)).toEqual([]);
      expect(storedBlobs(dataDir).filter((k) => k.startsWith(`ws/${other.workspaceId}/`))).toEqual([]);
      expect(uploadLeftovers(dataDir)).toEqual([]);
      expect((await usage(other.token, other.workspaceId)).recordings).toBe(0);

      // Exactly at the cap is allowed.
      t.c.recordings.uploads.setUploadCaps({ free: m.video.length });
      expect((await uploadMultipart(t, other.token, mp4())).statusCode).toBe(201);
    });

    it('validates the multipart body', async () => {
      const noFile = multipart([['title', 'x']]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/recordings',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': noFile.contentType },
        payload: noFile.payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/no "file" part/);

      const wrongField = await uploadMultipart(t, user.token, { ...mp4(), field: 'video' });
      expect(wrongField.statusCode).toBe(400);
      expect(wrongField.json().error.message).toMatch(/"file" field/);

      const blank = await uploadMultipart(t, user.token, mp4(), [['title', '   ']]);
      expect(blank.statusCode).toBe(400);

      const badWs = await uploadMultipart(t, user.token, mp4(), [['workspace_id', 'nope']]);
      expect(badWs.statusCode).toBe(400);

      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/api/v1/recordings',
        headers: { 'content-type': noFile.contentType },
        payload: noFile.payload,
      });
      expect(anonymous.statusCode).toBe(401);

      const raw = await t.call('POST', '/api/v1/recordings', {
        token: user.token,
        headers: { 'content-type': 'video/mp4' },
        body: m.video,
      });
      expect(raw.statusCode).toBe(415);
      expect(raw.json().error.message).toMatch(/upload_url/);

      const text = await t.call('POST', '/api/v1/recordings', {
        token: user.token,
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(text.statusCode).toBe(415);
      expect(uploadLeftovers(dataDir)).toEqual([]);
    });

    it('uploads into another workspace the caller belongs to (workspace_id field), not into others', async () => {
      const created = await t.call('POST', '/api/v1/workspaces', {
        token: user.token,
        body: { name: 'Team' },
      });
      expect(created.statusCode).toBe(201);
      const team = created.json().id as string;
      const rec = await uploaded(t, user.token, m4a(), [['workspace_id', team]]);
      expect(rec.workspace_id).toBe(team);

      const stranger = await seedUser(t);
      const res = await uploadMultipart(t, stranger.token, m4a(), [['workspace_id', team]]);
      expect(res.statusCode).toBe(404);
      expect(await rowsOf(stranger.workspaceId)).toEqual([]);
    });
  });

  describe('stub, then PUT the file', () => {
    it('creates a stub with an upload_url, then takes the raw body', async () => {
      const res = await t.call('POST', '/api/v1/recordings', {
        token: user.token,
        body: { title: 'Client call', filename: 'call.mp4' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const stub = res.json();
      expect(stub).toMatchObject({
        title: 'Client call',
        status: 'uploading',
        size_bytes: null,
        media: null,
      });
      expect(stub.upload_url).toBe(`${PUBLIC_URL}/api/v1/recordings/${stub.id}/file`);
      const pending = await t.call('GET', `/api/v1/recordings/${stub.id}/status`, { token: user.token });
      expect(pending.json()).toMatchObject({ status: 'uploading', progress: 0 });
      expect(pending.json().stages.every((s: { state: string }) => s.state === 'queued')).toBe(true);
      expect(
        (await t.call('GET', `/api/v1/recordings/${stub.id}/video`, { token: user.token })).statusCode,
      ).toBe(404);

      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/recordings/${stub.id}/file`,
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
        payload: m.video,
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({
        id: stub.id,
        status: 'queued',
        content_type: 'video/mp4',
        original_filename: 'call.mp4',
        sha256: sha256(m.video),
        size_bytes: m.video.length,
      });
      await waitForStatus(t, user.token, stub.id, (s) => stageOf(s, 'probe').state === 'done');

      const again = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/recordings/${stub.id}/file`,
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'video/mp4' },
        payload: m.video,
      });
      expect(again.statusCode).toBe(409);
      expect(blobsOf(stub.id)).toHaveLength(1);
    });

    it('marks the stub failed on 415 and 413 (no file kept), and a later PUT succeeds', async () => {
      const stub = (
        await t.call('POST', '/api/v1/recordings', { token: user.token, body: { title: 'retry me' } })
      ).json();
      const put = (payload: Buffer | Readable, type = 'application/octet-stream') =>
        t.app.inject({
          method: 'PUT',
          url: `/api/v1/recordings/${stub.id}/file`,
          headers: { authorization: `Bearer ${user.token}`, 'content-type': type },
          payload,
        });

      const notMedia = await put(m.text);
      expect(notMedia.statusCode).toBe(415);
      let rec = (await t.call('GET', `/api/v1/recordings/${stub.id}`, { token: user.token })).json();
      expect(rec).toMatchObject({ status: 'failed', size_bytes: null });
      expect(rec.error).toMatch(/not a recognised audio or video format/);
      const retry = await t.call('POST', `/api/v1/recordings/${stub.id}/retry`, { token: user.token });
      expect(retry.statusCode).toBe(409);
      expect(retry.json().error.message).toMatch(/PUT \/api\/v1\/recordings\/.*\/file/);

      t.c.recordings.uploads.setUploadCaps({ free: 5000 });
      const declared = await put(m.video, 'video/mp4');
      expect(declared.statusCode).toBe(413);
      expect(declared.headers.connection).toBe('close');
      // No Content-Length: only the counter can stop it.
      const streamed = await put(
        Readable.from([m.video.subarray(0, 4000), m.video.subarray(4000)]),
        'video/mp4',
      );
      expect(streamed.statusCode).toBe(413);
      rec = (await t.call('GET', `/api/v1/recordings/${stub.id}`, { token: user.token })).json();
      expect(rec.status).toBe('failed');
      expect(rec.error).toMatch(/larger than this workspace's plan allows/);
      expect(blobsOf(stub.id)).toEqual([]);
      expect(uploadLeftovers(dataDir)).toEqual([]);

      t.c.recordings.uploads.setUploadCaps({});
      const ok = await put(Readable.from([m.video]), 'video/mp4');
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'queued', error: null, size_bytes: m.video.length });

      const failures = await t.c.database.db
        .selectFrom('audit_events')
        .select(['outcome', 'reason'])
        .where('target_id', '=', stub.id)
        .where('action', '=', 'recording.upload')
        .orderBy('occurred_at')
        .execute();
      expect(failures.map((f) => f.outcome)).toEqual(['failure', 'failure', 'failure', 'success']);
    });

    it('lets exactly one of two racing PUTs to a stub win; the loser keeps nothing', async () => {
      const stub = (
        await t.call('POST', '/api/v1/recordings', { token: user.token, body: { title: 'race' } })
      ).json();
      const put = (data: Buffer) =>
        t.app.inject({
          method: 'PUT',
          url: `/api/v1/recordings/${stub.id}/file`,
          headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
          payload: data,
        });
      const results = await Promise.all([put(m.video), put(m.audio)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.statusCode === 200)!.json();
      const rec = (await t.call('GET', `/api/v1/recordings/${stub.id}`, { token: user.token })).json();
      expect(rec.sha256).toBe(winner.sha256);
      expect(blobsOf(stub.id)).toHaveLength(1);
      expect(uploadLeftovers(dataDir)).toEqual([]);
    });

    it('rejects a PUT without a media Content-Type, and one to a recording that is not a stub', async () => {
      const stub = (
        await t.call('POST', '/api/v1/recordings', { token: user.token, body: { title: 'x' } })
      ).json();
      const json = await t.call('PUT', `/api/v1/recordings/${stub.id}/file`, {
        token: user.token,
        body: { a: 1 },
      });
      expect(json.statusCode).toBe(415);
      const text = await t.call('PUT', `/api/v1/recordings/${stub.id}/file`, {
        token: user.token,
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      });
      expect(text.statusCode).toBe(415);
      const missing = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/recordings/rec_00000000000000000000000000/file',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'video/mp4' },
        payload: m.video,
      });
      expect(missing.statusCode).toBe(404);
      const badTitle = await t.call('POST', '/api/v1/recordings', { token: user.token, body: { title: '' } });
      expect(badTitle.statusCode).toBe(400);
    });
  });

  describe('reading', () => {
    it('lists newest first with pagination and a status filter; latest is the newest', async () => {
      const u = await seedUser(t);
      const empty = await t.call('GET', '/api/v1/recordings/latest', { token: u.token });
      expect(empty.statusCode).toBe(404);
      const first = await uploaded(t, u.token, m4a(), [['title', 'first']]);
      const second = await uploaded(t, u.token, mp4(), [['title', 'second']]);
      const stub = (
        await t.call('POST', '/api/v1/recordings', { token: u.token, body: { title: 'third' } })
      ).json();

      const list = await t.call('GET', '/api/v1/recordings', { token: u.token });
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((r: { id: string }) => r.id)).toEqual([stub.id, second.id, first.id]);
      expect(list.json().pagination).toEqual({ limit: 50, offset: 0, total: 3 });

      const page = await t.call('GET', '/api/v1/recordings?limit=1&offset=1', { token: u.token });
      expect(page.json().items.map((r: { id: string }) => r.id)).toEqual([second.id]);
      expect(page.json().pagination).toEqual({ limit: 1, offset: 1, total: 3 });
      const clamped = await t.call('GET', '/api/v1/recordings?limit=100000', { token: u.token });
      expect(clamped.json().pagination.limit).toBe(500);

      const uploading = await t.call('GET', '/api/v1/recordings?status=uploading', { token: u.token });
      expect(uploading.json().items.map((r: { id: string }) => r.id)).toEqual([stub.id]);
      const byWs = await t.call('GET', `/api/v1/recordings?workspace_id=${u.workspaceId}`, {
        token: u.token,
      });
      expect(byWs.json().pagination.total).toBe(3);
      const badStatus = await t.call('GET', '/api/v1/recordings?status=nope', { token: u.token });
      expect(badStatus.statusCode).toBe(400);

      const latest = await t.call('GET', '/api/v1/recordings/latest', { token: u.token });
      expect(latest.statusCode).toBe(200);
      expect(latest.json().id).toBe(stub.id);
      const one = await t.call('GET', `/api/v1/recordings/${second.id}`, { token: u.token });
      expect(one.json()).toMatchObject({ id: second.id, title: 'second', has_video: true });
      const badId = await t.call('GET', '/api/v1/recordings/not-an-id', { token: u.token });
      expect(badId.statusCode).toBe(400);
    });

    it("answers 404 for another workspace's recordings, everywhere", async () => {
      const owner = await seedUser(t);
      const stranger = await seedUser(t);
      const rec = await uploaded(t, owner.token, m4a());
      for (const [method, url] of [
        ['GET', `/api/v1/recordings/${rec.id}`],
        ['GET', `/api/v1/recordings/${rec.id}/status`],
        ['GET', `/api/v1/recordings/${rec.id}/video`],
        ['HEAD', `/api/v1/recordings/${rec.id}/video`],
        ['POST', `/api/v1/recordings/${rec.id}/retry`],
        ['DELETE', `/api/v1/recordings/${rec.id}`],
        ['GET', `/api/v1/recordings?workspace_id=${owner.workspaceId}`],
        ['GET', `/api/v1/recordings/latest?workspace_id=${owner.workspaceId}`],
      ] as const) {
        const res = await t.call(method, url, { token: stranger.token });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        if (method !== 'HEAD') expect(res.json().error.code).toBe('NOT_FOUND');
      }
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/recordings/${rec.id}/file`,
        headers: { authorization: `Bearer ${stranger.token}`, 'content-type': 'video/mp4' },
        payload: m.video,
      });
      expect(put.statusCode).toBe(404);
      expect((await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: owner.token })).statusCode).toBe(
        200,
      );
      const anonymous = await t.call('GET', `/api/v1/recordings/${rec.id}`);
      expect(anonymous.statusCode).toBe(401);
    });

    it('lets a read key read and play but not upload, retry or delete (403)', async () => {
      const u = await seedUser(t);
      const rec = await uploaded(t, u.token, m4a());
      const key = async (scopes: string[]) => {
        const res = await t.call('POST', '/api/v1/keys', {
          token: u.token,
          body: { name: scopes.join('+'), scopes },
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().key.plaintext as string;
      };
      const read = await key(['read']);
      expect((await t.call('GET', '/api/v1/recordings', { token: read })).statusCode).toBe(200);
      expect((await t.call('GET', `/api/v1/recordings/${rec.id}/status`, { token: read })).statusCode).toBe(
        200,
      );
      expect((await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: read })).statusCode).toBe(
        200,
      );
      const upload = await uploadMultipart(t, read, m4a());
      expect(upload.statusCode).toBe(403);
      expect(upload.json().error.message).toMatch(/scopes \(read\) do not allow recording:create/);
      const stub = await t.call('POST', '/api/v1/recordings', { token: read, body: { title: 'x' } });
      expect(stub.statusCode).toBe(403);
      expect((await t.call('POST', `/api/v1/recordings/${rec.id}/retry`, { token: read })).statusCode).toBe(
        403,
      );
      expect((await t.call('DELETE', `/api/v1/recordings/${rec.id}`, { token: read })).statusCode).toBe(403);

      const write = await key(['write']);
      expect((await uploadMultipart(t, write, m4a())).statusCode).toBe(201);
      expect((await t.call('DELETE', `/api/v1/recordings/${rec.id}`, { token: write })).statusCode).toBe(403);
      const admin = await key(['admin']);
      expect((await t.call('DELETE', `/api/v1/recordings/${rec.id}`, { token: admin })).statusCode).toBe(204);
      expect(await rowsOf(u.workspaceId)).toHaveLength(1);
    });
  });

  describe('delete, usage, retry', () => {
    it('deletes rows and every stored file; usage follows uploads and deletes', async () => {
      const u = await seedUser(t);
      expect(await usage(u.token, u.workspaceId)).toEqual({ recordings: 0, storage: 0, uploaded: 0 });
      const a = await uploaded(t, u.token, mp4());
      const b = await uploaded(t, u.token, m4a());
      const stub = (
        await t.call('POST', '/api/v1/recordings', { token: u.token, body: { title: 'stub' } })
      ).json();
      const total = m.video.length + m.audio.length;
      expect(await usage(u.token, u.workspaceId)).toEqual({ recordings: 3, storage: total, uploaded: total });
      await waitForStatus(t, u.token, a.id, (s) => stageOf(s, 'probe').state === 'done');

      // A stage output under the prefix is deleted with the recording as well.
      const rec = (await t.c.recordings.repo.find(a.id))!;
      const extra = path.join(dataDir, 'poster.jpg');
      await import('node:fs/promises').then((fs) => fs.writeFile(extra, Buffer.alloc(1234, 1)));
      await t.c.recordings.pipeline.storeDerived(rec, 'poster.jpg', extra, 'image/jpeg');
      expect(blobsOf(a.id)).toHaveLength(2);
      expect((await usage(u.token, u.workspaceId)).storage).toBe(total + 1234);

      const del = await t.call('DELETE', `/api/v1/recordings/${a.id}`, { token: u.token });
      expect(del.statusCode).toBe(204);
      expect(blobsOf(a.id)).toEqual([]);
      expect(
        await t.c.database.db.selectFrom('recordings').select('id').where('id', '=', a.id).execute(),
      ).toEqual([]);
      expect(
        await t.c.database.db
          .selectFrom('recording_stages')
          .select('stage')
          .where('recording_id', '=', a.id)
          .execute(),
      ).toEqual([]);
      expect((await t.call('GET', `/api/v1/recordings/${a.id}`, { token: u.token })).statusCode).toBe(404);
      expect((await t.call('DELETE', `/api/v1/recordings/${a.id}`, { token: u.token })).statusCode).toBe(404);
      expect(await usage(u.token, u.workspaceId)).toEqual({
        recordings: 2,
        storage: m.audio.length,
        uploaded: total,
      });

      expect((await t.call('DELETE', `/api/v1/recordings/${stub.id}`, { token: u.token })).statusCode).toBe(
        204,
      );
      expect((await t.call('DELETE', `/api/v1/recordings/${b.id}`, { token: u.token })).statusCode).toBe(204);
      expect(await usage(u.token, u.workspaceId)).toEqual({ recordings: 0, storage: 0, uploaded: total });
      expect(storedBlobs(dataDir).filter((k) => k.startsWith(`ws/${u.workspaceId}/`))).toEqual([]);

      const audit = await t.c.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('target_id', '=', a.id)
        .where('action', '=', 'recording.delete')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(String(audit.before))).toMatchObject({ id: a.id, title: 'standup' });
    });

    it('a failed stage shows its error; retry re-queues only failed stages, 409 when none failed', async () => {
      const u = await seedUser(t);
      const rec = await uploaded(t, u.token, mp4());
      // The first pass of the media stages ends before the file is taken away below.
      await waitForStatus(t, u.token, rec.id, (s) =>
        ['probe', 'media', 'frames', 'ocr'].every((x) => ['done', 'skipped'].includes(stageOf(s, x).state)),
      );
      const nothing = await t.call('POST', `/api/v1/recordings/${rec.id}/retry`, { token: u.token });
      expect(nothing.statusCode).toBe(409);
      expect(nothing.json().error.message).toMatch(/no stage of this recording failed/);

      // Break it for real: the stored original disappears, the probe stage fails.
      const stored = (await t.c.recordings.repo.find(rec.id))!;
      const saved = path.join(dataDir, 'saved.mp4');
      await import('node:fs/promises').then((fs) => fs.writeFile(saved, m.video));
      await t.c.blobs.delete(stored.original_key!);
      await t.c.recordings.pipeline.enqueue(rec.id, 'probe');
      const failed = await waitForStatus(t, u.token, rec.id, (s) => s.status === 'failed');
      expect(stageOf(failed, 'probe')).toMatchObject({ state: 'failed', attempts: 2 });
      expect(stageOf(failed, 'probe').error).toBe('A stored file of this recording is missing from storage.');
      expect(failed.error).toMatch(/^Stage probe failed/);
      // Media reads the probe's findings, so it ran again after it and met the same missing file;
      // frames and ocr do not, and were left alone (see RecordingPipeline's STAGE_INPUTS).
      expect(stageOf(failed, 'media')).toMatchObject({
        state: 'failed',
        error: 'A stored file of this recording is missing from storage.',
      });

      // Put the file back and retry: only the failed stages are re-queued, and probe runs again.
      await t.c.blobs.put(stored.original_key!, Readable.from([m.video]), { contentType: 'video/mp4' });
      const retry = await t.call('POST', `/api/v1/recordings/${rec.id}/retry`, { token: u.token });
      expect(retry.statusCode, retry.body).toBe(200);
      expect(retry.json()).toMatchObject({ recording_id: rec.id });
      expect(retry.json().requeued).toEqual(expect.arrayContaining(['probe', 'media']));
      expect(retry.json().requeued).not.toContain('frames');
      const after = await waitForStatus(t, u.token, rec.id, (s) => stageOf(s, 'probe').state === 'done');
      expect(stageOf(after, 'probe')).toMatchObject({ error: null, attempts: 3 });
      expect(after.status).toBe('processing');
      const audit = await t.c.database.db
        .selectFrom('audit_events')
        .select(['outcome'])
        .where('target_id', '=', rec.id)
        .where('action', '=', 'recording.retry')
        .execute();
      expect(audit).toEqual([{ outcome: 'success' }]);
    }, 120_000);
  });
});
