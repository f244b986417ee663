import type { Segment } from './segments.repository.js';

/**
 * Subtitle and text renderings of a transcript. Cue times are the segments' own; the
 * text is the engine's, with only what each format cannot carry escaped.
 */
type Cue = Pick<Segment, 'start_seconds' | 'end_seconds' | 'text'>;

function clock(seconds: number, decimal: '.' | ','): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor(totalMs / 60_000) % 60;
  const s = Math.floor(totalMs / 1000) % 60;
  const ms = totalMs % 1000;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${decimal}${pad(ms, 3)}`;
}

/** A cue must last; players drop zero-length ones. */
const endOf = (c: Cue) => Math.max(c.end_seconds, c.start_seconds + 0.001);

/** Blank lines end a cue in both formats; a line break inside the text would too. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

export function toWebVtt(cues: Cue[]): string {
  const body = cues.map((c) => {
    // WebVTT cue text is HTML-like: these three would be read as markup or a timing line.
    const text = oneLine(c.text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `${clock(c.start_seconds, '.')} --> ${clock(endOf(c), '.')}\n${text}\n`;
  });
  return ['WEBVTT\n', ...body].join('\n');
}

export function toSrt(cues: Cue[]): string {
  return cues
    .map(
      (c, i) => `${i + 1}\n${clock(c.start_seconds, ',')} --> ${clock(endOf(c), ',')}\n${oneLine(c.text)}\n`,
    )
    .join('\n');
}

export function toPlainText(cues: Cue[]): string {
  return cues.map((c) => `${oneLine(c.text)}\n`).join('');
}
