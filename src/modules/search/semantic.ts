import type { Embedder } from '../../engines/embed/port.js';
import type { SearchRepository } from './search.repository.js';
import { dot, unit } from './vectors.js';

export interface VectorMatch {
  document_id: number;
  recording_id: string;
  cosine: number;
}

export interface SemanticRanking {
  /** Recordings by their best document's cosine, best first. */
  recordings: string[];
  /** Each recording's best documents, best first. */
  documents: Map<string, VectorMatch[]>;
}

/**
 * Brute-force cosine over the stored vectors of the workspaces: exact, and fast enough
 * for tens of thousands of documents. Keeps only the best `keep` documents in memory.
 * (An in-process ANN index rebuilt from the table is the next step for larger libraries.)
 */
export async function semanticRanking(
  repo: SearchRepository,
  embedder: Embedder,
  query: string,
  workspaceIds: readonly string[],
  keep: number,
  signal?: AbortSignal,
): Promise<SemanticRanking> {
  const [raw] = await embedder.embed([query], signal ? { signal } : {});
  const q = unit(raw!);
  let best: VectorMatch[] = [];
  await repo.scanVectors(workspaceIds, embedder.model, q.length, (v) => {
    const cosine = dot(q, v.vector);
    if (cosine <= 0) return;
    best.push({ document_id: v.document_id, recording_id: v.recording_id, cosine });
    if (best.length >= keep * 4) best = best.sort((a, b) => b.cosine - a.cosine).slice(0, keep);
  });
  best = best.sort((a, b) => b.cosine - a.cosine).slice(0, keep);
  const documents = new Map<string, VectorMatch[]>();
  for (const m of best) {
    const list = documents.get(m.recording_id);
    if (list) list.push(m);
    else documents.set(m.recording_id, [m]);
  }
  return { recordings: [...documents.keys()], documents };
}
