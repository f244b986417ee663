import type { Generated } from 'kysely';

/**
 * Row types as Kysely sees them. Timestamps are ISO strings, JSON columns are text
 * (see codec.ts), booleans are 0/1 on write and decoded with `decode.bool` on read.
 * Every table is listed here so there is one picture of the database.
 */
type Time = string;
type Json = string;
type Bool = number | boolean;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified_at: Time | null;
  is_instance_admin: Bool;
  status: string;
  default_workspace_id: string | null;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  via: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Time;
  expires_at: Time;
  last_seen_at: Time | null;
  revoked_at: Time | null;
}

export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  token_hash: string;
  created_at: Time;
  expires_at: Time;
  used_at: Time | null;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  window_started_at: Time;
  locked_until: Time | null;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  plan: string;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: string;
  status: string;
  grants: Json;
  created_at: Time;
  updated_at: Time;
}

export interface InvitesTable {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: Time;
  expires_at: Time;
  accepted_at: Time | null;
  accepted_by: string | null;
  revoked_at: Time | null;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: Json;
  created_at: Time;
  expires_at: Time | null;
  last_used_at: Time | null;
  revoked_at: Time | null;
}

export interface GroupsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  roles: Json;
  permissions: Json;
  created_at: Time;
  updated_at: Time;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface AccessPoliciesTable {
  id: string;
  workspace_id: string;
  position: number;
  name: string;
  effect: string;
  permissions: Json;
  subjects: Json;
  conditions: Json;
  updated_at: Time;
}

export interface AuditEventsTable {
  id: string;
  workspace_id: string | null;
  occurred_at: Time;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  credential_type: string | null;
  credential_id: string | null;
  permission: string | null;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  before: Json | null;
  after: Json | null;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  purpose: string;
  status: string;
  transport: string;
  error: string | null;
  created_at: Time;
  sent_at: Time | null;
}

export interface UsageCountersTable {
  workspace_id: string;
  period: string;
  metric: string;
  value: number;
}

export interface InstanceSettingsTable {
  key: string;
  value: Json;
  updated_at: Time;
}

/** The database job queue (src/platform/queue/db.ts); "delayed" is waiting with a future run_at. */
export interface JobsTable {
  id: string;
  name: string;
  payload: Json;
  state: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_at: Time;
  lease_owner: string | null;
  lease_expires_at: Time | null;
  dedupe_key: string | null;
  progress: Json | null;
  last_error: string | null;
  created_at: Time;
  updated_at: Time;
  finished_at: Time | null;
}

/** A keyframe kept by the frames stage, with what OCR and enrichment found on it. */
export interface RecordingFramesTable {
  id: string;
  recording_id: string;
  workspace_id: string;
  idx: number;
  timestamp_seconds: number;
  image_key: string;
  width: number | null;
  height: number | null;
  phash: string | null;
  ocr_text: string | null;
  ocr_words: Json | null;
  ocr_confidence: number | null;
  description: string | null;
  url: string | null;
  app: string | null;
  created_at: Time;
  updated_at: Time;
}

/** One timestamped transcript segment. */
export interface RecordingSegmentsTable {
  recording_id: string;
  idx: number;
  start_seconds: number;
  end_seconds: number;
  text: string;
  confidence: number | null;
  speaker: string | null;
}

/** Recording-level context written by the enrich stage. */
export interface RecordingContextTable {
  recording_id: string;
  summary: string | null;
  timeline: Json | null;
  actions: Json | null;
  urls: Json | null;
  apps: Json | null;
  tags: Json | null;
  language: string | null;
  engines: Json | null;
  updated_at: Time;
}

/** A public share link of a recording; revoked links keep their row and never work again. */
export interface RecordingSharesTable {
  id: string;
  recording_id: string;
  workspace_id: string;
  created_by: string | null;
  created_at: Time;
  revoked_at: Time | null;
}

