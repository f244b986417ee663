import type { Logger } from 'pino';
import type { LanguageModel } from '../../../engines/llm/port.js';
import type { JobDefinition } from '../../../platform/queue/index.js';
import type { ContextRepository } from '../context.repository.js';
import type { FramesRepository } from '../frames.repository.js';
import { StageSkipped, type RecordingPipeline, type StageRun } from '../pipeline.js';
import type { Recording } from '../recordings.repository.js';
import type { SegmentsRepository } from '../segments.repository.js';
import { editableContext } from './empty-context.js';
import { assembleContext } from './enrich-assembly.js';

export const ENRICH_JOB = 'recording.enrich';

export const NOTHING_TO_ENRICH =
  'Nothing to enrich: the recording has no transcript and no screen text, so there is no summary, ' +
  'timeline, actions, URLs, apps or tags to report.';

export interface EnrichJobDeps {
  pipeline: RecordingPipeline;
  frames: FramesRepository;
  segments: SegmentsRepository;
  context: ContextRepository;
  /** Undefined when none is configured: the extractive methods run instead. */
  llm: LanguageModel | undefined;
  logger: Logger;
}

/**
 * `recording.enrich`: per-frame url and app from the OCR text, and the recording's
 * summary, timeline, actions, urls, apps and tags from the transcript and screen text
 * (an LLM when configured, extractive methods otherwise; `engines` says which).
 *
 * With no transcript and no screen text at all the context is still written (empty,
 * summary null, so a client polling /context sees the final state) and the stage is
 * `skipped` with NOTHING_TO_ENRICH as its reason: "done" would suggest there was
 * something to find. Idempotent: every run recomputes everything from the stored
 * frames and segments and replaces what an earlier run wrote.
 */
export function enrichJob(d: EnrichJobDeps): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'enrich',
    name: ENRICH_JOB,
    concurrency: 2,
    timeoutMs: 60 * 60_000,
    engine: d.llm ? `llm:${d.llm.model}` : 'extractive',
    work: (rec, run) => enrich(d, rec, run),
  });
}

async function enrich(d: EnrichJobDeps, rec: Recording, run: StageRun): Promise<void> {
  const [frames, segments, stored] = await Promise.all([
    d.frames.list(rec.id),
    d.segments.list(rec.id),
    d.context.find(rec.id),
  ]);
  const previous = editableContext(stored);
  const result = await assembleContext(
    {
      frames,
      segments,
      duration: rec.duration_seconds,
      language: previous.language,
      engines: previous.engines,
    },
    { llm: d.llm, signal: run.signal },
  );
  await run.progress(0.8);
  const byId = new Map(frames.map((f) => [f.id, f]));
  for (const a of result.frames) {
    const f = byId.get(a.id);
    if (!f || (f.url === a.url && f.app === a.app)) continue;
    await d.frames.setEnrichment(a.id, { url: a.url, app: a.app, description: f.description });
  }
  await d.context.upsert(rec.id, result.context);
  if (result.fallbackReason) {
    d.logger.warn(
      { recordingId: rec.id, reason: result.fallbackReason },
      'LLM enrichment unavailable; used the extractive methods',
    );
    // The reason may name internal hosts; it goes to the log, the status says only what ran.
    await run.setEngine('extractive (LLM unavailable)');
  } else if (!result.empty && d.llm) {
    await run.setEngine(result.context.engines.summary ?? `llm:${d.llm.model}`);
  }
  if (result.empty) throw new StageSkipped(NOTHING_TO_ENRICH);
}
