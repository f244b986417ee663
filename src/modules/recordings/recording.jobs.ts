import { PermanentJobError, type JobDefinition } from '../../platform/queue/index.js';
import type { Prober } from './media-info.js';
import type { RecordingPipeline } from './pipeline.js';
import type { RecordingsRepository } from './recordings.repository.js';

export const PROBE_JOB = 'recording.probe';

/**
 * `recording.probe`, the pipeline's first stage: ffprobe on the stored original (not on
 * the client's upload: this is what later stages will read), recording container,
 * duration and streams on the recording. Idempotent: a rerun overwrites the same
 * columns with the same values. Upload probing (for 415) happens before the file is
 * stored; this stage also serves recordings that arrive by other ways (cameras, nodes,
 * interviews).
 */
export function recordingJobs(d: {
  repo: RecordingsRepository;
  pipeline: RecordingPipeline;
  probe: Prober;
}): JobDefinition<{ recording_id: string }>[] {
  const probeJob = d.pipeline.defineStage({
    stage: 'probe',
    name: PROBE_JOB,
    concurrency: 2,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    timeoutMs: 30 * 60_000,
    engine: 'ffprobe',
    work: async (rec, run) => {
      if (!rec.original_key) throw new PermanentJobError('The recording has no stored file to probe.');
      const info = await d.pipeline.withLocalCopy(rec.original_key, run.signal, (file) =>
        d.probe(file, run.signal),
      );
      await run.setEngine(info.engine);
      await d.repo.update(rec.id, {
        duration_seconds: info.durationSeconds,
        has_video: info.hasVideo,
        has_audio: info.hasAudio,
        width: info.width,
        height: info.height,
        // What later stages recorded under `derived` is theirs, not the probe's to drop.
        media: rec.media?.derived ? { ...info.summary, derived: rec.media.derived } : info.summary,
      });
    },
  });
  return [probeJob];
}
