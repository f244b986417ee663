import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import type { GetResult } from '../../platform/storage/index.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import { RecordingParams } from '../recordings/recordings.schemas.js';
import { RangeNotSatisfiable } from '../recordings/recordings.service.js';
import { OG_HEIGHT, OG_WIDTH } from './og-image.js';
import type { PublicShareService } from './public-share.service.js';
import {
  FramesQuery,
  JsonLdSchema,
  PublicFrameSchema,
  PublicShareSchema,
  ShareLinkSchema,
  FrameImageParams,
  ShareParams,
} from './shares.schemas.js';
import type { SharesService } from './shares.service.js';
import { publicHeaders } from './public-headers.js';

const tags = ['sharing'];

/** `POST/DELETE /recordings/:id/share` (write scope): turn the public link on and off. */
export const sharesRoutes: FastifyPluginAsyncTypebox<{ shares: SharesService }> = async (app, { shares }) => {
  app.post(
    '/recordings/:id/share',
    {
      schema: {
        tags,
        summary: 'Share a recording publicly (idempotent: 201 new link, 200 the existing one)',
        description:
          'Anyone with the link can watch the recording and read its context, without signing in: the ' +
          'page `url`, and `api_url` with `/video`, `/frames`, `/og.png` and `/jsonld` under it. One ' +
          'link per recording; DELETE revokes it, and sharing again makes a new one.',
        params: RecordingParams,
        response: { 200: ShareLinkSchema, 201: ShareLinkSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { link, created } = await shares.share(req.principal, req.params.id);
      return reply.status(created ? 201 : 200).send(link);
    },
  );

  app.delete(
    '/recordings/:id/share',
    {
      schema: {
        tags,
        summary: 'Stop sharing: every public URL of the link answers 404 from now on',
        params: RecordingParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      await shares.unshare(req.principal, req.params.id);
      return reply.status(204).send(null);
    },
  );
};

const VideoBody = {
  description: 'The video (or audio), or the requested byte range of it.',
  content: { 'video/mp4': { schema: Type.String({ format: 'binary' }) } },
};

const JpegBody = {
  description: 'The image.',
  content: { 'image/jpeg': { schema: Type.String({ format: 'binary' }) } },
};

const publicRoute = { tags, security: [] };
const notFoundNote = 'Unknown and revoked links both answer 404 NOT_FOUND.';

/** The public, unauthenticated API of a share link: `/api/v1/share/:shareId/…`. */
export const publicShareRoutes: FastifyPluginAsyncTypebox<{ publicShares: PublicShareService }> = async (
  app,
  { publicShares },
) => {
  publicHeaders(app);

  app.get(
    '/share/:shareId',
    {
      schema: {
        ...publicRoute,
        summary: 'A shared recording: metadata and context (no authentication)',
        description: `Title, duration, size, poster, the video URL and the context (summary, timeline, transcript, actions, urls, apps, tags). ${notFoundNote}`,
        params: ShareParams,
        response: { 200: PublicShareSchema, ...errorResponses(404) },
      },
    },
    async (req) => publicShares.view(req.params.shareId),
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/share/:shareId/video',
    schema: {
      ...publicRoute,
      summary: 'Stream a shared recording (Range supported), through Iris whatever the storage',
      description: `Same as the private /recordings/:id/video: one byte range gives 206, a range outside the file 416 with \`Content-Range: bytes */<size>\`, HEAD the headers only. ${notFoundNote}`,
      params: ShareParams,
      response: {
        200: VideoBody,
        206: VideoBody,
        ...errorResponses(404, 416),
      },
    },
    handler: async (req: FastifyRequest<{ Params: Static<typeof ShareParams> }>, reply: FastifyReply) => {
      try {
        const res = await publicShares.video(req.params.shareId, {
          range: req.headers.range,
          head: req.method === 'HEAD',
        });
        reply.status(res.status).headers(res.headers);
        return reply.send(res.stream ?? null);
      } catch (err) {
        if (err instanceof RangeNotSatisfiable) reply.header('content-range', `bytes */${err.size}`);
        throw err;
      }
    },
  });

  app.get(
    '/share/:shareId/frames',
    {
      schema: {
        ...publicRoute,
        summary: "A shared recording's keyframes with image URLs, OCR text, url and app",
        description: `Each \`image_url\` (\`/frames/:frameId/image\`) works as long as the share does. ${notFoundNote}`,
        params: ShareParams,
        querystring: FramesQuery,
        response: { 200: ListOf(PublicFrameSchema), ...errorResponses(404) },
      },
    },
    async (req) => {
      const page = clampPage(req.query, 100);
      const { items, total } = await publicShares.frames(req.params.shareId, page);
      return pageOf(items, page, total);
    },
  );

  const sendImage = (reply: FastifyReply, image: GetResult) =>
    reply
      .header('content-length', image.size)
      .type(image.contentType ?? 'image/jpeg')
      .send(image.stream);

  app.get(
    '/share/:shareId/frames/:frameId/image',
    {
      schema: {
        ...publicRoute,
        summary: 'The image of one keyframe of a shared recording (JPEG)',
        description: `Served through the share, so it stops with it. ${notFoundNote}`,
        params: FrameImageParams,
        response: { 200: JpegBody, ...errorResponses(404) },
      },
    },
    async (req, reply) =>
      sendImage(reply, await publicShares.frameImage(req.params.shareId, req.params.frameId)),
  );

  app.get(
    '/share/:shareId/poster.jpg',
    {
      schema: {
        ...publicRoute,
        summary: "A shared recording's poster (JPEG): the media stage's, else the first keyframe",
        description: `404 while the recording has neither. ${notFoundNote}`,
        params: ShareParams,
        response: { 200: JpegBody, ...errorResponses(404) },
      },
    },
    async (req, reply) => sendImage(reply, await publicShares.poster(req.params.shareId)),
  );

  app.get(
    '/share/:shareId/og.png',
    {
      schema: {
        ...publicRoute,
        summary: `Open Graph image: ${OG_WIDTH}×${OG_HEIGHT} PNG with the poster and the title`,
        description: `Cached for 5 minutes by browsers and shared caches. ${notFoundNote}`,
        params: ShareParams,
        response: {
          200: {
            description: 'The image.',
            content: { 'image/png': { schema: Type.String({ format: 'binary' }) } },
          },
          ...errorResponses(404),
        },
      },
    },
    async (req, reply) => {
      const png = await publicShares.ogImage(req.params.shareId);
      // Link unfurlers fetch it once per post; a short public max-age spares re-rendering
      // while a revoked link's image still disappears from caches within minutes.
      return (reply as FastifyReply)
        .header('cache-control', 'public, max-age=300')
        .type('image/png')
        .send(png);
    },
  );

  app.get(
    '/share/:shareId/jsonld',
    {
      schema: {
        ...publicRoute,
        summary: 'schema.org VideoObject (JSON-LD) of a shared recording',
        description: `name, description, thumbnailUrl, uploadDate, duration (ISO 8601), contentUrl, embedUrl, transcript. ${notFoundNote}`,
        params: ShareParams,
        response: { 200: JsonLdSchema, ...errorResponses(404) },
      },
    },
    async (req, reply) =>
      reply.type('application/ld+json; charset=utf-8').send(await publicShares.jsonld(req.params.shareId)),
  );
};
