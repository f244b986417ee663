import { Type, type Static, type TSchema } from 'typebox';
import { Id, NullableTimestamp, PaginationQuery, Strict, Timestamp } from '../../platform/http/schemas.js';
import { DELIVERY_STATUSES } from './webhooks.repository.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const WebhookUrl = Type.String({
  minLength: 8,
  maxLength: 2048,
  description:
    'An http(s) URL that must resolve to public addresses only (unless the instance allows internal ones ' +
    'with IRIS_WEBHOOKS_ALLOW_PRIVATE).',
});

const EventName = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'An event type (`GET /webhooks/event-types`), or `*` for every event.',
});

const Events = Type.Array(EventName, { minItems: 1, maxItems: 50, uniqueItems: true });
const Description = Type.String({ maxLength: 500 });

const webhookProperties = {
  id: Type.String({ description: 'A `whk_…` id.' }),
  workspace_id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean({ description: 'Off: nothing is sent (also set by the automatic disable).' }),
  disabled_reason: Nullable(Type.String()),
  failure_count: Type.Integer({
    description: 'Consecutive deliveries that failed for good; reset by a success or by re-enabling.',
  }),
  previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
    description: 'After a rotation, the old secret signs alongside the new one until then.',
  }),
  created_by: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
};

/** What every read shows: the signing secret never is part of it. */
export const WebhookSchema = Type.Object(webhookProperties);

export const WebhookWithSecretSchema = Type.Object({
  ...webhookProperties,
  secret: Type.String({
    description:
      'The signing secret (`whsec_…`, Standard Webhooks). Shown only in this response: store it now.',
  }),
});

export const CreateWebhookBody = Strict({
  url: WebhookUrl,
  events: Events,
  description: Type.Optional(Description),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  workspace_id: Type.Optional(Id('ws')),
});

export const UpdateWebhookBody = Strict({
  url: Type.Optional(WebhookUrl),
  events: Type.Optional(Events),
  description: Type.Optional(Description),
  enabled: Type.Optional(
    Type.Boolean({ description: 'true on a disabled webhook re-enables it and resets failure_count.' }),
  ),
});

export const ListWebhooksQuery = Strict({
  workspace_id: Type.Optional(Id('ws')),
  ...PaginationQuery,
});

export const WebhookParams = Strict({ webhookId: Id('whk') });
export const DeliveryParams = Strict({ webhookId: Id('whk'), deliveryId: Id('whd') });

export const DeliveryStatusSchema = Type.Enum(DELIVERY_STATUSES);

export const ListDeliveriesQuery = Strict({
  status: Type.Optional(DeliveryStatusSchema),
  ...PaginationQuery,
});

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'A `whd_…` id.' }),
  webhook_id: Type.String(),
  message_id: Type.String({
    description: 'The `webhook-id` header: the same on every attempt and on redeliveries of the message.',
  }),
  event_type: Type.String(),
  payload: Type.Object(
    {
      type: Type.String(),
      timestamp: Timestamp,
      data: Type.Record(Type.String(), Type.Unknown()),
    },
    { description: 'The JSON body sent (and signed).' },
  ),
  attempts: Type.Integer(),
  status: DeliveryStatusSchema,
  last_response_status: Nullable(Type.Integer()),
  last_response_body: Nullable(
    Type.String({ description: "The start of the receiver's last answer (a few hundred characters)." }),
  ),
  last_error: Nullable(Type.String()),
  next_attempt_at: NullableTimestamp,
  last_attempt_at: NullableTimestamp,
  created_at: Timestamp,
  delivered_at: NullableTimestamp,
});

export const EventTypeSchema = Type.Object({ name: Type.String(), description: Type.String() });
export const EventTypesSchema = Type.Object({ items: Type.Array(EventTypeSchema) });

export type CreateWebhookInput = Static<typeof CreateWebhookBody>;
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>;
export type DeliveryView = Static<typeof DeliverySchema>;
