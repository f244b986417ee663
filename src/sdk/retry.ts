import { IrisNetworkError, retryAfterSeconds } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  retries?: number;
  /** First backoff step; doubles each attempt, with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** Longest wait; a `Retry-After` beyond it is not waited for, the error is returned. Default 30 s. */
  maxDelayMs?: number;
  /** Injected in tests to move a fake clock instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  method: string;
  url: string;
  status?: number;
  error?: unknown;
}

// Safe to send twice: the server's effect is the same (RFC 9110 §9.2.2).
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps fetch with bounded retries. 429 is retried for every method (the rate limiter
 * refuses before the handler runs, so nothing happened); 503 and network failures only
 * for idempotent methods, since a POST may have taken effect before the failure.
 */
export function retryingFetch(
  fetchImpl: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
): (request: Request) => Promise<Response> {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? wait;
  const random = options.random ?? Math.random;
  const backoff = (attempt: number) => Math.round(random() * Math.min(max, base * 2 ** attempt));

  return async (request) => {
    const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let response: Response;
      try {
        response = await fetchImpl(last ? request : request.clone());
      } catch (error) {
        if (request.signal.aborted) throw error;
        if (last || !idempotent) throw new IrisNetworkError(request.url, error);
        const delayMs = backoff(attempt);
        options.onRetry?.({ attempt: attempt + 1, delayMs, method: request.method, url: request.url, error });
        await sleep(delayMs);
        continue;
      }
      const retryable = response.status === 429 || (response.status === 503 && idempotent);
      if (!retryable || last) return response;
      const told = retryAfterSeconds(response.headers.get('retry-after'));
      if (told !== undefined && told * 1000 > max) return response;
      // The server's hint wins; jitter on top spreads clients that were refused together.
      const delayMs = told !== undefined ? Math.ceil(told * 1000) + backoff(0) : backoff(attempt);
      await response.body?.cancel();
      options.onRetry?.({
        attempt: attempt + 1,
        delayMs,
        method: request.method,
        url: request.url,
        status: response.status,
      });
      await sleep(delayMs);
    }
  };
}
