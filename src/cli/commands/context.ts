import type { Command } from 'commander';
import { collect, type Frame, type RecordingContext } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { duration, table, timestamp, truncate } from '../format.js';
import { positiveInt } from './recordings.js';

const FIELDS = ['summary', 'timeline', 'transcript', 'actions', 'urls', 'apps', 'tags'] as const;
type Field = (typeof FIELDS)[number];

type Row = Record<string, unknown>;
const rows = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);
const num = (v: unknown) => (typeof v === 'number' ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Each section as a person reads it; `--json` gives the API's shape unchanged. */
const RENDER: Record<Field, (value: unknown) => string> = {
  summary: (v) => (typeof v === 'string' && v ? v : '(no summary yet)'),
  timeline: (v) =>
    rows(v)
      .map((t) => `${timestamp(num(t.start_seconds))}–${timestamp(num(t.end_seconds))}  ${str(t.title)}`)
      .join('\n') || '(empty)',
  transcript: (v) =>
    rows(v)
      .map(
        (t) => `[${timestamp(num(t.start_seconds))}]${t.speaker ? ` ${str(t.speaker)}:` : ''} ${str(t.text)}`,
      )
      .join('\n') || '(empty)',
  actions: (v) =>
    rows(v)
      .map((a) => {
        const extra = [
          a.owner && `owner ${str(a.owner)}`,
          a.due && `due ${str(a.due).replace(/^due\s+/i, '')}`,
        ].filter(Boolean);
        const at = num(a.timestamp_seconds) === null ? '' : ` [${timestamp(num(a.timestamp_seconds))}]`;
        return `- ${str(a.text)}${at}${extra.length ? ` (${extra.join(', ')})` : ''}`;
      })
      .join('\n') || '(none)',
  urls: (v) =>
    rows(v)
      .map((u) => `${str(u.url)}  (first seen ${timestamp(num(u.first_seen_seconds))})`)
      .join('\n') || '(none)',
  apps: (v) =>
    rows(v)
      .map((a) => `${str(a.name)}  ${duration(num(a.seconds))}`)
      .join('\n') || '(none)',
  tags: (v) => (Array.isArray(v) && v.length ? v.join(', ') : '(none)'),
};

function renderContext(c: RecordingContext): string {
  const record = c as unknown as Row;
  if ('field' in record && 'value' in record) return RENDER[record.field as Field](record.value);
  const head = `${str(record.recording_id)}  ${str(record.status)}`;
  const sections = FIELDS.map((f) => `${f.toUpperCase()}\n${RENDER[f](record[f])}`);
  const pending =
    record.status === 'ready' ? '' : '\n(processing is not finished: sections fill in as stages complete)';
  return `${head}${pending}\n\n${sections.join('\n\n')}`;
}

export function registerContextCommands(program: Command, ctx: CliContext): void {
  program
    .command('context <id>')
    .description('structured context: summary, timeline, transcript, actions, urls, apps, tags')
    .option('--field <field>', `one section: ${FIELDS.join(', ')}`)
    .action(async (id: string, opts: { field?: string }) => {
      if (opts.field && !(FIELDS as readonly string[]).includes(opts.field)) {
        throw new CliError(`unknown field ${opts.field}: use ${FIELDS.join(', ')}`, EXIT.USAGE);
      }
      const c = await (await ctx.client()).recordings.context(id, opts.field);
      ctx.print(c, () => renderContext(c));
    });

  program
    .command('frames <id>')
    .description('extracted frames with their screen text, app and URL')
    .option('--limit <n>', 'how many', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--all', 'every frame (pages through the list)')
    .action(async (id: string, opts: { limit: string; offset: string; all?: boolean }) => {
      const client = await ctx.client();
      const offset = positiveInt(opts.offset, '--offset');
      const limit = positiveInt(opts.limit, '--limit');
      let items: Frame[];
      let total: number | undefined;
      if (opts.all) {
        items = await collect(paginateFrames((page) => client.recordings.frames(id, page), offset));
      } else {
        const page = await client.recordings.frames(id, { limit, offset });
        items = page.items;
        total = page.pagination?.total;
      }
      ctx.print(opts.all ? items : { items, total }, () => {
        if (!items.length) return 'No frames (yet).';
        const more =
          total !== undefined && total > offset + items.length
            ? `\n${offset + items.length} of ${total} shown.`
            : '';
        return `${framesTable(items)}${more}`;
      });
    });
}

function framesTable(items: Frame[]): string {
  return table(
    ['#', 'time', 'app', 'url', 'screen text'],
    items.map((f) => [
      f.index,
      timestamp(f.timestamp_seconds),
      f.app,
      f.url && truncate(f.url, 40),
      truncate(f.ocr_text || f.description, 60),
    ]),
  );
}

async function* paginateFrames(
  fetchPage: (page: {
    limit: number;
    offset: number;
  }) => Promise<{ items: Frame[]; pagination?: { total: number } }>,
  start: number,
): AsyncGenerator<Frame> {
  let offset = start;
  for (;;) {
    const page = await fetchPage({ limit: 200, offset });
    yield* page.items;
    offset += page.items.length;
    if (!page.items.length || !page.pagination || offset >= page.pagination.total) return;
  }
}
