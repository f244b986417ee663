import { modelError } from './openai-http.js';
import type { ChatReply, ToolCallRequest } from './port.js';

interface Delta {
  model?: string;
  choices?: Array<{
    delta?: {
      content?: string | null;
      tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>;
    };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
}

/**
 * Reads an OpenAI-style streamed chat completion (`stream: true`): Server-Sent Events
 * whose `data:` lines are JSON chunks, ending with `data: [DONE]`. Text deltas go to
 * `onText` as they arrive; tool calls arrive in pieces keyed by index and are put
 * together; usage comes in the last chunk when the server honours
 * `stream_options.include_usage` (zeros otherwise).
 */
export async function readChatStream(res: Response, onText: (delta: string) => void): Promise<ChatReply> {
  if (!res.body) throw modelError('LLM', 'The LLM server sent a streamed answer without a body.');
  const reply: ChatReply = {
    text: '',
    toolCalls: [],
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
  };
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const handle = (line: string) => {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      return;
    }
    let chunk: Delta;
    try {
      chunk = JSON.parse(data) as Delta;
    } catch {
      return; // a keep-alive or a line this reader does not know
    }
    if (typeof chunk.model === 'string') reply.model = chunk.model;
    if (chunk.usage) {
      const p = chunk.usage.prompt_tokens ?? 0;
      const c = chunk.usage.completion_tokens ?? 0;
      reply.usage = { promptTokens: p, completionTokens: c, totalTokens: chunk.usage.total_tokens ?? p + c };
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) reply.finishReason = choice.finish_reason;
    const text = choice.delta?.content;
    if (typeof text === 'string' && text) {
      reply.text += text;
      onText(text);
    }
    for (const piece of choice.delta?.tool_calls ?? []) {
      const i = piece.index ?? calls.length;
      const call = (calls[i] ??= { id: '', name: '', arguments: '' });
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
    }
  };
  const reader = res.body.getReader();
  while (!done) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += decoder.decode(value, { stream: true });
    let at: number;
    while ((at = buffer.search(/\r?\n/)) >= 0) {
      handle(buffer.slice(0, at));
      buffer = buffer.slice(buffer[at] === '\r' ? at + 2 : at + 1);
    }
  }
  if (buffer) handle(buffer);
  await reader.cancel().catch(() => undefined);
  reply.toolCalls = calls.filter((c): c is ToolCallRequest => Boolean(c.id && c.name));
  return reply;
}
