import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Takes the response over from Fastify (an MCP transport, an event stream). Fastify
 * writes nothing for a hijacked reply, so what its hooks put on the reply (rate-limit
 * headers) and its onSend hook would add (the request id) go on the raw response first.
 */
export function hijackWithHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.raw.setHeader('x-request-id', request.id);
}
