/** What the API answered with an error status: `{ error: { code, message, request_id } }`. */
export class IrisApiError extends Error {
  override readonly name = 'IrisApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly details?: unknown,
    /** From `Retry-After` on 429/503, so callers can wait the server's time. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (refused, DNS, TLS, reset). */
export class IrisNetworkError extends Error {
  override readonly name = 'IrisNetworkError';

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Could not reach ${url}: ${reason(cause)}`, { cause });
  }
}

/** fetch says only "fetch failed"; the socket's error code (ECONNREFUSED…) is one level down. */
function reason(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause as { code?: unknown; message?: unknown } | undefined;
  if (inner && typeof inner.code === 'string')
    return `${inner.code}${typeof inner.message === 'string' ? ` (${inner.message})` : ''}`;
  return cause.message;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; request_id?: unknown; details?: unknown };
}

/** Seconds from a `Retry-After` header, which may also be an HTTP date. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * Builds the typed error from a response and its parsed body. Proxies and the tus
 * endpoint may answer with something else than the API's JSON, so every field falls back.
 */
export function apiErrorFrom(response: Response, body: unknown): IrisApiError {
  const e = (body && typeof body === 'object' ? (body as ErrorBody).error : undefined) ?? {};
  const text = typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : undefined;
  return new IrisApiError(
    response.status,
    typeof e.code === 'string' ? e.code : `HTTP_${response.status}`,
    typeof e.message === 'string' ? e.message : (text ?? `${response.status} ${response.statusText}`.trim()),
    typeof e.request_id === 'string' ? e.request_id : (response.headers.get('x-request-id') ?? undefined),
    e.details,
    retryAfterSeconds(response.headers.get('retry-after')),
  );
}

/** A response body for `apiErrorFrom`: JSON when it parses, else the text. */
export async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
