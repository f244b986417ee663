import type { Command } from 'commander';
import type { SearchResults } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { duration, timestamp } from '../format.js';
import { positiveInt } from './recordings.js';

function render(results: SearchResults): string {
  if (!results.items.length) return 'No matches.';
  return results.items
    .map((hit) => {
      const r = hit.recording;
      const head = `${r.id}  ${r.title}  (${r.status}, ${duration(r.duration_seconds)})`;
      const moments = hit.moments.map(
        (m) => `    ${timestamp(m.timestamp_seconds)} ${m.source}: ${m.snippet}`,
      );
      return [head, `    ${hit.snippet}`, ...moments].join('\n');
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
