import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { HumanDetector, humanMissing } from '../../src/engines/detect/human.js';
import { FOOTAGE, footageMissing, frameAt, rgbOf } from '../fixtures/footage.js';

/**
 * The shipped detector on real footage and photographs: people and cars on a security
 * camera's frame, nothing where there is only grass, one described face per portrait,
 * and face descriptors that tell the same person (a mirrored photo) from another.
 */
const why = humanMissing() ?? footageMissing();
if (why) console.warn(`[detect-human] skipped: ${why}`);

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe.runIf(!why)('Human detector on real footage', () => {
  const detector = new HumanDetector();
  afterAll(() => detector.close());

  it('finds the people and cars on a security camera frame, and nothing on grass', async () => {
    const frame = await rgbOf(await frameAt(FOOTAGE.street, 3));
    expect(frame).toMatchObject({ width: 768, height: 576 });
    const found = await detector.detectObjects(frame);
    const people = found.filter((d) => d.label === 'person' && d.score >= 0.3);
    // Four people walk the path at 3 s (two pairs); parked vans and cars up the road.
    expect(people.length).toBeGreaterThanOrEqual(3);
    expect(found.some((d) => ['car', 'truck'].includes(d.label) && d.score >= 0.3)).toBe(true);
    for (const d of found) {
      expect(d.box.x).toBeGreaterThanOrEqual(-1);
      expect(d.box.y).toBeGreaterThanOrEqual(-1);
      expect(d.box.x + d.box.w).toBeLessThanOrEqual(frame.width + 1);
      expect(d.box.y + d.box.h).toBeLessThanOrEqual(frame.height + 1);
    }
    // People stand in the upper half of the picture here; the bottom-left is lawn.
    const lawn = await rgbOf(
      await sharp(await frameAt(FOOTAGE.street, 3))
        .extract({ left: 0, top: 400, width: 380, height: 176 })
        .png()
        .toBuffer(),
    );
    expect(
      (await detector.detectObjects(lawn)).filter((d) => d.label === 'person' && d.score >= 0.3),
    ).toEqual([]);
  }, 120_000);

  it('describes one face per portrait, and the same face alike where another face is not', async () => {
    const portrait = await sharp(FOOTAGE.footballer).png().toBuffer();
    const [face] = await detector.detectFaces(await rgbOf(portrait));
    expect(face?.embedding).toBeInstanceOf(Float32Array);
    expect(face!.embedding!.length).toBe(1024);
    expect(Math.hypot(...face!.embedding!)).toBeCloseTo(1, 3);
    const [mirrored] = await detector.detectFaces(await rgbOf(await sharp(portrait).flop().toBuffer()));
    const [other] = await detector.detectFaces(await rgbOf(FOOTAGE.basketball));
    const same = cosine(face!.embedding!, mirrored!.embedding!);
    const different = cosine(face!.embedding!, other!.embedding!);
    expect(same, `same ${same.toFixed(3)} vs different ${different.toFixed(3)}`).toBeGreaterThan(
      different + 0.1,
    );
  }, 120_000);
});
