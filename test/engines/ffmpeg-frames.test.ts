import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractKeyframes, selectExpression } from '../../src/engines/ffmpeg/frames.js';
import { dedupeFrames, SCREEN_DEDUPE } from '../../src/engines/image/dedupe.js';
import { dhash, hammingDistance } from '../../src/engines/image/phash.js';
import { makeSlidesVideo, makeTone, tempDir } from '../fixtures/media.js';

/**
 * A screen-recording-like video: slides of text that change, one that stays put for a
 * while (so the maximum interval kicks in) and a return to the first slide.
 */
const SLIDES = [
  { lines: ['Invoice 4821', 'https://example.com/pricing', 'Total due: 1,250 EUR'], seconds: 2.5 },
  { lines: ['Quarterly Report', 'Revenue grew 12 percent', 'Churn fell to 3 percent'], seconds: 2 },
  { lines: ['Meeting Notes', 'Ship the beta on Friday', 'Alice owns the rollout'], seconds: 7 },
  { lines: ['Invoice 4821', 'https://example.com/pricing', 'Total due: 1,250 EUR'], seconds: 1.5 },
];

let dir: string;
let video: string;

beforeAll(async () => {
  dir = await tempDir();
  video = await makeSlidesVideo(path.join(dir, 'screen.mp4'), SLIDES);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('extractKeyframes', () => {
  it('keeps the first frame, every scene change, and a frame per max interval on a static screen', async () => {
    const out = path.join(dir, 'frames');
    const { frames, warnings } = await extractKeyframes(video, out, {
      maxIntervalSeconds: 3,
      minIntervalSeconds: 1,
    });
    expect(warnings).toEqual([]);
    expect(frames.map((f) => f.timestamp_seconds)).toEqual([0, 2.5, 4.5, 7.5, 10.5, 11.5]);
    expect(frames.map((f) => f.reason)).toEqual(['first', 'scene', 'scene', 'interval', 'interval', 'scene']);
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const f of frames) {
      expect(path.dirname(f.path)).toBe(out);
      const meta = await sharp(f.path).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });
    }
    // Scene changes score well above a static screen.
    const scene = frames.filter((f) => f.reason === 'scene').map((f) => f.scene_score);
    const still = frames.filter((f) => f.reason === 'interval').map((f) => f.scene_score);
    expect(Math.min(...scene)).toBeGreaterThan(10 * Math.max(...still, 0.0001));
  });

  it('ignores changes closer than the minimum interval to the last kept frame', async () => {
    const flicker = await makeSlidesVideo(path.join(dir, 'flicker.mp4'), [
      { lines: ['Alpha'], seconds: 1 },
      { lines: ['Bravo'], seconds: 0.3 },
      { lines: ['Charlie'], seconds: 2.7 },
    ]);
    const { frames } = await extractKeyframes(flicker, path.join(dir, 'flicker-frames'), {
      minIntervalSeconds: 1.5,
      maxIntervalSeconds: 100,
    });
    // The change at 1.0 s (Bravo) is within 1.5 s of the first frame; the one at 1.3 s (Charlie) is too.
    // Nothing else changes, so only the first frame is kept.
    expect(frames.map((f) => f.timestamp_seconds)).toEqual([0]);

    const { frames: all } = await extractKeyframes(flicker, path.join(dir, 'flicker-frames'), {
      minIntervalSeconds: 0,
      maxIntervalSeconds: 100,
    });
    expect(all.map((f) => f.timestamp_seconds)).toEqual([0, 1, 1.3]);
    // A retry into the same directory replaces the earlier frames instead of mixing with them.
    const names = (await fs.readdir(path.join(dir, 'flicker-frames'))).sort();
    expect(names).toEqual(['frame-000000.jpg', 'frame-000001.jpg', 'frame-000002.jpg']);
  });

  it('can analyse at a lower rate, downscale and write PNG', async () => {
    const { frames } = await extractKeyframes(video, path.join(dir, 'png-frames'), {
      analysisFps: 2,
      maxIntervalSeconds: 3,
      format: 'png',
      maxLong: 640,
    });
    expect(frames.map((f) => f.timestamp_seconds)).toEqual([0, 2.5, 4.5, 7.5, 10.5, 11.5]);
    const meta = await sharp(frames[0]?.path ?? '').metadata();
    expect(meta).toMatchObject({ format: 'png', width: 640, height: 360 });
  });

  it('refuses audio-only input and stops on abort', async () => {
    const tone = await makeTone(path.join(dir, 'tone.m4a'), 1);
    await expect(extractKeyframes(tone, path.join(dir, 'none'))).rejects.toThrow(/no video/);

    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(extractKeyframes(video, path.join(dir, 'aborted'), { signal: ac.signal })).rejects.toThrow(
      'stop',
    );
  });

  it('builds the documented select expression', () => {
    expect(selectExpression(0.003, 1, 10)).toBe(
      'isnan(prev_selected_t)+gte(t-prev_selected_t,10)+gt(scene,0.003)*gte(t-prev_selected_t,1)',
    );
  });
});

