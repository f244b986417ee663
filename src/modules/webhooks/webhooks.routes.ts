import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import {
  CreateWebhookBody,
  DeliveryParams,
  DeliverySchema,
  EventTypesSchema,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  UpdateWebhookBody,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

const tags = ['webhooks'];
const notFoundNote = "Another workspace's webhook answers 404, like one that does not exist.";
const signing =
  'Deliveries follow Standard Webhooks: a POST with the JSON body `{type, timestamp, data}` and the headers ' +
  '`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of ' +
  '`<id>.<timestamp>.<body>` with the secret, space-separated entries while a rotated secret overlaps). ' +
  'Any 2xx within 10 s is a success; redirects are not followed; failures retry with backoff.';

/** Workspace webhooks: subscriptions, secrets, the delivery log, test and redelivery. */
export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (
  app,
  { webhooks },
) => {
  app.get(
    '/webhooks/event-types',
    {
      schema: {
        tags,
        summary: 'The event types a webhook can subscribe to',
        description: 'Declared by the modules of this instance; `*` subscribes to all of them.',
        response: { 200: EventTypesSchema, ...errorResponses(401, 429) },
      },
    },
    async (req) => ({ items: webhooks.eventTypes(req.principal) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the signing secret is returned once',
        description:
          'Needs `webhook:manage` (admin scope) in the workspace (the key’s, or `workspace_id`). The URL must ' +
          'resolve to public addresses only (checked now and before every delivery). ' +
          signing,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecretSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .header('cache-control', 'no-store')
        .send(await webhooks.create(req.principal, req.body)),
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: "List a workspace's webhooks, newest first (never their secrets)",
        querystring: ListWebhooksQuery,
        response: { 200: ListOf(WebhookSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await webhooks.list(req.principal, req.query.workspace_id, page);
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/webhooks/:webhookId',
    {
      schema: {
        tags,
        summary: 'Get a webhook (never its secret)',
        description: notFoundNote,
        params: WebhookParams,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => webhooks.get(req.principal, req.params.webhookId),
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      schema: {
        tags,
        summary: 'Change the URL, events, description or enabled state',
        description:
          'Re-enabling a disabled webhook (`enabled: true`) clears `disabled_reason` and resets `failure_count`. ' +
          notFoundNote,
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => webhooks.update(req.principal, req.params.webhookId, req.body),
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      schema: {
        tags,
        summary: 'Delete a webhook and its delivery log',
        description: `Pending deliveries are dropped. ${notFoundNote}`,
        params: WebhookParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await webhooks.delete(req.principal, req.params.webhookId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/webhooks/:webhookId/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret; the new one is returned once',
        description:
          'The old secret keeps signing beside the new one until `previous_secret_expires_at` (24 h by ' +
          'default): during the overlap `webhook-signature` carries one `v1,…` entry per secret, so the ' +
          `receiver can switch at its own pace. ${notFoundNote}`,
        params: WebhookParams,
        response: { 200: WebhookWithSecretSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await webhooks.rotateSecret(req.principal, req.params.webhookId)),
  );

  app.post(
    '/webhooks/:webhookId/test',
    {
      schema: {
        tags,
        summary: 'Send a `webhook.test` event now (whatever events the webhook subscribes to)',
        description: `Answers 202 with the queued delivery; follow it in the delivery log. 409 when the webhook is disabled. ${notFoundNote}`,
        params: WebhookParams,
        response: { 202: DeliverySchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.status(202).send(await webhooks.test(req.principal, req.params.webhookId)),
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log of a webhook, newest first',
        description: `Each delivery: the body sent, attempts, status, the last answer (status and its first characters) or error, and when the next attempt is due. Kept 30 days. ${notFoundNote}`,
        params: WebhookParams,
        querystring: ListDeliveriesQuery,
        response: { 200: ListOf(DeliverySchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await webhooks.deliveries(
        req.principal,
        req.params.webhookId,
        req.query.status,
        page,
      );
      return pageOf(items, page, total);
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries/:deliveryId',
    {
      schema: {
        tags,
        summary: 'One delivery of a webhook',
        description: notFoundNote,
        params: DeliveryParams,
        response: { 200: DeliverySchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => webhooks.delivery(req.principal, req.params.webhookId, req.params.deliveryId),
  );

  app.post(
    '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a delivered (or failed) message again',
        description:
          'A new delivery with the same body and `webhook-id` (receivers can deduplicate on it), with its own ' +
          `attempts. 409 when the webhook is disabled. ${notFoundNote}`,
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) =>
      reply
        .status(202)
        .send(await webhooks.redeliver(req.principal, req.params.webhookId, req.params.deliveryId)),
  );
};
