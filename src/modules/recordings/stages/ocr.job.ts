import type { Logger } from 'pino';
import type { OcrEngine, OcrResult } from '../../../engines/ocr/port.js';
import type { JobDefinition } from '../../../platform/queue/index.js';
import { recordDerived } from '../derived-media.js';
import type { FramesRepository, OcrWord } from '../frames.repository.js';
import { StageSkipped, type RecordingPipeline, type StageRun } from '../pipeline.js';
import type { Recording, RecordingsRepository } from '../recordings.repository.js';

export const OCR_JOB = 'recording.ocr';
/**
 * Frames copied out of storage and read per engine call: the tesseract CLI loads its
 * model once per call (list mode), and a batch is also the unit of progress and of
 * what an abort throws away.
 */
const BATCH = 8;

export interface OcrJobDeps {
  pipeline: RecordingPipeline;
  repo: RecordingsRepository;
  frames: FramesRepository;
  logger: Logger;
  /**
   * Made per run and closed after it: installing tesseract and pressing retry then uses
   * it without a restart, and no worker idles between recordings.
   */
  createOcr: () => Promise<OcrEngine>;
}

/**
 * `recording.ocr`: the screen text of every kept frame, with word boxes and
 * confidences. Idempotent: a rerun overwrites each frame's OCR columns.
 */
export function ocrJob(d: OcrJobDeps): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'ocr',
    name: OCR_JOB,
    // Tesseract is single-threaded here (OMP_THREAD_LIMIT=1) but two of them starve the box.
    concurrency: 1,
    timeoutMs: 12 * 3600_000,
    work: (rec, run) => readFrames(d, rec, run),
  });
}

async function readFrames(d: OcrJobDeps, rec: Recording, run: StageRun): Promise<void> {
  const frames = await d.frames.list(rec.id);
  if (frames.length === 0) {
    throw new StageSkipped(
      rec.has_video === false
        ? 'No video stream: there is no screen text to read.'
        : 'No frames to read: the frames stage kept none.',
    );
  }
  const started = performance.now();
  const engine = await d.createOcr();
  try {
    const label = `${engine.name} ${engine.version}`;
    await run.setEngine(label);
    for (let i = 0; i < frames.length; i += BATCH) {
      const batch = frames.slice(i, i + BATCH);
      const results = await d.pipeline.withLocalCopies(
        batch.map((f) => f.image_key),
        run.signal,
        (files) => engine.recognizeMany(files, { signal: run.signal }),
      );
      for (const [j, frame] of batch.entries()) {
        const r = results[j];
        if (r) await d.frames.setOcr(frame.id, toFrameOcr(r));
      }
      await run.progress((i + batch.length) / frames.length);
    }
    const elapsed = Math.round(performance.now() - started);
    await recordDerived(d.repo, rec.id, {
      ocr: {
        frames: frames.length,
        engine: label,
        elapsed_ms: elapsed,
        ms_per_frame: Math.round(elapsed / frames.length),
      },
    });
  } finally {
    await engine.close();
  }
}

function toFrameOcr(r: OcrResult) {
  const words: OcrWord[] = r.lines.flatMap((line) =>
    line.words.map((w) => ({
      text: w.text,
      confidence: w.confidence,
      box: { x: w.box.x, y: w.box.y, width: w.box.w, height: w.box.h },
    })),
  );
  // An empty string, not null: the frame was read and holds no text.
  return { ocr_text: r.text, ocr_words: words, ocr_confidence: words.length ? r.confidence : null };
}
