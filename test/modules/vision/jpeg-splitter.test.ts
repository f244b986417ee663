import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { JpegSplitter } from '../../../src/modules/vision/workers/jpeg-splitter.js';

describe('JpegSplitter', () => {
  it('cuts a stream of real JPEGs into the same images, however the chunks fall', async () => {
    const images = await Promise.all(
      [10, 120, 240].map((g) =>
        sharp({ create: { width: 64, height: 48, channels: 3, background: { r: g, g: 255 - g, b: g / 2 } } })
          .jpeg({ quality: 80 })
          .toBuffer(),
      ),
    );
    const stream = Buffer.concat(images);
    for (const size of [1, 2, 7, 100, stream.length]) {
      const s = new JpegSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...s.push(stream.subarray(i, i + size)));
      expect(out.length, `chunks of ${size}`).toBe(3);
      out.forEach((img, k) => expect(img.equals(images[k]!), `image ${k}, chunks of ${size}`).toBe(true));
      for (const img of out) expect((await sharp(img).metadata()).width).toBe(64);
    }
  });
});
