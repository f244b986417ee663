import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SpeechToTextSelection } from '../../../engines/asr/select.js';
import type { TranscriptSegment } from '../../../engines/asr/port.js';
import { redact } from '../../../engines/ffmpeg/command.js';
import { AppError } from '../../../errors.js';
import { PermanentJobError, type JobDefinition } from '../../../platform/queue/index.js';
import type { ContextRepository } from '../context.repository.js';
import { StageSkipped, type RecordingPipeline, type StageRun } from '../pipeline.js';
import type { Recording } from '../recordings.repository.js';
import type { Segment, SegmentsRepository } from '../segments.repository.js';
import { editableContext } from './empty-context.js';
import { extractSpeechWav } from './speech-audio.js';
import { progressSlice } from './stage-progress.js';

export const TRANSCRIBE_JOB = 'recording.transcribe';
/** Extracting audio is quick next to recognising it. */
const EXTRACT_SHARE = 0.1;

export interface TranscribeJobDeps {
  pipeline: RecordingPipeline;
  segments: SegmentsRepository;
  context: ContextRepository;
  /**
   * Picks the engine per run rather than once at start-up: installing pocketsphinx or
   * setting up a server and pressing retry then works without a restart.
   */
  selectSpeechToText: () => Promise<SpeechToTextSelection>;
  logger: Logger;
  /** Scratch space for the extracted WAV (large: 115 MB per hour of audio). */
  workDir: string;
}

/**
 * `recording.transcribe`: the timestamped transcript. Audio is extracted from the
 * stored original (best quality; the playback copy is a second lossy generation) to a
 * 16 kHz mono WAV on disk, and the engine reads that file itself: engines that need
 * pieces (the OpenAI-compatible upload limit) cut it by byte ranges, so no stage
 * holds the audio in memory. Without audio or without an engine the stage is skipped
 * with the reason; nothing is ever made up. Idempotent: a rerun replaces the transcript.
 */
export function transcribeJob(d: TranscribeJobDeps): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'transcribe',
    name: TRANSCRIBE_JOB,
    // Speech recognition takes a whole core; a second one would only slow both.
    concurrency: 1,
    // Engines have their own limits that grow with the audio; this is the backstop.
    timeoutMs: 24 * 3600_000,
    work: (rec, run) => transcribe(d, rec, run),
  });
}

async function transcribe(d: TranscribeJobDeps, rec: Recording, run: StageRun): Promise<void> {
  // null means "not probed": try, and let the extraction say what is wrong.
  if (rec.has_audio === false) throw new StageSkipped('No audio stream');
  const selection = await d.selectSpeechToText();
  if ('skipped' in selection) {
    throw new StageSkipped(`No speech-to-text engine: ${selection.reason}. ${selection.how_to_enable}`);
  }
  const engine = selection.engine;
  const engineLabel = `${engine.name}:${engine.model}`;
  await run.setEngine(engineLabel);
  const source = rec.original_key ?? rec.playback_key;
  if (!source) throw new PermanentJobError('The recording has no stored file to transcribe.');

  const logger = d.logger.child({ recordingId: rec.id, stage: 'transcribe' });
  await mkdir(d.workDir, { recursive: true });
  const scratch = await mkdtemp(path.join(d.workDir, 'asr-'));
  try {
    const wav = path.join(scratch, 'audio.wav');
    const extracting = progressSlice(run, logger, 0, EXTRACT_SHARE);
    const audio = await d.pipeline.withLocalCopy(source, run.signal, (file) =>
      extractSpeechWav(file, wav, {
        signal: run.signal,
        durationSeconds: rec.duration_seconds,
        onProgress: (p) => p.fraction !== undefined && extracting.report(p.fraction),
      }),
    );
    await extracting.settle();
    if (audio.warnings.length) {
      logger.warn({ warnings: audio.warnings }, 'damaged audio; transcribing what could be read');
    }

    const recognising = progressSlice(run, logger, EXTRACT_SHARE, 1);
    const started = performance.now();
    const transcript = await engine
      .transcribe(wav, { signal: run.signal, onProgress: (f) => recognising.report(f) })
      .catch((err: unknown) => {
        throw withoutPaths(err, scratch);
      })
      .finally(() => recognising.settle());
    const elapsed = (performance.now() - started) / 1000;
    const segments = toRows(transcript.segments);
    logger.info(
      {
        engine: engineLabel,
        segments: segments.length,
        audioSeconds: audio.durationSeconds,
        rtf: audio.durationSeconds ? elapsed / audio.durationSeconds : null,
      },
      'transcribed',
    );
    await d.segments.replaceAll(rec.id, segments);
    // The language and the engine belong to the recording's context; enrich keeps them.
    const context = editableContext(await d.context.find(rec.id));
    await d.context.upsert(rec.id, {
      ...context,
      language: transcript.language ?? null,
      engines: { ...context.engines, transcript: engineLabel },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Engines quote their stderr, which names the scratch file; the message becomes the
 * stage's public error text, so the server's paths are taken out.
 */
function withoutPaths(err: unknown, scratch: string): unknown {
  if (!(err instanceof Error) || !err.message.includes('/')) return err;
  const message = redact(err.message, { [scratch]: 'work' });
  if (message === err.message) return err;
  return err instanceof AppError
    ? Object.assign(new AppError(err.code, message, err.details, err.status), { cause: err })
    : Object.assign(new Error(message, { cause: err }), { name: err.name });
}

const ms = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Engine segments as stored: in time order, blank ones dropped, times to the millisecond. */
export function toRows(segments: TranscriptSegment[]): Omit<Segment, 'idx'>[] {
  return segments
    .filter((s) => s.text.trim() !== '')
    .sort((a, b) => a.start - b.start)
    .map((s) => ({
      start_seconds: ms(Math.max(0, s.start)),
      end_seconds: ms(Math.max(s.start, s.end)),
      text: s.text.trim(),
      confidence: s.confidence ?? null,
      speaker: null,
    }));
}
