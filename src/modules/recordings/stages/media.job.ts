import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { locateFfmpeg } from '../../../engines/ffmpeg/locate.js';
import { probe, type ProbeResult } from '../../../engines/ffmpeg/probe.js';
import {
  poster,
  thumbnails,
  toAac,
  toWebMp4,
  type TranscodeResult,
} from '../../../engines/ffmpeg/transcode.js';
import { PermanentJobError, type JobDefinition } from '../../../platform/queue/index.js';
import { derivedKey } from '../blob-keys.js';
import { POSTER_NAME, derivedOf, recordDerived, thumbnailName } from '../derived-media.js';
import type { RecordingPipeline, StageRun } from '../pipeline.js';
import type { Recording, RecordingsRepository } from '../recordings.repository.js';
import { damageMessage } from './damage.js';
import { progressSlice } from './stage-progress.js';

export const MEDIA_JOB = 'recording.media';
const THUMBNAILS = 5;
/** Transcoding is most of the stage; poster and thumbnails are a few quick seeks. */
const TRANSCODE_SHARE = 0.85;

export interface MediaJobDeps {
  pipeline: RecordingPipeline;
  repo: RecordingsRepository;
  logger: Logger;
  /** Scratch space for the transcoded outputs before they are stored. */
  workDir: string;
}

/**
 * `recording.media`: what browsers play. Video becomes H.264/AAC MP4 with the index
 * first (seekable at once), audio-only becomes AAC in .m4a; video also gets a poster and
 * a few thumbnails, taken from the playback file (already web-sized, and on a damaged
 * original it holds exactly the part that can be shown). Idempotent: a rerun overwrites
 * the same keys.
 *
 * A damaged or cut-off original still gets playback of what could be decoded, and then
 * the stage fails with what was lost: the damage is reported, the rest of the pipeline
 * goes on (see RecordingPipeline), and /video plays the readable part.
 */
export function mediaJob(d: MediaJobDeps): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'media',
    name: MEDIA_JOB,
    // x264 keeps both cores busy on its own.
    concurrency: 1,
    // veryfast 1080p runs faster than real time on two cores; this only stops a hung run.
    timeoutMs: 12 * 3600_000,
    engine: 'ffmpeg',
    work: (rec, run) => makeMedia(d, rec, run),
  });
}

async function makeMedia(d: MediaJobDeps, rec: Recording, run: StageRun): Promise<void> {
  if (!rec.original_key) throw new PermanentJobError('The recording has no stored file to convert.');
  const ffmpeg = await locateFfmpeg();
  await run.setEngine(`ffmpeg ${ffmpeg.version} (${ffmpeg.source})`);
  await mkdir(d.workDir, { recursive: true });
  const scratch = await mkdtemp(path.join(d.workDir, 'media-'));
  try {
    const damage = await d.pipeline.withLocalCopy(rec.original_key, run.signal, async (file) => {
      const info = await probe(file, { signal: run.signal });
      const progress = progressSlice(run, d.logger, 0, TRANSCODE_SHARE);
      const opts = {
        probe: info,
        signal: run.signal,
        onProgress: (p: { fraction: number | undefined }) => progress.report(p.fraction ?? 0),
      };
      let result: TranscodeResult;
      let contentType: string;
      let name: string;
      if (info.video) {
        result = await toWebMp4(file, path.join(scratch, 'playback.mp4'), opts);
        [contentType, name] = ['video/mp4', 'playback.mp4'];
      } else if (info.audio) {
        result = await toAac(file, path.join(scratch, 'playback.m4a'), opts);
        [contentType, name] = ['audio/mp4', 'playback.m4a'];
      } else {
        throw new PermanentJobError('The recording has neither a video nor an audio stream to play.');
      }
      await progress.settle();
      const key = await d.pipeline.storeDerived(rec, name, result.path, contentType);
      await d.repo.update(rec.id, { playback_key: key, playback_content_type: contentType });
      await recordDerived(d.repo, rec.id, {
        playback: {
          content_type: contentType,
          duration_seconds: result.duration_seconds,
          ...(result.width !== undefined ? { width: result.width } : {}),
          ...(result.height !== undefined ? { height: result.height } : {}),
          size_bytes: result.size_bytes,
          truncated_input: result.truncated_input,
          elapsed_ms: result.elapsed_ms,
        },
      });
      await run.progress(TRANSCODE_SHARE);
      if (info.video) await storeStills(d, rec, result, scratch, run);
      return damageMessage(info, result.duration_seconds, result.warnings);
    });
    if (damage) throw new PermanentJobError(`${damage} Playback holds the part that could be read.`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Poster and thumbnails from the playback file; thumbnails a previous run made beyond this run's count are removed. */
async function storeStills(
  d: MediaJobDeps,
  rec: Recording,
  playback: TranscodeResult,
  scratch: string,
  run: StageRun,
): Promise<void> {
  const info: ProbeResult = await probe(playback.path, { signal: run.signal });
  const duration = info.duration_seconds ?? 0;
  // A little way in: screen recordings tend to open on a desktop or a countdown.
  const still = await poster(playback.path, path.join(scratch, POSTER_NAME), Math.min(duration * 0.1, 10), {
    probe: info,
    signal: run.signal,
  });
  await d.pipeline.storeDerived(rec, POSTER_NAME, still.path, 'image/jpeg');
  const thumbs = await thumbnails(playback.path, path.join(scratch, 'thumbnails'), {
    count: THUMBNAILS,
    probe: info,
    signal: run.signal,
  });
  for (const [i, thumb] of thumbs.entries()) {
    await d.pipeline.storeDerived(rec, thumbnailName(i), thumb.path, 'image/jpeg');
  }
  const before = derivedOf((await d.repo.find(rec.id)) ?? rec).thumbnails?.length ?? 0;
  for (let i = thumbs.length; i < before; i++) {
    await d.pipeline.removeDerived(rec, derivedKey(rec.workspace_id, rec.id, thumbnailName(i)));
  }
  await recordDerived(d.repo, rec.id, {
    poster: { timestamp_seconds: still.timestamp_seconds },
    thumbnails: thumbs.map((t) => ({ timestamp_seconds: t.timestamp_seconds })),
  });
}
