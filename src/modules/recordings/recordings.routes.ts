import multipart from '@fastify/multipart';
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from 'typebox';
import { AppError, badRequest } from '../../errors.js';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import {
  CreatedRecordingSchema,
  CreateStubBody,
  ListRecordingsQuery,
  MediaBody,
  RecordingParams,
  RecordingSchema,
  RecordingStatusResponse,
  RetryResponse,
  WorkspaceQuery,
} from './recordings.schemas.js';
import { RangeNotSatisfiable, type RecordingsService } from './recordings.service.js';
import { MULTIPART_OVERHEAD_BYTES, type MultipartPart, type UploadsService } from './uploads.service.js';

export interface RecordingsRoutesOptions {
  recordings: RecordingsService;
  uploads: UploadsService;
  /** The largest plan cap: the ceiling for multipart's own file limit and the route body limit. */
  maxUploadBytes: number;
}

const tags = ['recordings'];

const UNSUPPORTED_BODY =
  'Unsupported Content-Type. Upload media as multipart/form-data to POST /recordings, or as the raw ' +
  'body of PUT /recordings/:id/file with Content-Type application/octet-stream, video/* or audio/*; ' +
  'other requests take application/json.';

/** Documented in OpenAPI, validated by the route itself (a stream or multipart has no JSON to check). */
const MultipartUpload = Type.Object({
  title: Type.Optional(Type.String({ maxLength: 200 })),
  workspace_id: Type.Optional(Type.String({ description: 'Send it before the file part.' })),
  file: Type.String({ format: 'binary', description: 'The recording (video or audio).' }),
});

const VideoBody = {
  description: 'The video (or audio), or the requested byte range of it.',
  content: { 'video/mp4': { schema: MediaBody } },
};

/** Validates JSON bodies as usual; media and multipart bodies are streams the handler checks. */
const jsonBodiesOnly: FastifySchemaCompiler<TSchema> = (route) => {
  const { httpPart, contentType } = route as typeof route & { contentType?: string };
  if (httpPart === 'body' && contentType !== undefined && contentType !== 'application/json')
    return () => true;
  return TypeBoxValidatorCompiler(route);
};

const declaredLength = (req: FastifyRequest): number | undefined => {
  const raw = req.headers['content-length'];
  return raw !== undefined && /^\d{1,16}$/.test(raw) ? Number(raw) : undefined;
};

/**
 * When an upload is refused before its body was read (413 by Content-Length, 401, 403,
 * 404), the client may still be sending: close the connection after the answer instead
 * of reading and throwing away the rest.
 */
function closeIfUnread(req: FastifyRequest, reply: FastifyReply): void {
  if (!req.raw.readableEnded) reply.header('connection', 'close');
}

