import { cosine, type SparseVector } from './similarity.js';

/**
 * Weighted PageRank over a sentence-similarity graph (TextRank, Mihalcea & Tarau
 * 2004): a sentence is central when it is similar to many sentences that are
 * themselves central. `prior` biases the random jump (personalised PageRank), which is
 * how spoken sentences are preferred over screen text without excluding it.
 */
export interface TextRankOptions {
  damping: number;
  maxIterations: number;
  tolerance: number;
  /** Edges weaker than this are dropped: near-zero overlaps are noise. */
  minSimilarity: number;
}

export const TEXTRANK_DEFAULTS: TextRankOptions = {
  damping: 0.85,
  maxIterations: 100,
  tolerance: 1e-6,
  minSimilarity: 0.05,
};

export function textRank(
  vectors: SparseVector[],
  prior?: number[],
  options: TextRankOptions = TEXTRANK_DEFAULTS,
): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  const teleport = normaliseWeights(prior ?? new Array<number>(n).fill(1));
  const edges: Array<Array<{ to: number; w: number }>> = Array.from({ length: n }, () => []);
  const outWeight = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = cosine(vectors[i]!, vectors[j]!);
      if (w < options.minSimilarity) continue;
      edges[i]!.push({ to: j, w });
      edges[j]!.push({ to: i, w });
      outWeight[i]! += w;
      outWeight[j]! += w;
    }
  }
  let scores = teleport.slice();
  for (let iter = 0; iter < options.maxIterations; iter++) {
    const next = teleport.map((p) => (1 - options.damping) * p);
    // A sentence with no edges hands its weight back through the prior, so the total
    // stays 1 and isolated sentences do not sink the rest.
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      if (outWeight[i] === 0) {
        dangling += scores[i]!;
        continue;
      }
      for (const { to, w } of edges[i]!) next[to]! += (options.damping * scores[i]! * w) / outWeight[i]!;
    }
    for (let i = 0; i < n; i++) next[i]! += options.damping * dangling * teleport[i]!;
    const delta = next.reduce((acc, x, i) => acc + Math.abs(x - scores[i]!), 0);
    scores = next;
    if (delta < options.tolerance) break;
  }
  return scores;
}

function normaliseWeights(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return total > 0 ? weights.map((w) => w / total) : weights.map(() => 1 / weights.length);
}
