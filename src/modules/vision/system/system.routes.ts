import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unauthorized } from '../../../errors.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { SystemService } from './system.service.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const SystemSchema = Type.Object({
  version: Type.String(),
  runtime: Type.Object({
    node: Type.String(),
    platform: Type.String(),
    arch: Type.String(),
    pid: Type.Integer(),
  }),
  user: Type.Object({
    id: Nullable(Type.String()),
    email: Nullable(Type.String()),
    name: Nullable(Type.String()),
    via: Type.String({ description: 'How the caller signed in: session, api_key, sso, …' }),
  }),
  backend: Type.Object({
    detector: Nullable(Type.String()),
    available: Type.Boolean(),
    reason: Nullable(Type.String()),
    device: Nullable(Type.String()),
    providers: Type.Array(Type.String()),
    faces_enabled: Type.Boolean(),
  }),
  models: Type.Object({ detector: Nullable(Type.String()), faces: Nullable(Type.String()) }),
  face_index: Type.Object({ status: Type.String(), count: Type.Integer() }),
  workers: Type.Array(
    Type.Object({
      holder: Type.String(),
      cameras: Type.Integer(),
      this_process: Type.Boolean(),
    }),
  ),
});

/** Spec 001's /system: what this instance runs for vision, for the caller. */
export const systemRoutes: FastifyPluginAsyncTypebox<{ system: SystemService }> = async (app, { system }) => {
  app.get(
    '/system',
    {
      schema: {
        tags: ['system'],
        summary:
          'Introspection: version, runtime, the caller, detector and models, face index, camera workers',
        response: { 200: SystemSchema, ...errorResponses(401, 429) },
      },
    },
    async (req) => {
      if (req.principal.kind === 'anonymous') throw unauthorized();
      return system.describe(req.principal);
    },
  );
};
