import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, unauthorized } from '../../errors.js';
import type { Principal } from '../../platform/auth/principal.js';
import { hijackWithHeaders } from '../../platform/http/hijack.js';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { useAgentRateLimits } from './rate-limits.js';
import { PaginationQuery, errorResponses } from '../../platform/http/schemas.js';
import {
  AgentCreate,
  AgentList,
  AgentListQuery,
  AgentParams,
  AgentPatch,
  AgentSchema,
  AnalyticsSchema,
  ConversationList,
  ConversationParams,
  ConversationSchema,
  MemoryBody,
  MemoryList,
  MemoryParams,
  MemorySchema,
  MessageList,
  MessageParams,
  ReplySchema,
  SendBody,
} from './agents.schemas.js';
import type { AgentsService } from './agents.service.js';
import type { SequencedEvent } from './replies/reply-log.js';

const tags = ['agents'];
const notFound =
  'An agent of a workspace you are not in answers 404 AGENT_NOT_FOUND, like one that does not exist.';

/**
 * Spec 002's agents: `/agents…` under /api/v1, and the same handlers at spec 002's own
 * `/v1/agents…` (mounted again with that prefix).
 */
export const agentsRoutes: FastifyPluginAsyncTypebox<{ agents: AgentsService }> = async (app, { agents }) => {
  useAgentRateLimits(app);
  app.post(
    '/agents',
    {
      schema: {
        tags,
        summary: 'Create an agent',
        description: 'Needs `agent:manage` (write scope) in the workspace (the key’s, or `workspace_id`).',
        body: AgentCreate,
        response: { 201: AgentSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await agents.create(req.principal, req.body)),
  );

  app.get(
    '/agents',
    {
      schema: {
        tags,
        summary: 'List agents, newest first',
        querystring: AgentListQuery,
        response: { 200: AgentList, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await agents.list(req.principal, req.query.workspace_id, page);
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/agents/models',
    {
      schema: {
        tags,
        summary: 'The models an agent may use on this instance',
        description:
          '`extractive` (no language model: replies quote the recordings, no tokens used) always; the ' +
          'configured language model (IRIS_LLM_MODEL) when there is one.',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.Union([Type.Literal('extractive'), Type.Literal('llm')]),
              }),
            ),
          }),
          ...errorResponses(401, 429),
        },
      },
    },
    async (req) => {
      requireSignedIn(req.principal);
      return {
        items: agents
          .models()
          .map((id) => ({ id, kind: id === 'extractive' ? ('extractive' as const) : ('llm' as const) })),
      };
    },
  );

  app.get(
    '/agents/:agentId',
    {
      schema: {
        tags,
        summary: 'Get an agent',
        description: notFound,
        params: AgentParams,
        response: { 200: AgentSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => agents.get(req.principal, req.params.agentId),
  );

  app.patch(
    '/agents/:agentId',
    {
      schema: {
        tags,
        summary: 'Change an agent (only the fields given)',
        params: AgentParams,
        body: AgentPatch,
        response: { 200: AgentSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => agents.update(req.principal, req.params.agentId, req.body),
  );

  app.delete(
    '/agents/:agentId',
    {
      schema: {
        tags,
        summary: 'Delete an agent with its conversations',
        params: AgentParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await agents.delete(req.principal, req.params.agentId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/agents/:agentId/messages',
    {
      schema: {
        tags,
        summary: 'Send a message; the reply cites the moments it is built on',
        description:
          'Starts a conversation unless `conversation_id` names one of yours. The reply comes as JSON, or as ' +
          'Server-Sent Events with `stream: true` or `Accept: text/event-stream`. The agent searches as you: ' +
          'it never cites a recording you could not open.',
        params: AgentParams,
        body: SendBody,
        response: { 200: ReplySchema, ...errorResponses(400, 401, 403, 404, 429, 502, 503) },
      },
    },
    async (req, reply) => {
      const input = { message: req.body.message, conversation_id: req.body.conversation_id };
      if (!wantsStream(req, req.body.stream)) return agents.send(req.principal, req.params.agentId, input);
      // Access and validation errors are still JSON: the stream opens with the first event.
      const stream = openStream(req, reply);
      try {
        await agents.send(req.principal, req.params.agentId, input, stream.send);
      } catch (err) {
        stream.fail(err);
        return reply;
      }
      stream.end();
      return reply;
    },
  );

  app.get(
    '/agents/:agentId/messages/:messageId/events',
    {
      schema: {
        tags,
        summary: 'Resume a streamed reply after the last event seen',
        description:
          'Server-Sent Events after `Last-Event-ID` (or `?after=`). While the reply is being made (or for ten ' +
          'minutes after, on the process that made it) every later event; otherwise its `message.completed`.',
        params: MessageParams,
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req, reply) => {
      const header = Number(req.headers['last-event-id']);
      const after = req.query.after ?? (Number.isInteger(header) && header >= 0 ? header : 0);
      const events = await agents.events(req.principal, req.params.agentId, req.params.messageId, after);
      const stream = openStream(req, reply);
      for await (const e of events) if (!stream.send(e)) break;
      stream.end();
      return reply;
    },
  );

  app.post(
    '/agents/:agentId/messages/:messageId/cancel',
    {
      schema: {
        tags,
        summary: 'Stop a running reply',
        description:
          'The reply ends with `stop_reason: "cancelled"` and what it had. 409 once it has finished.',
        params: MessageParams,
        response: {
          202: Type.Object({ cancelled: Type.Boolean() }),
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req, reply) => {
      await agents.cancel(req.principal, req.params.agentId, req.params.messageId);
      return reply.status(202).send({ cancelled: true });
    },
  );

  app.get(
    '/agents/:agentId/conversations',
    {
      schema: {
        tags,
        summary: 'Your conversations with an agent, most recent first',
        params: AgentParams,
        querystring: Type.Object(PaginationQuery),
        response: { 200: ConversationList, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await agents.conversations(req.principal, req.params.agentId, page);
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/agents/:agentId/conversations/:conversationId',
    {
      schema: {
        tags,
        summary: 'Get a conversation',
        params: ConversationParams,
        response: { 200: ConversationSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => agents.conversation(req.principal, req.params.agentId, req.params.conversationId),
  );

  app.get(
    '/agents/:agentId/conversations/:conversationId/messages',
    {
      schema: {
        tags,
        summary: "A conversation's messages, oldest first",
        params: ConversationParams,
        querystring: Type.Object(PaginationQuery),
        response: { 200: MessageList, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await agents.messages(
        req.principal,
        req.params.agentId,
        req.params.conversationId,
        page,
      );
      return pageOf(items, page, total);
    },
  );

  app.delete(
    '/agents/:agentId/conversations/:conversationId',
    {
      schema: {
        tags,
        summary: 'Delete a conversation with its messages',
        params: ConversationParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await agents.deleteConversation(req.principal, req.params.agentId, req.params.conversationId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/agents/:agentId/memory',
    {
      schema: {
        tags,
        summary: 'Your notes with this agent, oldest first',
        description:
          'What the agent keeps between conversations with you (its `save_memory` tool writes here). Each person ' +
          'has their own notes with an agent; at most 200.',
        params: AgentParams,
        response: { 200: MemoryList, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => ({ items: await agents.memories(req.principal, req.params.agentId) }),
  );

  app.post(
    '/agents/:agentId/memory',
    {
      schema: {
        tags,
        summary: 'Add a note the agent will recall',
        params: AgentParams,
        body: MemoryBody,
        response: { 201: MemorySchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await agents.addMemory(req.principal, req.params.agentId, req.body.content)),
  );

  app.patch(
    '/agents/:agentId/memory/:memoryId',
    {
      schema: {
        tags,
        summary: 'Rewrite a note',
        params: MemoryParams,
        body: MemoryBody,
        response: { 200: MemorySchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) =>
      agents.updateMemory(req.principal, req.params.agentId, req.params.memoryId, req.body.content),
  );

  app.delete(
    '/agents/:agentId/memory/:memoryId',
    {
      schema: {
        tags,
        summary: 'Forget a note',
        params: MemoryParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await agents.deleteMemory(req.principal, req.params.agentId, req.params.memoryId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/agents/:agentId/analytics',
    {
      schema: {
        tags,
        summary: "An agent's conversations, messages, tokens and reply latency",
        params: AgentParams,
        response: { 200: AnalyticsSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => agents.analytics(req.principal, req.params.agentId),
  );
};

function wantsStream(req: FastifyRequest, stream: boolean | undefined): boolean {
  return stream ?? (req.headers.accept ?? '').includes('text/event-stream');
}

/**
 * An SSE response: `id` (the event's sequence number), `event` (its type) and `data`
 * (the event as JSON). `send` answers false once the client has gone. An error after
 * the stream opened becomes an `error` event with the usual error body.
 */
function openStream(req: FastifyRequest, reply: FastifyReply) {
  let open = false;
  let gone = false;
  reply.raw.on('close', () => (gone = true));
  const begin = () => {
    if (open) return;
    open = true;
    hijackWithHeaders(req, reply);
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx) would otherwise hold the events back.
      'x-accel-buffering': 'no',
    });
  };
  const write = (id: string | undefined, type: string, data: unknown) => {
    begin();
    if (gone) return false;
    reply.raw.write(
      `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`,
    );
    return true;
  };
  return {
    send: (e: SequencedEvent) =>
      write(e.seq === Number.MAX_SAFE_INTEGER ? undefined : String(e.seq), e.event.type, {
        seq: e.seq,
        ...e.event,
      }),
    fail(err: unknown) {
      if (!open) throw err;
      const known = err instanceof AppError;
      if (!known) req.log.error({ err }, 'agent reply failed');
      write(undefined, 'error', {
        error: {
          code: known ? err.code : 'INTERNAL_ERROR',
          message: known ? err.message : 'The reply failed.',
          request_id: req.id,
        },
      });
      reply.raw.end();
    },
    end() {
      begin();
      reply.raw.end();
    },
  };
}

function requireSignedIn(p: Principal): void {
  if (p.kind === 'anonymous') throw unauthorized();
}
