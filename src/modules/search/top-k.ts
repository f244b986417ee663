import { forEachPosting } from './postings.js';

/**
 * Top-k recordings for an OR query without scoring every match.
 *
 * A recording's score is Σ over the query's words of idf(word) × best(word), where best
 * is the sum of the word's ten highest impacts in the recording (postings.ts): each word
 * is evidence on its own, saturating after ten moments. Because the score is a sum over
 * per-word values that the index keeps sorted, Fagin's threshold algorithm finds the
 * top k exactly: read each word's list best-first; score every recording met in full
 * (its other words' `best` by primary key); stop once the k-th score beats
 * Σ idf × (the last `best` read from each list), which no recording not met yet can
 * exceed. Scores are integers, so the result equals the exhaustive ranking, ties
 * (broken by recording id) included; the test and the bench check it.
 *
 * Cost: a single word reads k rows; several words read each list only until the sum of
 * their frontiers falls below the k-th score, deepest in the list that holds the bound
 * up the most (on the bench's libraries that was most of every list, so the repository
 * walks single words and scans several). Words that co-occur within one moment are not scored jointly here (that
 * would need every moment of every candidate and no bound is tight for it); the
 * moments shown for each result are (matchingDocuments), and the bench reports how
 * far the top ten moves against that moment-level ranking.
 */

/** Recordings are the index's integer keys (search_recordings.key) here. */
export interface ListRow {
  rec: number;
  best: number;
}

export interface BestRow extends ListRow {
  term: string;
}

export interface TermRow {
  rec: number;
  term: string;
  first_doc: number;
  postings: Uint8Array;
}

/** What the algorithm reads; the repository answers with indexed queries. */
export interface RankingSource {
  /** Rows `offset…offset+limit` of one word's list in one workspace: best desc, rec asc. */
  page(term: string, ws: number, offset: number, limit: number): Promise<ListRow[]>;
  /** `best` of these recordings for these words (rows that exist). */
  bests(recs: readonly number[], terms: readonly string[]): Promise<BestRow[]>;
}

export interface Scored {
  rec: number;
  /** Integer; see postings.ts for the scale. */
  score: number;
}

export const byRank = (a: Scored, b: Scored) => b.score - a.score || a.rec - b.rec;

/** Per recording: each matching document's score for the whole query (for its moments). */
export function documentScores(rows: readonly TermRow[], idf: ReadonlyMap<string, number>) {
  const byRecording = new Map<number, Map<number, number>>();
  for (const r of rows) {
    const weight = idf.get(r.term) ?? 0;
    if (weight === 0) continue;
    let docs = byRecording.get(r.rec);
    if (!docs) byRecording.set(r.rec, (docs = new Map()));
    const into = docs;
    forEachPosting(r.first_doc, r.postings, (id, impact) =>
      into.set(id, (into.get(id) ?? 0) + weight * impact),
    );
  }
  return byRecording;
}

interface List {
  term: string;
  ws: number;
  idf: number;
  read: number;
  batch: number;
  /** `best` of the last row read; Infinity before the first read. */
  frontier: number;
  lastRec: number;
  done: boolean;
}

const FIRST_BATCH = 32;
const MAX_BATCH = 4_096;

export interface TopKStats {
  rowsRead: number;
  scored: number;
  rounds: number;
}

/**
 * Gives up (undefined) once it has read `budget` rows, lists and primary-key reads
 * together: past that, one scan of every list costs less than going on.
 */

export async function topRecordings(
  source: RankingSource,
  idf: ReadonlyMap<string, number>,
  workspaces: readonly number[],
  k: number,
  budget = Infinity,
  stats: TopKStats = { rowsRead: 0, scored: 0, rounds: 0 },
): Promise<Scored[] | undefined> {
  const terms = [...idf].filter(([, w]) => w > 0).map(([t]) => t);
  const lists: List[] = workspaces.flatMap((ws) =>
    terms.map((term) => ({
      term,
      ws,
      idf: idf.get(term)!,
      read: 0,
      batch: Math.max(FIRST_BATCH, k),
      frontier: Infinity,
      lastRec: -1,
      done: false,
    })),
  );
  const scored = new Set<number>();
  let top: Scored[] = [];

  /** Reads a list's next page and scores the recordings met for the first time. */
  const read = async (list: List) => {
    const rows = await source.page(list.term, list.ws, list.read, list.batch);
    stats.rowsRead += rows.length;
    list.read += rows.length;
    if (rows.length < list.batch) list.done = true;
    list.batch = Math.min(MAX_BATCH, list.batch * 2);
    const last = rows[rows.length - 1];
    if (last) {
      list.frontier = last.best;
      list.lastRec = last.rec;
    }
    const fresh = rows.filter((r) => !scored.has(r.rec));
    if (fresh.length === 0) return;
    for (const r of fresh) scored.add(r.rec);
    stats.scored += fresh.length;
    const score = new Map(fresh.map((r) => [r.rec, list.idf * r.best]));
    const others = terms.filter((t) => t !== list.term);
    if (others.length) {
      stats.rowsRead += score.size * others.length;
      for (const b of await source.bests([...score.keys()], others)) {
        score.set(b.rec, score.get(b.rec)! + idf.get(b.term)! * b.best);
      }
    }
    const kth = top.length >= k ? top[k - 1]!.score : -1;
    const entering = [...score].map(([rec, s]) => ({ rec, score: s })).filter((s) => s.score >= kth);
    if (entering.length) top = [...top, ...entering].sort(byRank).slice(0, k);
  };

  /** Nothing this workspace's lists hold beyond what was read can enter the top k. */
  const settled = (ws: number) => {
    const open = lists.filter((l) => l.ws === ws && !l.done);
    if (open.length === 0) return true;
    const kth = top.length >= k ? top[k - 1]! : undefined;
    if (!kth) return false;
    const bound = open.reduce((sum, l) => sum + l.idf * l.frontier, 0);
    // A recording not met yet that reaches the bound exactly sorts after every list's
    // last row, so after the k-th too when the k-th's key is not above theirs.
    const after = Math.max(...open.map((l) => l.lastRec));
    return bound < kth.score || (bound === kth.score && kth.rec <= after);
  };

  await Promise.all(lists.map(read));
  while (!workspaces.every(settled)) {
    if (stats.rowsRead > budget) return undefined;
    stats.rounds++;
    const next = lists
      .filter((l) => !l.done)
      .reduce<List | undefined>((a, l) => (!a || l.idf * l.frontier > a.idf * a.frontier ? l : a), undefined);
    if (!next) break;
    await read(next);
  }
  return top;
}
