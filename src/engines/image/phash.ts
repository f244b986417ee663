import sharp from 'sharp';

/**
 * Perceptual hash of an image: dHash ("difference hash"). The image is reduced to
 * grey, shrunk to (size+1)×size, and each bit says whether a pixel is brighter than its
 * right-hand neighbour. Re-encoding, scaling and small noise leave it unchanged; a
 * different picture flips many bits. size 8 gives the classic 64-bit hash.
 *
 * One deviation from the textbook version: neighbours within 3 grey levels count as
 * equal (bit 0). Screen frames are mostly flat, where textbook dHash compares 255 with
 * 254 and flips bits on recompression alone (4 of 64 bits after a JPEG q30 round trip
 * of a 720p slide, up to 5 of 1024 between re-samples of a static screen); with the
 * dead zone those are 0 and ≤ 3, while text still changes cells by tens of levels.
 *
 * 64 bits describe a picture's layout, not its words: two pages of text with the same
 * layout hash within 0–3 bits of each other. For screen content use a larger grid (the
 * dedupe default is 32, i.e. 1024 bits; see dedupe.ts for measurements).
 *
 * Hashes are lowercase hex strings (16 characters at size 8) so they can be stored and
 * compared without BigInt, and larger sizes work the same way.
 */

export interface HashOptions {
  /** Grid side; the hash has size×size bits. Default 8 (64 bits). Must be a multiple of 2. */
  size?: number;
}

/** Grey levels within which two neighbours count as equal (see above). */
const DEAD_ZONE = 3;

export async function dhash(input: string | Buffer, opts: HashOptions = {}): Promise<string> {
  const size = opts.size ?? 8;
  if (!Number.isInteger(size) || size < 2 || size % 2 !== 0)
    throw new RangeError('dhash size must be an even integer ≥ 2');
  const w = size + 1;
  const { data, info } = await sharp(input)
    .grayscale()
    .resize(w, size, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // grayscale() may still leave an alpha channel on images that have one.
  const ch = info.channels;
  let hex = '';
  let nibble = 0;
  let bits = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const left = data[(y * w + x) * ch] ?? 0;
      const right = data[(y * w + x + 1) * ch] ?? 0;
      nibble = (nibble << 1) | (left > right + DEAD_ZONE ? 1 : 0);
      if (++bits === 4) {
        hex += nibble.toString(16);
        nibble = 0;
        bits = 0;
      }
    }
  }
  return hex;
}

const POPCOUNT = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Number of differing bits between two hashes of the same size. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length)
    throw new RangeError(`hash sizes differ (${a.length * 4} vs ${b.length * 4} bits)`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    d += POPCOUNT[parseInt(a[i] ?? '0', 16) ^ parseInt(b[i] ?? '0', 16)] ?? 0;
  }
  return d;
}
