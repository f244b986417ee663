import { endsSentence } from './sentences.js';
import { cosine, tfidfVectors } from './similarity.js';
import { textRank } from './textrank.js';
import { terms } from './tokenize.js';
import type { FrameText, TextUnit, TimedSegment } from './types.js';
import { screenUnits, transcriptUnits } from './units.js';

/**
 * The summary when no LLM is configured: the most central sentences of the transcript
 * (and of the prose on screen), by TextRank, shown in the order they occurred. Every
 * word in it was said or shown in the recording; nothing is paraphrased.
 */
export interface SummaryOptions {
  /** At most this many sentences… */
  maxSentences: number;
  /** …and this many characters. */
  maxChars: number;
  /** Target share of the input's sentences before the caps apply. */
  ratio: number;
  /** Weight of screen text relative to speech in the ranking prior. */
  screenWeight: number;
}

export const SUMMARY_DEFAULTS: SummaryOptions = {
  maxSentences: 5,
  maxChars: 700,
  ratio: 0.2,
  screenWeight: 0.4,
};

export interface RankedUnit extends TextUnit {
  score: number;
}

export interface ExtractiveSummary {
  method: 'textrank';
  /** Empty when there was nothing to summarise. */
  text: string;
  sentences: RankedUnit[];
}

/** Above this many units the graph is built over merged neighbours (it is quadratic). */
const MAX_UNITS = 1500;
/** Picked sentences this similar to an earlier pick are redundant. */
const REDUNDANT = 0.6;

export function rankUnits(units: TextUnit[], screenWeight = SUMMARY_DEFAULTS.screenWeight): RankedUnit[] {
  const merged = mergeDown(units, MAX_UNITS);
  const vectors = tfidfVectors(merged.map((u) => u.text));
  const prior = merged.map((u) => (u.source === 'screen' ? screenWeight : 1));
  const scores = textRank(vectors, prior);
  return merged.map((u, i) => ({ ...u, score: scores[i]! }));
}

export function extractiveSummary(
  input: { segments?: TimedSegment[]; frames?: FrameText[] },
  options: Partial<SummaryOptions> = {},
): ExtractiveSummary {
  const opts = { ...SUMMARY_DEFAULTS, ...options };
  const units = [...transcriptUnits(input.segments ?? []), ...screenUnits(input.frames ?? [])];
  const ranked = rankUnits(units, opts.screenWeight);
  const vectors = tfidfVectors(ranked.map((u) => u.text));
  const k = Math.max(1, Math.min(opts.maxSentences, Math.ceil(ranked.length * opts.ratio)));

  // Too-short units ("okay so", a menu line) are poor summary sentences even when central.
  const eligible = ranked
    .map((u, i) => ({ u, i }))
    .filter(({ u }) => terms(u.text).length >= 3)
    .sort((a, b) => b.u.score - a.u.score);
  const picked: number[] = [];
  let chars = 0;
  for (const { u, i } of eligible) {
    if (picked.length >= k) break;
    if (picked.some((p) => cosine(vectors[p]!, vectors[i]!) > REDUNDANT)) continue;
    const length = u.text.length + 1;
    if (chars + length > opts.maxChars) {
      if (picked.length === 0) {
        picked.push(i); // one over-long sentence, clipped below
        break;
      }
      continue;
    }
    picked.push(i);
    chars += length;
  }
  const sentences = picked
    .map((i) => ranked[i]!)
    .sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || ranked.indexOf(a) - ranked.indexOf(b));
  return {
    method: 'textrank',
    text: clip(sentences.map((s) => asSentence(s.text)).join(' '), opts.maxChars),
    sentences,
  };
}

/** Unpunctuated speech (pocketsphinx) gets a capital and a full stop so the summary reads as sentences. */
function asSentence(text: string): string {
  const t = text.trim();
  if (endsSentence(t)) return t;
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2))}…`;
}

/** Merge neighbouring units of the same source pairwise until there are at most `max`. */
function mergeDown(units: TextUnit[], max: number): TextUnit[] {
  let current = units;
  while (current.length > max) {
    const next: TextUnit[] = [];
    for (let i = 0; i < current.length; i += 2) {
      const a = current[i]!;
      const b = current[i + 1];
      if (!b || b.source !== a.source) {
        next.push(a);
        if (b) next.push(b);
        continue;
      }
      next.push({ ...a, text: `${a.text} ${b.text}`, ...(b.end !== undefined ? { end: b.end } : {}) });
    }
    if (next.length === current.length) break;
    current = next;
  }
  return current;
}
