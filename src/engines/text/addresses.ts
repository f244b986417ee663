import { wordJaccard } from './similarity.js';

/**
 * One address per page, however OCR read it frame by frame. The address bar is small
 * text, and two frames of the same page read it differently (`sql-select` and
 * `sqi-select`), or not at all (a frame taken while the page was still loading, a
 * tooltip over the bar). Readings of the same page are therefore settled together:
 *
 * - Two readings are one address when they differ by an OCR slip (at most two edits,
 *   same scheme and host), never only in digits (`/invoices/4471` and `/4472` are two
 *   pages), and their frames show the same screen (most words in common).
 * - Of such a group, the reading seen in most frames wins; on a tie, the one whose
 *   words also appear in the frames' other text (the page body says "SQL", never
 *   "sqi").
 * - A frame that read no address takes the one of the nearest frame, before or after
 *   it, showing the same screen: the first frames of a page get their address from
 *   the later ones too.
 */
export interface AddressFrame {
  text: string;
  /** What this frame's own OCR read in its address bar, if anything. */
  url: string | null;
}

/** Frames at least this alike (word-set Jaccard) show the same screen. */
export const SAME_SCREEN = 0.6;
/** Readings of the same address may come from frames somewhat less alike (the bar is part of the text). */
const SAME_PAGE = 0.5;
const MAX_EDITS = 2;
/** Beyond this many distinct readings, only exact repeats are merged (pairwise work is quadratic). */
const MAX_READINGS = 400;

export interface SettledAddresses {
  /** Each frame's address. */
  urls: Array<string | null>;
  /** Every reading that was merged, to the address it stands for (for links elsewhere in the text). */
  canonical: Map<string, string>;
}

export function settleAddresses(frames: AddressFrame[]): SettledAddresses {
  const canonical = canonicalReadings(frames);
  const settled = frames.map((f) => (f.url ? (canonical.get(f.url) ?? f.url) : null));
  return {
    urls: fillFromSameScreen(
      frames.map((f) => f.text),
      settled,
    ),
    canonical,
  };
}

/** Reading → the reading that stands for its group. */
function canonicalReadings(frames: AddressFrame[]): Map<string, string> {
  const byUrl = new Map<string, number[]>();
  frames.forEach((f, i) => {
    if (f.url) byUrl.set(f.url, [...(byUrl.get(f.url) ?? []), i]);
  });
  const urls = [...byUrl.keys()];
  const out = new Map<string, string>();
  if (urls.length < 2 || urls.length > MAX_READINGS) return out;

  const parent = urls.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let a = 0; a < urls.length; a++) {
    for (let b = a + 1; b < urls.length; b++) {
      if (!oneAddress(urls[a]!, urls[b]!)) continue;
      const fa = byUrl.get(urls[a]!)!;
      const fb = byUrl.get(urls[b]!)!;
      const alike = fa.some((i) =>
        fb.some((j) => wordJaccard(frames[i]!.text, frames[j]!.text) >= SAME_PAGE),
      );
      if (alike) parent[find(a)] = find(b);
    }
  }
  const groups = new Map<number, string[]>();
  urls.forEach((u, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), u]));
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const texts = members.flatMap((u) => byUrl.get(u)!.map((i) => frames[i]!.text));
    const vocabulary = countWords(texts);
    const score = (u: string) => {
      const seen = byUrl.get(u)!.length;
      // Each frame's own address bar accounts for one occurrence of the reading's words.
      const support = tokens(u).filter((w) => (vocabulary.get(w) ?? 0) > seen).length;
      return seen * 1000 + support;
    };
    const best = members.reduce((x, y) => (score(y) > score(x) ? y : x));
    for (const u of members) out.set(u, best);
  }
  return out;
}

/**
 * Fills each missing value from the nearest frame, before or after, that has one and
 * shows the same screen (every frame in between too): a different page never
 * inherits an address or an application.
 */
export function fillFromSameScreen<T>(texts: string[], values: Array<T | null>): Array<T | null> {
  const urls = values;
  const out = [...values];
  for (let i = 0; i < out.length; i++) {
    if (out[i]) continue;
    // The nearest frame with an address, before or after, among the frames on either
    // side that still show this frame's screen.
    const nearest = (step: 1 | -1) => {
      for (let j = i + step; j >= 0 && j < urls.length; j += step) {
        if (wordJaccard(texts[i]!, texts[j]!) < SAME_SCREEN) return undefined;
        const url = urls[j];
        if (url) return { url, distance: Math.abs(j - i) };
      }
      return undefined;
    };
    const before = nearest(-1);
    const after = nearest(1);
    const chosen = before && after ? (after.distance < before.distance ? after : before) : (before ?? after);
    if (chosen) out[i] = chosen.url;
  }
  return out;
}

/** Same scheme and host, at most MAX_EDITS apart, and not a difference of digits alone. */
export function oneAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const origin = (u: string) => /^[a-z]+:\/\/[^/]*/i.exec(u)?.[0].toLowerCase() ?? '';
  if (origin(a) !== origin(b)) return false;
  const noDigits = (u: string) => u.replace(/\d/g, '');
  if (noDigits(a) === noDigits(b)) return false;
  return editDistance(a, b, MAX_EDITS) <= MAX_EDITS;
}

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Letters-and-digits runs: an address's words ("sql", "select") as they appear in running text. */
const tokens = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

function countWords(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of tokens(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}
