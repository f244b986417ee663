/**
 * Reciprocal rank fusion: each list contributes 1 / (k + rank) for every id it ranks,
 * so keyword and vector results merge without comparing bm25 scores to cosines.
 * k = 60 is the constant of the original RRF paper; it keeps one list's top hit from
 * drowning everything the other list agrees on.
 */
export const RRF_K = 60;

export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = RRF_K): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return new Map([...scores].sort((a, b) => b[1] - a[1]));
}
