import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src/engines/ffmpeg/command.js';
import { probe } from '../../src/engines/ffmpeg/probe.js';
import { HlsSessions } from '../../src/modules/vision/live/hls-sessions.js';
import { rtspServerMissing, startRtspServer, type RtspServer } from '../fixtures/rtsp/rtsp-server.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Spec 001's live-with-sound: a real RTSP camera sending H.264 and G.711 sound (as most
 * IP cameras do) played as HLS through the API: the playlist starts the session, its
 * segments carry the picture and the sound (AAC), names are checked, closing stops it,
 * and a full or disabled server answers 503.
 */
const missing = rtspServerMissing();

describe.runIf(!missing).each(DIALECTS)('live HLS on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let outsider: Awaited<ReturnType<typeof seedUser>>;
  let rtsp: RtspServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-hls-'));
    t = await createTestApp(dialect, { dataDir, hls: { enabled: true, maxSessions: 1 } });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    owner = await seedUser(t);
    outsider = await seedUser(t);
    rtsp = await startRtspServer({ audio: true });
  }, 60_000);
  afterAll(async () => {
    await rtsp?.stop();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  const camera = async (name: string) =>
    (
      await t.call('POST', '/api/v1/cameras', {
        token: owner.token,
        body: { workspace_id: owner.workspaceId, name, rtsp_url: rtsp.url() },
      })
    ).json() as { id: string };

  it('plays a camera with its sound as HLS, checks segment names, and stops on close', async () => {
    const cam = await camera('Hall');
    const hls = `/api/live/${cam.id}/hls`;
    expect((await t.call('GET', `${hls}/index.m3u8`, { token: outsider.token })).statusCode).toBe(404);
    const playlist = await t.call('GET', `${hls}/index.m3u8`, { token: owner.token });
    expect(playlist.statusCode, playlist.body).toBe(200);
    expect(playlist.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(playlist.body).toMatch(/^#EXTM3U/);
    const first = /^(seg\d{5}\.ts)$/m.exec(playlist.body)?.[1];
    expect(first, playlist.body).toBeDefined();
    // Asking again is the same session.
    expect(
      (await t.call('GET', `/api/v1/live/${cam.id}/hls/index.m3u8`, { token: owner.token })).statusCode,
    ).toBe(200);
    const seg = await t.call('GET', `${hls}/${first}`, { token: owner.token });
    expect(seg.statusCode).toBe(200);
    expect(seg.headers['content-type']).toBe('video/mp2t');
    const file = path.join(dataDir, 'segment.ts');
    writeFileSync(file, seg.rawPayload);
    // The npm ffprobe build crashes on MPEG-TS (SIGSEGV); its ffmpeg reads it fine: copy
    // the streams into Matroska and probe that.
    const mkv = path.join(dataDir, 'segment.mkv');
    await runFfmpeg(['-i', file, '-map', '0', '-c', 'copy', '-f', 'matroska', mkv], { what: 'Remuxing' });
    const probed = await probe(mkv);
    expect(probed.video?.codec).toBe('h264');
    expect(probed.audio?.codec).toBe('aac');
    for (const bad of ['seg1.ts', 'index.m3u9', '..%2F..%2Fsecret.ts', 'seg00000.ts.bak']) {
      expect((await t.call('GET', `${hls}/${bad}`, { token: owner.token })).statusCode, bad).toBe(400);
    }
    expect((await t.call('GET', `${hls}/seg99999.ts`, { token: owner.token })).statusCode).toBe(404);
    // One session at most on this server: a second camera waits for the first to close.
    const other = await camera('Porch');
    const full = await t.call('GET', `/api/live/${other.id}/hls/index.m3u8`, { token: owner.token });
    expect(full.statusCode).toBe(503);
    expect(full.json().error.message).toMatch(/capacity/);
    expect((await t.call('POST', `${hls}/close`, { token: owner.token })).statusCode).toBe(204);
    expect(t.c.vision.hls.active).toBe(0);
    expect((await t.call('GET', `${hls}/${first}`, { token: owner.token })).statusCode).toBe(404);
    const now = await t.call('GET', `/api/live/${other.id}/hls/index.m3u8`, { token: owner.token });
    expect(now.statusCode, now.body).toBe(200);
    expect((await t.call('GET', `/api/live/${other.id}/hls/close`, { token: owner.token })).statusCode).toBe(
      204,
    );
  }, 60_000);

  it('answers 503 when HLS is turned off', async () => {
    const cam = await camera('Off');
    const off = new HlsSessions({
      cameras: t.c.vision.cameras,
      dir: dataDir,
      logger: pino({ level: 'silent' }),
      options: { enabled: false },
    });
    await expect(off.playlist({ kind: 'anonymous' } as never, cam.id)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    await off.closeAll();
  });
});
