import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanMissing } from '../../src/engines/detect/human.js';
import { probe } from '../../src/engines/ffmpeg/probe.js';
import { FOOTAGE, footageMissing } from '../fixtures/footage.js';
import { rtspServerMissing, startRtspServer, type RtspServer } from '../fixtures/rtsp/rtsp-server.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { waitForStatus } from '../modules/recordings.helpers.js';

/**
 * A camera watching real footage (a security camera over a campus path, streamed by a
 * real RTSP server): the motion gate and the detector find the people walking, the
 * track-mode tracker turns them into an event with an annotated thumbnail, and the
 * events API lists, filters, serves and deletes it as spec 001 says.
 */
const why = rtspServerMissing() ?? humanMissing() ?? footageMissing();
if (why) console.warn(`[camera-events] skipped: ${why}`);
const SECRET = 'test-secret-test-secret-test-secret-0123';
// With a broker (CI's Mosquitto), the events are also announced over MQTT.
const MQTT_URL = process.env.IRIS_TEST_MQTT_URL;
const MQTT_PREFIX = `iris-events-${process.pid}`;

describe.runIf(!why).each(DIALECTS)('camera events on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let viewer: Awaited<ReturnType<typeof seedUser>>;
  let rtsp: RtspServer;
  let running = false;
  let dataDir: string;
  let mqttListener: mqtt.MqttClient | undefined;
  const announced: Array<{ topic: string; payload: string }> = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-camera-events-'));
    t = await createTestApp(dialect, {
      secret: SECRET,
      dataDir,
      ...(MQTT_URL ? { mqtt: { url: MQTT_URL, prefix: MQTT_PREFIX } } : {}),
    });
    if (MQTT_URL) {
      mqttListener = await mqtt.connectAsync(MQTT_URL);
      mqttListener.on('message', (topic, payload) => announced.push({ topic, payload: payload.toString() }));
      await mqttListener.subscribeAsync(`${MQTT_PREFIX}/#`);
    }
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    owner = await seedUser(t);
    viewer = await seedUser(t);
    await t.c.workspacesRepo.addMember(owner.workspaceId, viewer.userId, 'viewer');
    rtsp = await startRtspServer({ file: FOOTAGE.street });
  }, 60_000);
  afterAll(async () => {
    await mqttListener?.endAsync();
    if (running) await t.c.vision.stopWorkers!();
    await rtsp?.stop();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records people walking on a real camera as an event, and serves it through the events API', async () => {
    const created = await t.call('POST', '/api/v1/cameras', {
      token: owner.token,
      body: {
        workspace_id: owner.workspaceId,
        name: 'Campus path',
        rtsp_url: rtsp.url(),
        // centernet scores these small, distant people 0.3–0.5.
        detect_conf: 0.3,
        detect_interval: 0.5,
        min_trigger_frames: 2,
        post_seconds: 2,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const cam = created.json() as { id: string };
    // The module's own workers and the job queue, as a `serve` or `worker` process starts them.
    await t.c.queue.start();
    await t.c.vision.startWorkers!();
    running = true;

    const list = (query = '') =>
      t
        .call('GET', `/api/events?workspace_id=${owner.workspaceId}&camera_id=${cam.id}${query}`, {
          token: viewer.token,
        })
        .then((r) => r.json());
    let events: { total: number; items: Array<Record<string, unknown>> } = { total: 0, items: [] };
    for (let i = 0; i < 150 && events.total === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      events = await list();
    }
    expect(
      events.total,
      `an event within 30 s of footage; ${JSON.stringify(t.c.vision.detectionStats)} ${JSON.stringify((await t.call('GET', `/api/cameras/${cam.id}/status`, { token: owner.token })).json())}`,
    ).toBeGreaterThan(0);
    const event = events.items[0]!;
    expect(event).toMatchObject({
      camera_id: cam.id,
      kind: 'track',
      label: 'person',
      has_thumbnail: true,
      has_clip: false,
    });
    if (MQTT_URL) {
      // Announced where a Home Assistant automation listens: per camera and label.
      for (let i = 0; i < 50 && !announced.some((m) => m.topic === `${MQTT_PREFIX}/${cam.id}/person`); i++)
        await new Promise((r) => setTimeout(r, 100));
      const msg = announced.find((m) => m.topic === `${MQTT_PREFIX}/${cam.id}/person`);
      expect(msg && JSON.parse(msg.payload), JSON.stringify(announced.map((m) => m.topic))).toMatchObject({
        type: 'new',
        event: { id: event.id, camera_name: 'Campus path' },
      });
      expect(announced).toContainEqual({ topic: `${MQTT_PREFIX}/${cam.id}/availability`, payload: 'online' });
    }
    // The segment buffer on the worker's disk holds the stream copied in ~2 s pieces.
    const segments = readdirSync(path.join(dataDir, 'cameras', cam.id, 'segments')).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(segments.length).toBeGreaterThan(0);
    expect(event.score).toBeGreaterThanOrEqual(0.3);
    expect(t.c.vision.detectionStats.detections).toBeGreaterThan(0);

    const thumb = await t.call('GET', `/api/v1/events/${event.id}/thumbnail`, { token: viewer.token });
    expect(thumb.statusCode).toBe(200);
    if (process.env.IRIS_TEST_KEEP_THUMB)
      await sharp(thumb.rawPayload).png().toFile(process.env.IRIS_TEST_KEEP_THUMB);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({
      format: 'jpeg',
      width: 768,
      height: 576,
    });
    // The boxes are drawn: the thumbnail has the annotation's yellow, the footage has none.
    const { data } = await sharp(thumb.rawPayload).raw().toBuffer({ resolveWithObject: true });
    let yellow = 0;
    for (let i = 0; i < data.length; i += 3)
      if (data[i]! > 220 && data[i + 1]! > 180 && data[i + 2]! < 60) yellow++;
    expect(yellow).toBeGreaterThan(200);
    // Still going (people keep walking): no clip until the event ends.
    expect((await t.call('GET', `/api/events/${event.id}/clip`, { token: viewer.token })).statusCode).toBe(
      404,
    );

    // Filters: label and time window (from inclusive, to exclusive).
    expect((await list('&label=car')).items.every((e: { label: string }) => e.label === 'car')).toBe(true);
    const started = String(event.started_at);
    expect(
      (await list(`&from=${encodeURIComponent(started)}`)).items.map((e: { id: string }) => e.id),
    ).toContain(event.id);
    expect(
      (await list(`&to=${encodeURIComponent(started)}`)).items.map((e: { id: string }) => e.id),
    ).not.toContain(event.id);
    expect((await t.call('GET', '/api/events?limit=501', { token: viewer.token })).statusCode).toBe(400);

    // Viewers read; only admins delete; clear-all wants confirm.
    expect((await t.call('DELETE', `/api/events/${event.id}`, { token: viewer.token })).statusCode).toBe(403);
    const unconfirmed = await t.call('POST', '/api/events/clear-all', {
      token: owner.token,
      body: { confirm: false, workspace_id: owner.workspaceId },
    });
    expect(unconfirmed.statusCode).toBe(400);
    // The worker stops: the open event ends at its last sighting and its clip is cut
    // from the camera's segment buffer, pre-roll included.
    await t.c.vision.stopWorkers!();
    running = false;
    const ended = (await t.call('GET', `/api/v1/events/${event.id}`, { token: viewer.token })).json();
    expect(ended).toMatchObject({ has_clip: true });
    // Ended at its last sighting (the worker may stop right after the start: 0 s then).
    expect(ended.ended_at).not.toBeNull();
    expect(ended.duration_seconds).toBeGreaterThanOrEqual(0);
    const clipUrl = `/api/v1/events/${event.id}/clip`;
    const whole = await t.call('GET', clipUrl, { token: viewer.token });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const size = whole.rawPayload.length;
    expect(Number(whole.headers['content-length'])).toBe(size);
    const clipFile = path.join(os.tmpdir(), `${String(event.id)}.mp4`);
    writeFileSync(clipFile, whole.rawPayload);
    const probed = await probe(clipFile);
    rmSync(clipFile, { force: true });
    expect(probed.video).toMatchObject({ width: 768, height: 576 });
    // As long as the buffer had: from the stream's start (within pre_seconds) to the stop.
    expect(probed.duration_seconds).toBeGreaterThan(0);
    const first = await t.call('GET', clipUrl, { token: viewer.token, headers: { range: 'bytes=0-99' } });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(first.rawPayload.equals(whole.rawPayload.subarray(0, 100))).toBe(true);
    const tail = await t.call('GET', clipUrl, { token: viewer.token, headers: { range: 'bytes=-50' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(whole.rawPayload.subarray(size - 50))).toBe(true);
    const past = await t.call('GET', clipUrl, { token: viewer.token, headers: { range: `bytes=${size}-` } });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${size}`);
    const head = await t.call('HEAD', clipUrl, { token: viewer.token });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(size);
    // The clip is also a recording of the library: source camera, linked both ways, run
    // through the pipeline and found by search in the words of what was seen.
    expect(ended.recording_id).toMatch(/^rec_/);
    const recUrl = `/api/v1/recordings/${String(ended.recording_id)}`;
    const rec = (await t.call('GET', recUrl, { token: viewer.token })).json();
    expect(rec).toMatchObject({ source: 'camera', camera_id: cam.id, event_id: event.id, has_video: true });
    expect(rec.title).toMatch(/^Campus path: person/);
    const clips = await t.call(
      'GET',
      `/api/v1/recordings?workspace_id=${owner.workspaceId}&source=camera&camera_id=${cam.id}`,
      { token: viewer.token },
    );
    expect(clips.json().items.map((r: { id: string }) => r.id)).toEqual([rec.id]);
    const settled = await waitForStatus(
      t,
      viewer.token,
      rec.id,
      (s) => s.status !== 'queued' && s.status !== 'processing',
      120_000,
    );
    expect(settled.status, JSON.stringify(settled)).toBe('ready');
    const found = await t.call('POST', '/api/v1/search', {
      token: viewer.token,
      body: { query: 'person campus', workspace_id: owner.workspaceId },
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().items.map((i: { recording: { id: string } }) => i.recording.id)).toContain(rec.id);
    expect((await t.call('DELETE', `/api/v1/events/${event.id}`, { token: owner.token })).statusCode).toBe(
      204,
    );
    // Its recording goes with it.
    expect((await t.call('GET', recUrl, { token: owner.token })).statusCode).toBe(404);
    expect((await t.call('GET', `/api/v1/events/${event.id}`, { token: owner.token })).statusCode).toBe(404);
    expect(
      (await t.call('GET', `/api/v1/events/${event.id}/thumbnail`, { token: owner.token })).statusCode,
    ).toBe(404);
    const cleared = await t.call('POST', '/api/events/clear-all', {
      token: owner.token,
      body: { confirm: true, camera_id: cam.id, workspace_id: owner.workspaceId },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect((await list()).total).toBe(0);
  }, 300_000);
});