/** A recording of any source (spec 000); files live in blob storage under `ws/<ws>/rec/<id>/`. */
export interface RecordingsTable {
  id: string;
  workspace_id: string;
  created_by: string | null;
  title: string;
  source: string;
  status: string;
  upload_method: string | null;
  original_key: string | null;
  playback_key: string | null;
  playback_content_type: string | null;
  size_bytes: number | null;
  stored_bytes: number;
  sha256: string | null;
  content_type: string | null;
  original_filename: string | null;
  duration_seconds: number | null;
  has_video: Bool | null;
  has_audio: Bool | null;
  width: number | null;
  height: number | null;
  media: Json | null;
  error: string | null;
  created_at: Time;
  updated_at: Time;
  processed_at: Time | null;
  /** Set for a camera event's clip (source `camera`). */
  camera_id: string | null;
  camera_event_id: string | null;
}

/** One pipeline stage of one recording: state queued|running|done|failed|skipped. */
export interface RecordingStagesTable {
  recording_id: string;
  stage: string;
  state: string;
  progress: number;
  engine: string | null;
  error: string | null;
  attempts: number;
  started_at: Time | null;
  finished_at: Time | null;
  updated_at: Time;
}

/**
 * One searchable moment of a recording (title, summary, transcript segment, screen
 * text), rebuilt by the index stage. Its words are indexed in `search_terms`.
 */
export interface SearchDocumentsTable {
  id: Generated<number>;
  recording_id: string;
  workspace_id: string;
  kind: string;
  ref: string | null;
  timestamp_seconds: number | null;
  text: string;
}

/**
 * One word of one recording: the sum of its ten best impacts there and how many
 * documents hold it. The row with the empty word counts the recording's documents.
 */
export interface SearchTermsTable {
  /** search_recordings.key */
  rec: number;
  term: string;
  /** search_workspaces.key */
  ws: number;
  best: number;
  docs: number;
}

/** The impact of one word in each of a recording's documents (6 bytes each, see postings.ts). */
export interface SearchPostingsTable {
  rec: number;
  term: string;
  first_doc: number;
  postings: Uint8Array;
}

/** Small integer keys the keyword index uses for recordings and workspaces. */
export interface SearchRecordingsTable {
  key: Generated<number>;
  recording_id: string;
  ws: number;
}

export interface SearchWorkspacesTable {
  key: Generated<number>;
  workspace_id: string;
}

/** Recordings whose document text changed after indexing; search re-derives their terms. */
export interface SearchStaleTable {
  recording_id: string;
}

/** The embedding of one search document (Float32 little-endian bytes). */
export interface RecordingEmbeddingsTable {
  document_id: number;
  recording_id: string;
  workspace_id: string;
  kind: string;
  ref: string | null;
  timestamp_seconds: number | null;
  model: string;
  dims: number;
  vector: Uint8Array;
}

/** An agent (spec 002) of a workspace. */
export interface AgentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  instructions: string;
  model: string;
  character_id: string | null;
  tools: Json;
  knowledge: Json;
  temperature: number;
  max_steps: number;
  max_citations: number;
  metadata: Json;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface AgentPluginsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  url: string;
  headers_sealed: string | null;
  tools: Json;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface AgentCharactersTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  persona: string;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface AgentMemoriesTable {
  id: string;
  agent_id: string;
  user_id: string | null;
  content: string;
  created_at: Time;
  updated_at: Time;
}

export interface AgentConversationsTable {
  id: string;
  agent_id: string;
  workspace_id: string;
  title: string;
  created_by: string | null;
  message_count: Generated<number>;
  created_at: Time;
  updated_at: Time;
}

export interface AgentMessagesTable {
  id: string;
  conversation_id: string;
  agent_id: string;
  seq: number;
  role: string;
  content: string;
  citations: Json;
  tool_calls: Json;
  tool_call_count: Generated<number>;
  model: string | null;
  stop_reason: string | null;
  prompt_tokens: Generated<number>;
  completion_tokens: Generated<number>;
  latency_ms: number | null;
  created_at: Time;
}

