import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/engines/ffmpeg/frame-stream.js';
import { extractKeyframes } from '../../src/engines/ffmpeg/frames.js';
import { KeyframeSelector } from '../../src/engines/image/keyframe-selector.js';
import { dhash, hammingDistance } from '../../src/engines/image/phash.js';
import { changedFraction, contentFraction, type GreyThumb } from '../../src/engines/image/screen-diff.js';
import { makeSlidesVideo, makeTone, tempDir } from '../fixtures/media.js';

/**
 * A screen-recording-like video: slides of text that change, one that stays put for a
 * while, and a return to the first slide.
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

const near = (got: number[], want: number[], slack = 0.26) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${got} vs ${want}`).toBeLessThanOrEqual(slack));
};

describe('decodeFrames', () => {
  it('streams raw RGB frames at the asked rate with their timestamps, one at a time', async () => {
    const seen: Array<{ t: number; bytes: number }> = [];
    const r = await decodeFrames(video, { fps: 2 }, (f) => {
      seen.push({ t: f.timestamp_seconds, bytes: f.data.length });
    });
    expect(r).toMatchObject({ frames: 26, width: 1280, height: 720, warnings: [] });
    expect(seen.map((s) => s.t).slice(0, 4)).toEqual([0, 0.5, 1, 1.5]);
    expect(r.last_timestamp_seconds).toBe(12.5);
    for (const s of seen) expect(s.bytes).toBe(1280 * 720 * 3);
  });

  it('stops ffmpeg when the consumer fails, and reports the consumer error', async () => {
    let n = 0;
    await expect(
      decodeFrames(video, { fps: 4, maxLong: 320 }, () => {
        if (++n === 3) throw new Error('consumer broke');
      }),
    ).rejects.toThrow('consumer broke');
    expect(n).toBe(3);
  });
});

describe('extractKeyframes', () => {
  it('keeps one frame per screen, once it settled, including a return to an earlier screen', async () => {
    const out = path.join(dir, 'frames');
    const r = await extractKeyframes(video, out);
    expect(r.warnings).toEqual([]);
    // The 7 s still slide is kept once: re-sampling a static screen is not a new screen.
    near(
      r.frames.map((f) => f.timestamp_seconds),
      [0, 2.5, 4.5, 11.5],
    );
    expect(r.frames.map((f) => f.reason)).toEqual(['settled', 'settled', 'settled', 'settled']);
    expect(r.frames.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(r.frames[0]!.change).toBe(1);
    for (const f of r.frames.slice(1)) expect(f.change).toBeGreaterThan(0.01);
    expect(r.analysed).toBe(52);
    expect(r.blank).toBe(0);
    for (const f of r.frames) {
      expect(path.dirname(f.path)).toBe(out);
      const meta = await sharp(f.path).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });
    }
  });

  it('never keeps a black first screen nor lets it hide a sparse page of text (the dHash failure)', async () => {
    const file = await makeSlidesVideo(
      path.join(dir, 'black-start.mp4'),
      [
        { lines: [], seconds: 2, background: 'black' },
        { lines: ['CREATE TABLE'], seconds: 2 },
        { lines: ['Joins Between Tables'], seconds: 2 },
        { lines: [], seconds: 1, background: 'black' },
        { lines: ['Joins Between Tables'], seconds: 2 },
      ],
      { fontSize: 22 },
    );
    const r = await extractKeyframes(file, path.join(dir, 'black-frames'));
    // Both pages; not the black screens; not the same page again after the black gap.
    near(
      r.frames.map((f) => f.timestamp_seconds),
      [2, 4],
    );
    expect(r.blank).toBe(12);
  });

  it('forgets a flash that never settles and keeps a screen shown for a second', async () => {
    const file = await makeSlidesVideo(
      path.join(dir, 'flash.mp4'),
      [
        { lines: ['Alpha'], seconds: 1.5 },
        { lines: ['Bravo'], seconds: 0.1 },
        { lines: ['Alpha'], seconds: 1.4 },
        { lines: ['Charlie'], seconds: 1 },
        { lines: ['Delta'], seconds: 1 },
      ],
      { fps: 20 },
    );
    const r = await extractKeyframes(file, path.join(dir, 'flash-frames'));
    near(
      r.frames.map((f) => f.timestamp_seconds),
      [0, 3, 4],
    );
    // A retry into the same directory replaces the earlier frames instead of mixing with them.
    const again = await extractKeyframes(file, path.join(dir, 'flash-frames'), { analysisFps: 2 });
    const names = (await fs.readdir(path.join(dir, 'flash-frames'))).sort();
    expect(names).toHaveLength(again.frames.length);
  });

  it('downscales and writes PNG', async () => {
    const { frames } = await extractKeyframes(video, path.join(dir, 'png-frames'), {
      format: 'png',
      maxLong: 640,
    });
    expect(frames).toHaveLength(4);
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
});

/** A 32×18 grey picture: `fill` everywhere, `ink` over the given share of rows from the top. */
const thumb = (fill: number, ink = 0, inkShare = 0): GreyThumb => {
  const data = new Uint8Array(32 * 18).fill(fill);
  data.fill(ink, 0, Math.round(32 * 18 * inkShare));
  return { width: 32, height: 18, data };
};

