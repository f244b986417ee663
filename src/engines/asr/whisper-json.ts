import type { Transcript, TranscriptSegment, TranscriptWord } from './port.js';
import { round3 } from './words-to-segments.js';

/**
 * whisper.cpp's `-oj` (and `-ojf`, "full") JSON output:
 *
 *   { "result": { "language": "en" },
 *     "transcription": [
 *       { "timestamps": { "from": "00:00:00,000", "to": "00:00:03,120" },
 *         "offsets": { "from": 0, "to": 3120 },            // milliseconds
 *         "text": " The quarterly report is ready.",
 *         "tokens": [ { "text": " The", "offsets": { "from": 0, "to": 240 }, "p": 0.98 }, … ] // -ojf only
 *       } ] }
 *
 * Tokens are sub-word pieces; a piece starting with a space starts a new word.
 * Special tokens (`[_BEG_]`, `[_TT_150]`, `<|endoftext|>`) are not text. Segments that
 * are only a non-speech marker (`[BLANK_AUDIO]`, `(music)`) are dropped: they are not
 * something anybody said.
 */

interface WhisperToken {
  text?: unknown;
  offsets?: { from?: unknown; to?: unknown };
  p?: unknown;
}

interface WhisperSegmentJson {
  offsets?: { from?: unknown; to?: unknown };
  text?: unknown;
  tokens?: WhisperToken[];
}

const NON_SPEECH = /^\s*[[(][^\])]*[\])]\s*$/;
const SPECIAL_TOKEN = /^(\[_[^\]]*\]|<\|[^|]*\|>)$/;

export function parseWhisperJson(json: unknown): Transcript {
  const doc = json as { result?: { language?: unknown }; transcription?: unknown };
  if (!doc || !Array.isArray(doc.transcription)) {
    throw new Error('whisper.cpp JSON has no "transcription" array');
  }
  const segments: TranscriptSegment[] = [];
  for (const raw of doc.transcription as WhisperSegmentJson[]) {
    const from = raw?.offsets?.from;
    const to = raw?.offsets?.to;
    if (typeof raw?.text !== 'string' || typeof from !== 'number' || typeof to !== 'number') continue;
    const text = raw.text.replace(/\s+/g, ' ').trim();
    if (!text || NON_SPEECH.test(text)) continue;
    const words = Array.isArray(raw.tokens) ? tokensToWords(raw.tokens) : [];
    segments.push({
      start: round3(from / 1000),
      end: round3(to / 1000),
      text,
      ...(words.length ? { words, confidence: mean(words.map((w) => w.confidence)) } : {}),
    });
  }
  const language = doc.result?.language;
  return { ...(typeof language === 'string' && language ? { language } : {}), segments };
}

function tokensToWords(tokens: WhisperToken[]): TranscriptWord[] {
  const words: Array<TranscriptWord & { ps: number[] }> = [];
  for (const t of tokens) {
    if (typeof t?.text !== 'string' || SPECIAL_TOKEN.test(t.text.trim())) continue;
    const from = t.offsets?.from;
    const to = t.offsets?.to;
    if (typeof from !== 'number' || typeof to !== 'number') continue;
    const p = typeof t.p === 'number' ? t.p : undefined;
    const last = words[words.length - 1];
    if (last && !/^\s/.test(t.text)) {
      last.word += t.text;
      last.end = round3(to / 1000);
      if (p !== undefined) last.ps.push(p);
    } else if (t.text.trim()) {
      words.push({
        start: round3(from / 1000),
        end: round3(to / 1000),
        word: t.text.trim(),
        ps: p === undefined ? [] : [p],
      });
    }
  }
  return words.map(({ ps, ...w }) => (ps.length ? { ...w, confidence: mean(ps) ?? 0 } : w));
}

function mean(values: Array<number | undefined>): number | undefined {
  const xs = values.filter((v): v is number => v !== undefined);
  return xs.length ? round3(xs.reduce((a, b) => a + b, 0) / xs.length) : undefined;
}
