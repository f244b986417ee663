import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import { OutboxMailSchema, OutboxParams, OutboxQuery } from './accounts.schemas.js';
import type { OutboxService } from './outbox.service.js';

const tags = ['admin'];

export const outboxRoutes: FastifyPluginAsyncTypebox<{ outbox: OutboxService }> = async (app, { outbox }) => {
  app.get(
    '/admin/outbox',
    {
      schema: {
        tags,
        summary: 'Outgoing mail, newest first, with bodies (instance admins)',
        description:
          'Without IRIS_SMTP_URL this is where verification, reset and invitation links go. ' +
          'Instance admins only (a session, or an API key with the admin scope); reads are audited.',
        querystring: OutboxQuery,
        response: { 200: ListOf(OutboxMailSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit: _l, offset: _o, ...filter } = req.query;
      const page = clampPage(req.query);
      const { items, total } = await outbox.list(req.principal, filter, page);
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/admin/outbox/:id',
    {
      schema: {
        tags,
        summary: 'One outgoing mail (instance admins)',
        params: OutboxParams,
        response: { 200: OutboxMailSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => outbox.get(req.principal, req.params.id),
  );
};
