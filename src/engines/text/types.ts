import type { PlacedWord } from './screen-title.js';

/**
 * What the text methods read. They take plain shapes, not the engine ports, so the
 * pipeline can feed them from the database as well as from a fresh engine run.
 */

/** A transcript segment: seconds from the start of the recording. */
export interface TimedSegment {
  start: number;
  end: number;
  text: string;
}

/** The OCR text of one kept frame, at `t` seconds. */
export interface FrameText {
  t: number;
  text: string;
  /** The page address the frame shows, when one was read (a page is one screen however far it scrolls). */
  url?: string | null;
  /** OCR words with their boxes, when known: type sizes tell a title from running text. */
  words?: PlacedWord[] | null;
}

/** A sentence-sized piece of text with where it came from and when. */
export interface TextUnit {
  text: string;
  source: 'transcript' | 'screen';
  start?: number;
  end?: number;
}
