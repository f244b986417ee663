import type { components, paths } from './generated/openapi.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends string, M extends Method> = P extends keyof paths
  ? M extends keyof paths[P]
    ? paths[P][M]
    : never
  : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Success<O> = O extends { responses: infer R }
  ? R extends { 200: infer S }
    ? JsonOf<S>
    : R extends { 201: infer S }
      ? JsonOf<S>
      : undefined
  : never;

/**
 * The JSON a route answers with, read from the generated types. `Fallback` covers a
 * route the server does not have yet, so the SDK compiles against an older document
 * and tightens by itself once `npm run sdk:generate` sees the route.
 */
export type ResponseOf<P extends string, M extends Method, Fallback = unknown> = [Operation<P, M>] extends [
  never,
]
  ? Fallback
  : Success<Operation<P, M>>;

/** The JSON body a route takes, with the same fallback. */
export type BodyOf<P extends string, M extends Method, Fallback = unknown> = [Operation<P, M>] extends [never]
  ? Fallback
  : Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : Fallback;

/** The query a route takes, with the same fallback. */
export type QueryOf<P extends string, M extends Method, Fallback = Record<string, unknown>> = [
  Operation<P, M>,
] extends [never]
  ? Fallback
  : Operation<P, M> extends { parameters: { query?: infer Q } }
    ? NonNullable<Q>
    : Fallback;

type ItemOf<L> = L extends { items: Array<infer I> } ? I : never;

export type ErrorBody = components['schemas']['Error'];
export type Recording = components['schemas']['Recording'];
export type RecordingStatus = ResponseOf<'/api/v1/recordings/{id}/status', 'get'>;
export type StageStatus = RecordingStatus extends { stages: Array<infer S> } ? S : never;
export type RecordingListQuery = QueryOf<'/api/v1/recordings', 'get'>;

/** Spec 000's context sections; the server's schema replaces this once it is in the document. */
export interface ContextFallback {
  recording_id?: string;
  summary?: unknown;
  timeline?: unknown[];
  transcript?: unknown;
  actions?: unknown[];
  urls?: unknown[];
  apps?: unknown[];
  tags?: unknown[];
  [field: string]: unknown;
}
export type RecordingContext = ResponseOf<'/api/v1/recordings/{id}/context', 'get', ContextFallback>;

export interface ListFallback<T = Record<string, unknown>> {
  items: T[];
  pagination?: { limit: number; offset: number; total: number };
  [field: string]: unknown;
}
export type FrameList = ResponseOf<'/api/v1/recordings/{id}/frames', 'get', ListFallback>;
export type Frame = ItemOf<FrameList>;
export type Transcript = ResponseOf<'/api/v1/recordings/{id}/transcript', 'get', ListFallback>;

export interface SearchQueryFallback {
  query: string;
  limit?: number;
  workspace_id?: string;
}
export type SearchQuery = BodyOf<'/api/v1/search', 'post', SearchQueryFallback>;
export type SearchResults = ResponseOf<'/api/v1/search', 'post', ListFallback>;
export type SearchHit = ItemOf<SearchResults>;

export interface ShareFallback {
  share_id?: string;
  url?: string;
  [field: string]: unknown;
}
export type Share = ResponseOf<'/api/v1/recordings/{id}/share', 'post', ShareFallback>;

export type Me = ResponseOf<'/api/v1/auth/me', 'get'>;
export type WorkspaceList = ResponseOf<'/api/v1/workspaces', 'get'>;
export type Workspace = ItemOf<WorkspaceList>;
export type WorkspaceDetail = ResponseOf<'/api/v1/workspaces/{id}', 'get'>;
export type Members = ResponseOf<'/api/v1/workspaces/{id}/members', 'get'>;
export type Usage = ResponseOf<'/api/v1/workspaces/{id}/usage', 'get'>;
export type InviteBody = BodyOf<'/api/v1/workspaces/invite', 'post'>;
export type Invite = ResponseOf<'/api/v1/workspaces/invite', 'post'>;
export type MemberRoleBody = BodyOf<'/api/v1/workspaces/{id}/members/{userId}', 'patch'>;

