import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { clampPage } from '../../../platform/http/pagination.js';
import { Id, PaginationQuery, errorResponses } from '../../../platform/http/schemas.js';
import {
  CameraCreate,
  CameraSchema,
  CameraStatusSchema,
  CameraUpdate,
  DetectClassesSchema,
  SpecListOf,
} from './cameras.schemas.js';
import type { CamerasService } from './cameras.service.js';

const tags = ['cameras'];
const Params = Type.Object({ cameraId: Id('cam') });
const ListQuery = Type.Object({ ...PaginationQuery, workspace_id: Type.Optional(Id('ws')) });

/** Spec 001's cameras, at /api/v1/cameras and spec 001's /api/cameras. */
export const camerasRoutes: FastifyPluginAsyncTypebox<{ cameras: CamerasService }> = async (
  app,
  { cameras },
) => {
  app.get(
    '/cameras/detect/classes',
    {
      schema: {
        tags,
        summary: "The detector's classes and the default trigger set (for the camera form)",
        response: { 200: DetectClassesSchema, ...errorResponses(401, 429) },
      },
    },
    async () => cameras.classes(),
  );
  app.get(
    '/cameras',
    {
      schema: {
        tags,
        summary: "A workspace's cameras by name, each with its derived status",
        querystring: ListQuery,
        response: { 200: SpecListOf(CameraSchema), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await cameras.list(req.principal, req.query.workspace_id, page);
      return { total, items, pagination: { limit: page.limit, offset: page.offset, total } };
    },
  );
  app.post(
    '/cameras',
    {
      schema: {
        tags,
        summary: 'Add a camera; its worker starts at once when it is enabled',
        body: CameraCreate,
        response: { 201: CameraSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => reply.status(201).send(await cameras.create(req.principal, req.body)),
  );
  app.get(
    '/cameras/:cameraId',
    {
      schema: {
        tags,
        summary: 'Get a camera',
        params: Params,
        response: { 200: CameraSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => cameras.get(req.principal, req.params.cameraId),
  );
  const update = {
    schema: {
      tags,
      summary:
        'Change a camera (partial): enabling starts its worker, disabling stops it, a new URL or tuning restarts it',
      params: Params,
      body: CameraUpdate,
      response: { 200: CameraSchema, ...errorResponses(400, 401, 403, 404, 429) },
    },
  };
  // Spec 001 updates with PUT (partial); PATCH is this API's verb for the same thing.
  app.put('/cameras/:cameraId', update, async (req) =>
    cameras.update(req.principal, req.params.cameraId, req.body),
  );
  app.patch('/cameras/:cameraId', update, async (req) =>
    cameras.update(req.principal, req.params.cameraId, req.body),
  );
  app.delete(
    '/cameras/:cameraId',
    {
      schema: {
        tags,
        summary: 'Delete a camera and everything recorded from it',
        params: Params,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      await cameras.delete(req.principal, req.params.cameraId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/cameras/:cameraId/status',
    {
      schema: {
        tags,
        summary: "A camera's live status: online, offline or error, last heartbeat, fps, detector",
        params: Params,
        response: { 200: CameraStatusSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => cameras.status(req.principal, req.params.cameraId),
  );
};
