import { keywords } from './keywords.js';
import { centroid, cosine, tfidfVectors, wordJaccard } from './similarity.js';
import { screenTitle } from './screen-title.js';
import { words } from './tokenize.js';
import type { FrameText, TimedSegment } from './types.js';

/**
 * Chapters from the transcript and the screen, without an LLM. Every gap between two
 * consecutive pieces of text (segments and frames, in time order) is a candidate
 * boundary, scored by:
 * - topic shift: how much less the text just before and just after it have in common
 *   than their neighbourhood does (TextTiling's depth score, Hearst 1997);
 * - a long silence;
 * - the screen changing to something else (low word overlap between frames).
 * The strongest candidates become boundaries, never closer than a minimum chapter
 * length, about one chapter per couple of minutes. Titles are the chapter's top
 * keyphrases (an LLM may replace them: llm-enrich.ts).
 *
 * A screen recording has a stronger structure: its screens. Consecutive frames of one
 * screen (the same page address, or mostly the same words) form a run, every run is a
 * chapter named by the screen's own title (screen-title.ts), and the spoken topics only
 * add boundaries inside runs long enough to hold several chapters. Runs shorter than
 * `minScreenSeconds` join the one before; past `maxChapters`, the shortest neighbours
 * are merged.
 */
export interface Chapter {
  start: number;
  end: number;
  title: string;
  keywords: string[];
}

export interface ChapterDraft {
  start: number;
  end: number;
  /** The chapter's text, speech first, for titling. */
  text: string;
  /** The title the chapter's screen shows, when it starts one and has one. */
  screenTitle?: string;
}

export interface TimelineOptions {
  minChapterSeconds: number;
  /** Aim for one chapter per this many seconds (an upper bound, not a quota). */
  secondsPerChapter: number;
  maxChapters: number;
  longPauseSeconds: number;
  /** Pieces of text on each side when comparing before/after. */
  window: number;
  /** A screen shown for less than this is part of the chapter before it. */
  minScreenSeconds: number;
}

export const TIMELINE_DEFAULTS: TimelineOptions = {
  minChapterSeconds: 30,
  secondsPerChapter: 120,
  maxChapters: 20,
  longPauseSeconds: 4,
  window: 4,
  minScreenSeconds: 2,
};

interface Piece {
  start: number;
  end: number;
  text: string;
  source: 'transcript' | 'screen';
}

export function buildTimeline(
  input: { segments?: TimedSegment[]; frames?: FrameText[]; duration?: number },
  options: Partial<TimelineOptions> = {},
): Chapter[] {
  return draftChapters(input, options).map((d, i) => {
    const kws = keywords([d.text], { max: 3 }).map((k) => k.phrase);
    return { start: d.start, end: d.end, title: d.screenTitle ?? titleFrom(kws, d.text, i), keywords: kws };
  });
}

export function draftChapters(
  input: { segments?: TimedSegment[]; frames?: FrameText[]; duration?: number },
  options: Partial<TimelineOptions> = {},
): ChapterDraft[] {
  const opts = { ...TIMELINE_DEFAULTS, ...options };
  const pieces = collectPieces(input.segments ?? [], input.frames ?? []);
  if (!pieces.length) return [];
  const end = Math.max(input.duration ?? 0, ...pieces.map((p) => p.end));
  const runs = screenRuns(input.frames ?? [], end, opts);
  const titles = new Map<number, string>();
  let boundaries: number[];
  if (runs.length >= 2) {
    for (const r of runs) if (r.title) titles.set(r.start, r.title);
    const screens = runs.slice(1).map((r) => r.start);
    const spoken = chooseBoundaries(
      pieces.filter((p) => p.source === 'transcript'),
      end,
      opts,
    ).filter((b) => [0, ...screens, end].every((s) => Math.abs(s - b) >= opts.minChapterSeconds));
    boundaries = [...screens, ...spoken].sort((a, b) => a - b);
  } else {
    boundaries = chooseBoundaries(pieces, end, opts);
  }
  const cuts = [0, ...boundaries, end];
  const drafts: ChapterDraft[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const from = cuts[i]!;
    const to = cuts[i + 1]!;
    const inside = pieces.filter(
      (p) => p.start >= from && (p.start < to || (i + 2 === cuts.length && p.start <= to)),
    );
    const speech = inside.filter((p) => p.source === 'transcript').map((p) => p.text);
    const screen = inside.filter((p) => p.source === 'screen').map((p) => p.text);
    const screenTitle = titles.get(from) ?? (i === 0 ? runs[0]?.title : undefined) ?? undefined;
    drafts.push({
      start: round2(from),
      end: round2(to),
      text: [...speech, ...screen].join('\n'),
      ...(screenTitle ? { screenTitle } : {}),
    });
  }
  return drafts;
}

