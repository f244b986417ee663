import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import {
  CreateGroupBody,
  GroupParams,
  GroupSchema,
  ListGroupsQuery,
  UpdateGroupBody,
  WorkspaceQuery,
} from './access.schemas.js';
import type { GroupsService } from './groups.service.js';

const tags = ['access'];
const needs = 'Needs `auth:manage` in the workspace (`workspace_id`, default: your default workspace).';

/** Spec 003 `/auth/groups`, with create, update and delete. */
export const groupsRoutes: FastifyPluginAsyncTypebox<{ groups: GroupsService }> = async (app, { groups }) => {
  app.get(
    '/auth/groups',
    {
      schema: {
        tags,
        summary: 'List groups with their roles, permissions and members',
        description: needs,
        querystring: ListGroupsQuery,
        response: { 200: ListOf(GroupSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await groups.list(req.principal, req.query.workspace_id, page);
      return pageOf(items, page, total);
    },
  );

  app.post(
    '/auth/groups',
    {
      schema: {
        tags,
        summary: 'Create a group; its roles and permissions are added to every member',
        description: `${needs} You cannot hand out permissions you do not hold.`,
        querystring: WorkspaceQuery,
        body: CreateGroupBody,
        response: { 201: GroupSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await groups.create(req.principal, req.query.workspace_id, req.body)),
  );

  app.get(
    '/auth/groups/:id',
    {
      schema: {
        tags,
        summary: 'One group',
        description: needs,
        params: GroupParams,
        querystring: WorkspaceQuery,
        response: { 200: GroupSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => groups.get(req.principal, req.query.workspace_id, req.params.id),
  );

  app.patch(
    '/auth/groups/:id',
    {
      schema: {
        tags,
        summary: 'Update a group (member_ids replaces the member list)',
        description: needs,
        params: GroupParams,
        querystring: WorkspaceQuery,
        body: UpdateGroupBody,
        response: { 200: GroupSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => groups.update(req.principal, req.query.workspace_id, req.params.id, req.body),
  );

  app.delete(
    '/auth/groups/:id',
    {
      schema: {
        tags,
        summary: 'Delete a group (its members lose what it gave them)',
        description: needs,
        params: GroupParams,
        querystring: WorkspaceQuery,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await groups.delete(req.principal, req.query.workspace_id, req.params.id);
      return reply.status(204).send(null);
    },
  );
};
