import { IrisApiError, IrisNetworkError, apiErrorFrom, readErrorBody } from './errors.js';
import { paginate, type PaginateOptions } from './pagination.js';
import { parseSse, type SseMessage } from './sse.js';
import type { Transport } from './transport.js';
import type {
  Agent,
  AgentAnalytics,
  AgentEvent,
  AgentList,
  AgentListQuery,
  AgentMessage,
  AgentMessageList,
  AgentReply,
  Conversation,
  ConversationList,
  CreateAgentBody,
  SendMessageBody,
  UpdateAgentBody,
} from './types.js';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Reconnect once with `Last-Event-ID` when the connection drops mid-reply. Default true. */
  resume?: boolean;
}

type PageQuery = { limit?: number; offset?: number };

const EVENT_TYPES = new Set<string>([
  'message.started',
  'tool.call',
  'tool.result',
  'citation',
  'text.delta',
  'message.completed',
]);

/** The HTTP status an `error` event's code stands for (the stream itself answered 200). */
const STATUS_OF: Record<string, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INSUFFICIENT_QUOTA: 429,
  INTERNAL_ERROR: 500,
  MODEL_ERROR: 502,
  AGENT_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
};

const agentPath = (agentId: string) => ({ agentId });

/**
 * Agents: CRUD, messages (as JSON or streamed), conversations and analytics. An agent
 * searches as the caller, so its citations never name a recording the caller cannot open.
 */
export class Agents {
  constructor(private readonly t: Transport) {}

  list(query: AgentListQuery = {}) {
    return this.t.call<AgentList>('GET', '/api/v1/agents', { query });
  }

  /** Every agent, newest first, fetched a page at a time. */
  iterate(query: Omit<AgentListQuery, 'limit' | 'offset'> = {}, options: PaginateOptions = {}) {
    return paginate<Agent>((page) => this.list({ ...query, ...page }), options);
  }

  get(agentId: string) {
    return this.t.call<Agent>('GET', '/api/v1/agents/{agentId}', { path: agentPath(agentId) });
  }

  create(body: CreateAgentBody) {
    return this.t.call<Agent>('POST', '/api/v1/agents', { body });
  }

  /** Changes only the fields given. */
  update(agentId: string, body: UpdateAgentBody) {
    return this.t.call<Agent>('PATCH', '/api/v1/agents/{agentId}', { path: agentPath(agentId), body });
  }

  /** Deletes the agent with its conversations. */
  delete(agentId: string) {
    return this.t.call<void>('DELETE', '/api/v1/agents/{agentId}', { path: agentPath(agentId) });
  }

