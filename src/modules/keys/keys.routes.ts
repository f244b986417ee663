import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import type { KeysService } from './keys.service.js';
import { ApiKeySchema, CreateKeyBody, CreatedKeySchema, KeyParams, ListKeysQuery } from './keys.schemas.js';

export interface KeysRoutesOptions {
  keys: KeysService;
  /**
   * Where the routes live inside the plugin's prefix: `/keys` under /api/v1 (spec 000)
   * and `/me/api-keys` under /api (spec 004). Same handlers, same service.
   */
  base: '/keys' | '/me/api-keys';
}

const tags = ['keys'];

export const keysRoutes: FastifyPluginAsyncTypebox<KeysRoutesOptions> = async (app, { keys, base }) => {
  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List your non-revoked API keys in a workspace (prefixes only)',
        description:
          'Defaults to your default workspace (or the workspace the calling key is bound to). ' +
          "`all=true` lists every member's keys and needs `auth:manage`.",
        querystring: ListKeysQuery,
        response: { 200: ListOf(ApiKeySchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await keys.list(req.principal, req.query, page);
      return pageOf(items, page, total);
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create an API key; the plaintext is returned once',
        description:
          'Session only: an API key cannot create or revoke API keys. Scopes default to `read` and ' +
          'cannot exceed what your access in the workspace allows.',
        body: CreateKeyBody,
        response: { 201: CreatedKeySchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const key = await keys.create(req.principal, req.body);
      return reply.status(201).header('cache-control', 'no-store').send({ key });
    },
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: 'Revoke an API key (effective on the next request)',
        description:
          "Session only. Your own keys, or a member's key in a workspace where you have `auth:manage`.",
        params: KeyParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await keys.revoke(req.principal, req.params.id);
      return reply.status(204).send(null);
    },
  );
};
