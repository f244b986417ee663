import { Readable } from 'node:stream';
import type { AuditEvent } from './audit.types.js';
import type { ExportFormat } from './audit.schemas.js';

/** Exports stop here; the response says so in X-Export-Row-Limit / X-Export-Truncated. */
export const EXPORT_ROW_LIMIT = 100_000;

/** Rows are written in chunks of about this size: few syscalls, bounded memory. */
const CHUNK_BYTES = 64 * 1024;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

const CSV_COLUMNS: ReadonlyArray<[string, (e: AuditEvent) => unknown]> = [
  ['id', (e) => e.id],
  ['occurred_at', (e) => e.occurred_at],
  ['workspace_id', (e) => e.workspace_id],
  ['action', (e) => e.action],
  ['outcome', (e) => e.outcome],
  ['permission', (e) => e.permission],
  ['actor_type', (e) => e.actor.type],
  ['actor_id', (e) => e.actor.id],
  ['actor_label', (e) => e.actor.label],
  ['credential_type', (e) => e.credential.type],
  ['credential_id', (e) => e.credential.id],
  ['target_type', (e) => e.target.type],
  ['target_id', (e) => e.target.id],
  ['reason', (e) => e.reason],
  ['ip', (e) => e.ip],
  ['user_agent', (e) => e.user_agent],
  ['request_id', (e) => e.request_id],
  ['before', (e) => e.before],
  ['after', (e) => e.after],
];

/** Characters that make spreadsheets treat a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 cell. Every value is quoted, and values a spreadsheet would run as a
 * formula get a leading apostrophe: audit data holds user-controlled strings (names,
 * user agents, reasons) and auditors open these files in Excel.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

function csvEvent(e: AuditEvent): string {
  return csvRow(CSV_COLUMNS.map(([, get]) => get(e)));
}

/** The export body as text pieces, stopping after `limit` rows. */
async function* render(
  format: ExportFormat,
  events: AsyncIterable<AuditEvent>,
  limit: number,
): AsyncGenerator<string> {
  let buffer = '';
  let rows = 0;
  if (format === 'csv') buffer = csvRow(CSV_COLUMNS.map(([name]) => name));
  else if (format === 'json') buffer = '[\n';
  // Leaving the loop early (limit, client gone) closes the repository's cursor.
  for await (const event of events) {
    if (format === 'csv') buffer += csvEvent(event);
    else if (format === 'json') buffer += `${rows ? ',\n' : ''}${JSON.stringify(event)}`;
    else buffer += `${JSON.stringify(event)}\n`;
    rows += 1;
    if (buffer.length >= CHUNK_BYTES) {
      yield buffer;
      buffer = '';
    }
    if (rows >= limit) break;
  }
  if (format === 'json') buffer += rows ? '\n]\n' : ']\n';
  if (buffer) yield buffer;
}

/** A byte stream of the export; nothing beyond one chunk is held in memory. */
export function exportStream(
  format: ExportFormat,
  events: AsyncIterable<AuditEvent>,
  limit = EXPORT_ROW_LIMIT,
): Readable {
  return Readable.from(render(format, events, limit), { objectMode: false });
}

export function exportFilename(workspaceId: string, format: ExportFormat, at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `iris-audit-${workspaceId}-${stamp}.${format}`;
}
