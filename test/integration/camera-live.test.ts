import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/engines/ffmpeg/probe.js';
import { CamerasRepository } from '../../src/modules/vision/cameras/cameras.repository.js';
import { FrameHub } from '../../src/modules/vision/live/frame-hub.js';
import { CameraLeasesRepository } from '../../src/modules/vision/workers/camera-leases.repository.js';
import { CameraSupervisor } from '../../src/modules/vision/workers/supervisor.js';
import { CAMERA_URLS, SecretBox } from '../../src/platform/crypto/secret-box.js';
import { newId } from '../../src/platform/ids.js';
import { rtspServerMissing, startRtspServer, type RtspServer } from '../fixtures/rtsp/rtsp-server.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Live views of a real RTSP camera (GStreamer's server, a moving test pattern): the
 * no-signal picture before the first frame, then the camera's own frames as snapshots
 * and as an MJPEG stream over a real socket, also from a process that runs no worker
 * (through the database slot), and the spec's 404 for an unknown camera.
 */
const missing = rtspServerMissing();
const SECRET = 'test-secret-test-secret-test-secret-0123';
const logger = pino({ level: process.env.IRIS_TEST_LOG ?? 'silent' });

describe.runIf(!missing).each(DIALECTS)('live views on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let rtsp: RtspServer;
  let supervisor: CameraSupervisor;
  let base: string;
  let camId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { secret: SECRET });
    owner = await seedUser(t);
    rtsp = await startRtspServer();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await supervisor?.close();
    await rtsp?.stop();
    await t?.close();
  }, 30_000);

  it('serves no-signal, then the camera’s frames as snapshots and an MJPEG stream', async () => {
    const created = await t.call('POST', '/api/v1/cameras', {
      token: owner.token,
      body: { workspace_id: owner.workspaceId, name: 'Street', rtsp_url: rtsp.url() },
    });
    const cam = created.json() as { id: string };
    camId = cam.id;
    const snapshot = (path = `/api/cameras`) =>
      t.call('GET', `${path.replace('/cameras', '/live')}/${cam.id}/snapshot`, { token: owner.token });

    const placeholder = await snapshot();
    expect(placeholder.statusCode).toBe(200);
    expect(placeholder.headers['content-type']).toBe('image/jpeg');
    expect(await sharp(placeholder.rawPayload).metadata()).toMatchObject({
      format: 'jpeg',
      width: 640,
      height: 360,
    });
    expect(
      (await t.call('GET', `/api/live/${newId('cam')}/snapshot`, { token: owner.token })).statusCode,
    ).toBe(404);

    const cameras = new CamerasRepository(t.c.database.db);
    supervisor = new CameraSupervisor({
      cameras,
      leases: new CameraLeasesRepository(t.c.database.db),
      box: new SecretBox(SECRET, CAMERA_URLS),
      logger,
      holder: 'live-test',
      pollMs: 300,
      sink: (camera) => t.c.vision.sinkFor(camera),
    });
    supervisor.start();
    let first: Buffer | undefined;
    for (let i = 0; i < 100 && !first; i++) {
      const r = await snapshot('/api/v1/cameras');
      if (r.headers['last-modified']) first = r.rawPayload;
      else await new Promise((res) => setTimeout(res, 200));
    }
    expect(first, 'a frame of the camera within 20 s').toBeDefined();
    const meta = await sharp(first!).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
    await new Promise((res) => setTimeout(res, 600));
    // The test pattern's ball moves: a later snapshot is another picture.
    expect((await snapshot()).rawPayload.equals(first!)).toBe(false);

    // A process without the worker reads the database slot.
    const elsewhere = new FrameHub(t.c.database.db);
    const slot = await elsewhere.latest(cam.id);
    expect(slot && (await sharp(slot.jpeg).metadata()).width).toBe(640);
    expect(Date.now() - slot!.at).toBeLessThan(5000);

    // MJPEG over a real socket: multipart parts, each a whole JPEG, at the asked rate.
    const started = Date.now();
    const { type, got, connectionsAfter } = await new Promise<{
      type: string;
      got: Buffer;
      connectionsAfter: number;
    }>((resolve, reject) => {
      const req = http.get(
        `${base}/api/v1/live/${cam.id}/stream?fps=2`,
        { headers: { authorization: `Bearer ${owner.token}` } },
        (res) => {
          expect(res.statusCode).toBe(200);
          const type = String(res.headers['content-type']);
          const boundary = type.split('boundary=')[1]!;
          let got = Buffer.alloc(0);
          res.on('data', (chunk: Buffer) => {
            got = Buffer.concat([got, chunk]);
            if (got.toString('latin1').split(`--${boundary}`).length < 5) return;
            // The viewer leaves: the server stops sending and lets the connection go.
            req.destroy();
            setTimeout(
              () => t.app.server.getConnections((_e, n) => resolve({ type, got, connectionsAfter: n })),
              300,
            );
          });
        },
      );
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    const elapsed = Date.now() - started;
    expect(type).toMatch(/^multipart\/x-mixed-replace; boundary=/);
    const boundary = type.split('boundary=')[1]!;
    expect(connectionsAfter).toBe(0);
    const parts = got
      .toString('latin1')
      .split(`--${boundary}\r\n`)
      .filter(Boolean)
      .slice(0, 3)
      .map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1'));
    for (const p of parts) expect((await sharp(p).metadata()).format).toBe('jpeg');
    // Four boundaries at 2 frames a second take over a second (never a burst).
    expect(elapsed).toBeGreaterThan(1000);
  }, 90_000);

  it('keeps a manual recording as an event with its clip, and refuses a started_at it did not sign', async () => {
    const live = `/api/live/${camId}`;
    const viewer = await seedUser(t);
    await t.c.workspacesRepo.addMember(owner.workspaceId, viewer.userId, 'viewer');
    expect((await t.call('POST', `${live}/record/start`, { token: viewer.token })).statusCode).toBe(403);
    const start = await t.call('POST', `${live}/record/start`, { token: owner.token });
    expect(start.statusCode, start.body).toBe(200);
    const startedAt = start.json().started_at as string;
    // An ISO time like any other, to the millisecond.
    expect(Math.abs(Date.parse(startedAt) - Date.now())).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 3000));
    const stop = (body: unknown) => t.call('POST', `${live}/record/stop`, { token: owner.token, body });
    const forged = startedAt.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
    for (const bad of [forged, new Date(Date.now() - 60_000).toISOString(), 'yesterday']) {
      const r = await stop({ started_at: bad });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().error.details).toMatchObject({ field: 'started_at' });
    }
    const other = (
      await t.call('POST', '/api/v1/cameras', {
        token: owner.token,
        body: { workspace_id: owner.workspaceId, name: 'Other', rtsp_url: rtsp.url(), enabled: false },
      })
    ).json() as { id: string };
    // Signed for another camera.
    expect(
      (
        await t.call('POST', `/api/live/${other.id}/record/stop`, {
          token: owner.token,
          body: { started_at: startedAt },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await t.call('POST', `/api/live/${other.id}/record/start`, { token: owner.token })).statusCode,
    ).toBe(409);

    const done = await stop({ started_at: startedAt });
    expect(done.statusCode, done.body).toBe(200);
    const result = done.json() as { event_id: string; clip: string | null; duration: number };
    expect(result.duration).toBeGreaterThanOrEqual(3);
    expect(result.clip).toBe(`/api/v1/events/${result.event_id}/clip`);
    const event = (await t.call('GET', `/api/v1/events/${result.event_id}`, { token: owner.token })).json();
    expect(event).toMatchObject({ kind: 'manual', camera_id: camId, has_clip: true, has_thumbnail: true });
    expect(event.recording_id).toMatch(/^rec_/);
    const clip = await t.call('GET', result.clip!, { token: owner.token });
    expect(clip.statusCode).toBe(200);
    const file = path.join(os.tmpdir(), `${result.event_id}.mp4`);
    writeFileSync(file, clip.rawPayload);
    const probed = await probe(file);
    rmSync(file, { force: true });
    // [started_at − 1 s, stop + 1 s], to the buffer's 2 s segments.
    expect(probed.duration_seconds).toBeGreaterThanOrEqual(3);
    expect(probed.duration_seconds).toBeLessThan(12);
  }, 60_000);
});
