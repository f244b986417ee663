import type { RecordingContext } from '../recordings/context.repository.js';
import type { Frame } from '../recordings/frames.repository.js';
import type { Segment } from '../recordings/segments.repository.js';

export const DOCUMENT_KINDS = ['title', 'summary', 'transcript', 'screen'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** One searchable moment of a recording, as the index stage writes it. */
export interface SearchDocument {
  kind: DocumentKind;
  /** Segment idx (transcript) or frame id (screen); null for title and summary. */
  ref: string | null;
  timestamp_seconds: number | null;
  text: string;
}

/**
 * A screen full of small print OCRs to a few thousand characters; beyond this it is
 * noise that would only dilute the frame's ranking and bloat the index.
 */
const MAX_TEXT = 8_000;

const clip = (text: string) => text.trim().slice(0, MAX_TEXT);

/**
 * Everything searchable about a recording, one document per moment. Screen documents
 * carry the frame's description, page URL and app name beside its OCR text, so "github" finds the
 * moment the browser showed github.com even when OCR missed the address bar.
 */
export function buildDocuments(input: {
  title: string;
  context: RecordingContext | null;
  segments: readonly Segment[];
  frames: readonly Frame[];
}): SearchDocument[] {
  const docs: SearchDocument[] = [];
  const add = (kind: DocumentKind, ref: string | null, at: number | null, text: string) => {
    const t = clip(text);
    if (t) docs.push({ kind, ref, timestamp_seconds: at, text: t });
  };
  add('title', null, null, input.title);
  const summary = input.context?.summary ?? '';
  const tags = input.context?.tags.length ? `Tags: ${input.context.tags.join(', ')}` : '';
  add('summary', null, null, [summary, tags].filter(Boolean).join('\n'));
  for (const s of input.segments) add('transcript', String(s.idx), s.start_seconds, s.text);
  for (const f of input.frames) {
    add(
      'screen',
      f.id,
      f.timestamp_seconds,
      [f.ocr_text, f.description, f.url, f.app].filter(Boolean).join('\n'),
    );
  }
  return docs;
}
