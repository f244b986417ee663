import type {
  ContextFieldView,
  ContextView,
  TranscriptSegmentView,
} from '../modules/recordings/context.service.js';
import type { FrameView } from '../modules/recordings/frames.service.js';
import type { RecordingView } from '../modules/recordings/recordings.service.js';
import type { SearchResult } from '../modules/search/search.service.js';

/**
 * Plain text for the model: tool results are read by an LLM first, so they carry the
 * ids it needs for the next call and nothing it would have to skip over.
 */

/** `h:mm:ss` past an hour, `m:ss` below: how people cite moments in a recording. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

type RecordingLine = Pick<RecordingView, 'id' | 'title' | 'status' | 'duration_seconds' | 'created_at'>;

export function recordingLine(r: RecordingLine): string {
  const duration = r.duration_seconds !== null ? ` · ${clock(r.duration_seconds)}` : '';
  return `${r.id} · "${r.title}" · ${r.status}${duration} · created ${r.created_at}`;
}

export function recordingDetails(r: RecordingView): string {
  const lines = [
    `Recording ${r.id}: "${r.title}"`,
    `workspace: ${r.workspace_id}`,
    `status: ${r.status}${r.error ? ` (error: ${r.error})` : ''}`,
    `source: ${r.source}`,
    `created: ${r.created_at}`,
    `processed: ${r.processed_at ?? 'not yet'}`,
  ];
  if (r.duration_seconds !== null) lines.push(`duration: ${clock(r.duration_seconds)}`);
  if (r.width && r.height) lines.push(`video: ${r.width}x${r.height}`);
  if (r.has_audio !== null) lines.push(`audio: ${r.has_audio ? 'yes' : 'no'}`);
  if (r.original_filename) lines.push(`file: ${r.original_filename}`);
  return lines.join('\n');
}

export function searchText(r: SearchResult): string {
  if (r.items.length === 0) return `No recordings match "${r.query}".`;
  const head = `${r.total} recording${r.total === 1 ? '' : 's'} match "${r.query}" (${r.mode} search); top ${r.items.length}:`;
  const items = r.items.map((item, i) => {
    const rec = item.recording;
    const moments = item.moments.map(
      (m) => `   @ ${clock(m.timestamp_seconds)} [${m.source}] ${clip(m.text, 200)}`,
    );
    return [
      `${i + 1}. "${rec.title}" (${rec.id}, ${rec.status}) — ${clip(item.snippet, 300)}`,
      ...moments,
    ].join('\n');
  });
  return [head, ...items].join('\n');
}

export function transcriptText(segments: TranscriptSegmentView[]): string {
  if (segments.length === 0) return '(no transcript yet)';
  return segments
    .map(
      (s) => `[${clock(s.start_seconds)}]${s.speaker ? ` ${s.speaker}:` : ''} ${s.text.replace(/\s+/g, ' ')}`,
    )
    .join('\n');
}

/** Lines of the transcript shown inside a context; the whole one is get_transcript's job. */
const CONTEXT_TRANSCRIPT_LINES = 20;

export function contextMarkdown(c: ContextView): string {
  const out: string[] = [`Status: ${c.status}${c.language ? ` · language: ${c.language}` : ''}`];
  out.push('', '## Summary', c.summary ?? '(none yet)');
  if (c.timeline.length) {
    out.push('', '## Timeline');
    for (const t of c.timeline) out.push(`- ${clock(t.start_seconds)}–${clock(t.end_seconds)} ${t.title}`);
  }
  if (c.actions.length) {
    out.push('', '## Action items');
    for (const a of c.actions) {
      const extra = [a.owner && `owner: ${a.owner}`, a.due && `due: ${a.due.replace(/^due\s+/i, '')}`]
        .filter(Boolean)
        .join(', ');
      const at = a.timestamp_seconds != null ? ` @ ${clock(a.timestamp_seconds)}` : '';
      out.push(`- ${a.text}${extra ? ` (${extra})` : ''}${at}`);
    }
  }
  if (c.urls.length) {
    out.push('', '## URLs seen');
    for (const u of c.urls) {
      out.push(`- ${u.url}${u.first_seen_seconds !== null ? ` @ ${clock(u.first_seen_seconds)}` : ''}`);
    }
  }
  if (c.apps.length) {
    out.push('', '## Apps');
    for (const a of c.apps) out.push(`- ${a.name}: ${clock(a.seconds)}`);
  }
  if (c.tags.length) out.push('', `Tags: ${c.tags.join(', ')}`);
  out.push('', `## Transcript (${c.transcript.length} segments)`);
  out.push(transcriptText(c.transcript.slice(0, CONTEXT_TRANSCRIPT_LINES)));
  if (c.transcript.length > CONTEXT_TRANSCRIPT_LINES) {
    out.push(`… ${c.transcript.length - CONTEXT_TRANSCRIPT_LINES} more segments: use get_transcript.`);
  }
  return out.join('\n');
}

export function contextFieldText(v: ContextFieldView): string {
  const head = `${v.field} of ${v.recording_id} (status: ${v.status}):`;
  if (v.field === 'transcript') return `${head}\n${transcriptText(v.value as TranscriptSegmentView[])}`;
  if (v.field === 'summary') return `${head}\n${(v.value as string | null) ?? '(none yet)'}`;
  return `${head}\n${JSON.stringify(v.value, null, 2)}`;
}

export function frameLine(f: FrameView): string {
  const where = [f.app, f.url].filter(Boolean).join(' · ');
  const text = f.ocr_text ? ` — ${clip(f.ocr_text, 300)}` : '';
  const described = f.description ? ` (${clip(f.description, 200)})` : '';
  return `#${f.index} @ ${clock(f.timestamp_seconds)} ${f.id}${where ? ` [${where}]` : ''}${described}${text}`;
}
