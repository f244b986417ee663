import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { hijackWithHeaders } from '../platform/http/hijack.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unauthorized } from '../errors.js';
import { createIrisMcpServer } from './server.js';
import type { IrisModule } from '../platform/modules/iris-module.js';

export const MCP_PATH = '/mcp';

// Not part of the REST contract: the OpenAPI document leaves it out.
const schema = { hide: true };

/**
 * MCP's streamable HTTP transport at /mcp, stateless: every POST gets its own server
 * and transport acting as the request's principal, so no session outlives a request
 * and any API process can answer any call. Authentication and rate limiting are the
 * app's hooks, as for every other route.
 */
export async function mcpRoutes(
  app: FastifyInstance,
  opts: { host: { readonly modules: readonly IrisModule[] } },
): Promise<void> {
  app.post(MCP_PATH, { schema }, async (request, reply) => {
    if (request.principal.kind === 'anonymous') {
      throw unauthorized('MCP needs "Authorization: Bearer <API key or session token>".');
    }
    const server = createIrisMcpServer(opts.host, request.principal);
    // JSON answers, not SSE: each request carries one exchange and nothing streams later.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    hijackWithHeaders(request, reply);
    try {
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (err) {
      request.log.error({ err }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }),
        );
      }
    }
  });

  // Stateless: there is no session stream to open (GET) or end (DELETE).
  const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', 'POST');
    throw new AppError('METHOD_NOT_ALLOWED', 'This MCP endpoint is stateless: only POST is served.');
  };
  app.get(MCP_PATH, { schema }, notAllowed);
  app.delete(MCP_PATH, { schema }, notAllowed);
}
