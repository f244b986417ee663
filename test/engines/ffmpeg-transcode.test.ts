import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaProcessingError } from '../../src/engines/ffmpeg/errors.js';
import type { FfmpegProgress } from '../../src/engines/ffmpeg/progress.js';
import {
  extractAudioWav16k,
  poster,
  thumbnails,
  toAac,
  toWebMp4,
  webSize,
} from '../../src/engines/ffmpeg/transcode.js';
import {
  ffprobeJson,
  makeColorVideo,
  makeSlidesVideo,
  makeTone,
  mp4TopLevelBoxes,
  tempDir,
  truncateCopy,
} from '../fixtures/media.js';

let dir: string;
let video: string;

beforeAll(async () => {
  dir = await tempDir();
  video = await makeSlidesVideo(
    path.join(dir, 'slides.mp4'),
    [
      { lines: ['Invoice 4821'], seconds: 2 },
      { lines: ['Quarterly Report'], seconds: 2 },
    ],
    { faststart: true },
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** PIDs whose command line mentions `needle` (Linux /proc). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle) && Number(name) !== process.pid) pids.push(Number(name));
  }
  return pids;
}

const streamsOf = async (file: string) => {
  const j = await ffprobeJson(file);
  return {
    format: j.format,
    video: j.streams.find((s) => s.codec_type === 'video'),
    audio: j.streams.find((s) => s.codec_type === 'audio'),
  };
};

describe('webSize', () => {
  it('keeps sizes within 1080p in either orientation, even, never upscaled', () => {
    expect(webSize(1280, 720)).toEqual({ width: 1280, height: 720 });
    expect(webSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
    expect(webSize(2160, 3840)).toEqual({ width: 1080, height: 1920 });
    expect(webSize(641, 361)).toEqual({ width: 642, height: 362 });
    expect(webSize(2560, 1600)).toEqual({ width: 1728, height: 1080 });
    expect(webSize(1, 1)).toEqual({ width: 2, height: 2 });
  });
});

describe('toWebMp4', () => {
  it('writes H.264 yuv420p + AAC with the index before the media data, reporting progress', async () => {
    const out = path.join(dir, 'web.mp4');
    const progress: FfmpegProgress[] = [];
    const r = await toWebMp4(video, out, { onProgress: (p) => progress.push(p) });

    const { video: v, audio: a } = await streamsOf(out);
    expect(v).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 1280, height: 720 });
    expect(a).toMatchObject({ codec_name: 'aac' });
    const boxes = (await mp4TopLevelBoxes(out)).map((b) => b.type);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    expect(r).toMatchObject({ path: out, width: 1280, height: 720, truncated_input: false, warnings: [] });
    expect(r.duration_seconds).toBeGreaterThan(3.9);
    expect(r.size_bytes).toBe((await fs.stat(out)).size);
    expect(r.speed).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: true, fraction: 1 });
    const fractions = progress.map((p) => p.fraction ?? 0);
    expect(fractions).toEqual([...fractions].sort((x, y) => x - y));
    // Nothing but the output is left in the directory (the temp file was renamed).
    expect((await fs.readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('makes odd sizes even and downscales above 1080p', async () => {
    const odd = await makeColorVideo(path.join(dir, 'odd.webm'), {
      width: 641,
      height: 361,
      seconds: 1,
      pattern: true,
    });
    const big = await makeColorVideo(path.join(dir, 'big.mp4'), { width: 2560, height: 1440, seconds: 1 });
    const [r1, r2] = await Promise.all([
      toWebMp4(odd, path.join(dir, 'odd-web.mp4')),
      toWebMp4(big, path.join(dir, 'big-web.mp4')),
    ]);
    expect(r1).toMatchObject({ width: 642, height: 362 });
    expect(r2).toMatchObject({ width: 1920, height: 1080 });
    const { video: v } = await streamsOf(r2.path);
    expect(v).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 1920, height: 1080 });
  });

  it('turns a rotated phone video upright (display size, no rotation left)', async () => {
    const rotated = await makeSlidesVideo(path.join(dir, 'rot.mp4'), [{ lines: ['Portrait'], seconds: 1 }], {
      width: 640,
      height: 360,
      rotate: 90,
    });
    const r = await toWebMp4(rotated, path.join(dir, 'rot-web.mp4'));
    expect(r).toMatchObject({ width: 360, height: 640 });
    const { video: v } = await streamsOf(r.path);
    const sideRotation = Array.isArray(v?.side_data_list) ? 1 : 0;
    expect(sideRotation).toBe(0);
  });

  it('transcodes what it can of a truncated file and says the input was cut short', async () => {
    const cut = await truncateCopy(video, path.join(dir, 'cut.mp4'), 0.5);
    const r = await toWebMp4(cut, path.join(dir, 'cut-web.mp4'));
    expect(r.truncated_input).toBe(true);
    expect(r.duration_seconds).toBeGreaterThan(0.5);
    expect(r.duration_seconds).toBeLessThan(3.5);
    expect(r.warnings.join('\n')).not.toContain(dir);
  });

  it('refuses an audio-only input (toAac is for those)', async () => {
    const tone = await makeTone(path.join(dir, 'tone-only.m4a'), 1);
    await expect(toWebMp4(tone, path.join(dir, 'x.mp4'))).rejects.toBeInstanceOf(MediaProcessingError);
  });

  it('stops ffmpeg on abort, rejects with the signal reason and leaves no partial file', async () => {
    const long = await makeColorVideo(path.join(dir, 'long.mp4'), {
      width: 1280,
      height: 720,
      seconds: 60,
      fps: 10,
      pattern: true,
    });
    const out = path.join(dir, 'aborted.mp4');
    const ac = new AbortController();
    const reason = new Error('user cancelled');
    let aborted = false;
    const started = Date.now();
    const p = toWebMp4(long, out, {
      signal: ac.signal,
      onProgress: (pr) => {
        if (!aborted && pr.seconds > 0.5) {
          aborted = true;
          ac.abort(reason);
        }
      },
    });
    await expect(p).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(20_000);
    const left = await fs.readdir(dir);
    expect(left.filter((f) => f.startsWith('.aborted.mp4') || f === 'aborted.mp4')).toEqual([]);
    // The promise settles only after the process is gone: no ffmpeg is still writing our output.
    expect(await processesMentioning('aborted.mp4')).toEqual([]);
  }, 60_000);
});

