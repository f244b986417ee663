import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import {
  filesUnder,
  mediaFiles,
  stageOf,
  storedBlobs,
  uploaded,
  type MediaFiles,
} from './recordings.helpers.js';
import { fetchSigned, isJpeg, pipelineMedia, waitForStages, type PipelineMedia } from './pipeline.helpers.js';

const PUBLIC_URL = 'http://iris.test';

interface FrameJson {
  id: string;
  index: number;
  timestamp_seconds: number;
  image_url: string;
  width: number;
  height: number;
  ocr_text: string | null;
  ocr_confidence: number | null;
  words?: Array<{ text: string; confidence: number; box: Record<string, number> }>;
}

/** Frames and OCR stages on the real queue, real ffmpeg and real Tesseract; GET /frames. */
describe.each(DIALECTS)('frames and ocr stages on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let m: MediaFiles;
  let p: PipelineMedia;
  let user: Awaited<ReturnType<typeof seedUser>>;
  let slidesId: string;

  const blobsOf = (id: string) => storedBlobs(dataDir).filter((k) => k.includes(`/rec/${id}/`));
  const frames = async (id: string, query = '', token = user.token) => {
    const res = await t.call('GET', `/api/v1/recordings/${id}/frames${query}`, { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: FrameJson[]; pagination: { limit: number; offset: number; total: number } };
  };

  beforeAll(async () => {
    [m, p] = await Promise.all([mediaFiles(), pipelineMedia()]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-frames-data-'));
    t = await createTestApp(dialect, { dataDir, publicUrl: PUBLIC_URL });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    user = await seedUser(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps one frame per slide (the 12 s still slide once), reads their text, lists them with image links', async () => {
    const rec = await uploaded(t, user.token, { data: p.slides, filename: 'slides.mp4', type: 'video/mp4' });
    slidesId = rec.id;
    const status = await waitForStages(t, user.token, rec.id, ['frames', 'ocr']);
    const [fr, ocr] = [stageOf(status, 'frames'), stageOf(status, 'ocr')];
    console.info(
      `[pipeline-frames-ocr] ${dialect}: media ${stageOf(status, 'media').duration_ms} ms, frames ${fr.duration_ms} ms, ` +
        `ocr ${ocr.duration_ms} ms (${ocr.engine}) for 20 s 960×540`,
    );
    expect(fr).toMatchObject({ state: 'done', progress: 1, error: null });
    expect(fr.engine).toMatch(/^ffmpeg .*: 3 of \d+ frames kept$/);
    expect(ocr).toMatchObject({ state: 'done', progress: 1, error: null });
    expect(ocr.engine).toMatch(/^tesseract-(cli|js) \d/);

    const body = (await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: user.token })).json();
    const counts = body.media.derived.frames;
    // 0 s, 4 s (scene), 14 s (max interval, the same slide: dropped), 16 s (scene).
    expect(counts.kept).toBe(3);
    expect(counts.sampled).toBeGreaterThan(counts.kept);
    expect(body.media.derived.ocr).toMatchObject({ frames: 3 });

    const list = await frames(rec.id);
    expect(list.pagination).toEqual({ limit: 50, offset: 0, total: 3 });
    expect(list.items.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(list.items.map((f) => f.timestamp_seconds)).toEqual([0, 4, 16]);
    const texts = list.items.map((f) => f.ocr_text ?? '');
    expect(texts[0]).toContain('Invoice 4821');
    expect(texts[0]).toContain('example.com/pricing');
    expect(texts[1]).toContain('Quarterly Report');
    expect(texts[2]).toContain('Ship the beta on Friday');
    for (const f of list.items) {
      expect(f).toMatchObject({ width: 960, height: 540, description: null, url: null, app: null });
      expect(f.id).toMatch(/^frm_/);
      expect(f.ocr_confidence).toBeGreaterThan(0.6);
      expect(f).not.toHaveProperty('words');
      expect(f).not.toHaveProperty('image_key');
      const img = await fetchSigned(t, f.image_url);
      expect(img.statusCode).toBe(200);
      expect(isJpeg(img.rawPayload)).toBe(true);
    }

    const withWords = await frames(rec.id, '?include=words&limit=1&offset=1');
    expect(withWords.pagination).toEqual({ limit: 1, offset: 1, total: 3 });
    const quarterly = withWords.items[0]?.words?.find((w) => w.text === 'Quarterly');
    expect(quarterly?.confidence).toBeGreaterThan(0.6);
    expect(quarterly?.box).toEqual({
      x: expect.any(Number),
      y: expect.any(Number),
      width: expect.any(Number),
      height: expect.any(Number),
    });
    expect((await frames(rec.id, '?limit=100000')).pagination.limit).toBe(500);
    const bad = await t.call('GET', `/api/v1/recordings/${rec.id}/frames?include=everything`, {
      token: user.token,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('is workspace-scoped: another workspace gets 404, no token 401', async () => {
    const other = await seedUser(t);
    const res = await t.call('GET', `/api/v1/recordings/${slidesId}/frames`, { token: other.token });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', `/api/v1/recordings/${slidesId}/frames`)).statusCode).toBe(401);
  });

  it('audio only: frames and ocr are skipped with the reason', async () => {
    const rec = await uploaded(t, user.token, { data: m.audio, filename: 'memo.m4a', type: 'audio/mp4' });
    const status = await waitForStages(t, user.token, rec.id, ['frames', 'ocr']);
    expect(stageOf(status, 'frames')).toMatchObject({
      state: 'skipped',
      error: 'No video stream: nothing to sample.',
    });
    expect(stageOf(status, 'ocr')).toMatchObject({
      state: 'skipped',
      error: 'No video stream: there is no screen text to read.',
    });
    expect((await frames(rec.id)).items).toEqual([]);
  });

  it('a cut-off file fails media and frames with the reason, OCR still reads what was kept; retry re-queues the failed stages', async () => {
    const rec = await uploaded(t, user.token, { data: p.truncated, filename: 'cut.mp4', type: 'video/mp4' });
    const status = await waitForStages(t, user.token, rec.id, ['media', 'frames', 'ocr']);
    const media = stageOf(status, 'media');
    expect(media.state).toBe('failed');
    expect(media.error).toMatch(
      /^The file is damaged or cut short: only \d+\.\d s of 20\.\d s could be decoded/,
    );
    expect(media.attempts).toBe(1); // the same bytes would fail the same way: no automatic retry
    const fr = stageOf(status, 'frames');
    expect(fr.state).toBe('failed');
    expect(fr.error).toMatch(/^The video is damaged or cut short: frames could only be taken up to/);
    expect(stageOf(status, 'ocr')).toMatchObject({ state: 'done', error: null });

    // What could be read is there: playback of the readable part, and its frames with text.
    const video = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    expect(video.headers['content-type']).toBe('video/mp4');
    const list = await frames(rec.id);
    expect(list.items.length).toBeGreaterThanOrEqual(1);
    expect(list.items[0]?.ocr_text).toContain('Invoice 4821');

    const retry = await t.call('POST', `/api/v1/recordings/${rec.id}/retry`, { token: user.token });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().requeued).toEqual(expect.arrayContaining(['media', 'frames']));
    expect(retry.json().requeued).not.toContain('ocr');
    expect(retry.json().status).toBe('processing');
    const again = await waitForStages(t, user.token, rec.id, ['media', 'frames', 'ocr'], 90_000, (s) =>
      ['media', 'frames', 'ocr'].every((x) => stageOf(s, x).attempts === 2),
    );
    expect(stageOf(again, 'media')).toMatchObject({ state: 'failed', error: media.error });
    expect(stageOf(again, 'frames').state).toBe('failed');
    // OCR reads the frames stage's output, so it ran again after the new frames.
    expect(stageOf(again, 'ocr')).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('deleting a recording removes every derived file, leaving nothing in the data dir', async () => {
    const status = await waitForStages(t, user.token, slidesId, ['media', 'frames', 'ocr']);
    expect(stageOf(status, 'ocr').state).toBe('done');
    const files = blobsOf(slidesId);
    expect(files.filter((k) => k.includes('/derived/frames/'))).toHaveLength(3);
    expect(files.some((k) => k.endsWith('/derived/playback.mp4'))).toBe(true);
    const del = await t.call('DELETE', `/api/v1/recordings/${slidesId}`, { token: user.token });
    expect(del.statusCode).toBe(204);
    expect(blobsOf(slidesId)).toEqual([]);
    expect(
      (await t.call('GET', `/api/v1/recordings/${slidesId}/frames`, { token: user.token })).statusCode,
    ).toBe(404);
    // Scratch copies and transcodes are cleaned up as each stage ends.
    expect(filesUnder(path.join(dataDir, 'work')).filter((f) => !f.startsWith('.'))).toEqual([]);
  });
});
