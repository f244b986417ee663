import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Strict, errorResponses } from '../../platform/http/schemas.js';
import type { TusUploads } from './tus.js';

const tags = ['recordings'];
const UploadParams = Strict({
  id: Type.String({
    pattern: '^rec_[0-9a-z]{26}$',
    maxLength: 40,
    description: 'The upload id (= recording id).',
  }),
});
const Empty = { description: 'tus protocol response (headers only).', type: 'null' };

/**
 * tus resumable uploads under `/api/v1/uploads/tus` (creation + PATCH chunks + HEAD to
 * resume + DELETE to abandon). See tus.ts for how uploads become recordings.
 *
 * Why the body handling looks like this: tus reads the request body itself, as a
 * stream, in whatever chunk size the client chose (`application/offset+octet-stream`,
 * possibly gigabytes). Fastify must not parse or buffer it, so this plugin (and only
 * this plugin, being encapsulated) drops every body parser and installs a catch-all
 * that hands the untouched request stream on. The tus server then gets a web Request
 * over that stream, and its answer is sent back through Fastify's reply, so the
 * request id, rate-limit headers and the API's JSON error shape apply as everywhere.
 */
export const tusRoutes: FastifyPluginAsyncTypebox<{ tus: TusUploads }> = async (app, { tus }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  const forward = async (req: FastifyRequest, reply: FastifyReply) => {
    const res = await tus.handle({
      method: req.method,
      url: req.url,
      headers: req.headers,
      raw: req.raw,
      principal: req.principal,
      id: req.id,
    });
    reply.status(res.status).headers(res.headers);
    if (res.json !== undefined) {
      if (!req.raw.readableEnded) reply.header('connection', 'close');
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(res.json));
    }
    return reply.send();
  };

  app.post(
    '/uploads/tus',
    {
      schema: {
        tags,
        summary: 'tus: create a resumable upload (creates the recording)',
        description:
          'tus 1.0.0 creation (also with upload and deferred length). `Upload-Metadata` may carry ' +
          '`filename`, `title`, `workspace_id` and `filetype`. `Upload-Length` over the plan cap gives 413 ' +
          'before any byte is sent. The `Location` header (also the recording id) takes the PATCHes; the ' +
          'last one stores the file and queues the recording (415 if it is not audio or video).',
        response: { 201: Empty, 204: Empty, ...errorResponses(400, 401, 403, 404, 412, 413, 415, 422) },
      },
    },
    forward,
  );

  app.route({
    method: 'OPTIONS',
    url: '/uploads/tus',
    schema: { tags, summary: 'tus: server capabilities', hide: true },
    handler: forward,
  });

  app.route({
    method: ['PATCH', 'HEAD', 'DELETE', 'OPTIONS'],
    url: '/uploads/tus/:id',
    schema: {
      tags,
      summary: 'tus: send a chunk (PATCH), read the offset to resume (HEAD), or abandon the upload (DELETE)',
      params: UploadParams,
      response: { 204: Empty, 200: Empty, ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
    },
    handler: forward,
  });
};
