import type { TranscriptWord } from './port.js';
import { round3 } from './words-to-segments.js';

/**
 * The two output formats of the pocketsphinx command-line tools.
 *
 * 5.x `pocketsphinx live file.wav` writes one JSON object per utterance:
 *   {"b":1.23,"d":2.5,"p":0.9,"t":"hello world","w":[{"b":1.23,"d":0.4,"p":0.9,"t":"hello"},…]}
 * (b = start, d = duration, p = probability, t = text, w = words).
 *
 * 0.8 (Debian bookworm) `pocketsphinx_continuous -infile file.wav -time yes` writes, per
 * utterance, the hypothesis on one line and then one line per word:
 *   the quarterly report is ready
 *   <s> 0.000 0.450 0.999400
 *   quarterly 0.620 1.160 0.143069
 *   report(2) 1.170 1.570 0.378018
 * i.e. word, start, end, posterior probability. Times are from the start of the file.
 *
 * Both include filler tokens (silence, sentence marks, noises) that are not words, and
 * alternative pronunciations carry a `(2)` suffix.
 */

const FILLER = /^(<s>|<\/s>|<sil>|<unk>|\(null\)|\[[^\]]*\]|\+\+?[^+]*\+\+?)$/i;
const LEGACY_WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/;

export function isFiller(token: string): boolean {
  return FILLER.test(token);
}

/** `read(2)` → `read`; the dictionary's alternative pronunciation index is not part of the word. */
export function cleanWord(token: string): string {
  return token.replace(/\(\d+\)$/, '');
}

/** A word line of the 0.8 output, or undefined for hypothesis lines, fillers and noise. */
export function parseLegacyLine(line: string): TranscriptWord | undefined {
  const m = LEGACY_WORD_LINE.exec(line.trim());
  if (!m || isFiller(m[1]!)) return undefined;
  return word(cleanWord(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]));
}

/** The words of one 5.x JSON line; non-JSON lines (stray logs) yield nothing. */
export function parseJsonLine(line: string): TranscriptWord[] {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return [];
  let utterance: unknown;
  try {
    utterance = JSON.parse(trimmed);
  } catch {
    return [];
  }
  const ws = (utterance as { w?: unknown }).w;
  if (!Array.isArray(ws)) return [];
  const out: TranscriptWord[] = [];
  for (const w of ws as Array<{ b?: unknown; d?: unknown; p?: unknown; t?: unknown }>) {
    if (typeof w?.t !== 'string' || typeof w.b !== 'number' || typeof w.d !== 'number') continue;
    if (isFiller(w.t)) continue;
    out.push(word(cleanWord(w.t), w.b, w.b + w.d, typeof w.p === 'number' ? w.p : undefined));
  }
  return out;
}

function word(text: string, start: number, end: number, p: number | undefined): TranscriptWord {
  return {
    start: round3(start),
    end: round3(end),
    word: text,
    ...(p !== undefined && Number.isFinite(p) ? { confidence: round3(Math.min(1, Math.max(0, p))) } : {}),
  };
}
