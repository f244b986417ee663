import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrisApiError, IrisClient, IrisNetworkError, collect, type RetryEvent } from '../../src/sdk/index.js';
import { seedUser } from '../helpers/app.js';
import { mediaFiles } from '../modules/recordings.helpers.js';
import { startServer, type LiveServer } from './server.js';

describe('IrisClient against a live server', () => {
  let s: LiveServer;
  let iris: IrisClient;

  beforeAll(async () => {
    s = await startServer();
    iris = new IrisClient({ baseUrl: s.url, token: s.apiKey });
  }, 60_000);
  afterAll(async () => s?.close());

  it('authenticates with an API key (and accepts a base URL ending in /api/v1)', async () => {
    const me = await new IrisClient({ baseUrl: `${s.url}/api/v1/`, token: s.apiKey }).me();
    expect(me.user.id).toBe(s.user.userId);
    expect(me.credential).toMatchObject({ type: 'api_key', workspace_id: s.user.workspaceId });
  });

  it('throws IrisApiError with status, code, message and request id', async () => {
    const missing = await iris.recordings.get('rec_00000000000000000000000000').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IrisApiError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((missing as IrisApiError).requestId).toMatch(/^req_/);
    expect((missing as IrisApiError).message).not.toBe('');

    const anonymous = new IrisClient({ baseUrl: s.url, token: 'ir_live_not-a-key' });
    await expect(anonymous.me()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('explains that API keys cannot create keys (403)', async () => {
    await expect(iris.keys.create({ name: 'nope' })).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    const session = new IrisClient({ baseUrl: s.url, token: s.user.token });
    const created = await session.keys.create({ name: 'from a session', workspace_id: s.user.workspaceId });
    expect(created.key.plaintext).toMatch(/^ir_live_/);
    await session.keys.revoke(created.key.id);
  });

  it('reports an unreachable server as IrisNetworkError', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const nowhere = new IrisClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const err = await nowhere.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrisNetworkError);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('iterates every page of a list', async () => {
    const session = new IrisClient({ baseUrl: s.url, token: s.user.token });
    for (let i = 0; i < 4; i++) await session.workspaces.create(`Team ${i}`);
    const all = await collect(session.workspaces.iterate({ pageSize: 2 }));
    expect(all.map((w) => w.name).sort()).toEqual(['Personal', 'Team 0', 'Team 1', 'Team 2', 'Team 3']);
    expect(await collect(session.workspaces.iterate({ pageSize: 2, max: 3 }))).toHaveLength(3);
  });

  it('retries a 429 after Retry-After (real limiter, moved clock)', async () => {
    const u = await seedUser(s.t);
    let now = Date.now();
    s.t.c.rateLimiter.setClock(() => now);
    s.t.c.rateLimiter.setLimits({ free: 2 });
    try {
      const events: RetryEvent[] = [];
      const limited = new IrisClient({
        baseUrl: s.url,
        token: u.token,
        retry: {
          sleep: async (ms) => {
            now += ms;
          },
          onRetry: (e) => events.push(e),
        },
      });
      await limited.workspaces.list();
      await limited.workspaces.list();
      const third = await limited.workspaces.list();
      expect(third.items).toHaveLength(1);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status: 429, attempt: 1 });
      // 2 a minute refills one every 30 s; Retry-After says so and the client waited it.
      expect(events[0]!.delayMs).toBeGreaterThanOrEqual(30_000);

      const impatient = new IrisClient({ baseUrl: s.url, token: u.token, retry: false });
      const refused = await impatient.workspaces.list().catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
      expect((refused as IrisApiError).retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      s.t.c.rateLimiter.setLimits({ free: 1e9 });
      s.t.c.rateLimiter.setClock(() => Date.now());
    }
  });

  it('uploads a file with tus, reporting progress, and creates the recording', async () => {
    const m = await mediaFiles();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-sdk-up-'));
    const file = path.join(dir, 'demo clip.mp4');
    writeFileSync(file, m.video);
    const progress: number[] = [];
    const result = await iris.recordings.upload(file, {
      title: 'SDK upload',
      chunkSize: 16 * 1024,
      onProgress: (sent) => progress.push(sent),
    });
    expect(result.recordingId).toMatch(/^rec_/);
    expect(result.status).toBe('queued');
    expect(progress.at(-1)).toBe(m.video.length);
    const rec = await iris.recordings.get(result.recordingId);
    expect(rec).toMatchObject({
      title: 'SDK upload',
      original_filename: 'demo clip.mp4',
      size_bytes: m.video.length,
      workspace_id: s.user.workspaceId,
    });
    const status = await iris.recordings.status(result.recordingId);
    expect(status.stages.length).toBeGreaterThan(0);
    const listed = await collect(iris.recordings.iterate());
    expect(listed.map((r) => r.id)).toContain(result.recordingId);
  });

  it('resumes an interrupted upload from the stored URL', async () => {
    const m = await mediaFiles();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-sdk-resume-'));
    const file = path.join(dir, 'clip.mp4');
    writeFileSync(file, m.video);
    const resumeStore = path.join(dir, 'uploads.json');
    const chunkSize = Math.ceil(m.video.length / 4);

    const stop = new AbortController();
    let url = '';
    const first = iris.recordings.upload(file, {
      chunkSize,
      resumeStore,
      onUploadUrl: (u) => (url = u),
      onProgress: (sent) => {
        // Past the first chunk: that one was acknowledged before the second started.
        if (sent > chunkSize) stop.abort(new Error('interrupted'));
      },
      signal: stop.signal,
    });
    await expect(first).rejects.toThrow('interrupted');
    expect(url).toMatch(/\/api\/v1\/uploads\/tus\/rec_/);

    // The server kept what arrived; the next run continues from there, same upload.
    const head = await fetch(url, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${s.apiKey}` },
    });
    const kept = Number(head.headers.get('upload-offset'));
    expect(kept).toBeGreaterThanOrEqual(chunkSize);
    expect(kept).toBeLessThan(m.video.length);

    const sentAgain: number[] = [];
    const second = await iris.recordings.upload(file, {
      chunkSize,
      resumeStore,
      onProgress: (sent) => sentAgain.push(sent),
    });
    expect(second).toMatchObject({ resumed: true, uploadUrl: url, status: 'queued' });
    expect(sentAgain.filter((n) => n > 0 && n < kept)).toEqual([]);
    expect((await iris.recordings.get(second.recordingId)).size_bytes).toBe(m.video.length);
  });
});
