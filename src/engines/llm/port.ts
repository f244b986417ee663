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
