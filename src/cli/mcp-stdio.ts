import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Command } from 'commander';
import { ensureSecret, loadConfig } from '../config.js';
import { createContainer, createLogger } from '../container.js';
import { createIrisMcpServer } from '../mcp/server.js';
import type { Principal } from '../platform/auth/principal.js';
import { EXIT } from './exit-codes.js';

/**
 * `iris mcp`: the MCP server on stdin/stdout for assistants that launch their tools as
 * processes (Claude Desktop, editors). It opens the instance's database and storage
 * directly (same IRIS_* settings as the server) and acts as the owner of IRIS_API_KEY,
 * so the key's workspace and scope bound every tool exactly as over HTTP.
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      'serve MCP on stdio for AI assistants (acts as IRIS_API_KEY; same IRIS_* settings as the server)',
    )
    .action(async () => {
      const key = process.env.IRIS_API_KEY;
      if (!key) {
        process.stderr.write(
          'iris mcp: set IRIS_API_KEY to an API key (ir_live_…) of the workspace to serve.\n',
        );
        process.exit(EXIT.USAGE);
      }
      const config = ensureSecret(loadConfig());
      // stdout is the protocol channel: every log line goes to stderr.
      const logger = createLogger(config, 2);
      const c = await createContainer(config, logger);
      let principal: Principal;
      try {
        principal = await c.authenticator.authenticate({ authorization: `Bearer ${key}` }, {});
      } catch (err) {
        await c.close();
        process.stderr.write(`iris mcp: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(EXIT.AUTH);
      }
      const server = createIrisMcpServer(c, principal);
      const transport = new StdioServerTransport();
      const shutdown = async () => {
        await server.close();
        await c.close();
        process.exit(0);
      };
      transport.onclose = () => void shutdown();
      process.stdin.on('end', () => void shutdown());
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
      await server.connect(transport);
      recheckKeyPerMessage(
        transport,
        () => c.authenticator.authenticate({ authorization: `Bearer ${key}` }, {}),
        {
          onRefused: (reason) => {
            logger.warn({ reason }, 'IRIS_API_KEY no longer works; stopping');
            void shutdown();
          },
        },
      );
      logger.info({ workspace: principal.credential.workspaceId }, 'MCP server on stdio');
    });
}

/**
 * An API key's revocation takes effect on the next request (spec 004), and this process
 * lives as long as the assistant does: every incoming message re-authenticates the key
 * before the server sees it. Messages stay in order (one promise chain); a refused key
 * answers the pending request with an error and ends the process.
 */
function recheckKeyPerMessage(
  transport: StdioServerTransport,
  authenticate: () => Promise<unknown>,
  opts: { onRefused: (reason: string) => void },
): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('the MCP server is not connected to the transport');
  let chain: Promise<void> = Promise.resolve();
  let refused = false;
  transport.onmessage = (message: JSONRPCMessage) => {
    chain = chain.then(async () => {
      if (refused) return;
      try {
        await authenticate();
      } catch (err) {
        refused = true;
        const reason = err instanceof Error ? err.message : String(err);
        if ('id' in message && 'method' in message) {
          await transport
            .send({ jsonrpc: '2.0', id: message.id, error: { code: -32001, message: `iris mcp: ${reason}` } })
            .catch(() => undefined);
        }
        opts.onRefused(reason);
        return;
      }
      deliver(message);
    });
  };
}
