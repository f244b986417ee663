import type { Embedder } from '../../engines/embed/port.js';
import type { JobDefinition } from '../../platform/queue/index.js';
import type { ContextRepository } from '../recordings/context.repository.js';
import type { FramesRepository } from '../recordings/frames.repository.js';
import type { RecordingPipeline } from '../recordings/pipeline.js';
import type { SegmentsRepository } from '../recordings/segments.repository.js';
import { buildDocuments } from './documents.js';
import type { SearchRepository } from './search.repository.js';

export const INDEX_JOB = 'recording.index';
/**
 * Embedding models read a few hundred to a few thousand tokens; servers either refuse
 * or silently cut longer input. The start of a long screen is what it is about.
 */
const EMBED_CHARS = 2_000;

/**
 * `recording.index`, the last stage: rebuilds the recording's search documents from
 * its title, summary, transcript and screen text (replace in one transaction, so a
 * rerun converges to the same index), then their vectors when an embedder is
 * configured. Keyword search works as soon as the documents are written; if the
 * embedder fails, the stage retries and finally fails with its error, while the
 * documents stay searchable by keywords.
 */
export function indexJob(d: {
  pipeline: RecordingPipeline;
  search: SearchRepository;
  frames: FramesRepository;
  segments: SegmentsRepository;
  context: ContextRepository;
  embedder?: Embedder | undefined;
}): JobDefinition<{ recording_id: string }> {
  return d.pipeline.defineStage({
    stage: 'index',
    name: INDEX_JOB,
    concurrency: 2,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    timeoutMs: 30 * 60_000,
    engine: d.search.engine,
    work: async (rec, run) => {
      const [context, segments, frames] = await Promise.all([
        d.context.find(rec.id),
        d.segments.list(rec.id),
        d.frames.list(rec.id),
      ]);
      const docs = buildDocuments({ title: rec.title, context, segments, frames });
      const stored = await d.search.replaceDocuments(rec.id, rec.workspace_id, docs);
      if (!d.embedder || stored.length === 0) return;
      await run.progress(0.3);
      await run.setEngine(`${d.search.engine}+embeddings:${d.embedder.model}`);
      const vectors = await d.embedder.embed(
        stored.map((doc) => doc.text.slice(0, EMBED_CHARS)),
        { signal: run.signal },
      );
      await d.search.replaceEmbeddings(
        rec.id,
        d.embedder.model,
        stored.map((document, i) => ({ document, vector: vectors[i]! })),
      );
    },
  });
}
