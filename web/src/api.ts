/**
 * The dashboard's HTTP client: JSON over /api/v1 with the session as a bearer token.
 *
 * Where the session lives: in memory for requests, and in localStorage so a reload or
 * a second tab stays signed in. The trade-off: anything running script on this origin
 * (an XSS bug) could read it, which an HttpOnly cookie would prevent; the API speaks
 * bearer tokens only (no cookies, so no CSRF surface), sessions expire
 * (IRIS_SESSION_TTL_SECONDS) and logging out ends the session on the server too.
 */

export const API = '/api/v1';
const STORAGE_KEY = 'iris.session';
const SW_CACHE = 'iris-session';
const SW_KEY = '/__iris/session';

export interface ApiErrorBody {
  error?: { code?: string; message?: string; request_id?: string; details?: unknown };
}

/** An API error with the server's code, message and request id (shown to people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let token: string | null = readStoredToken();
const listeners = new Set<(token: string | null) => void>();

function readStoredToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export const getToken = (): string | null => token;

export function onTokenChange(fn: (token: string | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Stores (or clears) the session: memory, localStorage and the service worker. */
export async function setToken(next: string | null): Promise<void> {
  token = next;
  try {
    if (next) localStorage.setItem(STORAGE_KEY, next);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the tab.
  }
  await shareTokenWithWorker(next);
  for (const fn of listeners) fn(next);
}

// Another tab signed in or out.
window.addEventListener('storage', (e) => {
  if (e.key !== STORAGE_KEY) return;
  token = e.newValue;
  for (const fn of listeners) fn(token);
});