describe('perceptual hash and dedupe', () => {
  it('gives identical frames distance 0 and different slides a clear distance', async () => {
    const { frames } = await extractKeyframes(video, path.join(dir, 'hash-frames'), {
      maxIntervalSeconds: 3,
    });
    const paths = frames.map((f) => f.path);
    const small = await Promise.all(paths.map((p) => dhash(p)));
    for (const h of small) expect(h).toMatch(/^[0-9a-f]{16}$/);
    const big = await Promise.all(paths.map((p) => dhash(p, { size: SCREEN_DEDUPE.hashSize })));
    for (const h of big) expect(h).toMatch(/^[0-9a-f]{256}$/);
    const d = (hs: string[], i: number, j: number) => hammingDistance(hs[i] ?? '', hs[j] ?? '');
    // 4.5, 7.5 and 10.5 s are the same static slide, re-sampled.
    expect(d(small, 2, 3)).toBe(0);
    expect(d(big, 2, 3)).toBeLessThanOrEqual(SCREEN_DEDUPE.maxDistance);
    expect(d(big, 3, 4)).toBeLessThanOrEqual(SCREEN_DEDUPE.maxDistance);
    // Different slides are far apart on the 1024-bit grid.
    expect(d(big, 0, 1)).toBeGreaterThan(10 * SCREEN_DEDUPE.maxDistance);
    expect(d(big, 1, 2)).toBeGreaterThan(10 * SCREEN_DEDUPE.maxDistance);
    // The same picture recompressed hard hashes the same or nearly.
    const worse = await sharp(paths[0] ?? '')
      .jpeg({ quality: 30 })
      .toBuffer();
    expect(hammingDistance(await dhash(worse), small[0] ?? '')).toBeLessThanOrEqual(1);
    expect(hammingDistance(await dhash(worse, { size: 32 }), big[0] ?? '')).toBeLessThanOrEqual(
      SCREEN_DEDUPE.maxDistance,
    );
    expect(() => hammingDistance('ab', 'abcd')).toThrow(/sizes differ/);
    await expect(dhash(paths[0] ?? '', { size: 7 })).rejects.toThrow(RangeError);
  });

  it('dedupeFrames keeps the first of each run of near-identical frames, and a return to an earlier screen', async () => {
    const { frames } = await extractKeyframes(video, path.join(dir, 'dedupe-frames'), {
      maxIntervalSeconds: 3,
    });
    const { kept, dropped } = await dedupeFrames(frames, SCREEN_DEDUPE.maxDistance);
    expect(kept.map((f) => f.timestamp_seconds)).toEqual([0, 2.5, 4.5, 11.5]);
    expect(dropped.map((f) => [f.timestamp_seconds, f.duplicate_of])).toEqual([
      [7.5, 2],
      [10.5, 2],
    ]);
    for (const f of dropped) expect(f.distance).toBeLessThanOrEqual(SCREEN_DEDUPE.maxDistance);
    // Extra fields survive, a hash is attached.
    expect(kept[0]).toMatchObject({ index: 0, reason: 'first' });
    expect(kept[0]?.hash).toMatch(/^[0-9a-f]{256}$/);

    // The first frame is always kept, even when everything is "identical".
    const same = await dedupeFrames(
      [frames[2], frames[3], frames[4]].filter((f) => f !== undefined),
      64,
    );
    expect(same.kept.map((f) => f.timestamp_seconds)).toEqual([4.5]);
    expect(await dedupeFrames([], 2)).toEqual({ kept: [], dropped: [] });
  });
});