interface ScreenRun {
  start: number;
  end: number;
  frames: FrameText[];
  title: string | null;
}

/** Frames at least this alike (word-set Jaccard) are the same screen. */
const SAME_SCREEN = 0.5;

/** The recording's screens in time order (see the top of this file); the first starts at 0. */
export function screenRuns(
  frames: FrameText[],
  end: number,
  options: Partial<TimelineOptions> = {},
): ScreenRun[] {
  const opts = { ...TIMELINE_DEFAULTS, ...options };
  const shown = frames.filter((f) => f.text.trim()).sort((a, b) => a.t - b.t);
  let runs: ScreenRun[] = [];
  for (const f of shown) {
    const last = runs.at(-1);
    const prev = last?.frames.at(-1);
    // A page keeps its address while it scrolls (its words change), so the run's address
    // holds it together; the run's, not the last frame's: a browser shows the next
    // page's address over the old page for a moment, and that frame belongs to the old
    // page by its words, while the new page must still start a run of its own.
    const address = last?.frames.find((g) => g.url)?.url;
    const same = prev && ((address && address === f.url) || wordJaccard(prev.text, f.text) >= SAME_SCREEN);
    if (last && same) last.frames.push(f);
    else runs.push({ start: f.t, end, frames: [f], title: null });
  }
  if (!runs.length) return [];
  runs[0]!.start = 0;
  runs.forEach((r, i) => (r.end = runs[i + 1]?.start ?? end));
  // A screen barely shown (a flash while switching) belongs to the chapter before it.
  runs = runs.reduce<ScreenRun[]>((out, r) => {
    const prev = out.at(-1);
    if (prev && r.end - r.start < opts.minScreenSeconds) {
      prev.end = r.end;
      prev.frames.push(...r.frames);
    } else out.push(r);
    return out;
  }, []);
  while (runs.length > opts.maxChapters) {
    let at = 0;
    for (let i = 1; i + 1 < runs.length; i++) {
      const span = (k: number) => runs[k + 1]!.end - runs[k]!.start;
      if (span(i) < span(at)) at = i;
    }
    const [a, b] = [runs[at]!, runs[at + 1]!];
    const longer = b.end - b.start > a.end - a.start ? b : a;
    runs.splice(at, 2, {
      start: a.start,
      end: b.end,
      frames: [...a.frames, ...b.frames],
      title: longer.title,
    });
  }
  for (const r of runs) {
    const own = new Set(r.frames);
    const elsewhere = new Set(
      shown.filter((f) => !own.has(f)).flatMap((f) => f.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []),
    );
    r.title ??= screenTitle(firstRendered(r.frames), elsewhere);
  }
  return runs;
}

/**
 * The first frame of a screen that shows it whole: a page caught while loading holds
 * only its tab bar ("Loading…"), so a frame with under half the words of the run's
 * fullest frame does not name the screen.
 */
function firstRendered(frames: readonly FrameText[]): FrameText {
  const size = (f: FrameText) => words(f.text).length;
  const fullest = Math.max(...frames.map(size));
  return frames.find((f) => size(f) * 2 >= fullest) ?? frames[0]!;
}

