import type { RecordingSource } from '../recordings/stages.js';

/** The engine with no language model: replies quote the recordings (extractive.ts). */
export const EXTRACTIVE_MODEL = 'extractive';

/**
 * Tools an agent may be given (toolbox.ts). The offline agent uses `search_recordings`
 * only; with a language model the agent chooses among all it was given.
 */
export const AGENT_TOOLS = ['search_recordings', 'get_transcript', 'save_memory', 'recall_memory'] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];
/** What an agent's `tools` lists: a built-in, or a plugin's tool as `plg_…/<name>`. */
export type AgentToolId = AgentTool | `plg_${string}/${string}`;

/** What an agent may draw on, always inside what its caller may read. */
export interface Knowledge {
  /** Only recordings of these sources (upload, camera, …); all when absent. */
  sources?: RecordingSource[];
  /** Only these recordings. */
  recording_ids?: string[];
  /** Only recordings with at least one of these tags (their context's, any case). */
  tags?: string[];
  /** Only recordings created in this range (ISO-8601). */
  from?: string;
  to?: string;
}

export interface Agent {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  instructions: string;
  model: string;
  /** The character (persona preset) it takes, if any. */
  character_id: string | null;
  tools: AgentToolId[];
  knowledge: Knowledge;
  temperature: number;
  max_steps: number;
  /** Most moments one reply cites. */
  max_citations: number;
  metadata: Record<string, string>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A moment a reply is built on, as a client opens it. */
export interface Citation {
  /** The `[n]` in the reply's text. */
  index: number;
  recording_id: string;
  recording_title: string;
  timestamp_seconds: number;
  source: 'transcript' | 'screen';
  /** The recording's own words. */
  quote: string;
  /** The dashboard page of the recording at that moment. */
  url: string;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** What the tool returned, in short (the citations hold the moments). */
  result: string;
}

export type StopReason = 'end_turn' | 'max_steps' | 'cancelled';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Message {
  id: string;
  conversation_id: string;
  agent_id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  tool_calls: ToolCall[];
  model: string | null;
  stop_reason: StopReason | null;
  usage: Usage;
  latency_ms: number | null;
  created_at: string;
}

/** A persona preset agents of a workspace can take: how they speak, not what they know. */
export interface Character {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  /** Added to the system prompt of an agent with a language model. */
  persona: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A long-term note an agent keeps for one person (its `save_memory` tool, or the API). */
export interface Memory {
  id: string;
  agent_id: string;
  user_id: string | null;
  content: string;
  created_at: string;
  updated_at: string;
}

export interface Conversation {
  id: string;
  agent_id: string;
  workspace_id: string;
  title: string;
  created_by: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}

/**
 * What a streamed reply sends, in order, each with its sequence number (the SSE `id`, so
 * a client that lost the connection resumes after the last one it saw).
 */
export type ReplyEvent =
  | {
      type: 'message.started';
      conversation_id: string;
      message_id: string;
      user_message_id: string;
      model: string;
    }
  | { type: 'tool.call'; tool_call: Omit<ToolCall, 'result'> }
  | { type: 'tool.result'; tool_call_id: string; result: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'text.delta'; delta: string }
  | { type: 'message.completed'; message: Message };
