import type { Command } from 'commander';
import { collect } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { table, when } from '../format.js';

export function registerWorkspaceCommands(program: Command, ctx: CliContext): void {
  const workspaces = program.command('workspaces').description('workspaces you belong to');
  workspaces
    .command('ls', { isDefault: true })
    .description('list your workspaces')
    .action(async () => {
      const items = await collect((await ctx.client()).workspaces.iterate());
      ctx.print(items, () =>
        items.length
          ? table(
              ['id', 'name', 'plan', 'role', 'created'],
              items.map((w) => [w.id, w.name, w.plan, w.role, when(w.created_at)]),
            )
          : 'No workspaces.',
      );
    });
}
