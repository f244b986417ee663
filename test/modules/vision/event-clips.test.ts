import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../../src/engines/ffmpeg/command.js';
import { newId } from '../../../src/platform/ids.js';
import { FOOTAGE, footageMissing } from '../../fixtures/footage.js';
import { createTestApp, seedUser, type TestApp } from '../../helpers/app.js';
import { DIALECTS } from '../../helpers/db.js';

/**
 * A camera event's clip is a recording of the library, and the two stay consistent on
 * every dialect whichever side is deleted: the recording deleted in the library leaves
 * the event without a clip; the event or its camera deleted takes the recording along.
 * (The clip itself is cut from real footage; the camera suites make them from RTSP.)
 */
const why = footageMissing();

describe.runIf(!why).each(DIALECTS)('event clips in the library on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let work: string;
  let clip: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    owner = await seedUser(t);
    work = mkdtempSync(path.join(os.tmpdir(), 'iris-event-clips-'));
    clip = path.join(work, 'clip.mp4');
    // prettier-ignore
    await runFfmpeg(['-i', FOOTAGE.street, '-t', '2', '-c:v', 'mpeg4', '-q:v', '5', '-an', '-f', 'mp4', clip], {
      what: 'Cutting a clip',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A camera with an ended event whose clip went into the library, as a worker leaves them. */
  async function eventWithClip() {
    const cam = (
      await t.call('POST', '/api/v1/cameras', {
        token: owner.token,
        body: {
          workspace_id: owner.workspaceId,
          name: 'Gate',
          rtsp_url: 'rtsp://127.0.0.1:1/none',
          enabled: false,
        },
      })
    ).json() as { id: string };
    const eventId = newId('evt');
    const now = new Date().toISOString();
    await t.c.vision.eventsRepo.create({
      id: eventId,
      workspace_id: owner.workspaceId,
      camera_id: cam.id,
      kind: 'track',
      label: 'person',
      score: 0.8,
      labels: ['person'],
      started_at: now,
      ended_at: now,
      thumbnail_key: null,
      clip_key: null,
      person_id: null,
      person_name: null,
    });
    const recordingId = await t.c.recordings.library.add({
      workspaceId: owner.workspaceId,
      source: 'camera',
      title: 'Gate: person',
      file: clip,
      bytes: statSync(clip).size,
      filename: `${eventId}.mp4`,
      contentType: 'video/mp4',
      cameraId: cam.id,
      cameraEventId: eventId,
    });
    await t.c.vision.eventsRepo.update(eventId, { recording_id: recordingId });
    return { cameraId: cam.id, eventId, recordingId };
  }
  const get = (url: string) => t.call('GET', url, { token: owner.token });

  it('serves the clip from its recording, and a recording deleted in the library leaves the event without one', async () => {
    const { cameraId, eventId, recordingId } = await eventWithClip();
    const rec = (await get(`/api/v1/recordings/${recordingId}`)).json();
    expect(rec).toMatchObject({ source: 'camera', camera_id: cameraId, event_id: eventId, status: 'queued' });
    expect(rec.created_by).toBeNull();
    const event = (await get(`/api/v1/events/${eventId}`)).json();
    expect(event).toMatchObject({ has_clip: true, recording_id: recordingId });
    const served = await get(`/api/v1/events/${eventId}/clip`);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.length).toBe(statSync(clip).size);
    expect(
      (await t.call('DELETE', `/api/v1/recordings/${recordingId}`, { token: owner.token })).statusCode,
    ).toBe(204);
    expect((await get(`/api/v1/events/${eventId}`)).json()).toMatchObject({
      has_clip: false,
      recording_id: null,
    });
    expect((await get(`/api/v1/events/${eventId}/clip`)).statusCode).toBe(404);
  });

  it('deletes the recording with its event, and with its camera', async () => {
    const first = await eventWithClip();
    expect(
      (await t.call('DELETE', `/api/v1/events/${first.eventId}`, { token: owner.token })).statusCode,
    ).toBe(204);
    expect((await get(`/api/v1/recordings/${first.recordingId}`)).statusCode).toBe(404);
    const second = await eventWithClip();
    expect(
      (await t.call('DELETE', `/api/v1/cameras/${second.cameraId}`, { token: owner.token })).statusCode,
    ).toBe(204);
    expect((await get(`/api/v1/recordings/${second.recordingId}`)).statusCode).toBe(404);
    const left = (await get(`/api/v1/recordings?workspace_id=${owner.workspaceId}&source=camera`)).json();
    expect(left.items).toEqual([]);
  });

  it("ends an event a dead worker left open at the camera's last heartbeat when the camera starts again", async () => {
    const cam = (
      await t.call('POST', '/api/v1/cameras', {
        token: owner.token,
        body: { workspace_id: owner.workspaceId, name: 'Yard', rtsp_url: 'rtsp://127.0.0.1:1/none' },
      })
    ).json() as { id: string };
    const started = new Date(Date.now() - 120_000).toISOString();
    const lastBeat = new Date(Date.now() - 90_000).toISOString();
    const open = newId('evt');
    await t.c.vision.eventsRepo.create({
      id: open,
      workspace_id: owner.workspaceId,
      camera_id: cam.id,
      kind: 'track',
      label: 'person',
      score: 0.7,
      labels: ['person'],
      started_at: started,
      ended_at: null,
      thumbnail_key: null,
      clip_key: null,
      person_id: null,
      person_name: null,
    });
    await t.c.vision.camerasRepo.beat({
      camera_id: cam.id,
      worker_id: 'dead-worker',
      state: 'online',
      reason: null,
      fps: 5,
      seen_at: lastBeat,
    });
    const runnable = (await t.c.vision.camerasRepo.runnable()).find((c) => c.id === cam.id)!;
    const sink = t.c.vision.sinkFor(runnable);
    await sink.prepare();
    const ended = (await get(`/api/v1/events/${open}`)).json();
    expect(ended.ended_at).toBe(lastBeat);
    expect(ended.duration_seconds).toBe(30);
    // No segments on this disk: no clip, and nothing pretends there is one.
    expect(ended.has_clip).toBe(false);
    await sink.discard();
  });
});
