import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { errorResponses } from '../../platform/http/schemas.js';
import { BlobBody, BlobTokenParams, SignedBlobQuery } from './blobs.schemas.js';
import { RangeNotSatisfiable, type BlobLinksService, type BlobResponse } from './blobs.service.js';

/** Plain FastifyReply: the typed reply expects the documented (string) body, not a stream. */
function sendBlob(reply: FastifyReply, res: BlobResponse): FastifyReply {
  return reply.status(res.status).headers(res.headers).send(res.stream);
}

/** `GET /api/v1/blobs/:token`: the target of the local store's signed URLs (public). */
export const blobsRoutes: FastifyPluginAsyncTypebox<{ links: BlobLinksService }> = async (app, { links }) => {
  app.get(
    '/blobs/:token',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file through a signed, expiring link (no authentication)',
        description:
          'Links come from the API (recordings, clips, exports) and stop working at `exp`. ' +
          'Supports one byte range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`) with 206 Partial ' +
          'Content; a range outside the file gives 416 with `Content-Range: bytes */<size>`. ' +
          'With S3 storage the API hands out presigned S3 URLs instead.',
        security: [],
        params: BlobTokenParams,
        querystring: SignedBlobQuery,
        response: { 200: BlobBody, 206: BlobBody, ...errorResponses(400, 403, 404, 416) },
      },
    },
    async (req, reply) => {
      try {
        return sendBlob(reply, await links.open(req.params.token, req.query, req.headers.range));
      } catch (err) {
        if (err instanceof RangeNotSatisfiable) reply.header('content-range', `bytes */${err.size}`);
        throw err;
      }
    },
  );
};
