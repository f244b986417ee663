import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { DEFAULT_URL, configFile, deleteLogin, readLogin, writeLogin } from '../credentials.js';
import { CliError, EXIT } from '../exit-codes.js';
import { IrisApiError, type Me } from '../../sdk/index.js';
import { ask, readAll } from '../prompt.js';
import { table } from '../format.js';

interface LoginOptions {
  key?: string;
}

function describeCredential(me: Me): string {
  const c = me.credential;
  if (c.type !== 'api_key') return c.type;
  const ws = me.workspaces.find((w) => w.id === c.workspace_id);
  return `API key (${(c.scopes ?? []).join(', ') || 'no scopes'}) for ${ws ? `"${ws.name}" ` : ''}${c.workspace_id ?? ''}`;
}

export function registerAuthCommands(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description('store the server URL and an API key (asked for when not given)')
    .option('--key <key>', 'API key (ir_live_…) or session token; "-" reads it from stdin')
    .addHelpText(
      'after',
      `\nThe login is kept in $XDG_CONFIG_HOME/iris/config.json (default ~/.config/iris/config.json),\nreadable only by you (0600). IRIS_URL and IRIS_API_KEY override it. Pass the URL with --url.`,
    )
    .action(async (opts: LoginOptions) => {
      const stored = await readLogin(ctx.io.env);
      const interactive = Boolean(ctx.io.stdin.isTTY);
      let url = ctx.options.url ?? ctx.io.env.IRIS_URL?.trim();
      if (!url && interactive) {
        url = (await ask(ctx.io, `Iris URL [${stored?.url ?? DEFAULT_URL}]: `)) || stored?.url || DEFAULT_URL;
      }
      url ??= stored?.url ?? DEFAULT_URL;

      let key = opts.key === '-' ? await readAll(ctx.io) : (opts.key ?? ctx.io.env.IRIS_API_KEY?.trim());
      if (!key && interactive) key = await ask(ctx.io, 'API key (input hidden): ', { secret: true });
      if (!key) throw new CliError('an API key is needed: pass --key, or set IRIS_API_KEY', EXIT.USAGE);

      const client = ctx.clientFor(url, key);
      let me: Me;
      try {
        me = await client.me();
      } catch (err) {
        if (err instanceof IrisApiError && err.status === 401) {
          throw new CliError(`${client.baseUrl} did not accept this key (${err.code})`, EXIT.AUTH);
        }
        throw err;
      }
      const file = await writeLogin(ctx.io.env, { url: client.baseUrl, key });
      ctx.print({ url: client.baseUrl, user: me.user, credential: me.credential, config_file: file }, () =>
        [
          `Logged in to ${client.baseUrl} as ${me.user.email} with ${describeCredential(me)}.`,
          `Saved to ${file}.`,
        ].join('\n'),
      );
    });

  program
    .command('logout')
    .description('forget the stored login (the key stays valid: revoke it in the dashboard)')
    .action(async () => {
      const removed = await deleteLogin(ctx.io.env);
      const file = configFile(ctx.io.env);
      ctx.print({ removed, config_file: file }, () =>
        removed ? `Removed ${file}.` : `Not logged in (no ${file}).`,
      );
      if (ctx.io.env.IRIS_API_KEY) ctx.err('note: IRIS_API_KEY is still set in this environment');
    });

  program
    .command('whoami')
    .description('who the stored key (or IRIS_API_KEY) acts as, and where')
    .action(async () => {
      const creds = await ctx.credentials();
      const me = await (await ctx.client()).me();
      ctx.print({ url: creds.url, source: creds.source, ...me }, () =>
        [
          `${me.user.name} <${me.user.email}> on ${creds.url}`,
          `credential: ${describeCredential(me)} (from ${creds.source === 'env' ? 'IRIS_API_KEY' : configFile(ctx.io.env)})`,
          '',
          table(
            ['workspace', 'name', 'role'],
            me.workspaces.map((w) => [w.id, w.name, w.role]),
          ),
        ].join('\n'),
      );
    });
}
