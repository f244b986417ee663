import { isStopword } from './stopwords.js';
import { stem, words } from './tokenize.js';
import type { FrameText, TimedSegment } from './types.js';

/**
 * Tags without an LLM: keyphrases in the manner of RAKE (Rose et al. 2010) — candidate
 * phrases are runs of content words between stopwords and punctuation — scored by how
 * often they recur. Multi-word phrases must recur to count (once is just a sentence
 * fragment) and are worth more than their words; no tag repeats another ("report"
 * next to "quarterly report").
 */
export interface Keyword {
  phrase: string;
  score: number;
  count: number;
}

export interface KeywordOptions {
  max: number;
  /** Longest phrase, in words. */
  maxWords: number;
}

/** Screen chrome that is on every frame and says nothing about the recording. */
const UI_WORDS = new Set(
  'file edit view window help menu tools settings preferences tab tabs click button bookmarks untitled toolbar sidebar notifications'.split(
    ' ',
  ),
);

interface Weighted {
  text: string;
  weight: number;
}

export function keywords(texts: Array<string | Weighted>, options: Partial<KeywordOptions> = {}): Keyword[] {
  const { max = 10, maxWords = 3 } = options;
  const counts = new Map<
    string,
    { count: number; occurrences: number; words: number; first: number; surfaces: Map<string, number> }
  >();
  let totalWords = 0;
  let position = 0;
  for (const item of texts) {
    const { text, weight } = typeof item === 'string' ? { text: item, weight: 1 } : item;
    for (const run of candidateRuns(text)) {
      totalWords += run.length;
      position += run.length + 1;
      for (let n = 1; n <= Math.min(maxWords, run.length); n++) {
        for (let i = 0; i + n <= run.length; i++) {
          const gram = run.slice(i, i + n);
          const key = gram.map(stem).join(' ');
          const entry = counts.get(key) ?? {
            count: 0,
            occurrences: 0,
            words: n,
            first: position + i,
            surfaces: new Map<string, number>(),
          };
          entry.count += weight;
          entry.occurrences++;
          const surface = gram.join(' ');
          entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1);
          counts.set(key, entry);
        }
      }
    }
  }
  // In a short text nothing recurs; then single occurrences of phrases are allowed.
  const minPhraseCount = totalWords < 80 ? 1 : 2;
  const scored = [...counts.entries()]
    .filter(([, e]) => e.words === 1 || e.occurrences >= minPhraseCount)
    .map(([key, e]) => {
      const phrase = [...e.surfaces.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      return {
        key,
        phrase,
        count: e.count,
        words: e.words,
        first: e.first,
        score: score(e.count, e.occurrences, e.words),
      };
    })
    // A phrase ending in a past-tense verb ("engineer checked") is a clause, not a topic.
    .filter((c) => c.words === 1 || !/\p{L}{3,}ed$/u.test(c.phrase))
    .sort((a, b) => b.score - a.score || b.words - a.words || a.first - b.first);

  const chosen: typeof scored = [];
  for (const candidate of scored) {
    if (chosen.length >= max) break;
    const parts = candidate.key.split(' ');
    // Inside a chosen phrase ("report" after "quarterly report"): nothing new.
    if (chosen.some((c) => c.words > candidate.words && containsRun(c.key.split(' '), parts))) continue;
    // A fragment of a recurring longer phrase that a chosen tag already stands for
    // ("developer role" of "mobile developer role" once "mobile developer" is in).
    const fragment = scored.some(
      (x) =>
        x.words > candidate.words &&
        x.count >= 0.7 * candidate.count &&
        containsRun(x.key.split(' '), parts) &&
        chosen.some((c) => containsRun(x.key.split(' '), c.key.split(' '))),
    );
    if (fragment) continue;
    // The same run read through a window shifted by one word ("kubernetes cluster
    // upgrade" / "cluster upgrade checklist").
    if (chosen.some((c) => c.words === candidate.words && c.words > 1 && shifted(c.key.split(' '), parts)))
      continue;
    // Around a chosen phrase: the longer one replaces it when it recurs about as often,
    // otherwise it only repeats it ("mobile developer role" after "mobile developer").
    const inner = chosen.findIndex((c) => c.words < candidate.words && containsRun(parts, c.key.split(' ')));
    if (inner >= 0) {
      if (chosen[inner]!.count > candidate.count * 1.5) continue;
      chosen.splice(inner, 1);
      if (chosen.some((c) => c.words < candidate.words && containsRun(parts, c.key.split(' ')))) continue;
    }
    chosen.push(candidate);
  }
  return chosen
    .sort((a, b) => b.score - a.score)
    .map((c) => ({ phrase: c.phrase, score: Math.round(c.score * 100) / 100, count: c.count }));
}

/** Tags for a recording: its transcript, plus each distinct line of screen text once at half weight. */
export function tags(input: { segments?: TimedSegment[]; frames?: FrameText[] }, max = 10): string[] {
  const texts: Weighted[] = (input.segments ?? []).map((s) => ({ text: s.text, weight: 1 }));
  const seen = new Set<string>();
  for (const frame of input.frames ?? []) {
    for (const line of frame.text.split(/\n+/)) {
      const key = words(line).join(' ');
      if (!key || seen.has(key)) continue;
      seen.add(key);
      texts.push({ text: line, weight: 0.5 });
    }
  }
  return keywords(texts, { max }).map((k) => k.phrase);
}

/** Runs of content words between punctuation, stopwords and junk tokens. */
function candidateRuns(text: string): string[][] {
  const runs: string[][] = [];
  for (const chunk of text.split(/[.,;:!?()[\]{}"“”|/\\<>=+*#@&•·—–]+|\s-\s|\n/)) {
    let run: string[] = [];
    for (const w of words(chunk)) {
      if (isKeywordToken(w)) run.push(w);
      else {
        if (run.length) runs.push(run);
        run = [];
      }
    }
    if (run.length) runs.push(run);
  }
  return runs;
}

function isKeywordToken(w: string): boolean {
  if (w.length < 3 || isStopword(w) || UI_WORDS.has(w)) return false;
  if (!/\p{L}/u.test(w)) return false;
  // OCR garbage ("rnmnt", "xqzt") has no vowels; real words and most acronyms do.
  return /[aeiouy\P{ASCII}]/u.test(w);
}

/**
 * Recurrence makes a phrase: weighted count, and multi-word phrases worth more than
 * their words. A phrase seen once (allowed in short texts) ranks above a word seen
 * once but below a word that recurs.
 */
function score(count: number, occurrences: number, words: number): number {
  if (words === 1) return count;
  if (occurrences === 1) return count * (1 + 0.25 * words);
  return count * (1 + 0.75 * words);
}

function shifted(a: string[], b: string[]): boolean {
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.slice(1), b.slice(0, -1)) || same(b.slice(1), a.slice(0, -1));
}

function containsRun(haystack: string[], needle: string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((n, j) => haystack[i + j] === n)) return true;
  }
  return false;
}
