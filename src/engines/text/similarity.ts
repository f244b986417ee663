import { terms } from './tokenize.js';

/**
 * TF-IDF vectors over a set of short texts and their cosine similarity: the measure
 * behind the summary graph, redundancy checks and topic shifts. IDF comes from the
 * texts themselves (a recording is its own corpus), so words said everywhere in it
 * ("meeting", the product name) weigh less than the ones that set a passage apart.
 */
export type SparseVector = Map<string, number>;

export function tfidfVectors(texts: string[]): SparseVector[] {
  const docs = texts.map(terms);
  const df = new Map<string, number>();
  for (const doc of docs) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return docs.map((doc) => {
    const tf = new Map<string, number>();
    for (const t of doc) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v: SparseVector = new Map();
    for (const [t, count] of tf) v.set(t, (1 + Math.log(count)) * Math.log(1 + n / (df.get(t) ?? 1)));
    return normalise(v);
  });
}

export function normalise(v: SparseVector): SparseVector {
  let norm = 0;
  for (const x of v.values()) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) return v;
  for (const [k, x] of v) v.set(k, x / norm);
  return v;
}

/** Cosine of two unit-length vectors. */
export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, x] of small) {
    const y = large.get(k);
    if (y !== undefined) dot += x * y;
  }
  return dot;
}

/** Sum of vectors, normalised: the "topic" of a window of text. */
export function centroid(vectors: SparseVector[]): SparseVector {
  const sum: SparseVector = new Map();
  for (const v of vectors) for (const [k, x] of v) sum.set(k, (sum.get(k) ?? 0) + x);
  return normalise(sum);
}

/** Share of distinct words (three or more letters or digits) two texts have in common, 0–1; 0 when either has none. */
export function wordJaccard(a: string | null, b: string | null): number {
  const set = (t: string | null) => new Set((t ?? '').toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);
  const x = set(a);
  const y = set(b);
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return common / (x.size + y.size - common);
}
