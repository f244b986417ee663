import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unauthorized } from '../errors.js';
import { createIrisMcpServer } from './server.js';
import type { McpDeps } from './tools.js';

export const MCP_PATH = '/mcp';

// Not part of the REST contract: the OpenAPI document leaves it out.
const schema = { hide: true };

/**
 * MCP's streamable HTTP transport at /mcp, stateless: every POST gets its own server
 * and transport acting as the request's principal, so no session outlives a request
 * and any API process can answer any call. Authentication and rate limiting are the
 * app's hooks, as for every other route.
 */
export async function mcpRoutes(app: FastifyInstance, opts: { deps: McpDeps }): Promise<void> {
  app.post(MCP_PATH, { schema }, async (request, reply) => {
    if (request.principal.kind === 'anonymous') {
      throw unauthorized('MCP needs "Authorization: Bearer <API key or session token>".');
    }
    const server = createIrisMcpServer(opts.deps, request.principal);
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
    handOver(request, reply);
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

/**
 * Fastify writes nothing for a hijacked reply, so what its hooks put on the reply
 * (rate-limit headers) and its onSend hook would add (the request id) go on the raw
 * response before the transport answers.
 */
function handOver(request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.raw.setHeader('x-request-id', request.id);
}
