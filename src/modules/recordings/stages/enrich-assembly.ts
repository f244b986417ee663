import type { LanguageModel } from '../../../engines/llm/port.js';
import { detectApp } from '../../../engines/text/apps.js';
import { enrichText, type EnrichResult } from '../../../engines/text/llm-enrich.js';
import { fillFromSameScreen, settleAddresses } from '../../../engines/text/addresses.js';
import type { PlacedWord } from '../../../engines/text/screen-title.js';
import { addressBar, extractUrls } from '../../../engines/text/urls.js';
import type { AppSeen, ContextInput, UrlSeen } from '../context.repository.js';

/**
 * The enrich stage's decisions, apart from the database: what each frame shows (url,
 * app) and the recording-level context. Everything comes from the transcript and the
 * OCR text given here; with neither there is nothing to say and the context stays
 * empty (summary null) instead of being filled with generic text.
 */
export interface EnrichFrame {
  id: string;
  timestamp_seconds: number;
  ocr_text: string | null;
  /** Word boxes, when stored: type sizes help name a screen (screen-title.ts). */
  ocr_words?: PlacedWord[] | null;
}

export interface EnrichSegment {
  start_seconds: number;
  end_seconds: number;
  text: string;
}

export interface FrameAnnotation {
  id: string;
  url: string | null;
  app: string | null;
}

export interface AssembledContext {
  frames: FrameAnnotation[];
  context: ContextInput;
  /** No transcript and no screen text: nothing was analysed. */
  empty: boolean;
  /** Why the extractive methods ran although an LLM is configured. */
  fallbackReason?: string;
}

export interface AssembleInput {
  frames: EnrichFrame[];
  segments: EnrichSegment[];
  duration: number | null;
  /** From the transcribe stage; kept as is. */
  language: string | null;
  /** Engines recorded by earlier stages (the transcript's); kept, parts added. */
  engines: Record<string, string>;
}

const ENRICH_PARTS = ['summary', 'actions', 'tags', 'timeline', 'urls', 'apps'];

export async function assembleContext(
  input: AssembleInput,
  options: { llm?: LanguageModel | undefined; signal?: AbortSignal } = {},
): Promise<AssembledContext> {
  const frames = [...input.frames].sort((a, b) => a.timestamp_seconds - b.timestamp_seconds);
  const { frames: annotations, canonical } = settleAnnotations(frames, frames.map(annotateFrame));
  const frameTexts = frames.flatMap((f, i) =>
    f.ocr_text?.trim()
      ? [{ t: f.timestamp_seconds, text: f.ocr_text, url: annotations[i]!.url, words: f.ocr_words ?? null }]
      : [],
  );
  const segments = input.segments
    .filter((s) => s.text.trim())
    .map((s) => ({ start: s.start_seconds, end: s.end_seconds, text: s.text }));
  // A rerun must not keep the previous run's claims about parts it no longer produces.
  const engines = Object.fromEntries(
    Object.entries(input.engines).filter(([part]) => !ENRICH_PARTS.includes(part)),
  );
  if (!frameTexts.length && !segments.length) {
    return {
      frames: annotations,
      context: {
        summary: null,
        timeline: [],
        actions: [],
        urls: [],
        apps: [],
        tags: [],
        language: input.language,
        engines,
      },
      empty: true,
    };
  }

  const text = await enrichText(
    {
      segments,
      frames: frameTexts,
      ...(input.duration !== null ? { duration: input.duration } : {}),
      ...(input.language ? { language: input.language } : {}),
    },
    { llm: options.llm, ...(options.signal ? { signal: options.signal } : {}) },
  );
  Object.assign(engines, textEngines(text));
  const urls = urlsSeen(frames, annotations, input.segments, canonical);
  const apps = appsOnScreen(frames, annotations, input.duration);
  if (urls.length) engines.urls = 'ocr-url-patterns';
  if (apps.length) engines.apps = 'ocr-app-rules';
  return {
    frames: annotations,
    context: {
      summary: text.summary.trim() || null,
      timeline: text.timeline.map((c) => ({ start_seconds: c.start, end_seconds: c.end, title: c.title })),
      actions: text.actions.map((a) => ({
        text: a.text,
        timestamp_seconds: a.start ?? null,
        owner: a.owner ?? null,
        due: a.due ?? null,
      })),
      urls,
      apps,
      tags: text.tags,
      language: input.language,
      engines,
    },
    empty: false,
    ...(options.llm && text.fallbackReason ? { fallbackReason: text.fallbackReason } : {}),
  };
}

