#!/usr/bin/env node
import type { Command } from 'commander';
import { runServer } from '../server.js';
import { registerAdminCommands } from './admin.js';
import { registerMcpCommand } from './mcp-stdio.js';
import { processIO } from './io.js';
import { runCli } from './run.js';

function serverCommands(program: Command): void {
  program
    .command('serve', { isDefault: true })
    // Without this a mistyped client command (`iris sttaus`) would start a server.
    .allowExcessArguments(false)
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
  registerMcpCommand(program);
  registerAdminCommands(program);
}

const code = await runCli(process.argv.slice(2), processIO(), serverCommands);
// Success leaves the process to end by itself: `serve` keeps running after this point.
if (code !== 0) process.exit(code);
