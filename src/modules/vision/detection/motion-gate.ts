import type { GreyThumb } from '../../../engines/image/screen-diff.js';

/** Size of the grey image motion is looked for in: a person 40 px tall on 720p is ~5 px here. */
export const MOTION_WIDTH = 160;
export const MOTION_HEIGHT = 90;

export interface MotionGateOptions {
  /** Grey levels a pixel must differ from the background to count as moving. */
  delta: number;
  /** Share of pixels moving for the frame to count as motion. */
  minArea: number;
  /** Weight of each new frame in the running background (0–1). */
  learnRate: number;
}

export const MOTION_DEFAULTS: MotionGateOptions = { delta: 25, minArea: 0.002, learnRate: 0.1 };

/**
 * The cheap test that decides whether a frame is worth the detector (Frigate's order:
 * motion first). Each frame is compared with a running average of the frames before it,
 * so slow light changes melt into the background while a person walking in does not;
 * the background then learns the new frame. Costs a pass over 14,400 pixels.
 */
export class MotionGate {
  private background: Float32Array | undefined;
  private readonly o: MotionGateOptions;

  constructor(opts: Partial<MotionGateOptions> = {}) {
    this.o = { ...MOTION_DEFAULTS, ...opts };
  }

  /** Share of pixels that moved (0–1); the first frame only seeds the background. */
  push(frame: GreyThumb): number {
    const px = frame.data;
    if (!this.background || this.background.length !== px.length) {
      this.background = Float32Array.from(px);
      return 0;
    }
    const bg = this.background;
    const rate = this.o.learnRate;
    let moving = 0;
    for (let i = 0; i < px.length; i++) {
      const v = px[i]!;
      if (Math.abs(v - bg[i]!) > this.o.delta) moving++;
      bg[i] = bg[i]! + (v - bg[i]!) * rate;
    }
    return moving / px.length;
  }

  isMotion(share: number): boolean {
    return share >= this.o.minArea;
  }
}