function collectPieces(segments: TimedSegment[], frames: FrameText[]): Piece[] {
  const pieces: Piece[] = segments
    .filter((s) => s.text.trim())
    .map((s) => ({ start: s.start, end: s.end, text: s.text, source: 'transcript' as const }));
  const sortedFrames = frames.filter((f) => f.text.trim()).sort((a, b) => a.t - b.t);
  sortedFrames.forEach((f, i) => {
    const next = sortedFrames[i + 1];
    pieces.push({ start: f.t, end: next ? next.t : f.t, text: f.text, source: 'screen' });
  });
  return pieces.sort((a, b) => a.start - b.start);
}

function chooseBoundaries(pieces: Piece[], end: number, opts: TimelineOptions): number[] {
  if (pieces.length < 2) return [];
  const vectors = tfidfVectors(pieces.map((p) => p.text));
  const gaps = pieces.length - 1;
  // Similarity of the window before each gap with the window after it.
  const sims: number[] = [];
  for (let g = 0; g < gaps; g++) {
    const before = vectors.slice(Math.max(0, g + 1 - opts.window), g + 1);
    const after = vectors.slice(g + 1, g + 1 + opts.window);
    sims.push(cosine(centroid(before), centroid(after)));
  }
  const scores = sims.map((sim, g) => {
    const depth = depthAt(sims, g);
    const b = pieces[g + 1]!;
    const lastSpeech = lastOf(pieces, g, 'transcript');
    const pause =
      b.source === 'transcript' && lastSpeech && b.start - lastSpeech.end >= opts.longPauseSeconds ? 0.3 : 0;
    const prevScreen = lastOf(pieces, g, 'screen');
    const screen = b.source === 'screen' && prevScreen && jaccard(prevScreen.text, b.text) < 0.3 ? 0.3 : 0;
    return { at: b.start, score: depth + pause + screen, sim };
  });
  const mean = scores.reduce((s, x) => s + x.score, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((s, x) => s + (x.score - mean) ** 2, 0) / scores.length);
  // TextTiling's cut-off: clearly deeper than the typical gap.
  const cutoff = Math.max(0.15, mean + sd / 2);
  const target = Math.min(opts.maxChapters, Math.max(1, Math.round(end / opts.secondsPerChapter))) - 1;
  const chosen: number[] = [];
  for (const c of [...scores].sort((x, y) => y.score - x.score)) {
    if (chosen.length >= target || c.score < cutoff) break;
    const edges = [0, ...chosen, end];
    if (edges.some((e) => Math.abs(e - c.at) < opts.minChapterSeconds)) continue;
    chosen.push(c.at);
  }
  return chosen.sort((a, b) => a - b);
}

/** How far the similarity at `g` dips below the nearest peaks on either side. */
function depthAt(sims: number[], g: number): number {
  let left = sims[g]!;
  for (let i = g - 1; i >= 0 && sims[i]! >= left; i--) left = sims[i]!;
  let right = sims[g]!;
  for (let i = g + 1; i < sims.length && sims[i]! >= right; i++) right = sims[i]!;
  return left - sims[g]! + (right - sims[g]!);
}

function lastOf(pieces: Piece[], upTo: number, source: Piece['source']): Piece | undefined {
  for (let i = upTo; i >= 0; i--) if (pieces[i]!.source === source) return pieces[i];
  return undefined;
}

function jaccard(a: string, b: string): number {
  const A = new Set(words(a));
  const B = new Set(words(b));
  if (!A.size && !B.size) return 1;
  let both = 0;
  for (const w of A) if (B.has(w)) both++;
  return both / (A.size + B.size - both);
}

function titleFrom(kws: string[], text: string, index: number): string {
  if (kws.length) {
    const t = kws.slice(0, 2).join(', ');
    return t.charAt(0).toUpperCase() + t.slice(1);
  }
  const first = text.split(/\s+/).filter(Boolean).slice(0, 6).join(' ');
  return first ? `${first.charAt(0).toUpperCase()}${first.slice(1)}…` : `Part ${index + 1}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
