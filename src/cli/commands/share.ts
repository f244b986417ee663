import type { Command } from 'commander';
import open from 'open';
import { serverRoot } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';

export function registerShareCommands(program: Command, ctx: CliContext): void {
  program
    .command('share <id>')
    .description('make a recording public and print its link')
    .action(async (id: string) => {
      const share = await (await ctx.client()).recordings.share(id);
      ctx.print(share, () => `Public link: ${share.url}`);
    });

  program
    .command('unshare <id>')
    .description('revoke a recording’s public link')
    .action(async (id: string) => {
      await (await ctx.client()).recordings.unshare(id);
      ctx.print({ unshared: id }, () => `${id} is private again; the old link no longer works.`);
    });

  program
    .command('open [id]')
    .description('print the dashboard URL (of a recording, with its id)')
    .option('--browser', 'also open it in the default browser')
    .action(async (id: string | undefined, opts: { browser?: boolean }) => {
      const { url: server } = await ctx.credentials();
      let root: string;
      try {
        root = serverRoot(server);
      } catch {
        throw new CliError(`not a valid server URL: ${server}`, EXIT.USAGE);
      }
      const url = id ? `${root}/recordings/${encodeURIComponent(id)}` : `${root}/`;
      ctx.print({ url }, () => url);
      if (opts.browser) await open(url, { wait: false });
    });
}
