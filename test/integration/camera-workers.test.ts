import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMERA_URLS, SecretBox } from '../../src/platform/crypto/secret-box.js';
import { CamerasRepository } from '../../src/modules/vision/cameras/cameras.repository.js';
import { CameraLeasesRepository } from '../../src/modules/vision/workers/camera-leases.repository.js';
import { CameraWorker } from '../../src/modules/vision/workers/camera-worker.js';
import { CameraSupervisor } from '../../src/modules/vision/workers/supervisor.js';
import {
  freePort,
  rtspServerMissing,
  startRtspServer,
  type RtspServer,
} from '../fixtures/rtsp/rtsp-server.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Camera workers against a real RTSP server (GStreamer's) on 127.0.0.1: a camera comes
 * online with its frame rate, wrong credentials and a closed port each give `error` with
 * the reason, a stream that drops and returns goes to error and back to online, and in
 * a cluster (two supervisors over one database, as two `iris worker` processes) each
 * camera runs in exactly one, and moves when its holder dies.
 */
const missing = rtspServerMissing();
if (missing) console.warn(`[camera-workers] skipped: ${missing}`);

const SECRET = 'test-secret-test-secret-test-secret-0123';
const logger = pino({ level: process.env.IRIS_TEST_LOG ?? 'silent' });

describe.runIf(!missing).each(DIALECTS)('camera workers on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let rtsp: RtspServer;
  const supervisors: CameraSupervisor[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect, { secret: SECRET });
    owner = await seedUser(t);
    rtsp = await startRtspServer({ user: 'admin', password: 's3cret' });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(supervisors.map((s) => s.close()));
    await rtsp?.stop();
    await t?.close();
  });

  const supervisor = (holder: string, leaseSeconds = 3) => {
    const cameras = new CamerasRepository(t.c.database.db);
    const s = new CameraSupervisor({
      cameras,
      leases: new CameraLeasesRepository(t.c.database.db),
      box: new SecretBox(SECRET, CAMERA_URLS),
      logger,
      holder,
      leaseSeconds,
      pollMs: 300,
      worker: (camera, url) =>
        new CameraWorker({
          cameraId: camera.id,
          workerId: holder,
          url,
          transport: camera.transport,
          beat: (h) => cameras.beat(h),
          logger,
          backoffSeconds: [0.5, 1],
        }),
    });
    supervisors.push(s);
    s.start();
    return s;
  };
  const addCamera = async (name: string, rtsp_url: string, extra: Record<string, unknown> = {}) => {
    const res = await t.call('POST', '/api/v1/cameras', {
      token: owner.token,
      body: { workspace_id: owner.workspaceId, name, rtsp_url, ...extra },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const status = async (id: string) =>
    (await t.call('GET', `/api/v1/cameras/${id}/status`, { token: owner.token })).json() as {
      status: string;
      fps: number | null;
      reason: string | null;
    };
  const until = async (id: string, want: (s: Awaited<ReturnType<typeof status>>) => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    let last = await status(id);
    while (!want(last)) {
      if (Date.now() > deadline)
        throw new Error(`camera ${id} never reached the state; last: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 200));
      last = await status(id);
    }
    return last;
  };

  it('brings a camera online with its frame rate, and reports bad credentials and a closed port as errors', async () => {
    const good = await addCamera('Good', rtsp.url('admin:s3cret'));
    const wrong = await addCamera('Wrong password', rtsp.url('admin:nope'));
    const closed = await addCamera('Nothing there', `rtsp://127.0.0.1:${await freePort()}/cam`, {
      rtsp_transport: 'udp',
    });
    const s = supervisor('worker-a');
    // Online, at a frame rate (the first beats of a busy machine may count fewer frames).
    await until(good.id, (x) => x.status === 'online' && (x.fps ?? 0) > 1);
    const refused = await until(wrong.id, (x) => x.status === 'error');
    expect(refused.reason).toContain('credentials');
    expect(JSON.stringify(refused)).not.toContain('nope');
    const unreachable = await until(closed.id, (x) => x.status === 'error');
    expect(unreachable.reason).toMatch(/cannot be reached/);
    expect(s.held().sort()).toEqual([good.id, wrong.id, closed.id].sort());

    // Disabling stops the worker (seen at the next poll) and the camera is offline.
    await t.call('PUT', `/api/v1/cameras/${wrong.id}`, { token: owner.token, body: { enabled: false } });
    await t.call('DELETE', `/api/v1/cameras/${closed.id}`, { token: owner.token });
    await until(wrong.id, (x) => x.status === 'offline');
    const deadline = Date.now() + 5000;
    while (s.held().length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(s.held()).toEqual([good.id]);
    await s.close();
    await t.call('DELETE', `/api/v1/cameras/${good.id}`, { token: owner.token });
  }, 60_000);

  it('goes to error when the stream drops and back online when it returns', async () => {
    const cam = await addCamera('Flaky', rtsp.url('admin:s3cret'));
    const s = supervisor('worker-b');
    await until(cam.id, (x) => x.status === 'online');
    await rtsp.stop();
    const dropped = await until(cam.id, (x) => x.status === 'error');
    expect(dropped.reason).toMatch(/stream ended|cannot be reached|could not be read/);
    await rtsp.start();
    await until(cam.id, (x) => x.status === 'online' && (x.fps ?? 0) > 0, 30_000);
    await s.close();
    await t.call('DELETE', `/api/v1/cameras/${cam.id}`, { token: owner.token });
  }, 90_000);

  it('runs each camera in exactly one process of a cluster, and moves it when that process dies', async () => {
    const a = await addCamera('Lobby', rtsp.url('admin:s3cret'));
    const b = await addCamera('Dock', rtsp.url('admin:s3cret'));
    const one = supervisor('node-1');
    const two = supervisor('node-2');
    await until(a.id, (x) => x.status === 'online');
    await until(b.id, (x) => x.status === 'online');
    await new Promise((r) => setTimeout(r, 1000));
    const held = [...one.held(), ...two.held()].sort();
    expect(held).toEqual([a.id, b.id].sort());
    // Killed, not stopped: its leases are not handed back, they run out.
    const [dead, alive] = one.held().length ? [one, two] : [two, one];
    const orphaned = dead.held();
    await dead.close({ releaseLeases: false });
    const deadline = Date.now() + 15_000;
    while (!orphaned.every((id) => alive.held().includes(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(alive.held().sort()).toEqual([a.id, b.id].sort());
    const beats = await t.c.database.db.selectFrom('camera_heartbeats').selectAll().execute();
    for (const id of orphaned) await until(id, (x) => x.status === 'online');
    expect(beats.length).toBeGreaterThan(0);
  }, 90_000);
});
