import type { Command } from 'commander';
import { collect, type Recording, type RecordingListQuery } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { bytes, duration, table, truncate, when } from '../format.js';

const STATUSES = ['uploading', 'queued', 'processing', 'ready', 'failed'] as const;

interface LsOptions {
  status?: string;
  workspace?: string;
  limit: string;
  offset: string;
  all?: boolean;
}

export function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name} must be a whole number`, EXIT.USAGE);
  return n;
}

function recordingsTable(items: Recording[]): string {
  return table(
    ['id', 'title', 'status', 'duration', 'size', 'created'],
    items.map((r) => [
      r.id,
      truncate(r.title, 40),
      r.status,
      duration(r.duration_seconds),
      bytes(r.size_bytes),
      when(r.created_at),
    ]),
  );
}

export function registerRecordingCommands(program: Command, ctx: CliContext): void {
  program
    .command('ls')
    .description('list recordings, newest first')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--workspace <id>', 'workspace (default: the key’s)')
    .option('--limit <n>', 'how many', '20')
    .option('--offset <n>', 'skip this many', '0')
    .option('--all', 'every recording (pages through the list)')
    .action(async (opts: LsOptions) => {
      if (opts.status && !(STATUSES as readonly string[]).includes(opts.status)) {
        throw new CliError(`unknown status ${opts.status}: use ${STATUSES.join(', ')}`, EXIT.USAGE);
      }
      const client = await ctx.client();
      const query = {
        ...(opts.status ? { status: opts.status as RecordingListQuery['status'] } : {}),
        ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
      };
      const limit = positiveInt(opts.limit, '--limit');
      const offset = positiveInt(opts.offset, '--offset');
      const page = opts.all
        ? await collect(client.recordings.iterate(query, { pageSize: 200, offset }))
        : await client.recordings.list({ ...query, limit, offset });
      const items = Array.isArray(page) ? page : page.items;
      ctx.print(page, () => {
        if (!items.length) return 'No recordings. Upload one: iris upload <file>';
        const total = Array.isArray(page) ? items.length : page.pagination.total;
        const more = total > offset + items.length ? `\n${offset + items.length} of ${total} shown.` : '';
        return `${recordingsTable(items)}${more}`;
      });
    });

  program
    .command('show <id>')
    .description('one recording’s metadata ("latest" for the newest)')
    .action(async (id: string) => {
      const client = await ctx.client();
      const r = id === 'latest' ? await client.recordings.latest() : await client.recordings.get(id);
      ctx.print(r, () => recordingsTable([r]));
    });

  program
    .command('retry <id>')
    .description('re-queue the failed processing stages of a recording')
    .action(async (id: string) => {
      const status = await (await ctx.client()).recordings.retry(id);
      ctx.print(status, () => `Re-queued ${id}. Follow it: iris status ${id} --watch`);
    });

  program
    .command('rm <id>')
    .description('delete a recording and every stored file (needs an admin-scoped key)')
    .action(async (id: string) => {
      await (await ctx.client()).recordings.delete(id);
      ctx.print({ deleted: id }, () => `Deleted ${id}.`);
    });
}
