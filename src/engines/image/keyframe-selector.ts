import { changedFraction, contentFraction, type GreyThumb } from './screen-diff.js';

/**
 * Which frames of a recording show a screen worth reading: one frame per distinct
 * screen, taken once it has settled. Frames are pushed in time order at a fixed rate
 * (4 a second by default, see frames.ts) and the selector decides as it goes, holding
 * on to at most one frame (the candidate), so it streams.
 *
 * - A frame is the *same* as another when at most `sameMax` of its pixels changed
 *   (screen-diff.ts): a moved pointer, a blinking cursor or a ticking clock are the
 *   same screen; a new page, an edited line or a pop-up are not.
 * - Each frame is compared with the last frame *kept*, not with its predecessor, so a
 *   slow change (typing, a page filling in) adds up until it counts.
 * - A changed frame becomes the candidate; it is kept when the next frame is the same
 *   as it (the screen settled: a page finished loading, a fade ended, a scroll
 *   stopped). A screen that keeps changing (scrolling, video, typing) is kept every
 *   `maxUnsettledSeconds` so its content is still sampled. A change that reverts
 *   before settling (a tooltip, a flash) is forgotten.
 * - Blank frames (black, white, one colour: a recording that starts on a black screen,
 *   a fade's last frames, a page before it paints) are never kept and never become the
 *   reference a real screen is compared with; a candidate still changing when the
 *   screen goes blank was a fade, and is dropped.
 *
 * At 4 frames a second a screen visible for a second is seen at least four times, so it
 * settles and is kept; the first kept frame of each screen is at most 1/fps late.
 */
export interface SelectorOptions {
  /** Largest share of changed pixels that is still the same screen. */
  sameMax: number;
  /** Frames with less content than this (share of pixels off the dominant grey) are blank. */
  blankMax: number;
  /** A screen that never settles is kept this often. */
  maxUnsettledSeconds: number;
}

export const SELECTOR_DEFAULTS: SelectorOptions = {
  sameMax: 0.001,
  blankMax: 0.001,
  maxUnsettledSeconds: 3,
};

export type KeepReason = 'settled' | 'unsettled' | 'end';

export interface Selected<T> {
  item: T;
  t: number;
  reason: KeepReason;
  /** Share of pixels that differ from the previously kept frame (1 for the first). */
  change: number;
}

interface Candidate<T> {
  item: T;
  t: number;
  thumb: GreyThumb;
  since: number;
}

export interface SelectorCounts {
  seen: number;
  blank: number;
  kept: number;
}

export class KeyframeSelector<T> {
  private readonly opts: SelectorOptions;
  private ref: GreyThumb | undefined;
  private candidate: Candidate<T> | undefined;
  readonly counts: SelectorCounts = { seen: 0, blank: 0, kept: 0 };

  constructor(opts: Partial<SelectorOptions> = {}) {
    this.opts = { ...SELECTOR_DEFAULTS, ...opts };
  }

  /** Pushes the next frame; returns the frame to keep now, if any. */
  push(item: T, t: number, thumb: GreyThumb): Selected<T> | undefined {
    this.counts.seen++;
    const same = (a: GreyThumb | undefined) =>
      a !== undefined && changedFraction(a, thumb) <= this.opts.sameMax;
    if (contentFraction(thumb) <= this.opts.blankMax) {
      this.counts.blank++;
      this.candidate = undefined;
      return undefined;
    }
    const c = this.candidate;
    if (c) {
      if (same(c.thumb)) return this.keep(c, 'settled');
      if (same(this.ref)) {
        this.candidate = undefined;
        return undefined;
      }
      if (t - c.since >= this.opts.maxUnsettledSeconds)
        return this.keep({ item, t, thumb, since: c.since }, 'unsettled');
      this.candidate = { item, t, thumb, since: c.since };
      return undefined;
    }
    if (same(this.ref)) return undefined;
    this.candidate = { item, t, thumb, since: t };
    return undefined;
  }

  /** At the end of the recording: a last screen that had no time to settle is still kept. */
  finish(): Selected<T> | undefined {
    const c = this.candidate;
    return c ? this.keep(c, 'end') : undefined;
  }

  private keep(c: Candidate<T>, reason: KeepReason): Selected<T> {
    const change = this.ref ? changedFraction(this.ref, c.thumb) : 1;
    this.ref = c.thumb;
    this.candidate = undefined;
    this.counts.kept++;
    return { item: c.item, t: c.t, reason, change };
  }
}
