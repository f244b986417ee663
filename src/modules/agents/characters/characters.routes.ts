import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../../platform/http/pagination.js';
import { useAgentRateLimits } from '../rate-limits.js';
import {
  Id,
  ListOf,
  Name,
  PaginationQuery,
  Strict,
  Timestamp,
  errorResponses,
} from '../../../platform/http/schemas.js';
import type { CharactersService } from './characters.service.js';

const tags = ['agents'];

const CharacterSchema = Type.Object({
  id: Id('chr'),
  workspace_id: Id('ws'),
  name: Type.String(),
  description: Type.String(),
  persona: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const fields = {
  description: Type.String({ maxLength: 2_000 }),
  persona: Type.String({
    minLength: 1,
    maxLength: 10_000,
    description: "How agents with this character speak (added to a language model's system prompt).",
  }),
};
const CharacterCreate = Strict({
  name: Name,
  workspace_id: Type.Optional(Id('ws')),
  ...fields,
  description: Type.Optional(fields.description),
});
const CharacterPatch = Strict({
  name: Type.Optional(Name),
  description: Type.Optional(fields.description),
  persona: Type.Optional(fields.persona),
});
const Params = Type.Object({ characterId: Id('chr') });
const ListQuery = Type.Object({ ...PaginationQuery, workspace_id: Type.Optional(Id('ws')) });

/** Spec 002's characters: persona presets an agent takes with `character_id`. */
export const charactersRoutes: FastifyPluginAsyncTypebox<{ characters: CharactersService }> = async (
  app,
  { characters },
) => {
  useAgentRateLimits(app);
  app.post(
    '/characters',
    {
      schema: {
        tags,
        summary: 'Create a character (a persona preset for agents)',
        body: CharacterCreate,
        response: { 201: CharacterSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await characters.create(req.principal, req.body)),
  );
  app.get(
    '/characters',
    {
      schema: {
        tags,
        summary: "A workspace's characters, newest first",
        querystring: ListQuery,
        response: { 200: ListOf(CharacterSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await characters.list(req.principal, req.query.workspace_id, page);
      return pageOf(items, page, total);
    },
  );
  app.get(
    '/characters/:characterId',
    {
      schema: {
        tags,
        summary: 'Get a character',
        params: Params,
        response: { 200: CharacterSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => characters.get(req.principal, req.params.characterId),
  );
  app.patch(
    '/characters/:characterId',
    {
      schema: {
        tags,
        summary: 'Change a character; agents that took it speak the new way from their next reply',
        params: Params,
        body: CharacterPatch,
        response: { 200: CharacterSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => characters.update(req.principal, req.params.characterId, req.body),
  );
  app.delete(
    '/characters/:characterId',
    {
      schema: {
        tags,
        summary: 'Delete a character; agents that took it keep going without one',
        params: Params,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await characters.delete(req.principal, req.params.characterId);
      return reply.status(204).send(null);
    },
  );
};
