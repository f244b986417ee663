import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { RateLimitClass, RateLimitDecision, RateLimiter } from '../ratelimit/limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** null until the limiter has seen the request; 'skipped' when it failed open. */
    rateLimit: RateLimitDecision | 'skipped' | null;
  }
}

/** Served under the API prefixes yet never limited: the contract must always be readable. */
const EXEMPT = new Set(['/api/v1/openapi.json']);

/**
 * `/api/*` (and spec 002's unversioned `/v1/*`, the public share pages `/share/*` and
 * the MCP endpoint `/mcp`) are limited; `/health`, `/healthz`,
 * `/metrics` and `/docs` live outside them. CORS preflights cost nothing.
 */
export function isRateLimited(method: string, url: string): boolean {
  if (method === 'OPTIONS') return false;
  const path = url.split('?', 1)[0]!;
  if (EXEMPT.has(path)) return false;
  // `/share/:id` is the public share page: anonymous, so limited per client address.
  return (
    path === '/api' ||
    /^\/mcp\/?$/.test(path) ||
    path.startsWith('/api/') ||
    path.startsWith('/v1/') ||
    path.startsWith('/share/')
  );
}

const SUBJECT_NAME = { workspace: 'this workspace', user: 'this account', client: 'this client address' };

/**
 * Headers on every limited response, success or error:
 *   X-RateLimit-Limit      requests per window for this bucket (plan rate)
 *   X-RateLimit-Remaining  requests that can be made right now
 *   X-RateLimit-Reset      whole seconds until the bucket is full again (a delay, not
 *                          a timestamp; the bucket refills continuously, one request
 *                          every window/limit, so there is no hard reset edge)
 *   RateLimit              the IETF draft form of the three: `limit=60, remaining=59, reset=1`
 *   RateLimit-Policy       `60;w=60` (limit per window of w seconds)
 * and on 429, `Retry-After`: whole seconds until the next request is admitted.
 */
export function rateLimitHeaders(d: RateLimitDecision): Record<string, string> {
  const reset = Math.ceil(d.resetMs / 1000);
  return {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(reset),
    ratelimit: `limit=${d.limit}, remaining=${d.remaining}, reset=${reset}`,
    'ratelimit-policy': `${d.limit};w=${Math.round(d.windowMs / 1000)}`,
  };
}

export const retryAfterSeconds = (d: RateLimitDecision) => Math.max(1, Math.ceil(d.retryAfterMs / 1000));

export function rateLimitError(d: RateLimitDecision): AppError {
  const perWindow = d.windowMs === 60_000 ? 'minute' : `${Math.round(d.windowMs / 1000)} s`;
  return new AppError(
    'RATE_LIMIT_EXCEEDED',
    `Rate limit of ${d.limit} requests per ${perWindow} exceeded for ${SUBJECT_NAME[d.subject.scope]}; ` +
      `retry in ${retryAfterSeconds(d)} s.`,
  );
}

/**
 * Applies the limiter to every API request. Register after installAuthentication:
 * the onRequest hook needs the principal. A request whose credentials were refused
 * never reaches that hook, so onSend charges it to its client address (token
 * guessing is throttled like any anonymous flood) and adds the headers there.
 */
export function installRateLimit(app: FastifyInstance, limiter: RateLimiter): void {
  app.decorateRequest('rateLimit', null);

  const decide = async (request: FastifyRequest): Promise<RateLimitDecision | 'skipped'> => {
    try {
      const cls = (request.routeOptions.config as { rateLimitClass?: RateLimitClass } | undefined)
        ?.rateLimitClass;
      return await limiter.check(request.principal, request.query, request.ip, cls);
    } catch (err) {
      // Failing to work out the bucket (database trouble) must not refuse the request.
      request.log.warn({ err }, 'rate limit check failed; request let through');
      return 'skipped';
    }
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!isRateLimited(request.method, request.url)) return;
    const decision = (request.rateLimit = await decide(request));
    if (decision === 'skipped') return;
    reply.headers(rateLimitHeaders(decision));
    if (!decision.allowed) {
      reply.header('retry-after', String(retryAfterSeconds(decision)));
      throw rateLimitError(decision);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.rateLimit !== null || !isRateLimited(request.method, request.url)) return payload;
    const decision = (request.rateLimit = await decide(request));
    if (decision === 'skipped') return payload;
    reply.headers(rateLimitHeaders(decision));
    if (decision.allowed) return payload;
    const err = rateLimitError(decision);
    reply.removeHeader('www-authenticate');
    reply.header('retry-after', String(retryAfterSeconds(decision)));
    reply.header('content-type', 'application/json; charset=utf-8');
    reply.code(err.status);
    return JSON.stringify({ error: { code: err.code, message: err.message, request_id: request.id } });
  });
}
