import type { Logger } from 'pino';
import type { OcrEngine } from '../../../engines/ocr/port.js';
import { createOcrEngine } from '../../../engines/ocr/select.js';
import type { JobDefinition } from '../../../platform/queue/index.js';
import type { FramesRepository } from '../frames.repository.js';
import type { RecordingPipeline } from '../pipeline.js';
import type { RecordingsRepository } from '../recordings.repository.js';
import { framesJob } from './frames.job.js';
import { mediaJob } from './media.job.js';
import { ocrJob } from './ocr.job.js';

export interface MediaStagesDeps {
  pipeline: RecordingPipeline;
  repo: RecordingsRepository;
  frames: FramesRepository;
  logger: Logger;
  workDir: string;
  /**
   * Defaults to `auto`: the system tesseract when it works (IRIS_TESSERACT_PATH or PATH),
   * else tesseract.js with its bundled English data.
   */
  createOcr?: () => Promise<OcrEngine>;
}

/** The media, frames and ocr stages' jobs, registered on the pipeline. */
export function mediaStageJobs(d: MediaStagesDeps): JobDefinition<{ recording_id: string }>[] {
  return [
    mediaJob(d),
    framesJob(d),
    ocrJob({ ...d, createOcr: d.createOcr ?? (() => createOcrEngine('auto')) }),
  ];
}
