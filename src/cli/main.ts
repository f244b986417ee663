#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { runServer } from '../server.js';
import { registerAdminCommands } from './admin.js';

const program = new Command()
  .name('iris')
  .description('Iris: self-hosted recording intelligence server')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the API, the dashboard and the background workers in one process')
  .action(() => runServer('serve'));
program
  .command('api')
  .description('run only the HTTP API (scale out with several)')
  .action(() => runServer('api'));
program
  .command('worker')
  .description('run only background workers (scale out with several)')
  .action(() => runServer('worker'));

registerAdminCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
