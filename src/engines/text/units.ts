import { endsSentence, splitSentences } from './sentences.js';
import { words } from './tokenize.js';
import type { FrameText, TextUnit, TimedSegment } from './types.js';

/**
 * Turns a transcript and frame OCR into the sentence-sized units the summary, action
 * and timeline methods work on, each with the time it was said or shown.
 */

/**
 * Punctuated transcripts (Whisper) are re-cut into sentences: a segment may hold
 * several, or a sentence may run over two segments. Times inside a segment are
 * interpolated by character position, which is close enough to jump to the moment.
 * Unpunctuated ones (pocketsphinx) keep their pause-delimited segments as units.
 */
export function transcriptUnits(segments: TimedSegment[]): TextUnit[] {
  const usable = segments.filter((s) => s.text.trim());
  if (!usable.length) return [];
  const punctuated = usable.filter((s) => /[.!?…]/.test(s.text)).length / usable.length >= 0.3;
  if (!punctuated) {
    return usable.map((s) => ({ text: s.text.trim(), source: 'transcript', start: s.start, end: s.end }));
  }
  const units: TextUnit[] = [];
  let pending: TextUnit | undefined;
  for (const seg of usable) {
    const len = seg.text.length || 1;
    const at = (offset: number) => seg.start + ((seg.end - seg.start) * offset) / len;
    const spans = splitSentences(seg.text);
    spans.forEach((span, i) => {
      const piece: TextUnit = {
        text: span.text,
        source: 'transcript',
        start: round2(at(span.offset)),
        end: round2(at(span.offset + span.text.length)),
      };
      if (pending && i === 0 && pending.text.length + piece.text.length < 400) {
        pending = { ...pending, text: `${pending.text} ${piece.text}`, end: piece.end };
      } else {
        if (pending) units.push(pending);
        pending = piece;
      }
      if (endsSentence(pending.text)) {
        units.push(pending);
        pending = undefined;
      }
    });
  }
  if (pending) units.push(pending);
  return units;
}

/**
 * Screen text is mostly chrome (menus, buttons, tab titles) repeated on every frame.
 * Kept: prose-like lines of at least four words, mostly letters, each once (at the
 * first frame showing it).
 */
export function screenUnits(frames: FrameText[]): TextUnit[] {
  const seen = new Set<string>();
  const units: TextUnit[] = [];
  for (const frame of [...frames].sort((a, b) => a.t - b.t)) {
    for (const line of frame.text.split(/\n+/)) {
      for (const span of splitSentences(line)) {
        const text = span.text.trim();
        if (!isProse(text)) continue;
        const key = words(text).join(' ');
        if (seen.has(key)) continue;
        seen.add(key);
        units.push({ text, source: 'screen', start: frame.t, end: frame.t });
      }
    }
  }
  return units;
}

export function isProse(line: string): boolean {
  const tokens = line.split(/\s+/).filter(Boolean);
  if (tokens.length < 4) return false;
  const wordy = tokens.filter((t) => /^[\p{L}][\p{L}'’-]*[.,;:!?]?$/u.test(t)).length;
  return wordy / tokens.length >= 0.7;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