async function shareTokenWithWorker(value: string | null): Promise<void> {
  try {
    if ('caches' in window) {
      const cache = await caches.open(SW_CACHE);
      if (value) await cache.put(SW_KEY, new Response(value));
      else await cache.delete(SW_KEY);
    }
    navigator.serviceWorker?.controller?.postMessage({ type: 'iris-session', token: value });
  } catch {
    // No service worker support: media falls back to downloading with fetch().
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Send without the session (public endpoints such as login). */
  anonymous?: boolean;
}

/** Calls the API; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (token && !options.anonymous) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(withQuery(`${API}${path}`, options.query), {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'Could not reach the Iris server. Check your connection.',
      undefined,
      undefined,
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) throw await failure(res, json, options.anonymous);
  return json as T;
}

/**
 * The ApiError of an error response and its parsed body. A session that expired or was
 * revoked (401) signs out locally.
 */
export async function failure(res: Response, json: unknown, anonymous = false): Promise<ApiError> {
  const err = (json as ApiErrorBody | undefined)?.error;
  const retry = Number(res.headers.get('retry-after'));
  const apiError = new ApiError(
    res.status,
    err?.code ?? `HTTP_${res.status}`,
    err?.message ?? (res.statusText || `Request failed with status ${res.status}`),
    err?.request_id ?? res.headers.get('x-request-id') ?? undefined,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
  if (res.status === 401 && token && !anonymous) await setToken(null);
  return apiError;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  api<T>('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) });

/* ---------- API shapes the dashboard reads (snake_case, as on the wire) ---------- */

export interface Page<T> {
  items: T[];
  pagination: { limit: number; offset: number; total: number };
}

export interface User {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  is_instance_admin: boolean;
  default_workspace_id: string | null;
  created_at: string;
}

export interface MeWorkspace {
  id: string;
  name: string;
  role: string;
  permissions: string[];
}

export interface Me {
  user: User;
  workspaces: MeWorkspace[];
  credential: { type: string; id?: string };
}

export interface Session {
  user: User;
  token: string;
  expires_at: string;
}

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  created_at: string;
  role?: string;
  permissions?: string[];
}

export type RecordingStatus = 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';

export interface Recording {
  id: string;
  workspace_id: string;
  title: string;
  source: string;
  status: RecordingStatus;
  error: string | null;
  original_filename: string | null;
  content_type: string | null;
  size_bytes: number | null;
  duration_seconds: number | null;
  has_video: boolean | null;
  has_audio: boolean | null;
  width: number | null;
  height: number | null;
  created_at: string;
  updated_at: string;
  processed_at: string | null;
  poster_url?: string | null;
  thumbnail_urls?: string[];
  /** On GET /recordings/:id only. */
  share?: { shared: boolean; share_url: string | null };
}

export type StageState = 'queued' | 'running' | 'done' | 'failed' | 'skipped';

export interface Stage {
  stage: string;
  state: StageState;
  progress: number;
  engine: string | null;
  error: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface RecordingStatusInfo {
  recording_id: string;
  status: RecordingStatus;
  error: string | null;
  progress: number;
  stages: Stage[];
}

export const isTerminal = (s: RecordingStatus) => s === 'ready' || s === 'failed';

export interface TranscriptSegment {
  start_seconds: number;
  end_seconds: number;
  text: string;
  confidence?: number | null;
  speaker?: string | null;
}

export interface RecordingContext {
  recording_id: string;
  status: RecordingStatus;
  summary: string | null;
  timeline: Array<{ start_seconds: number; end_seconds: number; title: string; text?: string }>;
  transcript: TranscriptSegment[];
  actions: Array<{
    text: string;
    timestamp_seconds?: number | null;
    owner?: string | null;
    due?: string | null;
  }>;
  urls: Array<{ url: string; first_seen_seconds: number | null; frames?: number }>;
  apps: Array<{ name: string; seconds: number }>;
  tags: string[];
  language: string | null;
  engines: Record<string, string>;
  updated_at: string | null;
}

export interface Frame {
  id: string;
  index: number;
  timestamp_seconds: number;
  image_url: string;
  width: number | null;
  height: number | null;
  ocr_text: string | null;
  description: string | null;
  url: string | null;
  app: string | null;
}

export interface ShareLink {
  share_id: string;
  recording_id: string;
  url: string;
  api_url?: string;
  created_at?: string;
}

export interface SearchMoment {
  timestamp_seconds: number;
  source: 'transcript' | 'screen' | string;
  text: string;
  snippet?: string;
}

export interface SearchItem {
  recording: Pick<Recording, 'id' | 'workspace_id' | 'title' | 'status' | 'duration_seconds' | 'created_at'> &
    Partial<Recording>;
  score?: number;
  snippet: string;
  moments: SearchMoment[];
}

export interface SearchResult {
  query: string;
  mode?: string;
  items: SearchItem[];
  total?: number;
}

export const RECORDING_SOURCES = ['upload', 'camera', 'node', 'interview'] as const;
export type RecordingSource = (typeof RECORDING_SOURCES)[number];

export interface Agent {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  instructions: string;
  model: string;
  /** The character (persona preset) it takes, or null. */
  character_id?: string | null;
  tools: string[];
  knowledge: { sources?: RecordingSource[]; recording_ids?: string[]; from?: string; to?: string };
  temperature: number;
  max_steps: number;
  max_citations: number;
  metadata: Record<string, string>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A model an agent may use (GET /agents/models). */
export interface AgentModel {
  id: string;
  kind: 'extractive' | 'llm';
}

/** A persona preset agents can take (GET /characters). */
export interface Character {
  id: string;
  workspace_id?: string;
  name: string;
  description: string;
  persona: string;
  created_at?: string;
}

/** A tool an agent may be given (GET /plugins/catalogue). */
export interface CatalogueTool {
  id: string;
  kind: 'builtin' | 'mcp';
  name: string;
  description: string;
  plugin_id?: string;
  plugin_name?: string;
}

export interface Webhook {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  failure_count: number;
  previous_secret_expires_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Create and rotate-secret answer with the signing secret, once. */
export type WebhookWithSecret = Webhook & { secret: string };

export interface WebhookEventType {
  name: string;
  description: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  id: string;
  webhook_id: string;
  message_id: string;
  event_type: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  attempts: number;
  status: DeliveryStatus;
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** A moment a reply is built on; `url` opens the recording there (`/recordings/<id>?t=<s>`). */
export interface Citation {
  index: number;
  recording_id: string;
  recording_title: string;
  timestamp_seconds: number;
  source: 'transcript' | 'screen';
  quote: string;
  url: string;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  result: string;
}

export interface AgentMessage {
  id: string;
  conversation_id: string;
  agent_id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[];
  tool_calls: ToolCall[];
  model: string | null;
  stop_reason: 'end_turn' | 'max_steps' | 'cancelled' | null;
  latency_ms: number | null;
  created_at: string;
}

export interface Conversation {
  id: string;
  agent_id: string;
  workspace_id: string;
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string | null;
}

/** The events of a streamed reply (agents.types.ts on the server), each with its sequence number. */
export type ReplyEvent = { seq: number } & (
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
  | { type: 'message.completed'; message: AgentMessage }
);

export type CameraState = 'online' | 'offline' | 'error';

export interface Camera {
  id: string;
  workspace_id: string;
  name: string;
  rtsp_url: string;
  enabled: boolean;
  status: CameraState;
  last_seen: string | null;
  fps: number | null;
  trigger_classes: string;
  detect_conf: number;
  detect_interval: number;
  created_at: string;
}

export interface CameraStatusInfo {
  camera_id: string;
  status: CameraState;
  reason: string | null;
  last_seen: string | null;
  fps: number | null;
  detector: { engine: string | null; available: boolean; reason: string | null };
}

export interface CameraEvent {
  id: string;
  camera_id: string;
  kind: 'track' | 'manual';
  label: string;
  score: number;
  labels: string[];
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  has_thumbnail: boolean;
  has_clip: boolean;
  /** The clip as a recording of the library. */
  recording_id: string | null;
}

export interface SpecPage<T> extends Page<T> {
  total: number;
}
