import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import {
  AccessBody,
  CreateUserBody,
  CreatedUserSchema,
  ListUsersQuery,
  PasswordBody,
  PasswordResultSchema,
  StatusBody,
  UserDetailSchema,
  UserParams,
  UserSummarySchema,
  WorkspaceQuery,
} from './access.schemas.js';
import type { AccessUsersService } from './users.service.js';

const tags = ['access'];
const needs = 'Needs `auth:manage` in the workspace (`workspace_id`, default: your default workspace).';

/** Spec 003 `/auth/users…`: members of a workspace and their access. */
export const usersRoutes: FastifyPluginAsyncTypebox<{ users: AccessUsersService }> = async (
  app,
  { users },
) => {
  app.get(
    '/auth/users',
    {
      schema: {
        tags,
        summary: 'List the members of a workspace with role, status, grants and groups',
        description: needs,
        querystring: ListUsersQuery,
        response: { 200: ListOf(UserSummarySchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { workspace_id, q, role, status } = req.query;
      const page = clampPage(req.query);
      const { items, total } = await users.list(req.principal, workspace_id, { q, role, status }, page);
      return pageOf(items, page, total);
    },
  );

  app.post(
    '/auth/users',
    {
      schema: {
        tags,
        summary: 'Add a person to the workspace, creating their account if the email is new',
        description:
          `${needs} A new account is verified; without a password the person gets an email to choose ` +
          'one. An existing account is only added to the workspace (its password is never changed here).',
        querystring: WorkspaceQuery,
        body: CreateUserBody,
        response: { 201: CreatedUserSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await users.create(req.principal, req.query.workspace_id, req.body)),
  );

  app.get(
    '/auth/users/:id',
    {
      schema: {
        tags,
        summary: 'One member, with effective permissions and the actions you may take on them',
        description: needs,
        params: UserParams,
        querystring: WorkspaceQuery,
        response: { 200: UserDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => users.get(req.principal, req.query.workspace_id, req.params.id),
  );

  app.patch(
    '/auth/users/:id/access',
    {
      schema: {
        tags,
        summary: "Change a member's role, extra permission grants and groups",
        description:
          `${needs} Only owners change owners; the last owner stays; you cannot grant permissions ` +
          'you do not hold.',
        params: UserParams,
        querystring: WorkspaceQuery,
        body: AccessBody,
        response: { 200: UserDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => users.updateAccess(req.principal, req.query.workspace_id, req.params.id, req.body),
  );

  app.patch(
    '/auth/users/:id/password',
    {
      schema: {
        tags,
        summary: "Set a member's password (ends their sessions) or email them a reset link",
        description:
          `${needs} Setting it directly also needs you to administer every workspace the user ` +
          'belongs to (or be the instance administrator); otherwise send `{"send_reset_email": true}`.',
        params: UserParams,
        querystring: WorkspaceQuery,
        body: PasswordBody,
        response: { 200: PasswordResultSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => users.password(req.principal, req.query.workspace_id, req.params.id, req.body),
  );

  app.patch(
    '/auth/users/:id/status',
    {
      schema: {
        tags,
        summary: 'Enable or disable a membership (a disabled member has no permissions here)',
        description: `${needs} You cannot disable yourself or the only active owner.`,
        params: UserParams,
        querystring: WorkspaceQuery,
        body: StatusBody,
        response: { 200: UserDetailSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => users.setStatus(req.principal, req.query.workspace_id, req.params.id, req.body.status),
  );

  app.delete(
    '/auth/users/:id',
    {
      schema: {
        tags,
        summary: 'Remove a member from the workspace (their keys and groups here go too)',
        description: `${needs} The account itself stays.`,
        params: UserParams,
        querystring: WorkspaceQuery,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await users.remove(req.principal, req.query.workspace_id, req.params.id);
      return reply.status(204).send(null);
    },
  );
};
