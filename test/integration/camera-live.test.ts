import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
