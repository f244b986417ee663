import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, seedUser, tamperedToken, type TestApp } from '../../helpers/app.js';
import { DIALECTS } from '../../helpers/db.js';

/**
 * Spec 001's cameras over HTTP on every dialect: the fields and their ranges, the RTSP
 * URL as a write-only secret (never in a response, list, audit entry or error), echo
 * handling on update, repointing, delete, status, detect classes, and the spec's own
 * /api/cameras paths. Workers are not started here (no process runs them in this
 * app): test/integration/camera-workers.test.ts runs them against a real RTSP server.
 */
const SECRET_URL = 'rtsp://admin:hunter2-Secret@cam-1.example.com:554/Streaming/Channels/101?token=abc123';

describe.each(DIALECTS)('cameras on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let viewer: Awaited<ReturnType<typeof seedUser>>;
  let outsider: Awaited<ReturnType<typeof seedUser>>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    owner = await seedUser(t);
    viewer = await seedUser(t);
    outsider = await seedUser(t);
    await t.c.workspacesRepo.addMember(owner.workspaceId, viewer.userId, 'viewer');
  });
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>, token = owner.token) =>
    t.call('POST', '/api/v1/cameras', { token, body: { workspace_id: owner.workspaceId, ...body } });
  const noSecretIn = (text: string) => {
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc123');
  };

  it('creates a camera with defaults, masks its URL everywhere and lists it with a status', async () => {
    const res = await create({ name: 'Front door', rtsp_url: SECRET_URL });
    expect(res.statusCode, res.body).toBe(201);
    noSecretIn(res.body);
    const cam = res.json();
    expect(cam).toMatchObject({
      id: expect.stringMatching(/^cam_/),
      name: 'Front door',
      rtsp_url: 'rtsp://***@cam-1.example.com:554/Streaming/Channels/101?***',
      enabled: true,
      trigger_classes: 'person',
      rtsp_transport: 'tcp',
      status: 'offline',
      last_seen: null,
    });
    for (const path of [
      '/api/v1/cameras',
      '/api/cameras',
      `/api/v1/cameras/${cam.id}`,
      `/api/cameras/${cam.id}`,
    ]) {
      const r = await t.call(
        'GET',
        `${path}${path.endsWith('cameras') ? `?workspace_id=${owner.workspaceId}` : ''}`,
        {
          token: owner.token,
        },
      );
      expect(r.statusCode, `${path} ${r.body}`).toBe(200);
      noSecretIn(r.body);
    }
    const list = (await t.call('GET', '/api/cameras', { token: owner.token })).json();
    // Spec 001's list shape (total + items) with ours beside it.
    expect(list.total).toBe(1);
    expect(list.items[0]).toMatchObject({ id: cam.id, status: 'offline' });
    expect(list.pagination).toMatchObject({ total: 1 });

    const audit = await t.call('GET', `/api/v1/audit-events?workspace_id=${owner.workspaceId}&limit=50`, {
      token: owner.token,
    });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.body).toContain('camera.create');
    noSecretIn(audit.body);
    // Sealed at rest: the row holds no clear credential either.
    const row = await t.c.database.db
      .selectFrom('cameras')
      .selectAll()
      .where('id', '=', cam.id)
      .executeTakeFirstOrThrow();
    noSecretIn(JSON.stringify(row));
  });

  it('refuses out-of-range fields with a 400 that names the field', async () => {
    const cases: Array<[string, unknown]> = [
      ['detect_conf', 1.5],
      ['pre_seconds', 121],
      ['post_seconds', -1],
      ['detect_iou', 2],
      ['detect_imgsz', 64],
      ['detect_interval', 61],
      ['trigger_cooldown', 3601],
      ['min_trigger_frames', 0],
      ['rtsp_transport', 'http'],
    ];
    for (const [field, value] of cases) {
      const res = await create({ name: 'x', rtsp_url: SECRET_URL, [field]: value });
      expect(res.statusCode, `${field}=${String(value)}`).toBe(400);
      expect(res.body, field).toContain(field);
    }
    const badUrl = await create({ name: 'x', rtsp_url: 'http://admin:hunter2-Secret@cam/x' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error.message).toMatch(/rtsp:\/\//);
    noSecretIn(badUrl.body);
    const classes = await create({ name: 'x', rtsp_url: SECRET_URL, trigger_classes: 'person,unicorn' });
    expect(classes.statusCode).toBe(400);
    expect(classes.json().error.message).toContain('unicorn');
    expect(classes.json().error.details).toMatchObject({ field: 'trigger_classes' });
  });

  it('normalises trigger classes, and keeps the stored URL when an update echoes the masked one', async () => {
    const cam = (
      await create({ name: 'Yard', rtsp_url: SECRET_URL, trigger_classes: ' Person, CAR ,dog,car' })
    ).json();
    expect(cam.trigger_classes).toBe('person,car,dog');
    const empty = await t.call('PUT', `/api/v1/cameras/${cam.id}`, {
      token: owner.token,
      body: { trigger_classes: '', rtsp_url: cam.rtsp_url, detect_conf: 0.7 },
    });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toMatchObject({
      trigger_classes: 'person',
      detect_conf: 0.7,
      rtsp_url: cam.rtsp_url,
    });
    const blank = await t.call('PATCH', `/api/cameras/${cam.id}`, {
      token: owner.token,
      body: { rtsp_url: '  ' },
    });
    expect(blank.statusCode).toBe(200);
    const sealed = await t.c.database.db
      .selectFrom('cameras')
      .select('rtsp_url_sealed')
      .where('id', '=', cam.id)
      .executeTakeFirstOrThrow();
    const box = await import('../../../src/platform/crypto/secret-box.js');
    const opened = new box.SecretBox('test-secret-test-secret-test-secret-0123', box.CAMERA_URLS).open(
      sealed.rtsp_url_sealed,
      cam.id,
    );
    expect(opened).toBe(SECRET_URL);

    const moved = await t.call('PUT', `/api/v1/cameras/${cam.id}`, {
      token: owner.token,
      body: { rtsp_url: 'rtsp://viewer:n3wpass@10.0.0.7/live' },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().rtsp_url).toBe('rtsp://***@10.0.0.7/live');
    expect(moved.body).not.toContain('n3wpass');
    const audit = await t.call('GET', `/api/v1/audit-events?workspace_id=${owner.workspaceId}&limit=100`, {
      token: owner.token,
    });
    const update = audit.json().items.find((e: { action: string }) => e.action === 'camera.update');
    const detail = await t.call('GET', `/api/v1/audit-events/${update.id}`, { token: owner.token });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.body).toContain('rtsp_url_changed');
    expect(detail.body).not.toContain('n3wpass');
    expect(detail.body).not.toContain('hunter2');
  });

  it('lets a viewer read but not change cameras, and hides them from other workspaces', async () => {
    const cam = (await create({ name: 'Garage', rtsp_url: SECRET_URL })).json();
    expect((await t.call('GET', `/api/v1/cameras/${cam.id}`, { token: viewer.token })).statusCode).toBe(200);
    const change = await t.call('PUT', `/api/v1/cameras/${cam.id}`, {
      token: viewer.token,
      body: { name: 'Mine' },
    });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.message).toContain('camera:manage');
    expect((await t.call('DELETE', `/api/v1/cameras/${cam.id}`, { token: viewer.token })).statusCode).toBe(
      403,
    );
    expect((await t.call('GET', `/api/v1/cameras/${cam.id}`, { token: outsider.token })).statusCode).toBe(
      404,
    );
    expect(
      (await t.call('GET', `/api/v1/cameras/${cam.id}/status`, { token: outsider.token })).statusCode,
    ).toBe(404);
    expect((await t.call('GET', '/api/v1/cameras', { token: tamperedToken(owner.token) })).statusCode).toBe(
      401,
    );
  });

  it('reports status by the spec: disabled is offline, a fresh heartbeat online or error, a stale one offline', async () => {
    const cam = (await create({ name: 'Porch', rtsp_url: SECRET_URL })).json();
    const status = () =>
      t.call('GET', `/api/cameras/${cam.id}/status`, { token: owner.token }).then((r) => r.json());
    expect(await status()).toMatchObject({
      status: 'offline',
      last_seen: null,
      detector: { engine: 'human-centernet', available: true },
    });
    const beat = (state: 'online' | 'error', agoSeconds: number, reason: string | null = null) =>
      t.c.vision.camerasRepo.beat({
        camera_id: cam.id,
        worker_id: 'test',
        state,
        reason,
        fps: 4.8,
        seen_at: new Date(Date.now() - agoSeconds * 1000).toISOString(),
      });
    await beat('online', 1);
    expect(await status()).toMatchObject({ status: 'online', fps: 4.8, reason: null });
    await beat('error', 1, 'The camera refused the credentials in its RTSP URL (401/403).');
    expect(await status()).toMatchObject({ status: 'error', reason: expect.stringContaining('credentials') });
    await beat('online', 31);
    expect(await status()).toMatchObject({
      status: 'offline',
      reason: expect.stringContaining('No heartbeat'),
    });
    await beat('online', 1);
    const off = await t.call('PUT', `/api/v1/cameras/${cam.id}`, {
      token: owner.token,
      body: { enabled: false },
    });
    expect(off.json()).toMatchObject({ enabled: false, status: 'offline' });
  });

  it('serves the detector classes and the default trigger set', async () => {
    const res = await t.call('GET', '/api/cameras/detect/classes', { token: viewer.token });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.classes).toHaveLength(80);
    expect(body.classes.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(body.default).toEqual(['person']);
    expect(body.detector).toMatchObject({ engine: 'human-centernet', available: true, device: 'cpu (wasm)' });
  });

  it('describes the system to a signed-in caller, on both paths', async () => {
    for (const path of ['/api/v1/system', '/api/system']) {
      const res = await t.call('GET', path, { token: viewer.token });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        version: expect.any(String),
        runtime: { node: process.version },
        user: { id: viewer.userId, via: 'session' },
        backend: { detector: 'human-centernet', available: true },
        models: { detector: expect.stringContaining('centernet.json') },
        face_index: { count: 0 },
        workers: expect.any(Array),
      });
    }
    expect((await t.call('GET', '/api/system')).statusCode).toBe(401);
  });

  it('deletes a camera with what hangs off it (204, then 404)', async () => {
    const cam = (await create({ name: 'Shed', rtsp_url: SECRET_URL })).json();
    await t.c.vision.camerasRepo.beat({
      camera_id: cam.id,
      worker_id: 'test',
      state: 'online',
      reason: null,
      fps: 5,
      seen_at: new Date().toISOString(),
    });
    expect((await t.call('DELETE', `/api/cameras/${cam.id}`, { token: owner.token })).statusCode).toBe(204);
    expect((await t.call('GET', `/api/v1/cameras/${cam.id}`, { token: owner.token })).statusCode).toBe(404);
    const beats = await t.c.database.db
      .selectFrom('camera_heartbeats')
      .selectAll()
      .where('camera_id', '=', cam.id)
      .execute();
    expect(beats).toHaveLength(0);
  });
});
