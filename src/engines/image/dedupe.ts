import { dhash, hammingDistance } from './phash.js';

/**
 * Drops near-identical frames before OCR (the expensive step). Frames are walked in time
 * order and each is compared with the last frame that was *kept*, not with its
 * immediate predecessor: a slow scroll or a page filling in gradually differs little
 * from one sample to the next but a lot from where it started, and comparing with the
 * last kept frame lets those changes add up until a new frame is kept. The first frame
 * is always kept; a screen that returns to an earlier picture is kept again, because
 * the moment it appears matters.
 *
 * Hash size matters more than the threshold. Measured by bench/ocr.bench.ts on the JPEG
 * keyframes of a 1280×720 recording of text-dense pages sharing one layout, Hamming
 * distance to the previous frame:
 *
 *   grid (bits)   another page   one line edited   same screen re-sampled
 *   8×8 (64)      0–1            0                 0
 *   16×16 (256)   17–29          2–3               ≤ 1
 *   32×32 (1024)  99–119         9                 ≤ 3 (varies with the ffmpeg build)
 *
 * (At 32×32, overlays drawn on such a frame: a blinking cursor 3, a clock's digits 5, a
 * notification pop-up 13.) A 64-bit hash cannot tell two pages of text apart: it sees
 * the layout, not the words. So the default is the 32×32 grid, and SCREEN_DEDUPE's
 * threshold drops re-sampled static screens and cursor blinks while keeping edited lines.
 * It errs towards keeping: a duplicate that slips through costs one more OCR call, a
 * frame wrongly dropped loses text.
 */

/** Defaults for screen recordings: 1024-bit dHash, up to 4 differing bits is "the same frame". */
export const SCREEN_DEDUPE = { hashSize: 32, maxDistance: 4 } as const;

export interface DedupeOptions {
  /** dHash grid size (see phash.ts): 32 → 1024-bit hashes (default), 8 → the classic 64-bit one. */
  hashSize?: number;
  /** Images hashed at once; sharp runs them on libuv's thread pool. */
  concurrency?: number;
}

export type Hashed<T> = T & { hash: string };

export interface DedupeResult<T> {
  kept: Array<Hashed<T>>;
  /** Dropped frames, each with the position (in `kept`) of the frame it duplicates and the distance. */
  dropped: Array<Hashed<T> & { duplicate_of: number; distance: number }>;
}

async function hashAll<T extends { path: string }>(frames: T[], opts: DedupeOptions): Promise<string[]> {
  const out: string[] = new Array<string>(frames.length);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let next = 0;
  const worker = async () => {
    while (next < frames.length) {
      const i = next++;
      const frame = frames[i];
      if (frame) out[i] = await dhash(frame.path, { size: opts.hashSize ?? SCREEN_DEDUPE.hashSize });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, frames.length) }, worker));
  return out;
}

export async function dedupeFrames<T extends { path: string }>(
  frames: T[],
  maxDistance: number,
  opts: DedupeOptions = {},
): Promise<DedupeResult<T>> {
  const hashes = await hashAll(frames, opts);
  const kept: Array<Hashed<T>> = [];
  const dropped: DedupeResult<T>['dropped'] = [];
  let lastKept: string | undefined;
  frames.forEach((frame, i) => {
    const hash = hashes[i] ?? '';
    const distance = lastKept === undefined ? Infinity : hammingDistance(hash, lastKept);
    if (distance <= maxDistance) {
      dropped.push({ ...frame, hash, duplicate_of: kept.length - 1, distance });
    } else {
      kept.push({ ...frame, hash });
      lastKept = hash;
    }
  });
  return { kept, dropped };
}