describe('audio outputs', () => {
  it('toAac writes AAC in an MP4 container with faststart', async () => {
    const tone = await makeTone(path.join(dir, 'tone.wav'), 2, { channels: 1 });
    const r = await toAac(tone, path.join(dir, 'tone.m4a'));
    const { video: v, audio: a, format } = await streamsOf(r.path);
    expect(v).toBeUndefined();
    expect(a).toMatchObject({ codec_name: 'aac', channels: 1 });
    expect(String(format.format_name)).toContain('mp4');
    const boxes = (await mp4TopLevelBoxes(r.path)).map((b) => b.type);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(r.duration_seconds).toBeGreaterThan(1.9);
  });

  it('extractAudioWav16k writes mono 16 kHz 16-bit PCM', async () => {
    const r = await extractAudioWav16k(video, path.join(dir, 'speech.wav'));
    const { audio: a, video: v } = await streamsOf(r.path);
    expect(v).toBeUndefined();
    expect(a).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000', channels: 1 });
    // 16000 samples/s × 2 bytes, plus a small header.
    expect(r.size_bytes).toBeGreaterThan(4 * 32000 * 0.95);
    expect(r.size_bytes).toBeLessThan(4 * 32000 * 1.1);
  });
});

describe('stills', () => {
  it('poster grabs a JPEG at the given time, and falls back to the first frame past the end', async () => {
    const out = path.join(dir, 'poster.jpg');
    const p = await poster(video, out, 1);
    expect(p).toMatchObject({ timestamp_seconds: 1, path: out });
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });

    const late = await poster(video, path.join(dir, 'poster-late.jpg'), 999);
    expect(late.timestamp_seconds).toBe(0);
    expect((await sharp(late.path).metadata()).format).toBe('jpeg');
  });

  it('thumbnails spreads small JPEGs over the recording', async () => {
    const thumbs = await thumbnails(video, path.join(dir, 'thumbs'), { count: 4 });
    expect(thumbs).toHaveLength(4);
    thumbs.forEach((t, i) => expect(t.timestamp_seconds).toBeCloseTo(0.5 + i, 1));
    for (const t of thumbs) {
      const meta = await sharp(t.path).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 180 });
    }
  });
});
