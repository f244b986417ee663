import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../platform/http/schemas.js';
import type { HealthService } from './health.service.js';
import type { MetricsService } from './metrics.service.js';
import {
  HealthSchema,
  LivenessSchema,
  MetricsResponse,
  StatusSchema,
  WorkspaceScopeQuery,
} from './ops.schemas.js';
import type { StatusService } from './status.service.js';

const tags = ['ops'];

/** Root-level probes and metrics (`/health`, `/healthz`, `/metrics`), outside /api/v1. */
export const opsRootRoutes: FastifyPluginAsyncTypebox<{
  health: HealthService;
  metrics: MetricsService;
}> = async (app, { health, metrics }) => {
  app.get(
    '/health',
    {
      schema: {
        tags,
        summary: 'Health probe for external monitoring (no authentication)',
        security: [],
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_req, reply) => {
      const report = await health.health();
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness: the process answers HTTP (no authentication)',
        security: [],
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics (scrape token or metrics:read)',
        description:
          'Send `Authorization: Bearer <IRIS_METRICS_TOKEN>`, or any credential whose holder has ' +
          '`metrics:read` in the workspace (`workspace_id`, default: yours).',
        querystring: WorkspaceScopeQuery,
        response: { 200: MetricsResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const body = await metrics.scrape(req.principal, req.query.workspace_id);
      return reply.header('content-type', metrics.contentType).send(body);
    },
  );
};

/** `GET /api/v1/status`, registered under the API prefix. */
export const statusRoutes: FastifyPluginAsyncTypebox<{ status: StatusService }> = async (app, { status }) => {
  app.get(
    '/status',
    {
      schema: {
        tags,
        summary: 'Aggregated status of the workspace: nodes, recordings, health, uptime',
        querystring: WorkspaceScopeQuery,
        response: { 200: StatusSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => status.status(req.principal, req.query.workspace_id),
  );
};
