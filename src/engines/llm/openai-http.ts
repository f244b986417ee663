import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { OpenAiEndpointConfig } from '../asr/engine-config.js';

/**
 * One HTTP client for every OpenAI-compatible call (chat completions, audio
 * transcriptions, embeddings), so the three adapters time out, retry and report
 * failures the same way. It lives with the LLM adapter because that is its main user.
 *
 * - Each attempt has its own timeout; the caller's signal cancels everything and its
 *   reason is rethrown untouched (the job queue reads it to tell cancel from timeout).
 * - 429 and 5xx and dropped connections are retried with exponential backoff and
 *   jitter, honouring Retry-After when it is short; a quota error is not retried.
 * - Every other failure becomes a MODEL_ERROR AppError whose message names the
 *   service and status but never the API key.
 */

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, maxMs: 30_000 };

export interface OpenAiRequest {
  endpoint: OpenAiEndpointConfig;
  /** e.g. `/v1/chat/completions`. */
  path: string;
  /** Human name of the service for messages: "LLM", "speech-to-text", "embeddings". */
  what: string;
  /** Called once per attempt: a request body can only be sent once. */
  body: () => string | FormData;
  signal?: AbortSignal | undefined;
  retry?: RetryPolicy;
  /**
   * Reads a successful response's body itself (a streamed answer) instead of parsing it
   * as JSON; what it returns is the response's `json`. A stream that breaks off is not
   * retried: part of it may already have been handed on.
   */
  consume?: (res: Response) => Promise<unknown>;
}

export interface OpenAiResponse {
  status: number;
  json: unknown;
  attempts: number;
}

export function modelError(what: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('MODEL_ERROR', message, { engine: what, ...details });
}

export async function postOpenAi(req: OpenAiRequest): Promise<OpenAiResponse> {
  const { endpoint, what, signal } = req;
  const retry = req.retry ?? DEFAULT_RETRY;
  const url = `${endpoint.url}${req.path}`;
  // Only the origin goes into messages: a URL may carry credentials in its userinfo.
  const where = safeOrigin(endpoint.url);
  let attempt = 0;
  for (;;) {
    attempt++;
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(endpoint.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const body = req.body();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;

    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal: combined });
      text = res.ok && req.consume ? '' : await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw modelError(
          what,
          `The ${what} server at ${where} did not answer within ${endpoint.timeoutMs} ms.`,
          {
            url: where,
            timeout: true,
            attempts: attempt,
          },
        );
      }
      const cause = networkCause(err);
      if (attempt <= endpoint.maxRetries) {
        await sleep(backoff(attempt, retry), undefined, { signal }).catch(() => signal?.throwIfAborted());
        continue;
      }
      throw modelError(what, `Could not reach the ${what} server at ${where}: ${cause}.`, {
        url: where,
        attempts: attempt,
      });
    }

    if (res.ok && req.consume) {
      try {
        return { status: res.status, json: await req.consume(res), attempts: attempt };
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof AppError) throw err;
        const why = timeout.aborted
          ? `did not finish within ${endpoint.timeoutMs} ms`
          : `broke off (${networkCause(err)})`;
        throw modelError(what, `The ${what} server at ${where} ${why} while streaming its answer.`, {
          url: where,
          status: res.status,
          attempts: attempt,
        });
      }
    }
    if (res.ok) {
      try {
        return { status: res.status, json: JSON.parse(text) as unknown, attempts: attempt };
      } catch {
        throw modelError(
          what,
          `The ${what} server at ${where} answered ${res.status} with a body that is not JSON.`,
          {
            url: where,
            status: res.status,
          },
        );
      }
    }

    const detail = errorDetail(text);
    const retryable = (res.status === 429 || res.status >= 500) && detail.code !== 'insufficient_quota';
    if (retryable && attempt <= endpoint.maxRetries) {
      const wait = retryAfterMs(res.headers.get('retry-after'));
      // A server that asks us to come back in an hour is not going to recover within
      // this job; fail now and let the job's own retry policy decide.
      if (wait === undefined || wait <= retry.maxMs) {
        await sleep(wait ?? backoff(attempt, retry), undefined, { signal }).catch(() =>
          signal?.throwIfAborted(),
        );
        continue;
      }
    }
    throw modelError(
      what,
      `The ${what} server at ${where} returned ${res.status}${detail.message ? `: ${detail.message}` : '.'}`,
      {
        url: where,
        status: res.status,
        attempts: attempt,
        ...(detail.code ? { provider_code: detail.code } : {}),
      },
    );
  }
}

function backoff(attempt: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (Math.random() * step) / 2);
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** OpenAI-style `{ "error": { "message", "code" } }`, or a short slice of whatever came back. */
function errorDetail(text: string): { message?: string; code?: string } {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && 'error' in body) {
      const e = (body as { error: unknown }).error;
      if (typeof e === 'string') return { message: clip(e) };
      if (e && typeof e === 'object') {
        const m = (e as { message?: unknown }).message;
        const c = (e as { code?: unknown }).code;
        return {
          ...(typeof m === 'string' ? { message: clip(m) } : {}),
          ...(typeof c === 'string' ? { code: c } : {}),
        };
      }
    }
    if (body && typeof body === 'object' && 'detail' in body) {
      const d = (body as { detail: unknown }).detail;
      return { message: clip(typeof d === 'string' ? d : JSON.stringify(d)) };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain ? { message: clip(plain) } : {};
}

function networkCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return cause instanceof Error ? cause.message : String(cause);
}

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'the configured URL';
  }
}
