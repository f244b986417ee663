/**
 * A chat-style language model. Iris only needs one call: turn a system prompt and a
 * short conversation into text (or a JSON document when `json` is set). Everything an
 * LLM produces is optional in Iris: callers fall back to the extractive methods in
 * `src/engines/text/` when no model is configured or a call fails.
 */
export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  system?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Ask for a single JSON object. The text is still returned unparsed: callers validate it. */
  json?: boolean;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
  /** Why generation stopped, as the server said (`stop`, `length`…), when it said. */
  finishReason?: string;
  /** The model that answered, as the server said. */
  model?: string;
}

export interface LanguageModel {
  /** Adapter name, e.g. `openai-compatible`. */
  readonly name: string;
  /** Model identifier sent to the server; shown as "engine used". */
  readonly model: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** A function the model may call (OpenAI "tools"), its parameters as JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  /** As the model wrote it: JSON text, to be parsed and validated by the caller. */
  arguments: string;
}

/** One turn of a tool-using conversation, in the OpenAI chat shape. */
export type ChatTurnMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCallRequest[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatRequest {
  messages: ChatTurnMessage[];
  tools: ToolSpec[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatReply {
  text: string;
  toolCalls: ToolCallRequest[];
  usage: TokenUsage;
  finishReason?: string;
  model?: string;
}

/** A model that can call tools (agents' tool loop). */
export interface ToolCallingModel extends LanguageModel {
  /** With `onText`, the reply's text is handed on as it is generated (streamed). */
  chat(request: ChatRequest, onText?: (delta: string) => void): Promise<ChatReply>;
}
