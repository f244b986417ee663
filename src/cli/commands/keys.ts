import type { Command } from 'commander';
import { IrisApiError, collect } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { table, when } from '../format.js';

const SCOPES = ['read', 'write', 'admin'] as const;
type Scope = (typeof SCOPES)[number];

/** Key management needs a session: say so instead of a bare 403. */
async function needsSession<T>(ctx: CliContext, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof IrisApiError && err.status === 403) {
      const creds = await ctx.credentials();
      throw new CliError(
        `${err.message} API keys cannot create or revoke API keys, so a leaked key cannot mint more. ` +
          `Create or revoke keys in the dashboard (${creds.url}/), or run this with a session token ` +
          `in IRIS_API_KEY (from POST /api/v1/auth/login). (${err.code}${err.requestId ? `, request ${err.requestId}` : ''})`,
        EXIT.AUTH,
      );
    }
    throw err;
  }
}

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length) throw new CliError(`unknown scope ${bad.join(', ')}: use ${SCOPES.join(', ')}`, EXIT.USAGE);
  return scopes as Scope[];
}

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys (list; create and revoke need a session)');

  keys
    .command('ls', { isDefault: true })
    .description('list your API keys (prefixes only)')
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(async (opts: { workspace?: string }) => {
      const client = await ctx.client();
      const items = await collect(
        client.keys.iterate(opts.workspace ? { workspace_id: opts.workspace } : {}),
      );
      ctx.print(items, () =>
        items.length
          ? table(
              ['id', 'name', 'prefix', 'scopes', 'workspace', 'created', 'last used', 'expires'],
              items.map((k) => [
                k.id,
                k.name,
                `${k.prefix}…`,
                k.scopes.join(','),
                k.workspace_id,
                when(k.created_at),
                when(k.last_used_at),
                when(k.expires_at),
              ]),
            )
          : 'No API keys.',
      );
    });

  keys
    .command('create')
    .description('create an API key; the full key is printed once')
    .requiredOption('--name <name>', 'shown in lists')
    .option('--scopes <list>', 'comma-separated: read, write, admin', 'read')
    .option('--workspace <id>', 'workspace the key is bound to')
    .option('--expires <iso-date>', 'expiry, e.g. 2027-01-01T00:00:00Z')
    .action(async (opts: { name: string; scopes: string; workspace?: string; expires?: string }) => {
      const client = await ctx.client();
      const created = await needsSession(ctx, () =>
        client.keys.create({
          name: opts.name,
          scopes: parseScopes(opts.scopes),
          ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
          ...(opts.expires ? { expires_at: opts.expires } : {}),
        }),
      );
      ctx.print(created, () =>
        [
          `Created ${created.key.id} "${created.key.name}" (${created.key.scopes.join(', ')}) in ${created.key.workspace_id}.`,
          'The key is shown this once; store it now:',
          '',
          `  ${created.key.plaintext}`,
        ].join('\n'),
      );
    });

  keys
    .command('revoke <id>')
    .description('revoke an API key (effective on its next request)')
    .action(async (id: string) => {
      const client = await ctx.client();
      await needsSession(ctx, () => client.keys.revoke(id));
      ctx.print({ revoked: id }, () => `Revoked ${id}.`);
    });
}
