import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Id, Name, Strict, Timestamp, errorResponses } from '../../../platform/http/schemas.js';
import type { PluginsService } from './plugins.service.js';
import { useAgentRateLimits } from '../rate-limits.js';

const tags = ['agents'];

const ToolSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  input_schema: Type.Record(Type.String(), Type.Unknown()),
});
const PluginSchema = Type.Object({
  id: Id('plg'),
  workspace_id: Id('ws'),
  name: Type.String(),
  description: Type.String(),
  url: Type.String(),
  has_headers: Type.Boolean({ description: 'Headers are stored (and sent); they are never shown again.' }),
  tools: Type.Array(ToolSchema),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const PluginCreate = Strict({
  name: Name,
  url: Type.String({ minLength: 8, maxLength: 2_000, description: 'The MCP server (Streamable HTTP).' }),
  description: Type.Optional(Type.String({ maxLength: 2_000 })),
  headers: Type.Optional(
    Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 4_000 }), {
      maxProperties: 10,
      description: 'Sent with every request (e.g. `authorization`); write-only, stored encrypted.',
    }),
  ),
  workspace_id: Type.Optional(Id('ws')),
});
const CatalogueEntry = Type.Object({
  id: Type.String({ description: 'What an agent lists in `tools`.' }),
  kind: Type.Union([Type.Literal('builtin'), Type.Literal('mcp')]),
  name: Type.String(),
  description: Type.String(),
  plugin_id: Type.Optional(Id('plg')),
  plugin_name: Type.Optional(Type.String()),
});
const Params = Type.Object({ pluginId: Id('plg') });
const WorkspaceQuery = Type.Object({ workspace_id: Type.Optional(Id('ws')) });

/** Spec 002's plugins: the tool catalogue, and the external MCP servers behind part of it. */
export const pluginsRoutes: FastifyPluginAsyncTypebox<{ plugins: PluginsService }> = async (
  app,
  { plugins },
) => {
  useAgentRateLimits(app);
  app.get(
    '/plugins/catalogue',
    {
      schema: {
        tags,
        summary: 'Every tool an agent of the workspace may be given',
        querystring: WorkspaceQuery,
        response: {
          200: Type.Object({ items: Type.Array(CatalogueEntry) }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req) => ({ items: await plugins.catalogue(req.principal, req.query.workspace_id) }),
  );
  app.post(
    '/plugins',
    {
      schema: {
        tags,
        summary: 'Register an external MCP server; its tools join the catalogue',
        description:
          'Needs `plugin:manage` (admin). Iris connects at once and lists the tools; the server must be on a ' +
          'public address unless the instance allows internal ones (IRIS_WEBHOOKS_ALLOW_PRIVATE).',
        body: PluginCreate,
        response: { 201: PluginSchema, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => reply.status(201).send(await plugins.register(req.principal, req.body)),
  );
  app.get(
    '/plugins',
    {
      schema: {
        tags,
        summary: "The workspace's registered MCP servers",
        querystring: WorkspaceQuery,
        response: {
          200: Type.Object({ items: Type.Array(PluginSchema) }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req) => ({ items: await plugins.list(req.principal, req.query.workspace_id) }),
  );
  app.get(
    '/plugins/:pluginId',
    {
      schema: {
        tags,
        summary: 'Get a plugin',
        params: Params,
        response: { 200: PluginSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => plugins.get(req.principal, req.params.pluginId),
  );
  app.post(
    '/plugins/:pluginId/refresh',
    {
      schema: {
        tags,
        summary: "List the server's tools again",
        params: Params,
        response: { 200: PluginSchema, ...errorResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => plugins.refresh(req.principal, req.params.pluginId),
  );
  app.delete(
    '/plugins/:pluginId',
    {
      schema: {
        tags,
        summary: 'Remove a plugin; agents that listed its tools go on without them',
        params: Params,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await plugins.delete(req.principal, req.params.pluginId);
      return reply.status(204).send(null);
    },
  );
};
