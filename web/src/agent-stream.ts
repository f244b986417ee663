/**
 * A streamed agent reply: POST …/messages with `stream: true`, read as Server-Sent
 * Events from fetch's body stream (EventSource cannot POST or send the session header).
 * A connection that drops mid-reply resumes once after the last event seen, through
 * GET …/messages/:id/events with Last-Event-ID.
 */
import { API, ApiError, failure, getToken, type AgentMessage, type ReplyEvent } from './api';

interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Parses a text/event-stream body as it arrives; a broken connection rejects. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let block: { id?: string; event?: string; data: string[] } = { data: [] };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        // A `\r` last in a chunk may be half of `\r\n`.
        if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1 && !done)) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1);
        if (line === '') {
          const b = block;
          block = { data: [] };
          if (b.data.length)
            yield {
              ...(b.id !== undefined ? { id: b.id } : {}),
              event: b.event || 'message',
              data: b.data.join('\n'),
            };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'data') block.data.push(v);
        else if (field === 'event') block.event = v;
        else if (field === 'id') block.id = v;
      }
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The HTTP status an `error` event's code stands for. */
const STATUS_OF: Record<string, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMIT_EXCEEDED: 429,
  MODEL_ERROR: 502,
  AGENT_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
};

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

async function open(
  path: string,
  init: { method: string; body?: unknown; lastEventId?: number; signal: AbortSignal },
): Promise<ReadableStream<Uint8Array>> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.lastEventId !== undefined) headers['last-event-id'] = String(init.lastEventId);
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method: init.method,
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'Could not reach the Iris server. Check your connection.',
      undefined,
      undefined,
    );
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    throw await failure(res, json);
  }
  if (!res.body)
    throw new ApiError(0, 'NETWORK_ERROR', 'The reply stream did not open.', undefined, undefined);
  return res.body;
}

/**
 * Sends a message and calls `onEvent` for each event as it arrives; resolves with the
 * stored reply. Rejects with ApiError (a refused message, or an `error` event).
 */
export async function streamReply(
  agentId: string,
  body: { message: string; conversation_id?: string },
  { signal, onEvent }: { signal: AbortSignal; onEvent: (e: ReplyEvent) => void },
): Promise<AgentMessage> {
  const agent = encodeURIComponent(agentId);
  let stream = await open(`/agents/${agent}/messages`, {
    method: 'POST',
    body: { ...body, stream: true },
    signal,
  });
  let lastSeq = 0;
  let messageId: string | undefined;
  for (let resumes = 0; ; resumes++) {
    try {
      for await (const m of parseSse(stream)) {
        const data = JSON.parse(m.data) as Record<string, unknown>;
        if (m.event === 'error') {
          const e = (data.error ?? {}) as { code?: string; message?: string; request_id?: string };
          const code = e.code ?? 'INTERNAL_ERROR';
          throw new ApiError(
            STATUS_OF[code] ?? 500,
            code,
            e.message ?? 'The reply failed.',
            e.request_id,
            undefined,
          );
        }
        if (m.id !== undefined) {
          if (Number(m.id) <= lastSeq) continue;
          lastSeq = Number(m.id);
        }
        const event = { ...data, type: m.event } as ReplyEvent;
        if (event.type === 'message.started') messageId = event.message_id;
        onEvent(event);
        if (event.type === 'message.completed') return event.message;
      }
    } catch (err) {
      if (err instanceof ApiError || isAbort(err) || signal.aborted) throw err;
    }
    if (resumes >= 1 || !messageId) {
      throw new ApiError(
        0,
        'NETWORK_ERROR',
        'The connection was lost before the reply was complete.',
        undefined,
        undefined,
      );
    }
    stream = await open(`/agents/${agent}/messages/${encodeURIComponent(messageId)}/events`, {
      method: 'GET',
      lastEventId: lastSeq,
      signal,
    });
  }
}
