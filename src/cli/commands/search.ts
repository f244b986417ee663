import type { Command } from 'commander';
import type { SearchResults } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { duration, timestamp } from '../format.js';
import { positiveInt } from './recordings.js';

type Row = Record<string, unknown>;

function render(results: SearchResults): string {
  const items = (results as unknown as { items: Row[] }).items;
  if (!items.length) return 'No matches.';
  return items
    .map((hit) => {
      const rec = (hit.recording ?? {}) as Row;
      const head = `${String(rec.id)}  ${String(rec.title)}  (${String(rec.status)}, ${duration(rec.duration_seconds as number | null)})`;
      const moments = ((hit.moments ?? []) as Row[]).map(
        (m) => `    ${timestamp(m.timestamp_seconds as number)} ${String(m.source)}: ${String(m.snippet)}`,
      );
      return [head, `    ${String(hit.snippet ?? '')}`, ...moments].join('\n');
    })
    .join('\n\n');
}

export function registerSearchCommand(program: Command, ctx: CliContext): void {
  program
    .command('search <query...>')
    .description('search transcripts, screen text and summaries; matches are marked «like this»')
    .option('--limit <n>', 'recordings to return (1–50)', '10')
    .option('--workspace <id>', 'workspace (default: the key’s)')
    .action(async (words: string[], opts: { limit: string; workspace?: string }) => {
      const client = await ctx.client();
      const results = await client.search(words.join(' '), {
        limit: positiveInt(opts.limit, '--limit'),
        ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
      });
      ctx.print(results, () => render(results));
    });
}
