import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { anonymous, type Principal } from '../auth/principal.js';
import { unauthorized } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Authenticates every request once, before validation, and hangs the principal on it. */
export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const meta = { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id };
    request.principal = anonymous(meta);
    try {
      request.principal = await authenticator.authenticate(request.headers, meta);
    } catch (err) {
      // Public routes (probes, the OpenAPI document, docs) answer whatever token came
      // along; a monitoring probe with a stale header must not see 401.
      if (!isPublicRoute(request)) throw err;
    }
  });
}

/** Routes that declare `security: []` in their schema need no credentials. */
function isPublicRoute(request: FastifyRequest): boolean {
  const security = (request.routeOptions.schema as { security?: unknown[] } | undefined)?.security;
  return (Array.isArray(security) && security.length === 0) || request.url.startsWith('/docs');
}

/** For routes that need a signed-in person (not just any credential). */
export function requireUser(request: FastifyRequest): Principal & { userId: string } {
  const p = request.principal;
  if (p.kind !== 'user' || !p.userId) throw unauthorized();
  return p as Principal & { userId: string };
}
