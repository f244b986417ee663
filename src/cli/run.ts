import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { VERSION } from '../version.js';
import { registerAgentCommands } from './commands/agents.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerCameraCommands } from './commands/cameras.js';
import { registerContextCommands } from './commands/context.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerRecordingCommands } from './commands/recordings.js';
import { registerSearchCommand } from './commands/search.js';
import { registerShareCommands } from './commands/share.js';
import { registerStatusCommand } from './commands/status.js';
import { registerUploadCommand } from './commands/upload.js';
import { registerWorkspaceCommands } from './commands/workspaces.js';
import { CliContext } from './context.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor, formatError } from './exit-codes.js';
import type { CliIO } from './io.js';

/** The server's own commands (serve, api, worker, migrate, admin), added by main.ts. */
export type ServerCommands = (program: Command) => void;

const CONFIG_ERROR_EXIT = 78;

/**
 * Runs `iris <argv>` and resolves with the exit status instead of exiting, so tests run
 * the real CLI in-process. The server commands resolve once listening; the caller then
 * must not exit.
 */
export async function runCli(argv: string[], io: CliIO, serverCommands?: ServerCommands): Promise<number> {
  const program = new Command()
    .name('iris')
    .description('Iris: self-hosted recording intelligence server, and a client for it')
    .version(VERSION, '-V, --version')
    .option('--json', 'machine-readable JSON on stdout (every client command)')
    .option('--url <url>', 'server URL (default: IRIS_URL, the stored login, or http://127.0.0.1:8080)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText(
      'after',
      `\nClient commands use the login stored by \`iris login\` (or IRIS_URL / IRIS_API_KEY).\n\n${EXIT_CODES_HELP}`,
    );
  const ctx = new CliContext(io, program);

  serverCommands?.(program);
  registerAuthCommands(program, ctx);
  registerWorkspaceCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerUploadCommand(program, ctx);
  registerRecordingCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerContextCommands(program, ctx);
  registerSearchCommand(program, ctx);
  registerShareCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerCameraCommands(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    // Commander already printed the usage problem (or the help, with status 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return CONFIG_ERROR_EXIT;
    }
    io.stderr.write(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }
}
