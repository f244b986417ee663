import { isStopword } from '../../../engines/text/stopwords.js';
import { words } from '../../../engines/text/tokenize.js';
import type { Citation } from '../agents.types.js';

/**
 * The offline agent: no language model, so it writes nothing it did not find. A reply
 * is the question's best moments, each quoted (the sentence of the moment that says
 * the most about the question) with where it was said or shown, and numbered like the
 * citations it comes with. Every word of a quote is the recording's own.
 */

/** A moment retrieval found: what search returns, with the recording it belongs to. */
export interface FoundMoment {
  recording_id: string;
  recording_title: string;
  source: 'transcript' | 'screen';
  timestamp_seconds: number;
  text: string;
  /** The recording's rank in the search (0: best). */
  rank: number;
}

/** Longest quote; a moment of screen text can be a whole page. */
const QUOTE_CHARS = 280;

/**
 * The words to retrieve by: the question without its function words ("what did we
 * decide about the budget" → "decide budget"). A question of function words only is
 * searched as asked.
 */
export function retrievalQuery(question: string): string {
  const all = words(question);
  const content = all.filter((w) => !isStopword(w) && !QUESTION_WORDS.has(w));
  return (content.length ? content : all).join(' ');
}

const QUESTION_WORDS = new Set([
  'tell',
  'show',
  'find',
  'say',
  'said',
  'talk',
  'talked',
  'mention',
  'mentioned',
]);

/** The moments to cite, best first: at most `max`, one per recording before a second from any. */
export function chooseMoments(found: readonly FoundMoment[], query: string, max: number): FoundMoment[] {
  const wanted = new Set(words(query));
  const scored = found.map((m) => ({ m, hits: overlap(m.text, wanted) })).filter((s) => s.hits > 0);
  scored.sort(
    (a, b) => a.m.rank - b.m.rank || b.hits - a.hits || a.m.timestamp_seconds - b.m.timestamp_seconds,
  );
  const chosen: FoundMoment[] = [];
  const seen = new Set<string>();
  for (const pass of [0, 1]) {
    for (const { m } of scored) {
      if (chosen.length >= max) break;
      if (chosen.includes(m)) continue;
      if (pass === 0 && seen.has(m.recording_id)) continue;
      chosen.push(m);
      seen.add(m.recording_id);
    }
  }
  return chosen;
}

/** The sentence (or line, for screen text) of a moment that holds the most of the query's words. */
export function quoteOf(text: string, query: string): string {
  const wanted = new Set(words(query));
  const pieces = text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((p) => p.trim())
    .filter(Boolean);
  let best = pieces[0] ?? text.trim();
  let bestHits = -1;
  for (const [i, p] of pieces.entries()) {
    // A screen line is often a heading: the line after it carries what it says.
    const withNext = p.length < 60 && pieces[i + 1] ? `${p} ${pieces[i + 1]}` : p;
    const hits = overlap(withNext, wanted);
    if (hits > bestHits) {
      best = withNext;
      bestHits = hits;
    }
  }
  return best.length > QUOTE_CHARS ? `${best.slice(0, QUOTE_CHARS - 1).trimEnd()}…` : best;
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export interface ExtractivePiece {
  /** Text to append to the reply. */
  text: string;
  citation?: Citation;
}

/**
 * The reply, piece by piece (a streaming reply sends each as it is made): an opening
 * line, then one line per cited moment ending in its citation number.
 */
export function* composeReply(
  question: string,
  query: string,
  moments: readonly FoundMoment[],
): Generator<ExtractivePiece> {
  if (moments.length === 0) {
    yield {
      text:
        `I found nothing in the recordings I can read that mentions ${quoted(query || question)}. ` +
        'Try other words, or check that the recordings have finished processing.',
    };
    return;
  }
  yield {
    text: `Found ${momentsIn(moments)} for ${quoted(query)}, best match first:\n`,
  };
  for (const [i, m] of moments.entries()) {
    const quote = quoteOf(m.text, query);
    const where = m.source === 'transcript' ? 'said' : 'on screen';
    const citation: Citation = {
      index: i + 1,
      recording_id: m.recording_id,
      recording_title: m.recording_title,
      timestamp_seconds: m.timestamp_seconds,
      source: m.source,
      quote,
      url: `/recordings/${m.recording_id}?t=${Math.floor(m.timestamp_seconds)}`,
    };
    yield {
      text: `\n- “${m.recording_title}”, ${clock(m.timestamp_seconds)} (${where}): “${quote}” [${i + 1}]`,
      citation,
    };
  }
}

const quoted = (s: string) => `“${s}”`;

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 moments in 2 recordings", for replies and tool summaries. */
export function momentsIn(moments: ReadonlyArray<{ recording_id: string }>): string {
  return `${plural(moments.length, 'moment')} in ${plural(new Set(moments.map((m) => m.recording_id)).size, 'recording')}`;
}

function overlap(text: string, wanted: ReadonlySet<string>): number {
  let n = 0;
  for (const w of new Set(words(text))) if (wanted.has(w)) n++;
  return n;
}
