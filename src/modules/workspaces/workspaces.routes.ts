import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, PaginationQuery, Strict, errorResponses } from '../../platform/http/schemas.js';
import type { WorkspacesService } from './workspaces.service.js';
import {
  AcceptInviteBody,
  ChangeRoleBody,
  CreateWorkspaceBody,
  InviteBody,
  InviteParams,
  InviteSchema,
  MemberParams,
  MemberSchema,
  UpdateWorkspaceBody,
  UsageSchema,
  WorkspaceParams,
  WorkspaceSchema,
} from './workspaces.schemas.js';

const tags = ['workspaces'];

export const workspacesRoutes: FastifyPluginAsyncTypebox<{ workspaces: WorkspacesService }> = async (
  app,
  { workspaces },
) => {
  app.get(
    '/workspaces',
    {
      schema: {
        tags,
        summary: 'List workspaces you belong to',
        querystring: Strict(PaginationQuery),
        response: { 200: ListOf(WorkspaceSchema), ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await workspaces.list(req.principal, page);
      return pageOf(items, page, total);
    },
  );

  app.post(
    '/workspaces',
    {
      schema: {
        tags,
        summary: 'Create a workspace (you become its owner)',
        body: CreateWorkspaceBody,
        response: { 201: WorkspaceSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (req, reply) => reply.status(201).send(await workspaces.create(req.principal, req.body)),
  );

  app.get(
    '/workspaces/:id',
    {
      schema: {
        tags,
        summary: 'One workspace, with your role and permissions',
        params: WorkspaceParams,
        response: { 200: WorkspaceSchema, ...errorResponses(401, 404) },
      },
    },
    async (req) => workspaces.get(req.principal, req.params.id),
  );

  app.patch(
    '/workspaces/:id',
    {
      schema: {
        tags,
        summary: 'Rename (owner/admin); change plan (instance admin)',
        params: WorkspaceParams,
        body: UpdateWorkspaceBody,
        response: { 200: WorkspaceSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => workspaces.update(req.principal, req.params.id, req.body),
  );

  const Rate = Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()]);
  const Rates = Type.Object({ requests_per_minute: Rate, agent_requests_per_minute: Rate });
  const RateLimitsSchema = Type.Object({
    workspace_id: Type.String(),
    plan: Type.String(),
    plan_limits: Type.Object({
      requests_per_minute: Type.Integer(),
      agent_requests_per_minute: Type.Integer(),
    }),
    custom: Rates,
    effective: Type.Object({
      requests_per_minute: Type.Integer(),
      agent_requests_per_minute: Type.Integer(),
    }),
  });

  app.get(
    '/workspaces/:id/rate-limits',
    {
      schema: {
        tags,
        summary: "The workspace's request rates: its plan's, custom ones, and what applies",
        params: WorkspaceParams,
        response: { 200: RateLimitsSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => workspaces.rateLimits(req.principal, req.params.id),
  );

  app.put(
    '/workspaces/:id/rate-limits',
    {
      schema: {
        tags,
        summary: 'Set custom rates (instance administrator; null keeps the plan’s)',
        description:
          'Spec 002’s Enterprise tier: `requests_per_minute` for the API, `agent_requests_per_minute` for the ' +
          'agents API’s own bucket. Applies at once on this process, within 30 s on the others.',
        params: WorkspaceParams,
        body: Type.Object(
          { requests_per_minute: Rate, agent_requests_per_minute: Rate },
          { additionalProperties: false },
        ),
        response: { 200: RateLimitsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => workspaces.setRateLimits(req.principal, req.params.id, req.body),
  );

  app.delete(
    '/workspaces/:id',
    {
      schema: {
        tags,
        summary: 'Delete a workspace and everything in it (owner)',
        params: WorkspaceParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await workspaces.delete(req.principal, req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/workspaces/:id/members',
    {
      schema: {
        tags,
        summary: 'Members and pending invites',
        params: WorkspaceParams,
        response: {
          200: Type.Object({
            items: Type.Array(MemberSchema),
            invites: Type.Array(InviteSchema),
            pagination: Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer() }),
          }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (req) => {
      const { members, invites } = await workspaces.members(req.principal, req.params.id);
      return {
        items: members,
        invites,
        pagination: { limit: members.length, offset: 0, total: members.length },
      };
    },
  );

  app.patch(
    '/workspaces/:id/members/:userId',
    {
      schema: {
        tags,
        summary: "Change a member's role",
        params: MemberParams,
        body: ChangeRoleBody,
        response: { 200: MemberSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => workspaces.changeRole(req.principal, req.params.id, req.params.userId, req.body.role),
  );

  app.delete(
    '/workspaces/:id/members/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member, or leave when it is yourself',
        params: MemberParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await workspaces.removeMember(req.principal, req.params.id, req.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/workspaces/invite',
    {
      schema: {
        tags,
        summary: 'Email an invitation',
        body: InviteBody,
        response: { 201: InviteSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await workspaces.invite(req.principal, { ...req.body, role: req.body.role ?? 'viewer' })),
  );

  app.post(
    '/workspaces/invites/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation sent to your email',
        body: AcceptInviteBody,
        response: { 200: WorkspaceSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => workspaces.acceptInvite(req.principal, req.body.token),
  );

  app.delete(
    '/workspaces/:id/invites/:inviteId',
    {
      schema: {
        tags,
        summary: 'Revoke a pending invitation',
        params: InviteParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await workspaces.revokeInvite(req.principal, req.params.id, req.params.inviteId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/workspaces/:id/usage',
    {
      schema: {
        tags,
        summary: 'Current month usage against the plan',
        params: WorkspaceParams,
        response: { 200: UsageSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => workspaces.usage(req.principal, req.params.id),
  );
};
