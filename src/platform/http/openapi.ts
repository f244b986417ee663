import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../../errors.js';

export interface OpenApiOptions {
  version: string;
  /** Where the JSON document is served: `${apiPrefix}/openapi.json`. */
  apiPrefix: string;
  /** The docs page (Swagger UI, assets served from the package, works offline). */
  docsPrefix?: string;
}

/** Tags with a description; routes may use others, which are listed without one. */
const TAGS = [
  { name: 'auth', description: 'Sign-up, sessions, email verification, password reset and your account.' },
  { name: 'workspaces', description: 'Workspaces, members, invitations and usage.' },
  {
    name: 'keys',
    description: 'API keys (`ir_live_…`): shown once, stored hashed, scoped read/write/admin.',
  },
  { name: 'access', description: 'RBAC administration: users, groups, access policies, permissions.' },
  { name: 'admin', description: 'Instance administration (the mail outbox).' },
  { name: 'audit', description: 'The audit log: every mutation and every denied attempt.' },
  { name: 'ops', description: 'Health, liveness, status and Prometheus metrics.' },
  { name: 'docs', description: 'This document.' },
];

/** The closed error-code list, rendered into the document so SDKs and people see it. */
function errorCodeTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((c) => `| \`${c}\` | ${ERROR_CODES[c]} |`);
  return [
    'The Iris REST API. Authenticate with `Authorization: Bearer <token>`: a session token, an API key',
    '(`ir_live_…`) or a node credential. JSON bodies and responses use snake_case, ISO-8601 UTC',
    'timestamps and prefixed string ids; lists are `{ items, pagination: { limit, offset, total } }`.',
    '',
    'Every error has the shape `{ "error": { "code", "message", "request_id" } }` (schema `Error`),',
    'and `code` is one of this closed list:',
    '',
    '| code | HTTP status |',
    '|---|---|',
    ...rows,
    '',
    'Rate limits are per workspace and plan (free 60, pro and team 600 requests a minute, burst-friendly).',
    'Every `/api` response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`',
    '(seconds until the budget is full again) and `RateLimit`/`RateLimit-Policy`; a 429 carries `Retry-After`.',
  ].join('\n');
}

// In Fastify's response-schema form; @fastify/swagger turns it into an OpenAPI response.
const RATE_LIMITED = {
  description: 'Rate limit exceeded; retry after `Retry-After` seconds.',
  headers: {
    'Retry-After': { type: 'integer', description: 'Seconds to wait.' },
    'X-RateLimit-Limit': { type: 'integer' },
    'X-RateLimit-Remaining': { type: 'integer' },
    'X-RateLimit-Reset': { type: 'integer', description: 'Seconds until the budget is full again.' },
  },
  allOf: [{ $ref: 'Error#' }],
};

/** Adds the 429 answer to every rate-limited route in the document (not to the routes). */
function withRateLimitResponse({ schema, url }: { schema: Record<string, unknown>; url: string }) {
  const publicRoute = Array.isArray(schema?.security) && (schema.security as unknown[]).length === 0;
  if (!url.startsWith('/api') || publicRoute || !schema) return { schema, url };
  const response = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
  response['429'] ??= RATE_LIMITED;
  return { schema: { ...schema, response }, url };
}

/**
 * OpenAPI 3.1 generated from the route schemas. Must be registered before any route
 * plugin: @fastify/swagger learns routes through an onRoute hook.
 */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Iris API', version: options.version, description: errorCodeTable() },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Session JWT, API key (`ir_live_…`) or node credential.',
          },
        },
      },
      security: [{ bearer: [] }],
      tags: TAGS,
    },
    transform: withRateLimitResponse as never,
    // Shared schemas keep their $id as the component name, so error responses read
    // `#/components/schemas/Error` instead of an anonymous `def-0`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });

  await app.register(swaggerUi, {
    routePrefix: options.docsPrefix ?? '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list' },
    theme: { title: 'Iris API' },
  });

  app.get(
    `${options.apiPrefix}/openapi.json`,
    {
      schema: {
        tags: ['docs'],
        summary: 'This OpenAPI 3.1 document (no authentication)',
        security: [],
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async () => app.swagger(),
  );
}
