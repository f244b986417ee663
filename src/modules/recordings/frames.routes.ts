import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clampPage, pageOf } from '../../platform/http/pagination.js';
import { ListOf, errorResponses } from '../../platform/http/schemas.js';
import { FrameSchema, FramesQuery } from './frames.schemas.js';
import type { FramesService } from './frames.service.js';
import { RecordingParams } from './recordings.schemas.js';

export interface FramesRoutesOptions {
  frames: FramesService;
}

/** GET /recordings/:id/frames (spec 000). */
export const framesRoutes: FastifyPluginAsyncTypebox<FramesRoutesOptions> = async (app, { frames }) => {
  app.get(
    '/recordings/:id/frames',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Every kept frame: timestamp, screen text, description, url, app and an image link',
        description:
          'Frames are keyframes taken at scene changes (and at least every 10 s), near-duplicates ' +
          'dropped, in time order. `image_url` is a signed link that expires after an hour. ' +
          '`?include=words` adds each OCR word with its box and confidence.',
        params: RecordingParams,
        querystring: FramesQuery,
        response: { 200: ListOf(FrameSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const page = clampPage(req.query);
      const { items, total } = await frames.list(req.principal, req.params.id, page, {
        words: req.query.include === 'words',
      });
      return pageOf(items, page, total);
    },
  );
};
