import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import {
  TypeBoxValidatorCompiler,
  registerAjvFormats,
  type TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { Container } from './container.js';
import { frameworkErrors, installErrorHandling } from './platform/http/errors.js';
import { installAuthentication } from './platform/http/principal-hook.js';
import { installRateLimit } from './platform/http/rate-limit.js';
import { ErrorBody } from './platform/http/schemas.js';
import { newId } from './platform/ids.js';
import { workspacesRoutes } from './modules/workspaces/workspaces.routes.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { outboxRoutes } from './modules/accounts/outbox.routes.js';
import { oidcRoutes } from './modules/accounts/oidc.routes.js';
import { keysRoutes } from './modules/keys/keys.routes.js';
import { accessRoutes } from './modules/access/access.routes.js';
import { installHttpMetrics } from './modules/ops/metrics.js';
import { opsRootRoutes, statusRoutes } from './modules/ops/ops.routes.js';
import { blobsRoutes } from './modules/blobs/blobs.routes.js';
import { recordingsRoutes } from './modules/recordings/recordings.routes.js';
import { framesRoutes } from './modules/recordings/frames.routes.js';
import { tusRoutes } from './modules/recordings/tus.routes.js';
import { publicShareRoutes, sharesRoutes } from './modules/sharing/shares.routes.js';
import { sharePageRoutes } from './modules/sharing/share-page.routes.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { contextRoutes } from './modules/recordings/context.routes.js';
import { webRoutes } from './modules/web/web.routes.js';
import { mcpRoutes } from './mcp/http.js';
import { VERSION } from './version.js';

registerAjvFormats();

export const API_PREFIX = '/api/v1';

export interface BuildOptions {
  /** Sees every route as it is added (the route table for tests and tooling). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * Requests Node's HTTP parser rejects (bad header characters, broken framing) never reach
 * a route; answer them with the same error envelope as everything else, then close.
 */
function rejectMalformedHttp(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify({
    error: {
      code: 'INVALID_REQUEST',
      message: tooLarge ? 'Request headers are too large.' : 'Malformed HTTP request.',
      request_id: newId('req'),
    },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Builds the HTTP app over a container; tests use it with `app.inject`. */
export async function buildApp(c: Container, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    trustProxy: c.config.trustProxy,
    bodyLimit: c.config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: () => newId('req'),
    // Room for a signed blob URL's token: a 1,024-byte key is 1,366 base64url characters.
    // Ids are far shorter and every param is schema-checked anyway.
    routerOptions: { maxParamLength: 1400, ignoreTrailingSlash: true },
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler: rejectMalformedHttp,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.addSchema(ErrorBody);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installErrorHandling(app);
  installAuthentication(app, c.authenticator);
  // After authentication: the bucket is the workspace the principal acts in.
  installRateLimit(app, c.rateLimiter);
  installHttpMetrics(app, c.metrics);
  // Before any route: the OpenAPI generator learns routes through an onRoute hook.
  await registerOpenApi(app, { version: VERSION, apiPrefix: API_PREFIX });
  await app.register(opsRootRoutes, { health: c.health, metrics: c.metricsAccess });

  await app.register(
    async (api) => {
      await api.register(workspacesRoutes, { workspaces: c.workspaces });
      await api.register(auditRoutes, { auditQuery: c.auditQuery });
      await api.register(accountsRoutes, {
        accounts: c.accounts,
        profile: c.profile,
        emails: c.accountEmails,
      });
      await api.register(outboxRoutes, { outbox: c.outbox });
      await api.register(oidcRoutes, {
        oidc: c.oidc,
        secureCookies: c.config.publicUrl.startsWith('https:'),
      });
      await api.register(keysRoutes, { keys: c.keys, base: '/keys' });
      await api.register(accessRoutes, { accessAdmin: c.accessAdmin });
      await api.register(statusRoutes, { status: c.status });
      await api.register(recordingsRoutes, {
        recordings: c.recordings.recordings,
        uploads: c.recordings.uploads,
        maxUploadBytes: c.recordings.maxUploadBytes,
      });
      await api.register(contextRoutes, { context: c.recordings.contextService });
      await api.register(framesRoutes, { frames: c.recordings.framesService });
      await api.register(tusRoutes, { tus: c.recordings.tus });
      await api.register(sharesRoutes, { shares: c.sharing.shares });
      await api.register(publicShareRoutes, { publicShares: c.sharing.publicShares });
      await api.register(searchRoutes, { search: c.search.service });
      await api.register(blobsRoutes, { links: c.blobLinks });
    },
    { prefix: API_PREFIX },
  );
  // Spec 004's unversioned key paths, served by the same handlers.
  await app.register(keysRoutes, { keys: c.keys, base: '/me/api-keys', prefix: '/api' });
  // The public page of a share link lives at the root, where people open it.
  await app.register(sharePageRoutes, { publicShares: c.sharing.publicShares });
  // MCP clients (AI assistants) at /mcp, outside the versioned REST API.
  await app.register(mcpRoutes, { deps: c });
  // The dashboard at `/`; its catch-all never shadows the routes above.
  await app.register(webRoutes);

  return app;
}
