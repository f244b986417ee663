import type { OpenAiEndpointConfig } from '../asr/engine-config.js';
import { readChatStream } from './chat-stream.js';
import { modelError, postOpenAi, type RetryPolicy } from './openai-http.js';
import type {
  ChatReply,
  ChatRequest,
  Completion,
  CompletionRequest,
  ToolCallRequest,
  ToolCallingModel,
} from './port.js';

/**
 * Chat completions over any OpenAI-compatible server (`POST /v1/chat/completions`):
 * OpenAI, Ollama, vLLM, LocalAI, llama.cpp's server.
 *
 * Servers disagree on a few request fields. Rather than a per-vendor switch, a 400
 * that names one of them teaches the adapter to send the request another way, once,
 * and it remembers for later calls:
 * - `response_format` unsupported → ask for JSON in the system prompt instead;
 * - `max_tokens` refused in favour of `max_completion_tokens` (newer OpenAI models);
 * - `temperature` refused (reasoning models only take the default).
 */
export class OpenAiCompatibleLanguageModel implements ToolCallingModel {
  readonly name = 'openai-compatible';
  readonly model: string;
  private jsonModeSupported = true;
  private tokenField: 'max_tokens' | 'max_completion_tokens' = 'max_tokens';
  private temperatureSupported = true;
  private streamingSupported = true;
  private streamUsageSupported = true;

  constructor(
    private readonly endpoint: OpenAiEndpointConfig,
    private readonly retry?: RetryPolicy,
  ) {
    this.model = endpoint.model;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    for (let adaptations = 0; ; adaptations++) {
      try {
        return await this.send(request);
      } catch (err) {
        if (adaptations < 3 && this.adaptTo(err)) continue;
        throw err;
      }
    }
  }

  private async send(request: CompletionRequest): Promise<Completion> {
    const useJsonMode = Boolean(request.json) && this.jsonModeSupported;
    let system = request.system;
    if (request.json && !useJsonMode) {
      system = `${system ? `${system}\n\n` : ''}Reply with a single JSON object and nothing else.`;
    }
    const messages = [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
    ];
    const body: Record<string, unknown> = { model: this.model, messages, stream: false };
    if (request.maxTokens !== undefined) body[this.tokenField] = request.maxTokens;
    if (request.temperature !== undefined && this.temperatureSupported)
      body.temperature = request.temperature;
    if (useJsonMode) body.response_format = { type: 'json_object' };

    const res = await postOpenAi({
      endpoint: this.endpoint,
      path: '/v1/chat/completions',
      what: 'LLM',
      body: () => JSON.stringify(body),
      signal: request.signal,
      ...(this.retry ? { retry: this.retry } : {}),
    });
    return parseCompletion(res.json);
  }

  /**
   * One step of a tool loop: the reply is text, tool calls, or both. With `onText`, the
   * answer is streamed and its text handed on as it comes; a server that refuses to
   * stream is asked again without streaming (remembered).
   */
  async chat(request: ChatRequest, onText?: (delta: string) => void): Promise<ChatReply> {
    for (let adaptations = 0; ; adaptations++) {
      try {
        return await this.sendChat(request, this.streamingSupported ? onText : undefined);
      } catch (err) {
        if (adaptations < 3 && this.adaptTo(err)) continue;
        throw err;
      }
    }
  }

  private async sendChat(
    request: ChatRequest,
    onText: ((delta: string) => void) | undefined,
  ): Promise<ChatReply> {
    const messages = request.messages.map((m) =>
      m.role === 'assistant' && m.tool_calls?.length
        ? {
            role: 'assistant',
            content: m.content || null,
            tool_calls: m.tool_calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : m,
    );
    const body: Record<string, unknown> = {
      model: this.model,
      messages,
      stream: Boolean(onText),
      ...(onText && this.streamUsageSupported ? { stream_options: { include_usage: true } } : {}),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({
              type: 'function',
              function: { name: t.name, description: t.description, parameters: t.parameters },
            })),
            tool_choice: 'auto',
          }
        : {}),
    };
    if (request.maxTokens !== undefined) body[this.tokenField] = request.maxTokens;
    if (request.temperature !== undefined && this.temperatureSupported)
      body.temperature = request.temperature;
    const res = await postOpenAi({
      endpoint: this.endpoint,
      path: '/v1/chat/completions',
      what: 'LLM',
      body: () => JSON.stringify(body),
      signal: request.signal,
      ...(this.retry ? { retry: this.retry } : {}),
      ...(onText ? { consume: (r: Response) => readChatStream(r, onText) } : {}),
    });
    if (onText) return res.json as ChatReply;
    const completion = parseCompletion(res.json);
    return { ...completion, toolCalls: toolCallsOf(res.json) };
  }

  /** True when the error is a 400 about a field we know how to send differently. */
  private adaptTo(err: unknown): boolean {
    const details = (err as { details?: Record<string, unknown> }).details;
    if (details?.status !== 400) return false;
    const message = String((err as Error).message).toLowerCase();
    if (this.jsonModeSupported && message.includes('response_format')) {
      this.jsonModeSupported = false;
      return true;
    }
    if (this.tokenField === 'max_tokens' && message.includes('max_completion_tokens')) {
      this.tokenField = 'max_completion_tokens';
      return true;
    }
    if (this.streamUsageSupported && message.includes('stream_options')) {
      this.streamUsageSupported = false;
      return true;
    }
    if (
      this.streamingSupported &&
      /\bstream(ing)?\b[^.]*(not supported|unsupported|invalid)|not support stream/.test(message)
    ) {
      this.streamingSupported = false;
      return true;
    }
    if (this.temperatureSupported && message.includes('temperature')) {
      this.temperatureSupported = false;
      return true;
    }
    return false;
  }
}

function parseCompletion(json: unknown): Completion {
  const body = json as {
    model?: unknown;
    choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>;
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
  };
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  const content = choice?.message?.content;
  if (!choice || (content !== null && content !== undefined && typeof content !== 'string')) {
    throw modelError('LLM', 'The LLM server answered without a chat completion choice.');
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const promptTokens = num(body.usage?.prompt_tokens);
  const completionTokens = num(body.usage?.completion_tokens);
  return {
    text: typeof content === 'string' ? content : '',
    usage: {
      promptTokens,
      completionTokens,
      totalTokens: num(body.usage?.total_tokens) || promptTokens + completionTokens,
    },
    ...(typeof choice.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}),
    ...(typeof body.model === 'string' ? { model: body.model } : {}),
  };
}

/** The tool calls of the first choice; malformed entries are dropped, not guessed at. */
function toolCallsOf(json: unknown): ToolCallRequest[] {
  const calls = (json as { choices?: Array<{ message?: { tool_calls?: unknown } }> })?.choices?.[0]?.message
    ?.tool_calls;
  if (!Array.isArray(calls)) return [];
  return calls.flatMap((c: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }) =>
    typeof c?.id === 'string' && typeof c.function?.name === 'string'
      ? [
          {
            id: c.id,
            name: c.function.name,
            arguments: typeof c.function.arguments === 'string' ? c.function.arguments : '{}',
          },
        ]
      : [],
  );
}
