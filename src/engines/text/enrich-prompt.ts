import { rankUnits } from './extractive-summary.js';
import type { ChapterDraft } from './timeline.js';
import type { FrameText, TimedSegment } from './types.js';
import { transcriptUnits } from './units.js';
import { words } from './tokenize.js';

/**
 * The prompt for LLM enrichment. The model sees the transcript with timestamps, the
 * distinct lines of screen text, and the chapter boundaries already found (it only
 * names them: boundaries come from timeline.ts so they are the same with or without
 * an LLM). Long recordings are abridged to fit a character budget by keeping the most
 * central sentences (TextRank), in order, and the prompt says that it was abridged.
 */
export const ENRICH_SYSTEM_PROMPT = `You analyse recordings (meetings, screen recordings, talks) for a search and notes product.
Use only what is in the transcript and screen text you are given. Do not invent names, numbers, dates or tasks.
Transcripts come from speech recognition and may contain recognition errors; ignore fragments that make no sense.
Reply with one JSON object with exactly these keys:
{
  "summary": string — 2 to 5 plain sentences saying what the recording is about and what was decided,
  "actions": array of { "text": string — the task, imperative, "timestamp": number|null — seconds where it was said, "owner": string|null, "due": string|null },
  "tags": array of 3 to 10 short lowercase topic strings,
  "chapter_titles": array of strings, one title of at most 8 words per chapter listed, in order
}
Use empty arrays when there is nothing to report.`;

export interface PromptBudget {
  transcriptChars: number;
  screenChars: number;
}

export const DEFAULT_BUDGET: PromptBudget = { transcriptChars: 18_000, screenChars: 6_000 };

export function buildEnrichPrompt(
  input: { segments: TimedSegment[]; frames: FrameText[]; duration?: number; language?: string },
  chapters: ChapterDraft[],
  budget: PromptBudget = DEFAULT_BUDGET,
): string {
  const parts: string[] = [];
  if (input.duration) parts.push(`Duration: ${Math.round(input.duration)} seconds.`);
  if (input.language) parts.push(`Spoken language: ${input.language}.`);
  parts.push(
    `Chapters (${chapters.length}):\n${chapters.map((c, i) => `${i + 1}. ${fmt(c.start)}–${fmt(c.end)} s`).join('\n')}`,
  );
  const transcript = transcriptLines(input.segments, budget.transcriptChars);
  parts.push(
    transcript.lines.length
      ? `Transcript${transcript.abridged ? ` (abridged: the ${transcript.lines.length} most central of ${transcript.total} sentences)` : ''}, as [seconds] text:\n${transcript.lines.join('\n')}`
      : 'Transcript: none (no speech was transcribed).',
  );
  const screen = screenLines(input.frames, budget.screenChars);
  if (screen.length)
    parts.push(`Screen text (each distinct line once, as [seconds] text):\n${screen.join('\n')}`);
  return parts.join('\n\n');
}

function transcriptLines(segments: TimedSegment[], maxChars: number) {
  const units = transcriptUnits(segments);
  const line = (u: { start?: number; text: string }) => `[${fmt(u.start ?? 0)}] ${u.text}`;
  const all = units.map(line);
  if (all.join('\n').length <= maxChars) return { lines: all, abridged: false, total: units.length };
  const ranked = rankUnits(units)
    .map((u, i) => ({ u, i }))
    .sort((a, b) => b.u.score - a.u.score);
  const keep = new Set<number>();
  let used = 0;
  for (const { u, i } of ranked) {
    const length = line(u).length + 1;
    if (used + length > maxChars) continue;
    keep.add(i);
    used += length;
  }
  const lines = units.filter((_, i) => keep.has(i)).map(line);
  return { lines, abridged: true, total: units.length };
}

function screenLines(frames: FrameText[], maxChars: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  let used = 0;
  for (const frame of [...frames].sort((a, b) => a.t - b.t)) {
    for (const raw of frame.text.split(/\n+/)) {
      const text = raw.replace(/\s+/g, ' ').trim();
      const key = words(text).join(' ');
      if (key.length < 3 || seen.has(key)) continue;
      seen.add(key);
      const line = `[${fmt(frame.t)}] ${text}`;
      if (used + line.length + 1 > maxChars) return out;
      out.push(line);
      used += line.length + 1;
    }
  }
  return out;
}

const fmt = (s: number) => String(Math.round(s * 10) / 10);