/** Recordings (spec 000): upload, list, read, status, video, retry, delete. */
export const recordingsRoutes: FastifyPluginAsyncTypebox<RecordingsRoutesOptions> = async (
  app,
  { recordings, uploads, maxUploadBytes },
) => {
  // Multipart only for this plugin. One file, a few small fields; the file's size is
  // counted against the workspace's plan while it streams (this limit is only a ceiling).
  await app.register(multipart, {
    limits: {
      fieldNameSize: 100,
      fieldSize: 4096,
      fields: 10,
      files: 1,
      parts: 12,
      headerPairs: 100,
      fileSize: maxUploadBytes + 1,
    },
  });
  // Raw media bodies reach the handler as the request stream itself, unread: the
  // upload service streams it to disk with the plan cap counted on the way.
  const passThrough = (
    _req: FastifyRequest,
    payload: unknown,
    done: (err: Error | null, body?: unknown) => void,
  ) => done(null, payload);
  app.addContentTypeParser('application/octet-stream', passThrough);
  app.addContentTypeParser(/^(video|audio)\/[a-z0-9.+-]+/i, passThrough);
  // Plain text would otherwise reach handlers as a string.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (_req, _payload, done) =>
    done(new AppError('UNSUPPORTED_MEDIA_TYPE', UNSUPPORTED_BODY)),
  );

  app.get(
    '/recordings',
    {
      schema: {
        tags,
        summary: 'List recordings, newest first',
        querystring: ListRecordingsQuery,
        response: { 200: ListOf(RecordingSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await recordings.list(req.principal, req.query, page);
      return pageOf(items, page, total);
    },
  );

  app.post(
    '/recordings',
    {
      schema: {
        tags,
        summary: 'Upload a recording (multipart), or create a stub to PUT the file to',
        description:
          'multipart/form-data with `title`, `workspace_id` (both before the file) and one `file`: the file ' +
          'is streamed, probed and stored, and the recording is queued for processing (201). Files that ' +
          'are not audio or video get 415; over the plan cap 413 (checked from Content-Length first). ' +
          'With a JSON body `{ title, workspace_id? }` a stub is created (status `uploading`) and its ' +
          '`upload_url` takes the file with PUT.',
        querystring: WorkspaceQuery,
        body: {
          content: {
            'application/json': { schema: CreateStubBody },
            'multipart/form-data': { schema: MultipartUpload },
          },
        },
        response: {
          201: CreatedRecordingSchema,
          ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
        },
      },
      validatorCompiler: jsonBodiesOnly,
      bodyLimit: maxUploadBytes + MULTIPART_OVERHEAD_BYTES,
    },
    async (req, reply) => {
      if (req.isMultipart()) {
        try {
          await uploads.preflight(
            req.principal,
            req.query.workspace_id,
            declaredLength(req),
            MULTIPART_OVERHEAD_BYTES,
          );
          const parts = req.parts() as AsyncIterable<MultipartPart>;
          return reply.status(201).send(await uploads.uploadMultipart(req.principal, parts, req.query));
        } catch (err) {
          closeIfUnread(req, reply);
          throw err;
        }
      }
      const body = req.body as Static<typeof CreateStubBody> | Readable | undefined;
      if (body === undefined || body === null) {
        throw badRequest(
          'Send multipart/form-data with the file, or JSON { title, workspace_id? } for a stub.',
        );
      }
      if (body instanceof Readable || typeof body !== 'object') {
        closeIfUnread(req, reply);
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'POST /recordings takes multipart/form-data (the file) or JSON (a stub). To send the raw file, ' +
            'create a stub and PUT the file to its upload_url.',
        );
      }
      const workspaceId = body.workspace_id ?? req.query.workspace_id;
      const created = await uploads.createStub(req.principal, {
        title: body.title,
        ...(workspaceId ? { workspace_id: workspaceId } : {}),
        ...(body.filename ? { filename: body.filename } : {}),
      });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/recordings/latest',
    {
      schema: {
        tags,
        summary: 'The newest recording (404 when there is none)',
        querystring: WorkspaceQuery,
        response: { 200: RecordingSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => recordings.latest(req.principal, req.query.workspace_id),
  );

  app.get(
    '/recordings/:id',
    {
      schema: {
        tags,
        summary: 'Recording metadata',
        params: RecordingParams,
        response: { 200: RecordingSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => recordings.get(req.principal, req.params.id),
  );

  app.get(
    '/recordings/:id/status',
    {
      schema: {
        tags,
        summary: 'Processing status: every pipeline stage with state, progress, timings, engine and error',
        params: RecordingParams,
        response: { 200: RecordingStatusResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => recordings.status(req.principal, req.params.id),
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/recordings/:id/video',
    schema: {
      tags,
      summary: 'Stream the video (Range supported), or 302 to a presigned URL with S3 storage',
      description:
        'Serves the web-playable version once processing made one, else the original. One byte range ' +
        '(`bytes=a-b`, `bytes=a-`, `bytes=-n`) gives 206 with Content-Range; a range outside the file ' +
        'gives 416 with `Content-Range: bytes */<size>`. HEAD answers the same headers without a body.',
      params: RecordingParams,
      response: {
        200: VideoBody,
        206: VideoBody,
        302: { description: 'Redirect to a presigned S3 URL (S3 storage).', type: 'null' },
        ...errorResponses(400, 401, 403, 404, 416),
      },
    },
    handler: async (req: FastifyRequest<{ Params: Static<typeof RecordingParams> }>, reply: FastifyReply) => {
      try {
        const res = await recordings.video(req.principal, req.params.id, {
          range: req.headers.range,
          head: req.method === 'HEAD',
        });
        if (res.kind === 'redirect')
          return reply.header('cache-control', 'private, no-store').redirect(res.url, 302);
        reply.status(res.status).headers(res.headers);
        return reply.send(res.stream ?? null);
      } catch (err) {
        if (err instanceof RangeNotSatisfiable) reply.header('content-range', `bytes */${err.size}`);
        throw err;
      }
    },
  });

  app.put(
    '/recordings/:id/file',
    {
      schema: {
        tags,
        summary: "Upload a stub's file as the raw request body",
        description:
          'The body is the file itself (Content-Type application/octet-stream, video/* or audio/*), streamed ' +
          'to storage. 413 over the plan cap (from Content-Length before reading, else while streaming), ' +
          '415 when it is not audio or video. A failed upload leaves the recording `failed` with the ' +
          'reason and no file; PUT again to retry.',
        params: RecordingParams,
        body: {
          content: {
            'application/octet-stream': { schema: MediaBody },
            'video/*': { schema: MediaBody },
            'audio/*': { schema: MediaBody },
          },
        },
        response: { 200: RecordingSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
      validatorCompiler: jsonBodiesOnly,
      // The body is never buffered (the parser hands over the stream); the plan cap is
      // counted while streaming. This only keeps Fastify's default 1 MB out of the way.
      bodyLimit: maxUploadBytes,
    },
    async (req, reply) => {
      const body = req.body as unknown;
      if (!(body instanceof Readable)) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the file as the raw body with Content-Type application/octet-stream, video/* or audio/*.',
        );
      }
      try {
        return await uploads.uploadToStub(req.principal, req.params.id, body, {
          contentLength: declaredLength(req),
          contentType: req.headers['content-type'],
        });
      } catch (err) {
        closeIfUnread(req, reply);
        throw err;
      }
    },
  );

  app.post(
    '/recordings/:id/retry',
    {
      schema: {
        tags,
        summary: 'Re-queue the failed processing stages (409 when none failed)',
        params: RecordingParams,
        response: { 200: RetryResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => recordings.retry(req.principal, req.params.id),
  );

  app.delete(
    '/recordings/:id',
    {
      schema: {
        tags,
        summary: 'Delete a recording with every stored file (admin)',
        params: RecordingParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await recordings.delete(req.principal, req.params.id);
      return reply.status(204).send(null);
    },
  );
};
