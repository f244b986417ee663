/**
 * What a frame shows, compared on a small grey copy of it: pixel differences see
 * absolute content, so a black frame and a white page of text are as different as they
 * look. (A difference hash compares neighbouring cells' brightness gradients instead:
 * both a flat black frame and a sparse white page hash to almost all zeros, and pages
 * were dropped as "duplicates" of the black frame before them.)
 *
 * The small copy is made by ffmpeg (area averaging: each pixel the mean of the 4×4 it
 * covers at 720p). Measured on 1280×720 x264 screen recordings of real programs
 * (Chromium on PostgreSQL's documentation, Xvfb + x11grab) at 320×180, counting pixels
 * whose grey level moved by more than 16:
 *   the same screen re-sampled                     0
 *   the mouse pointer moved                        ≤ 40   (0.07 %)
 *   a few characters typed into the address bar    ~100   (0.17 %)
 *   the address bar selected (Ctrl+L)              ~300   (0.5 %)
 *   another documentation page                     15,000+ (26 %+)
 * and, against the frame's most common grey, a black screen with the pointer on it has
 * 17 pixels (0.03 %) that differ, a page of text thousands.
 */

/** Longest side of the comparison image: a character of 14 px text is about a pixel. */
export const THUMB_LONG = 320;
/** Grey levels a pixel must move to count as changed (compression noise stays below). */
export const PIXEL_DELTA = 16;

export interface GreyThumb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Share of pixels (0–1) whose grey level differs by more than `delta` between two thumbnails. */
export function changedFraction(a: GreyThumb, b: GreyThumb, delta = PIXEL_DELTA): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const x = a.data;
  const y = b.data;
  let changed = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    if (d > delta || d < -delta) changed++;
  }
  return changed / x.length;
}

/**
 * Share of pixels (0–1) that stand out from the frame's most common grey by more than
 * `delta`: about 0 for a black, white or single-colour screen, a fade's last frames and
 * an empty desktop; a screen with a line of text already has a few tenths of a percent.
 */
export function contentFraction(a: GreyThumb, delta = PIXEL_DELTA): number {
  const histogram = new Uint32Array(256);
  for (const v of a.data) histogram[v]!++;
  let mode = 0;
  for (let v = 1; v < 256; v++) if (histogram[v]! > histogram[mode]!) mode = v;
  let near = 0;
  for (let v = Math.max(0, mode - delta); v <= Math.min(255, mode + delta); v++) near += histogram[v]!;
  return (a.data.length - near) / a.data.length;
}
