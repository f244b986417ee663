import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { RangeNotSatisfiable } from '../../../platform/http/blob-file.js';
import type { GetResult } from '../../../platform/storage/index.js';
import { Id, Strict, Timestamp, errorResponses } from '../../../platform/http/schemas.js';
import { SpecListOf } from '../cameras/cameras.schemas.js';
import type { EventsService } from './events.service.js';

const tags = ['events'];
const Params = Type.Object({ eventId: Id('evt') });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const EventSchema = Type.Object({
  id: Id('evt'),
  workspace_id: Id('ws'),
  camera_id: Id('cam'),
  kind: Type.Union([Type.Literal('track'), Type.Literal('manual')]),
  label: Type.String({ description: 'The most confident trigger class seen.' }),
  score: Type.Number(),
  labels: Type.Array(Type.String()),
  started_at: Timestamp,
  ended_at: Type.Union([Timestamp, Type.Null()], { description: 'null while the presence lasts.' }),
  duration_seconds: Type.Union([Type.Number(), Type.Null()]),
  person_id: Nullable(Type.String()),
  person_name: Nullable(Type.String()),
  has_thumbnail: Type.Boolean(),
  has_clip: Type.Boolean(),
  recording_id: Type.Union([Id('rec'), Type.Null()], {
    description: 'The clip as a recording of the library (source camera): search, context, sharing.',
  }),
  created_at: Timestamp,
});

const ListQuery = Type.Object({
  workspace_id: Type.Optional(Id('ws')),
  camera_id: Type.Optional(Id('cam')),
  person_id: Type.Optional(Type.String({ maxLength: 64 })),
  label: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
});

const Jpeg = {
  description: 'image/jpeg',
  content: { 'image/jpeg': { schema: Type.String({ format: 'binary' }) } },
};

function sendBlob(reply: FastifyReply, blob: GetResult, type: string): FastifyReply {
  return reply
    .header('content-type', type)
    .header('content-length', blob.size)
    .header('cache-control', 'private, max-age=300')
    .send(blob.stream);
}

/** Spec 001's events, at /api/v1/events and /api/events. */
export const eventsRoutes: FastifyPluginAsyncTypebox<{ events: EventsService }> = async (app, { events }) => {
  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Camera events, newest first, filtered by camera, person, label and time',
        querystring: ListQuery,
        response: { 200: SpecListOf(EventSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const { items, total } = await events.list(req.principal, { ...req.query, limit, offset });
      return { total, items, pagination: { limit, offset, total } };
    },
  );
  app.post(
    '/events/bulk-delete',
    {
      schema: {
        tags,
        summary: 'Delete the given events and their files',
        body: Strict({
          ids: Type.Array(Id('evt'), { minItems: 1, maxItems: 1000 }),
          workspace_id: Type.Optional(Id('ws')),
        }),
        response: {
          200: Type.Object({ deleted: Type.Integer(), not_found: Type.Integer() }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req) => events.bulkDelete(req.principal, req.body.workspace_id, req.body.ids),
  );
  app.post(
    '/events/clear-all',
    {
      schema: {
        tags,
        summary: 'Delete every event (optionally of one camera or label); needs confirm: true',
        body: Strict({
          confirm: Type.Boolean(),
          workspace_id: Type.Optional(Id('ws')),
          camera_id: Type.Optional(Id('cam')),
          label: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: {
          200: Type.Object({ deleted: Type.Integer() }),
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req) => events.clearAll(req.principal, req.body),
  );
  app.get(
    '/events/:eventId',
    {
      schema: {
        tags,
        summary: 'One event',
        params: Params,
        response: { 200: EventSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => events.get(req.principal, req.params.eventId),
  );
  app.delete(
    '/events/:eventId',
    {
      schema: {
        tags,
        summary: 'Delete an event with its clip and thumbnail',
        params: Params,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await events.delete(req.principal, req.params.eventId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/events/:eventId/thumbnail',
    {
      schema: {
        tags,
        summary: "The event's thumbnail: its best frame with the boxes drawn",
        params: Params,
        response: { 200: Jpeg, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) =>
      sendBlob(reply, await events.thumbnail(req.principal, req.params.eventId), 'image/jpeg'),
  );
  const clip = {
    schema: {
      tags,
      summary: "The event's clip (mp4): Range for seeking, 206 / 416; 404 when it has none",
      params: Params,
      response: {
        200: {
          description: 'video/mp4',
          content: { 'video/mp4': { schema: Type.String({ format: 'binary' }) } },
        },
        206: {
          description: 'video/mp4 byte range',
          content: { 'video/mp4': { schema: Type.String({ format: 'binary' }) } },
        },
        ...errorResponses(400, 401, 403, 404, 416, 429),
      },
    },
  };
  const sendClip = async (
    req: FastifyRequest<{ Params: Static<typeof Params> }>,
    reply: FastifyReply,
    head: boolean,
  ) => {
    try {
      const file = await events.clip(req.principal, req.params.eventId, { range: req.headers.range, head });
      reply.status(file.status).headers(file.headers);
      return reply.send(file.stream ?? null);
    } catch (err) {
      if (err instanceof RangeNotSatisfiable) reply.header('content-range', `bytes */${err.size}`);
      throw err;
    }
  };
  // HEAD is its own route: the one Fastify would derive from GET would open the file.
  app.get('/events/:eventId/clip', { ...clip, exposeHeadRoute: false }, (req, reply) =>
    sendClip(req, reply, false),
  );
  app.head('/events/:eventId/clip', clip, (req, reply) => sendClip(req, reply, true));
};
