import type { DocumentKind } from './documents.js';
import { words } from './query.js';
import { fold } from './snippet.js';

/**
 * The keyword index: for every (recording, word) one row holding the impact of the word
 * in each of the recording's documents that contain it, and `best`, the sum of its ten
 * highest impacts there. Ranking reads these rows instead of scoring every matching
 * document at query time (see top-k.ts), and both dialects rank with the same integers.
 *
 * A document's score for a query is Σ over the query's words of idf(word) × impact.
 * impact is BM25's term-frequency part times the kind's weight, quantised to an integer
 * when the recording is indexed, so it never depends on the rest of the library; idf is
 * computed per search from document counts in the searched workspaces. Scores are exact
 * integers (idf is quantised too), so the fast ranking and the exhaustive one compare
 * equal, ties included.
 */

/**
 * A title says what the whole recording is about; a summary is written to be found.
 * Transcript and screen moments count as they are.
 */
export const KIND_WEIGHT: Record<DocumentKind, number> = { title: 2, summary: 1.5, transcript: 1, screen: 1 };
/**
 * A recording's score sums its best documents only, so a three-hour meeting that says
 * a word in passing 200 times does not bury the short one that is about it.
 */
export const BEST_PER_RECORDING = 10;

const K1 = 1.2;
const B = 0.75;
/**
 * The length (in words) a document is normalised against. A constant rather than the
 * library's running average, so an impact written today still holds when other
 * recordings arrive; about a sentence and a half of speech, a small screen's text.
 */
const TYPICAL_LENGTH = 32;
/** Impact resolution: 1/4096. The largest impact (title, tf → ∞) is 2 × 2.2 × 4096 < 2^16. */
const IMPACT_SCALE = 4096;
/** idf resolution: 1/256. */
const IDF_SCALE = 256;
/** Scores divided by this read like BM25 numbers. */
export const SCORE_SCALE = IMPACT_SCALE * IDF_SCALE;

/** The empty word's row of a recording counts its documents (the N of idf). */
export const DOC_COUNT_TERM = '';

/** Longer runs are OCR noise, hashes or base64, not words anyone types. */
const MAX_TERM_LENGTH = 64;

/** Words as the index stores them: the query's tokenisation, folded like snippets. */
export const indexTerms = (text: string): string[] =>
  words(text)
    .map(fold)
    .filter((w) => w.length > 0 && w.length <= MAX_TERM_LENGTH);
export const indexTerm = (word: string): string => fold(word);

export function impact(kind: DocumentKind, tf: number, length: number): number {
  const norm = tf + K1 * (1 - B + (B * length) / TYPICAL_LENGTH);
  return Math.max(1, Math.round(((KIND_WEIGHT[kind] * tf * (K1 + 1)) / norm) * IMPACT_SCALE));
}

/** BM25's idf (the Lucene form, never negative), quantised. */
export function idf(docsInLibrary: number, docsWithTerm: number): number {
  if (docsWithTerm <= 0) return 0;
  const n = Math.max(docsInLibrary, docsWithTerm);
  return Math.max(1, Math.round(Math.log(1 + (n - docsWithTerm + 0.5) / (docsWithTerm + 0.5)) * IDF_SCALE));
}

export interface PostingRow {
  term: string;
  /** Sum of the recording's BEST_PER_RECORDING highest impacts of this word. */
  best: number;
  /** Documents of the recording that contain the word. */
  docs: number;
  /** Document ids are stored as offsets from this one (the recording's lowest). */
  first_doc: number;
  postings: Uint8Array;
}

export interface Posting {
  documentId: number;
  impact: number;
}

/** 6 bytes per posting: uint32 offset from first_doc, uint16 impact, little-endian. */
const POSTING_BYTES = 6;

export function encodePostings(firstDoc: number, list: readonly Posting[]): Uint8Array {
  const bytes = Buffer.alloc(list.length * POSTING_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  list.forEach((p, i) => {
    view.setUint32(i * POSTING_BYTES, p.documentId - firstDoc, true);
    view.setUint16(i * POSTING_BYTES + 4, p.impact, true);
  });
  return bytes;
}

/** Calls visit for each posting; no array is built (this runs for every candidate). */
export function forEachPosting(
  firstDoc: number,
  bytes: Uint8Array,
  visit: (documentId: number, impact: number) => void,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + POSTING_BYTES <= bytes.byteLength; at += POSTING_BYTES) {
    visit(firstDoc + view.getUint32(at, true), view.getUint16(at + 4, true));
  }
}

/** Sum of the n largest values (n is small; values are integers, so the sum is exact). */
export function sumOfLargest(values: number[], n = BEST_PER_RECORDING): number {
  if (values.length > n) values.sort((a, b) => b - a);
  let sum = 0;
  for (let i = 0; i < Math.min(n, values.length); i++) sum += values[i]!;
  return sum;
}

/** The words of a recording's documents with their impacts, by position in the list. */
export interface DocumentAnalysis {
  documents: number;
  terms: Map<string, Array<{ index: number; impact: number }>>;
}

/**
 * Tokenising and weighting, the costly part of indexing, done before the documents
 * have ids, so it runs outside the transaction that writes them: on SQLite that
 * transaction holds the process's one connection, and every request waits for it.
 */
export function analyseDocuments(
  docs: ReadonlyArray<{ kind: DocumentKind; text: string }>,
): DocumentAnalysis {
  const terms = new Map<string, Array<{ index: number; impact: number }>>();
  docs.forEach((doc, index) => {
    const words = indexTerms(doc.text);
    const tf = new Map<string, number>();
    for (const t of words) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [term, count] of tf) {
      let list = terms.get(term);
      if (!list) terms.set(term, (list = []));
      list.push({ index, impact: impact(doc.kind, count, words.length) });
    }
  });
  return { documents: docs.length, terms };
}

/** The index rows of one recording (the document-count row first); `ids[i]` is document i's id. */
export function postingRows(analysis: DocumentAnalysis, ids: readonly number[]): PostingRow[] {
  if (analysis.documents === 0) return [];
  let firstDoc = Infinity;
  for (const id of ids) if (id < firstDoc) firstDoc = id;
  const rows: PostingRow[] = [
    {
      term: DOC_COUNT_TERM,
      best: 0,
      docs: analysis.documents,
      first_doc: firstDoc,
      postings: Buffer.alloc(0),
    },
  ];
  for (const [term, list] of analysis.terms) {
    rows.push({
      term,
      best: sumOfLargest(list.map((p) => p.impact)),
      docs: list.length,
      first_doc: firstDoc,
      postings: encodePostings(
        firstDoc,
        list.map((p) => ({ documentId: ids[p.index]!, impact: p.impact })),
      ),
    });
  }
  return rows;
}
