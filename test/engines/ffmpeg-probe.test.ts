import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptMediaError, NotMediaError } from '../../src/engines/ffmpeg/errors.js';
import { runFfmpeg } from '../../src/engines/ffmpeg/command.js';
import { parseRate, probe } from '../../src/engines/ffmpeg/probe.js';
import {
  makeNoiseFile,
  makeSlidesVideo,
  makeStreamedWebm,
  makeTextImage,
  makeTone,
  tempDir,
  truncateCopy,
} from '../fixtures/media.js';

let dir: string;
let video: string;
let faststart: string;

beforeAll(async () => {
  dir = await tempDir();
  video = path.join(dir, 'slides.mp4');
  faststart = path.join(dir, 'slides-faststart.mp4');
  const slides = [
    { lines: ['Invoice 4821'], seconds: 2 },
    { lines: ['Quarterly Report'], seconds: 2 },
  ];
  await Promise.all([
    makeSlidesVideo(video, slides),
    makeSlidesVideo(faststart, slides, { faststart: true }),
  ]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('probe', () => {
  it('reports format, duration, size and both streams of a video', async () => {
    const r = await probe(video);
    expect(r.format_name).toContain('mp4');
    expect(r.duration_seconds).toBeGreaterThan(3.9);
    expect(r.duration_seconds).toBeLessThan(4.2);
    expect(r.size_bytes).toBe((await fs.stat(video)).size);
    expect(r.bit_rate).toBeGreaterThan(0);
    expect(r.has_video).toBe(true);
    expect(r.has_audio).toBe(true);
    expect(r.video).toMatchObject({ codec: 'h264', width: 1280, height: 720, fps: 10, rotation: 0 });
    expect(r.video).toMatchObject({ display_width: 1280, display_height: 720, pix_fmt: 'yuv420p' });
    expect(r.audio).toMatchObject({ codec: 'aac', sample_rate: 48000, channels: 1 });
    expect(r.start_time_seconds).toBeGreaterThanOrEqual(0);
    expect(r.warnings).toEqual([]);
  });

  it('treats an audio-only file as media without video', async () => {
    const file = await makeTone(path.join(dir, 'tone.m4a'), 2);
    const r = await probe(file);
    expect(r.has_video).toBe(false);
    expect(r.video).toBeUndefined();
    expect(r.has_audio).toBe(true);
    expect(r.audio).toMatchObject({ codec: 'aac', sample_rate: 44100, channels: 2 });
    expect(r.duration_seconds).toBeGreaterThan(1.9);
  });

  it('reports the display rotation of a phone-style rotated video and swaps the display size', async () => {
    const file = await makeSlidesVideo(path.join(dir, 'rotated.mp4'), [{ lines: ['Portrait'], seconds: 1 }], {
      width: 640,
      height: 360,
      rotate: 90,
    });
    const r = await probe(file);
    // 90 or 270: the 2018 muxer that made the fixture writes a transposed matrix (see probe.ts).
    expect([90, 270]).toContain(r.video?.rotation);
    expect(r.video).toMatchObject({ width: 640, height: 360, display_width: 360, display_height: 640 });
  });

  it('rejects a text file with NotMediaError (→ 415)', async () => {
    const file = path.join(dir, 'notes.txt');
    await fs.writeFile(file, 'Meeting notes\nnothing to see here\n'.repeat(50));
    const err = await probe(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotMediaError);
    expect(err).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'unrecognized' });
    expect((err as Error).message).not.toContain(dir);
  });

  it('rejects random bytes, an empty file and a still image with NotMediaError', async () => {
    const noise = await makeNoiseFile(path.join(dir, 'noise.mp4'), 256 * 1024);
    await expect(probe(noise)).rejects.toBeInstanceOf(NotMediaError);

    const empty = path.join(dir, 'empty.mp4');
    await fs.writeFile(empty, '');
    await expect(probe(empty)).rejects.toMatchObject({ reason: 'empty', status: 415 });

    const png = await makeTextImage(path.join(dir, 'still.png'), ['Hello']);
    await expect(probe(png)).rejects.toMatchObject({ reason: 'still-image', status: 415 });
  });

  it('rejects a subtitle file (recognised, but no audio or video) with NotMediaError', async () => {
    const srt = path.join(dir, 'captions.srt');
    await fs.writeFile(
      srt,
      '1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n',
    );
    await expect(probe(srt)).rejects.toMatchObject({ reason: 'no-streams', status: 415 });
  });

  it('explains an MP4 cut off before its index was written (moov at the end) with CorruptMediaError', async () => {
    const cut = await truncateCopy(video, path.join(dir, 'cut.mp4'), 0.5);
    const err = await probe(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptMediaError);
    expect(err).toMatchObject({ status: 422 });
    expect((err as Error).message).toMatch(/moov atom.*cut off/);
  });

  it('still probes a truncated MP4 whose index comes first', async () => {
    const cut = await truncateCopy(faststart, path.join(dir, 'cut-faststart.mp4'), 0.5);
    const r = await probe(cut);
    expect(r.has_video).toBe(true);
    expect(r.has_audio).toBe(true);
    // The header still promises the full length; the media stage finds out it is short.
    expect(r.duration_seconds).toBeGreaterThan(3.9);
    expect(r.size_bytes).toBeLessThan((await fs.stat(faststart)).size);
  });

  it('measures the duration when the container does not state it (streamed WebM, like MediaRecorder)', async () => {
    const webm = await makeStreamedWebm(path.join(dir, 'streamed.webm'), 3);
    const r = await probe(webm);
    expect(r.format_name).toContain('webm');
    expect(r.video?.codec).toBe('vp8');
    expect(r.audio?.codec).toBe('opus');
    expect(r.duration_seconds).toBeGreaterThan(2.8);
    expect(r.duration_seconds).toBeLessThan(3.3);
    const unmeasured = await probe(webm, { measureMissingDuration: false });
    expect(unmeasured.duration_seconds).toBeNull();
  });

  it('probes MPEG-TS (camera exports, OBS .ts), which the npm ffprobe crashes on, with the original stream indices', async () => {
    const ts = path.join(dir, 'export.ts');
    // Sound first, as some recorders write it: the indices must be the original's.
    // prettier-ignore
    await runFfmpeg(
      ['-i', video, '-f', 'lavfi', '-i', 'sine=d=4', '-map', '1:a', '-map', '0:v', '-c:v', 'copy', '-c:a', 'aac', '-shortest', '-f', 'mpegts', ts],
      { what: 'Making a .ts' },
    );
    const r = await probe(ts);
    expect(r.format_name).toBe('mpegts');
    expect(r.video).toMatchObject({ index: 1, codec: 'h264' });
    expect(r.audio).toMatchObject({ index: 0, codec: 'aac' });
    expect(r.duration_seconds).toBeGreaterThan(3.5);
    expect(r.duration_seconds).toBeLessThan(4.5);
    expect(r.size_bytes).toBe((await fs.stat(ts)).size);
  });

  it('parses frame rates', () => {
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('0/0')).toBeUndefined();
    expect(parseRate(undefined)).toBeUndefined();
  });
});
