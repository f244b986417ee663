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
import { registerOpenApi } from './platform/http/openapi.js';
import { installHttpMetrics } from './modules/ops/metrics.js';
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
  await app.register(
    async (api) => {
      for (const module of c.modules)
        for (const r of module.routes ?? []) if (r.mount === 'api') await r.register(api);
    },
    { prefix: API_PREFIX },
  );
  for (const module of c.modules)
    for (const r of module.routes ?? []) if (r.mount === 'root') await r.register(app);

  return app;
}
