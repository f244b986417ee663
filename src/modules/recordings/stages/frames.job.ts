import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { DEFAULT_ANALYSIS_FPS, extractKeyframes } from '../../../engines/ffmpeg/frames.js';
import { locateFfmpeg } from '../../../engines/ffmpeg/locate.js';
import { probe } from '../../../engines/ffmpeg/probe.js';
import { dhash } from '../../../engines/image/phash.js';
import { PermanentJobError, type JobDefinition } from '../../../platform/queue/index.js';
import { newId } from '../../../platform/ids.js';
import { recordDerived } from '../derived-media.js';
import type { FramesRepository, NewFrame } from '../frames.repository.js';
import { StageSkipped, type RecordingPipeline, type StageRun } from '../pipeline.js';
import type { Recording, RecordingsRepository } from '../recordings.repository.js';
import { isCutShort } from './damage.js';
import { progressSlice } from './stage-progress.js';

export const FRAMES_JOB = 'recording.frames';
/** Sampling is one decode pass; storing the kept frames is the rest. */
const SAMPLE_SHARE = 0.8;
/** Size of the perceptual hash stored with each frame (phash.ts), for finding the same screen across recordings. */
const HASH_SIZE = 32;

export interface FramesJobDeps {
  pipeline: RecordingPipeline;
  repo: RecordingsRepository;
  frames: FramesRepository;
  logger: Logger;
  workDir: string;
}

/**
 * `recording.frames`: the keyframes OCR reads and the frames view shows. One decode of
 * the original (full resolution: OCR wants pixels) compares four frames a second with
 * the last one kept and keeps one frame per distinct screen once it has settled (see
 * engines/ffmpeg/frames.ts); blank frames are never kept, so no OCR is paid for them or
 * for a re-sampled static screen. Counts go to the recording's `media.derived.frames`.
 *
 * It reads the original rather than the playback file, so it runs whether or not the
 * media stage succeeded. Each run stores its frames under a fresh folder and swaps the
 * rows in one transaction before removing the previous run's images, so readers never
 * see a row without its image.
 */
export function framesJob(d: FramesJobDeps): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'frames',
    name: FRAMES_JOB,
    // One decode saturates a core and the queue runs media and ocr next to it.
    concurrency: 1,
    timeoutMs: 12 * 3600_000,
    engine: 'ffmpeg',
    work: (rec, run) => sampleFrames(d, rec, run),
  });
}

async function sampleFrames(d: FramesJobDeps, rec: Recording, run: StageRun): Promise<void> {
  if (rec.has_video === false) throw new StageSkipped('No video stream: nothing to sample.');
  if (!rec.original_key) throw new PermanentJobError('The recording has no stored file to sample.');
  const ffmpeg = await locateFfmpeg();
  await mkdir(d.workDir, { recursive: true });
  const scratch = await mkdtemp(path.join(d.workDir, 'frames-'));
  try {
    await d.pipeline.withLocalCopy(rec.original_key, run.signal, async (file) => {
      const info = await probe(file, { signal: run.signal });
      if (!info.video) throw new StageSkipped('No video stream: nothing to sample.');
      const progress = progressSlice(run, d.logger, 0, SAMPLE_SHARE);
      const sampled = await extractKeyframes(file, scratch, {
        probe: info,
        signal: run.signal,
        onProgress: (p) => progress.report(p.fraction ?? 0),
      });
      await progress.settle();
      const kept = sampled.frames;
      const blank = sampled.blank ? `, ${sampled.blank} blank` : '';
      await run.setEngine(
        `ffmpeg ${ffmpeg.version} (${ffmpeg.source}), screen changes at ${DEFAULT_ANALYSIS_FPS} fps: ` +
          `${kept.length} of ${sampled.analysed} frames kept${blank}`,
      );

      const runFolder = randomBytes(4).toString('hex');
      const rows: NewFrame[] = [];
      for (const [i, frame] of kept.entries()) {
        const meta = await sharp(frame.path).metadata();
        const image_key = await d.pipeline.storeDerived(
          rec,
          `frames/${runFolder}/${String(i).padStart(6, '0')}.jpg`,
          frame.path,
          'image/jpeg',
        );
        rows.push({
          id: newId('frm'),
          idx: i,
          timestamp_seconds: frame.timestamp_seconds,
          image_key,
          width: meta.width ?? null,
          height: meta.height ?? null,
          phash: await dhash(frame.path, { size: HASH_SIZE }),
        });
        await run.progress(SAMPLE_SHARE + ((1 - SAMPLE_SHARE) * (i + 1)) / kept.length);
      }
      const previous = await d.frames.list(rec.id);
      await d.frames.replaceAll(rec.id, rec.workspace_id, rows);
      for (const old of previous) await d.pipeline.removeDerived(rec, old.image_key);

      await recordDerived(d.repo, rec.id, {
        frames: {
          sampled: sampled.analysed,
          blank: sampled.blank,
          kept: kept.length,
          analysis_fps: DEFAULT_ANALYSIS_FPS,
          warnings: sampled.warnings.slice(0, 5),
          elapsed_ms: sampled.elapsed_ms,
        },
      });

      // Every analysed frame is decoded, so the last one's time is how far decoding got.
      const last = sampled.last_timestamp_seconds ?? 0;
      if (isCutShort(info, last + 1 / DEFAULT_ANALYSIS_FPS)) {
        const why = sampled.warnings[0] ? ` (ffmpeg: ${sampled.warnings[0]})` : '';
        throw new PermanentJobError(
          `The video is damaged or cut short: frames could only be taken up to ${last.toFixed(1)} s of ` +
            `${(info.duration_seconds ?? 0).toFixed(1)} s${why}. The frames found were kept.`,
        );
      }
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