/** A workspace webhook subscription (Standard Webhooks). The secrets are AES-256-GCM ciphertexts. */
export interface WebhooksTable {
  id: string;
  workspace_id: string;
  url: string;
  events: Json;
  description: string;
  enabled: Bool;
  disabled_reason: string | null;
  failure_count: Generated<number>;
  failing_since: Time | null;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Time | null;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

/** One message to one webhook: its exact body, attempts and the last outcome. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  workspace_id: string;
  message_id: string;
  event_type: string;
  payload: string;
  attempts: Generated<number>;
  status: string;
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  next_attempt_at: Time | null;
  last_attempt_at: Time | null;
  created_at: Time;
  delivered_at: Time | null;
}

export interface WorkspaceRateLimitsTable {
  workspace_id: string;
  requests_per_minute: number | null;
  agent_requests_per_minute: number | null;
  updated_at: Time;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  email_tokens: EmailTokensTable;
  login_failures: LoginFailuresTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  invites: InvitesTable;
  api_keys: ApiKeysTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  access_policies: AccessPoliciesTable;
  audit_events: AuditEventsTable;
  mail_outbox: MailOutboxTable;
  usage_counters: UsageCountersTable;
  instance_settings: InstanceSettingsTable;
  jobs: JobsTable;
  recordings: RecordingsTable;
  recording_stages: RecordingStagesTable;
  recording_frames: RecordingFramesTable;
  recording_segments: RecordingSegmentsTable;
  recording_context: RecordingContextTable;
  recording_shares: RecordingSharesTable;
  search_documents: SearchDocumentsTable;
  search_terms: SearchTermsTable;
  search_postings: SearchPostingsTable;
  search_recordings: SearchRecordingsTable;
  search_workspaces: SearchWorkspacesTable;
  search_stale: SearchStaleTable;
  recording_embeddings: RecordingEmbeddingsTable;
  agents: AgentsTable;
  agent_conversations: AgentConversationsTable;
  agent_messages: AgentMessagesTable;
  agent_memories: AgentMemoriesTable;
  agent_characters: AgentCharactersTable;
  agent_plugins: AgentPluginsTable;
  workspace_rate_limits: WorkspaceRateLimitsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  cameras: CamerasTable;
  camera_heartbeats: CameraHeartbeatsTable;
  camera_leases: CameraLeasesTable;
  camera_frames: CameraFramesTable;
  camera_events: CameraEventsTable;
}

export interface CamerasTable {
  id: string;
  workspace_id: string;
  name: string;
  /** SecretBox(CAMERA_URLS) of the full RTSP URL, with the camera id as associated data. */
  rtsp_url_sealed: string;
  rtsp_url_masked: string;
  enabled: Bool;
  detect_conf: number;
  pre_seconds: number;
  post_seconds: number;
  /** Comma-separated COCO labels. */
  trigger_classes: string;
  detect_iou: number;
  detect_imgsz: number;
  detect_interval: number;
  trigger_cooldown: number;
  min_trigger_frames: number;
  rtsp_transport: string;
  faces_enabled: Bool;
  reid_enabled: Bool;
  created_by: string | null;
  created_at: Time;
  updated_at: Time;
}

export interface CameraHeartbeatsTable {
  camera_id: string;
  /** The process running the camera's worker. */
  worker_id: string;
  /** 'starting' | 'online' | 'error' */
  state: string;
  reason: string | null;
  fps: number;
  seen_at: Time;
}

export interface CameraLeasesTable {
  camera_id: string;
  holder: string;
  expires_at: Time;
}

export interface CameraFramesTable {
  camera_id: string;
  jpeg: Buffer;
  captured_at: Time;
}

export interface CameraEventsTable {
  id: string;
  workspace_id: string;
  camera_id: string;
  /** 'track' | 'manual' */
  kind: string;
  label: string;
  score: number;
  /** JSON array of every trigger label seen during the event. */
  labels: unknown;
  started_at: Time;
  ended_at: Time | null;
  thumbnail_key: string | null;
  clip_key: string | null;
  person_id: string | null;
  person_name: string | null;
  created_at: Time;
  /** The clip as a library recording (null: no clip, or its recording was deleted). */
  recording_id: string | null;
  /** A manual recording whose clip its camera's worker still has to cut, from this time on. */
  clip_due_at: Time | null;
}