  /** Asks and waits for the whole reply (a new conversation unless `conversation_id` is given). */
  send(agentId: string, body: SendMessageBody, options: { signal?: AbortSignal } = {}) {
    return this.t.call<AgentReply>('POST', '/api/v1/agents/{agentId}/messages', {
      path: agentPath(agentId),
      body: { ...body, stream: false },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Asks and streams the reply as it is made:
   *
   * ```ts
   * const reply = iris.agents.stream(agentId, { message: 'What did we decide about the budget?' });
   * for await (const e of reply) if (e.type === 'text.delta') process.stdout.write(e.delta);
   * console.log(reply.message?.citations);
   * ```
   *
   * A connection that drops mid-reply is resumed once, after the last event seen.
   */
  stream(agentId: string, body: SendMessageBody, options: StreamOptions = {}): AgentStream {
    return new AgentStream(this.t, agentId, body, options);
  }

  /**
   * A reply's events after `after` (its SSE `id`): the rest of a running reply, or the
   * `message.completed` of a stored one.
   */
  async *events(
    agentId: string,
    messageId: string,
    options: { after?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<AgentEvent, void, undefined> {
    const response = await openEvents(this.t, eventsPath(agentId, messageId), {
      method: 'GET',
      headers: { 'last-event-id': String(options.after ?? 0) },
      signal: options.signal,
    });
    for await (const m of parseSse(response.body!)) {
      const e = decode(m);
      if (e) yield e;
    }
  }

  /** Stops a running reply: it ends with `stop_reason: "cancelled"`. 409 once it has finished. */
  cancel(agentId: string, messageId: string) {
    return this.t.call<{ cancelled: boolean }>(
      'POST',
      '/api/v1/agents/{agentId}/messages/{messageId}/cancel',
      {
        path: { agentId, messageId },
      },
    );
  }

  /** Your conversations with the agent, most recent first. */
  conversations(agentId: string, query: PageQuery = {}) {
    return this.t.call<ConversationList>('GET', '/api/v1/agents/{agentId}/conversations', {
      path: agentPath(agentId),
      query,
    });
  }

  iterateConversations(agentId: string, options: PaginateOptions = {}) {
    return paginate<Conversation>((page) => this.conversations(agentId, page), options);
  }

  conversation(agentId: string, conversationId: string) {
    return this.t.call<Conversation>('GET', '/api/v1/agents/{agentId}/conversations/{conversationId}', {
      path: { agentId, conversationId },
    });
  }

  deleteConversation(agentId: string, conversationId: string) {
    return this.t.call<void>('DELETE', '/api/v1/agents/{agentId}/conversations/{conversationId}', {
      path: { agentId, conversationId },
    });
  }

  /** A conversation's messages, oldest first. */
  messages(agentId: string, conversationId: string, query: PageQuery = {}) {
    return this.t.call<AgentMessageList>(
      'GET',
      '/api/v1/agents/{agentId}/conversations/{conversationId}/messages',
      { path: { agentId, conversationId }, query },
    );
  }

  iterateMessages(agentId: string, conversationId: string, options: PaginateOptions = {}) {
    return paginate<AgentMessage>((page) => this.messages(agentId, conversationId, page), options);
  }

  /** Conversations, messages, tokens and average reply latency. */
  analytics(agentId: string) {
    return this.t.call<AgentAnalytics>('GET', '/api/v1/agents/{agentId}/analytics', {
      path: agentPath(agentId),
    });
  }
}

/**
 * A streamed reply: iterate it (once) for its events. `messageId` and `conversationId`
 * are known from the first event on, `message` once the reply is complete.
 */
export class AgentStream implements AsyncIterable<AgentEvent> {
  messageId: string | undefined;
  conversationId: string | undefined;
  /** The stored reply, after `message.completed`. */
  message: AgentMessage | undefined;
  /** True when the connection dropped and the stream went on through the events route. */
  resumed = false;
  private started = false;

  constructor(
    private readonly t: Transport,
    private readonly agentId: string,
    private readonly body: SendMessageBody,
    private readonly options: StreamOptions,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    if (this.started) throw new Error('An AgentStream can be iterated once.');
    this.started = true;
    return this.run();
  }

  /** Stops the reply on the server (it completes with `stop_reason: "cancelled"`). */
  async cancel(): Promise<void> {
    if (!this.messageId) throw new Error('The reply has not started yet.');
    await this.t.call('POST', '/api/v1/agents/{agentId}/messages/{messageId}/cancel', {
      path: { agentId: this.agentId, messageId: this.messageId },
    });
  }

  private async *run(): AsyncGenerator<AgentEvent, void, undefined> {
    const send = `/api/v1/agents/${encodeURIComponent(this.agentId)}/messages`;
    let response = await openEvents(this.t, send, {
      method: 'POST',
      body: { ...this.body, stream: true },
      signal: this.options.signal,
    });
    let lastSeq = 0;
    let resumes = 0;
    for (;;) {
      let dropped: unknown;
      try {
        for await (const m of parseSse(response.body!)) {
          const e = decode(m);
          if (m.id !== undefined && Number.isInteger(Number(m.id))) {
            // After a reconnect the server starts after Last-Event-ID; skip anything older anyway.
            if (Number(m.id) <= lastSeq) continue;
            lastSeq = Number(m.id);
          }
          if (!e) continue;
          if (e.type === 'message.started') {
            this.messageId = e.message_id;
            this.conversationId = e.conversation_id;
          }
          if (e.type === 'message.completed') this.message = e.message;
          yield e;
          if (e.type === 'message.completed') return;
        }
      } catch (err) {
        if (err instanceof IrisApiError || this.options.signal?.aborted) throw err;
        dropped = err;
      }
      const url = this.t.url(send);
      const reason = dropped ?? new Error('the stream ended before the reply was complete');
      if (this.options.resume === false || resumes >= 1 || !this.messageId)
        throw new IrisNetworkError(url, reason);
      resumes++;
      this.resumed = true;
      response = await openEvents(this.t, eventsPath(this.agentId, this.messageId), {
        method: 'GET',
        headers: { 'last-event-id': String(lastSeq) },
        signal: this.options.signal,
      });
    }
  }
}

const eventsPath = (agentId: string, messageId: string) =>
  `/api/v1/agents/${encodeURIComponent(agentId)}/messages/${encodeURIComponent(messageId)}/events`;

/** Opens an event stream; an error status (access, validation) is still JSON and throws. */
async function openEvents(
  t: Transport,
  path: string,
  init: {
    method: 'GET' | 'POST';
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal | undefined;
  },
): Promise<Response> {
  const request = new Request(t.url(path), {
    method: init.method,
    headers: {
      ...t.headers(),
      accept: 'text/event-stream',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const response = await t.fetch(request);
  if (!response.ok) throw apiErrorFrom(response, await readErrorBody(response));
  if (!response.body) throw new IrisNetworkError(request.url, new Error('the response has no body'));
  return response;
}

/** An SSE message as a typed event; `error` events throw, unknown types are skipped. */
function decode(m: SseMessage): AgentEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(m.data);
  } catch {
    return undefined;
  }
  if (m.event === 'error') {
    const e = (data as { error?: { code?: unknown; message?: unknown; request_id?: unknown } }).error ?? {};
    const code = typeof e.code === 'string' ? e.code : 'INTERNAL_ERROR';
    throw new IrisApiError(
      STATUS_OF[code] ?? 500,
      code,
      typeof e.message === 'string' ? e.message : 'The reply failed.',
      typeof e.request_id === 'string' ? e.request_id : undefined,
    );
  }
  if (!EVENT_TYPES.has(m.event) || !data || typeof data !== 'object') return undefined;
  const event = data as AgentEvent;
  return { ...event, type: m.event as AgentEvent['type'], seq: event.seq ?? Number(m.id ?? 0) } as AgentEvent;
}
