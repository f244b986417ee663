import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeJson, makeColorVideo, mp4TopLevelBoxes } from '../fixtures/media.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { mediaFiles, stageOf, storedBlobs, uploaded, type MediaFiles } from './recordings.helpers.js';
import {
  fetchSigned,
  isJpeg,
  pipelineMedia,
  saveBody,
  waitForStages,
  type PipelineMedia,
} from './pipeline.helpers.js';

const PUBLIC_URL = 'http://iris.test';

/** The media stage on the real queue with the real ffmpeg: playback, poster, thumbnails. */
describe.each(DIALECTS)('media stage on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let scratch: string;
  let m: MediaFiles;
  let p: PipelineMedia;
  let user: Awaited<ReturnType<typeof seedUser>>;

  const blobsOf = (id: string) => storedBlobs(dataDir).filter((k) => k.includes(`/rec/${id}/`));

  beforeAll(async () => {
    [m, p] = await Promise.all([mediaFiles(), pipelineMedia()]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-media-data-'));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'iris-media-out-'));
    t = await createTestApp(dialect, { dataDir, publicUrl: PUBLIC_URL });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    user = await seedUser(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('makes a web MP4 (H.264 yuv420p + AAC, index first), a poster and thumbnails; /video plays it', async () => {
    const rec = await uploaded(t, user.token, { data: p.slides, filename: 'slides.mp4', type: 'video/mp4' });
    const started = Date.now();
    const status = await waitForStages(t, user.token, rec.id, ['media']);
    const media = stageOf(status, 'media');
    console.info(
      `[pipeline-media] ${dialect}: media stage ${media.duration_ms} ms (${Date.now() - started} ms wall) for 20 s 960×540`,
    );
    expect(media).toMatchObject({ state: 'done', progress: 1, error: null, attempts: 1 });
    expect(media.engine).toMatch(/^ffmpeg \S+ \((system|npm|env)\)$/);

    const video = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    expect(video.statusCode).toBe(200);
    expect(video.headers['content-type']).toBe('video/mp4');
    expect(video.rawPayload.equals(p.slides)).toBe(false);
    const file = await saveBody(scratch, 'playback.mp4', video.rawPayload);
    const probed = await ffprobeJson(file);
    const v = probed.streams.find((s) => s.codec_type === 'video');
    const a = probed.streams.find((s) => s.codec_type === 'audio');
    expect(v).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 960, height: 540 });
    expect(a).toMatchObject({ codec_name: 'aac' });
    expect(Number(probed.format.duration)).toBeCloseTo(20, 0);
    const boxes = (await mp4TopLevelBoxes(file)).map((b) => b.type);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    const got = await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: user.token });
    const body = got.json();
    expect(body).not.toHaveProperty('playback_key');
    expect(body.media.derived.playback).toMatchObject({ content_type: 'video/mp4', truncated_input: false });
    expect(body.poster_url).toMatch(new RegExp(`^${PUBLIC_URL}/api/v1/blobs/`));
    expect(body.thumbnail_urls).toHaveLength(5);
    for (const url of [body.poster_url as string, ...(body.thumbnail_urls as string[])]) {
      const img = await fetchSigned(t, url);
      expect(img.statusCode).toBe(200);
      expect(img.headers['content-type']).toBe('image/jpeg');
      expect(isJpeg(img.rawPayload)).toBe(true);
    }
    // The list carries the poster as well (dashboards show it).
    const list = await t.call('GET', '/api/v1/recordings', { token: user.token });
    const listed = list.json().items.find((r: { id: string }) => r.id === rec.id);
    expect(listed.poster_url).toMatch(/^http:\/\/iris\.test\//);
  });

  it('downscales to at most 1080p with even sides', async () => {
    // WebM: VP8 allows the odd sizes browser recordings have; H.264 in yuv420p does not.
    const big = await makeColorVideo(path.join(scratch, 'big.webm'), {
      width: 2561,
      height: 1441,
      seconds: 1,
      pattern: true,
    });
    const rec = await uploaded(t, user.token, {
      data: await readFile(big),
      filename: 'big.webm',
      type: 'video/webm',
    });
    const status = await waitForStages(t, user.token, rec.id, ['media']);
    expect(stageOf(status, 'media').state).toBe('done');
    const video = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    const probed = await ffprobeJson(await saveBody(scratch, 'big-playback.mp4', video.rawPayload));
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 1920, height: 1080 });
  });

  it('audio only: AAC in .m4a for playback, no poster', async () => {
    const rec = await uploaded(t, user.token, { data: m.audio, filename: 'memo.m4a', type: 'audio/mp4' });
    const status = await waitForStages(t, user.token, rec.id, ['media']);
    expect(stageOf(status, 'media')).toMatchObject({ state: 'done', error: null });
    const audio = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/mp4');
    const probed = await ffprobeJson(await saveBody(scratch, 'memo-playback.m4a', audio.rawPayload));
    expect(probed.streams.map((s) => s.codec_name)).toEqual(['aac']);
    const body = (await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: user.token })).json();
    expect(body).toMatchObject({ poster_url: null, thumbnail_urls: [] });
    expect(blobsOf(rec.id).filter((k) => k.includes('/derived/'))).toEqual([
      `ws/${rec.workspace_id}/rec/${rec.id}/derived/playback.m4a`,
    ]);
  });

  it('a rerun overwrites the same files and leaves the later stages alone', async () => {
    const rec = await uploaded(t, user.token, { data: m.video, filename: 'clip.mp4', type: 'video/mp4' });
    const first = await waitForStages(t, user.token, rec.id, ['media', 'frames', 'ocr']);
    const files = blobsOf(rec.id).sort();
    const stored = (await t.c.recordings.repo.find(rec.id))!.stored_bytes;
    expect(files).toContain(`ws/${rec.workspace_id}/rec/${rec.id}/derived/playback.mp4`);
    expect(files).toContain(`ws/${rec.workspace_id}/rec/${rec.id}/derived/poster.jpg`);

    await t.c.recordings.pipeline.enqueue(rec.id, 'media');
    const again = await waitForStages(
      t,
      user.token,
      rec.id,
      ['media'],
      60_000,
      (s) => stageOf(s, 'media').attempts === 2,
    );
    expect(stageOf(again, 'media').state).toBe('done');
    expect(blobsOf(rec.id).sort()).toEqual(files);
    expect((await t.c.recordings.repo.find(rec.id))!.stored_bytes).toBe(stored);
    // Frames and OCR read the original, not the playback file: they did not run again.
    expect(stageOf(again, 'frames').attempts).toBe(stageOf(first, 'frames').attempts);
    expect(stageOf(again, 'ocr').attempts).toBe(stageOf(first, 'ocr').attempts);
  });
});