/** The page a frame shows is in its address bar (urls.ts addressBar); links further down are not where it is. */
export function annotateFrame(frame: EnrichFrame): FrameAnnotation {
  const text = frame.ocr_text ?? '';
  if (!text.trim()) return { id: frame.id, url: null, app: null };
  return { id: frame.id, url: addressBar(text)?.url ?? null, app: detectApp(text)?.app ?? null };
}

/**
 * Each frame's url and app once the frames are read together: an address read
 * differently on two frames of the same page becomes one, and a frame that read none
 * (OCR garbled the bar, the page was still loading) takes the url and app of the
 * nearest frame before or after it that shows the same screen (addresses.ts).
 */
export function settleAnnotations(
  frames: EnrichFrame[],
  annotations: FrameAnnotation[],
): { frames: FrameAnnotation[]; canonical: Map<string, string> } {
  const texts = frames.map((f) => f.ocr_text ?? '');
  const { urls, canonical } = settleAddresses(
    frames.map((f, i) => ({ text: texts[i]!, url: annotations[i]!.url })),
  );
  const apps = fillFromSameScreen(
    texts,
    annotations.map((a) => a.app),
  );
  return {
    frames: annotations.map((a, i) => ({ id: a.id, url: urls[i] ?? null, app: apps[i] ?? null })),
    canonical,
  };
}

/** Every URL on screen or said aloud, in order of first appearance, with how many frames showed it. */
export function urlsSeen(
  frames: EnrichFrame[],
  annotations: FrameAnnotation[],
  segments: EnrichSegment[],
  canonical: Map<string, string> = new Map(),
): UrlSeen[] {
  const seen = new Map<string, UrlSeen>();
  const note = (url: string, at: number, onScreen: boolean) => {
    const u = seen.get(url) ?? { url, first_seen_seconds: at, frames: 0 };
    u.first_seen_seconds = Math.min(u.first_seen_seconds ?? at, at);
    if (onScreen) u.frames = (u.frames ?? 0) + 1;
    seen.set(url, u);
  };
  frames.forEach((f, i) => {
    // Links further down the page count too, not only the frame's own address.
    const links = extractUrls(f.ocr_text ?? '').map((u) => canonical.get(u.url) ?? u.url);
    const onFrame = new Set([annotations[i]?.url, ...links]);
    for (const url of onFrame) if (url) note(url, f.timestamp_seconds, true);
  });
  for (const s of segments) for (const u of extractUrls(s.text)) note(u.url, s.start_seconds, false);
  return [...seen.values()].sort(
    (a, b) => (a.first_seen_seconds ?? 0) - (b.first_seen_seconds ?? 0) || a.url.localeCompare(b.url),
  );
}

/**
 * Seconds each application was on screen. A kept frame stands for the screen until the
 * next kept frame (the frames stage keeps one per change, or per interval when nothing
 * changes); the last one until the end of the recording.
 */
export function appsOnScreen(
  frames: EnrichFrame[],
  annotations: FrameAnnotation[],
  duration: number | null,
): AppSeen[] {
  const seconds = new Map<string, number>();
  frames.forEach((f, i) => {
    const app = annotations[i]?.app;
    if (!app) return;
    const next = frames[i + 1]?.timestamp_seconds ?? Math.max(duration ?? 0, f.timestamp_seconds);
    seconds.set(app, (seconds.get(app) ?? 0) + Math.max(0, next - f.timestamp_seconds));
  });
  return [...seconds.entries()]
    .map(([name, s]) => ({ name, seconds: Math.round(s * 10) / 10 }))
    .sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name));
}

/** What produced each text part, e.g. `{ summary: "llm:qwen2.5" }` or `{ summary: "textrank" }`. */
function textEngines(r: EnrichResult): Record<string, string> {
  const llm = `llm:${r.model ?? 'unknown'}`;
  return {
    summary: r.methods.summary === 'llm' ? llm : 'extractive:textrank',
    actions: r.methods.actions === 'llm' ? llm : 'rules',
    tags: r.methods.tags === 'llm' ? llm : 'keyphrases',
    timeline: r.methods.timeline === 'llm-titles' ? `texttiling+${llm}` : 'texttiling+keyphrases',
  };
}