describe('KeyframeSelector', () => {
  const page = (share: number) => thumb(255, 0, share);

  it('measures change and content on absolute grey levels', () => {
    expect(changedFraction(thumb(0), page(0.1))).toBeCloseTo(0.9, 2);
    expect(changedFraction(page(0.1), page(0.1))).toBe(0);
    expect(changedFraction(page(0.1), page(0.2))).toBeCloseTo(0.1, 2);
    expect(contentFraction(thumb(0))).toBe(0);
    expect(contentFraction(page(0.1))).toBeCloseTo(0.1, 2);
  });

  it('keeps a screen when it settles, the first of a run of changes only once they stop', () => {
    const s = new KeyframeSelector<string>();
    const kept: string[] = [];
    const push = (id: string, t: number, g: GreyThumb) => {
      const k = s.push(id, t, g);
      if (k) kept.push(`${k.item}@${k.t}:${k.reason}`);
    };
    push('a0', 0, page(0.1));
    push('a1', 0.25, page(0.1)); // settled: a0 kept
    push('a2', 0.5, page(0.1));
    push('fade1', 0.75, thumb(128, 0, 0.1)); // a fade starts
    push('fade2', 1, thumb(60, 0, 0.1));
    push('black', 1.25, thumb(0)); // ends in black: the fade is dropped, black is never kept
    push('b0', 1.5, page(0.3));
    push('b1', 1.75, page(0.3)); // settled: b0 kept
    push('tip', 2, page(0.35)); // a tooltip…
    push('b2', 2.25, page(0.3)); // …gone again: forgotten
    expect(kept).toEqual(['a0@0:settled', 'b0@1.5:settled']);
    expect(s.counts).toEqual({ seen: 10, blank: 1, kept: 2 });
  });

  it('samples a screen that never settles every maxUnsettledSeconds, and keeps the last one at the end', () => {
    const s = new KeyframeSelector<number>({ maxUnsettledSeconds: 1 });
    const kept: number[] = [];
    for (let i = 0; i < 12; i++) {
      const k = s.push(i, i * 0.25, page(0.05 * (i + 1)));
      if (k) kept.push(k.t);
    }
    const last = s.finish();
    expect(kept).toEqual([1, 2.25]);
    expect(last).toMatchObject({ t: 2.75, reason: 'end' });
  });
});

describe('perceptual hash (stored with each frame)', () => {
  it('gives identical frames distance 0 and different slides a clear distance', async () => {
    const { frames } = await extractKeyframes(video, path.join(dir, 'hash-frames'));
    const paths = frames.map((f) => f.path);
    const small = await Promise.all(paths.map((p) => dhash(p)));
    for (const h of small) expect(h).toMatch(/^[0-9a-f]{16}$/);
    const big = await Promise.all(paths.map((p) => dhash(p, { size: 32 })));
    for (const h of big) expect(h).toMatch(/^[0-9a-f]{256}$/);
    // The first and the last frame show the same slide.
    expect(hammingDistance(big[0]!, big[3]!)).toBeLessThanOrEqual(4);
    expect(hammingDistance(big[0]!, big[1]!)).toBeGreaterThan(40);
    const worse = await sharp(paths[0] ?? '')
      .jpeg({ quality: 30 })
      .toBuffer();
    expect(hammingDistance(await dhash(worse), small[0] ?? '')).toBeLessThanOrEqual(1);
    expect(() => hammingDistance('ab', 'abcd')).toThrow(/sizes differ/);
    await expect(dhash(paths[0] ?? '', { size: 7 })).rejects.toThrow(RangeError);
  });
});
