import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unauthorized } from '../../errors.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { CatalogueSchema, PoliciesSchema, ReplacePoliciesBody, WorkspaceQuery } from './access.schemas.js';
import { permissionCatalogue } from './catalogue.js';
import type { PoliciesService } from './policies.service.js';

const tags = ['access'];
const needs = 'Needs `auth:manage` in the workspace (`workspace_id`, default: your default workspace).';

/** Spec 003 `/auth/access-policies`, and the permission catalogue the editors need. */
export const policiesRoutes: FastifyPluginAsyncTypebox<{ policies: PoliciesService }> = async (
  app,
  { policies },
) => {
  app.get(
    '/auth/access-policies',
    {
      schema: {
        tags,
        summary: "The workspace's access policies, in order",
        description: needs,
        querystring: WorkspaceQuery,
        response: { 200: PoliciesSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => policies.get(req.principal, req.query.workspace_id),
  );

  app.patch(
    '/auth/access-policies',
    {
      schema: {
        tags,
        summary: "Replace the workspace's whole policy set atomically",
        description:
          `${needs} Deny beats allow. Subjects must be this workspace's roles, groups and members; ` +
          '`ip_cidrs` must be IP addresses or CIDR ranges. At most 100 policies of at most 100 entries ' +
          'per list. An owner never loses `auth:manage` to a policy.',
        querystring: WorkspaceQuery,
        body: ReplacePoliciesBody,
        response: { 200: PoliciesSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => policies.replace(req.principal, req.query.workspace_id, req.body.policies),
  );

  app.get(
    '/auth/permissions',
    {
      schema: {
        tags,
        summary: 'The permission catalogue: permissions with levels, roles and key scopes',
        response: { 200: CatalogueSchema, ...errorResponses(401) },
      },
    },
    async (req) => {
      if (req.principal.kind === 'anonymous') throw unauthorized();
      return permissionCatalogue();
    },
  );
};
