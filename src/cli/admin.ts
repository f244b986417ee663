import type { Command } from 'commander';
import { ensureSecret, loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { openDatabase } from '../platform/db/database.js';
import { migrateToLatest } from '../platform/db/migrations/index.js';

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const config = loadConfig();
      const database = openDatabase(config.databaseUrl);
      try {
        const result = await migrateToLatest(database);
        const applied = result.results?.map((r) => r.migrationName) ?? [];
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      } finally {
        await database.close();
      }
    });

  const admin = program.command('admin').description('instance administration');
  admin
    .command('create-owner')
    .description('create the instance owner account (verified) with its own workspace')
    .requiredOption('--email <email>', 'login email')
    .requiredOption(
      '--password <password>',
      'at least 8 characters (or set IRIS_OWNER_PASSWORD and pass "-")',
    )
    .option('--name <name>', 'display name', 'Owner')
    .option('--workspace <name>', 'name of the first workspace', 'Default')
    .action(async (opts: { email: string; password: string; name: string; workspace: string }) => {
      const config = ensureSecret(loadConfig());
      const c = await createContainer(config);
      try {
        const password = opts.password === '-' ? (process.env.IRIS_OWNER_PASSWORD ?? '') : opts.password;
        const { user, workspace, created } = await c.accounts.createOwner({
          email: opts.email,
          password,
          name: opts.name,
          workspaceName: opts.workspace,
        });
        console.log(
          created
            ? `Created instance owner ${user.email} (${user.id}).`
            : `${user.email} (${user.id}) already existed: it is now an instance admin with the new password, and its sessions were ended.`,
        );
        if (workspace) console.log(`Workspace "${workspace.name}" (${workspace.id}).`);
        console.log(
          `Log in: POST ${config.publicUrl}/api/v1/auth/login {"email":"${user.email}","password":…}`,
        );
      } finally {
        await c.close();
      }
    });
}
