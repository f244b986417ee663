import type { TranscriptSegment, TranscriptWord } from './port.js';

/**
 * Engines that give words but no sentences (pocketsphinx has no punctuation) get
 * sentence-ish segments by pauses: a long pause always ends a segment; once a segment
 * is getting long a shorter pause is enough; a segment that reaches the maximum is
 * cut regardless, so one monologue never becomes one huge segment.
 */
export interface SegmentationOptions {
  /** A pause this long (seconds) always starts a new segment. */
  pause: number;
  /** Past this duration, a pause of a third of `pause` is enough. */
  softMax: number;
  /** Never longer than this. */
  hardMax: number;
}

export const DEFAULT_SEGMENTATION: SegmentationOptions = { pause: 0.6, softMax: 8, hardMax: 20 };

export function wordsToSegments(
  words: TranscriptWord[],
  options: SegmentationOptions = DEFAULT_SEGMENTATION,
): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptWord[] = [];
  const flush = () => {
    if (!current.length) return;
    const first = current[0]!;
    const last = current[current.length - 1]!;
    const confidences = current.map((w) => w.confidence).filter((c): c is number => c !== undefined);
    segments.push({
      start: first.start,
      end: last.end,
      text: current.map((w) => w.word).join(' '),
      ...(confidences.length
        ? { confidence: round3(confidences.reduce((a, b) => a + b, 0) / confidences.length) }
        : {}),
      words: current,
    });
    current = [];
  };
  for (const word of words) {
    const prev = current[current.length - 1];
    if (prev) {
      const gap = word.start - prev.end;
      const length = word.end - current[0]!.start;
      if (
        gap >= options.pause ||
        (length > options.softMax && gap >= options.pause / 3) ||
        length > options.hardMax
      ) {
        flush();
      }
    }
    current.push(word);
  }
  flush();
  return segments;
}

export const round3 = (n: number) => Math.round(n * 1000) / 1000;