export type ApiKeyList = ResponseOf<'/api/v1/keys', 'get'>;
export type ApiKey = ItemOf<ApiKeyList>;
export type ApiKeyListQuery = QueryOf<'/api/v1/keys', 'get'>;
export type CreateApiKeyBody = BodyOf<'/api/v1/keys', 'post'>;
export type CreatedApiKey = ResponseOf<'/api/v1/keys', 'post'>;

export type AuditEventList = ResponseOf<'/api/v1/audit-events', 'get'>;
export type AuditEvent = ItemOf<AuditEventList>;
export type AuditQuery = QueryOf<'/api/v1/audit-events', 'get'>;

export type AgentList = ResponseOf<'/api/v1/agents', 'get'>;
export type Agent = ItemOf<AgentList>;
export type AgentListQuery = QueryOf<'/api/v1/agents', 'get'>;
export type CreateAgentBody = BodyOf<'/api/v1/agents', 'post'>;
export type UpdateAgentBody = BodyOf<'/api/v1/agents/{agentId}', 'patch'>;
/** What `agents.send` and `agents.stream` take (`stream` is chosen by the method). */
export type SendMessageBody = Omit<BodyOf<'/api/v1/agents/{agentId}/messages', 'post'>, 'stream'>;
/** The JSON answer to a message: the conversation, your message and the agent's reply. */
export type AgentReply = ResponseOf<'/api/v1/agents/{agentId}/messages', 'post'>;
export type AgentMessage = AgentReply['message'];
/** A moment a reply is built on; `url` is the dashboard path of the recording at that second. */
export type Citation = AgentMessage['citations'][number];
export type ToolCall = AgentMessage['tool_calls'][number];
export type ConversationList = ResponseOf<'/api/v1/agents/{agentId}/conversations', 'get'>;
export type Conversation = ItemOf<ConversationList>;
export type AgentMessageList = ResponseOf<
  '/api/v1/agents/{agentId}/conversations/{conversationId}/messages',
  'get'
>;
export type AgentAnalytics = ResponseOf<'/api/v1/agents/{agentId}/analytics', 'get'>;

/**
 * One event of a streamed reply, in order; `seq` is its SSE `id` (1, 2, …), the point a
 * dropped connection resumes after. A reply read back once stored has only its
 * `message.completed`.
 */
export type AgentEvent =
  | {
      type: 'message.started';
      seq: number;
      conversation_id: string;
      message_id: string;
      user_message_id: string;
      model: string;
    }
  | { type: 'tool.call'; seq: number; tool_call: Omit<ToolCall, 'result'> }
  | { type: 'tool.result'; seq: number; tool_call_id: string; result: string }
  | { type: 'citation'; seq: number; citation: Citation }
  | { type: 'text.delta'; seq: number; delta: string }
  | { type: 'message.completed'; seq: number; message: AgentMessage };
export type AgentEventType = AgentEvent['type'];

export type CameraList = ResponseOf<'/api/v1/cameras', 'get'>;
export type Camera = ItemOf<CameraList>;
export type CameraListQuery = QueryOf<'/api/v1/cameras', 'get'>;
export type CreateCameraBody = BodyOf<'/api/v1/cameras', 'post'>;
export type UpdateCameraBody = BodyOf<'/api/v1/cameras/{cameraId}', 'patch'>;
export type CameraStatus = ResponseOf<'/api/v1/cameras/{cameraId}/status', 'get'>;
export type DetectClasses = ResponseOf<'/api/v1/cameras/detect/classes', 'get'>;
export type CameraEventList = ResponseOf<'/api/v1/events', 'get'>;
export type CameraEvent = ItemOf<CameraEventList>;
export type CameraEventQuery = QueryOf<'/api/v1/events', 'get'>;
export type SystemInfo = ResponseOf<'/api/v1/system', 'get'>;
