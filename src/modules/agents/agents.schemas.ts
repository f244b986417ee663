import { Type } from 'typebox';
import {
  Id,
  ListOf,
  Name,
  NullableTimestamp,
  PaginationQuery,
  Strict,
  Timestamp,
} from '../../platform/http/schemas.js';
import { RECORDING_SOURCES } from '../recordings/stages.js';
import { AGENT_TOOLS } from './agents.types.js';

const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 500 }), {
  maxProperties: 32,
  description: 'Your own labels, up to 32.',
});

const Knowledge = Strict(
  {
    sources: Type.Optional(Type.Array(Type.Enum(RECORDING_SOURCES), { maxItems: 8, uniqueItems: true })),
    recording_ids: Type.Optional(Type.Array(Id('rec'), { maxItems: 500, uniqueItems: true })),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, uniqueItems: true }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  {
    description:
      'What the agent draws on, always inside what its caller may read: its workspace, narrowed by recording ' +
      'source, to some recordings, to recordings with some tags, or to recordings made between `from` and `to`.',
  },
);

const Tools = Type.Array(
  Type.Union([Type.Enum(AGENT_TOOLS), Type.String({ pattern: '^plg_[0-9a-z]{26}/[A-Za-z0-9_.-]{1,64}$' })]),
  {
    maxItems: 32,
    uniqueItems: true,
    description:
      'Tools the agent may call: built-ins, and plugin tools as `plg_…/<tool>` (GET /plugins/catalogue). ' +
      'Without `search_recordings` it cannot see any recording.',
  },
);

const agentFields = {
  description: Type.String({ maxLength: 2_000 }),
  instructions: Type.String({
    maxLength: 20_000,
    description: 'How the agent should answer (its system prompt).',
  }),
  model: Type.String({
    minLength: 1,
    maxLength: 200,
    description:
      '`extractive` (the default, no language model: replies quote the recordings) or a model this instance ' +
      'is configured with.',
  }),
  character_id: Type.Union([Id('chr'), Type.Null()], {
    description: 'The character (persona preset, /characters) the agent takes; null for none.',
  }),
  tools: Tools,
  knowledge: Knowledge,
  temperature: Type.Number({ minimum: 0, maximum: 2 }),
  max_steps: Type.Integer({ minimum: 1, maximum: 20, description: 'Most tool rounds in one reply.' }),
  max_citations: Type.Integer({ minimum: 1, maximum: 20, description: 'Most moments one reply cites.' }),
  metadata: Metadata,
};

export const AgentSchema = Type.Object(
  {
    id: Id('agt'),
    workspace_id: Id('ws'),
    name: Type.String(),
    ...agentFields,
    created_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { description: 'An agent.' },
);

const optional = Object.fromEntries(Object.entries(agentFields).map(([k, v]) => [k, Type.Optional(v)])) as {
  [K in keyof typeof agentFields]: ReturnType<typeof Type.Optional<(typeof agentFields)[K]>>;
};

export const AgentCreate = Strict({
  name: Name,
  workspace_id: Type.Optional(Id('ws')),
  ...optional,
});

export const AgentPatch = Strict({ name: Type.Optional(Name), ...optional });

export const AgentParams = Type.Object({ agentId: Id('agt') });
export const ConversationParams = Type.Object({ agentId: Id('agt'), conversationId: Id('conv') });
export const MessageParams = Type.Object({ agentId: Id('agt'), messageId: Id('msg') });

export const AgentListQuery = Type.Object({
  ...PaginationQuery,
  workspace_id: Type.Optional(Id('ws')),
});

export const SendBody = Strict({
  message: Type.String({ minLength: 1, maxLength: 8_000, description: 'What to ask the agent.' }),
  conversation_id: Type.Optional(Id('conv')),
  stream: Type.Optional(
    Type.Boolean({
      description:
        'Stream the reply as Server-Sent Events (also chosen by `Accept: text/event-stream`). Events: ' +
        '`message.started`, `tool.call`, `tool.result`, `citation`, `text.delta`, `message.completed`; each ' +
        'has an `id` (its sequence number) to resume after with `GET …/messages/:messageId/events`.',
    }),
  ),
});

export const CitationSchema = Type.Object({
  index: Type.Integer({ description: 'The `[n]` in the reply.' }),
  recording_id: Id('rec'),
  recording_title: Type.String(),
  timestamp_seconds: Type.Number(),
  source: Type.Union([Type.Literal('transcript'), Type.Literal('screen')]),
  quote: Type.String({ description: "The recording's own words." }),
  url: Type.String({ description: "The dashboard's page of the recording at that moment." }),
});

const ToolCallSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  arguments: Type.Record(Type.String(), Type.Unknown()),
  result: Type.String(),
});

export const MessageSchema = Type.Object(
  {
    id: Id('msg'),
    conversation_id: Id('conv'),
    agent_id: Id('agt'),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
    citations: Type.Array(CitationSchema),
    tool_calls: Type.Array(ToolCallSchema),
    model: Type.Union([Type.String(), Type.Null()]),
    stop_reason: Type.Union([
      Type.Literal('end_turn'),
      Type.Literal('max_steps'),
      Type.Literal('cancelled'),
      Type.Null(),
    ]),
    usage: Type.Object({
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      total_tokens: Type.Integer(),
    }),
    latency_ms: Type.Union([Type.Integer(), Type.Null()]),
    created_at: Timestamp,
  },
  { description: 'A message of a conversation.' },
);

export const ConversationSchema = Type.Object(
  {
    id: Id('conv'),
    agent_id: Id('agt'),
    workspace_id: Id('ws'),
    title: Type.String(),
    created_by: Type.Union([Type.String(), Type.Null()]),
    message_count: Type.Integer(),
    created_at: Timestamp,
    updated_at: NullableTimestamp,
  },
  { description: 'A conversation with an agent.' },
);

export const ReplySchema = Type.Object({
  conversation: ConversationSchema,
  user_message: MessageSchema,
  message: MessageSchema,
});

export const AnalyticsSchema = Type.Object({
  agent_id: Id('agt'),
  conversations: Type.Integer(),
  messages: Type.Integer(),
  replies: Type.Integer(),
  tool_calls: Type.Integer({ description: 'Tool calls made by its replies.' }),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  latency_ms_avg: Type.Union([Type.Integer(), Type.Null()]),
});

export const AgentList = ListOf(AgentSchema);
export const ConversationList = ListOf(ConversationSchema);
export const MessageList = ListOf(MessageSchema);

export const MemorySchema = Type.Object({
  id: Id('mem'),
  agent_id: Id('agt'),
  user_id: Type.Union([Type.String(), Type.Null()]),
  content: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const MemoryBody = Strict({ content: Type.String({ minLength: 1, maxLength: 1_000 }) });
export const MemoryParams = Type.Object({ agentId: Id('agt'), memoryId: Id('mem') });
export const MemoryList = Type.Object({ items: Type.Array(MemorySchema) });
