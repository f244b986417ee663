import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.js';
import type { PublicShareService } from './public-share.service.js';
import { publicHeaders } from './public-headers.js';
import { NOT_FOUND_CSP, renderNotFoundPage } from './share-page.js';
import { ShareParams } from './shares.schemas.js';

const Html = (description: string) => ({
  description,
  content: { 'text/html': { schema: Type.String() } },
});

/** `GET /share/:shareId`: the public page of a share link (root, outside /api/v1). */
export const sharePageRoutes: FastifyPluginAsyncTypebox<{ publicShares: PublicShareService }> = async (
  app,
  { publicShares },
) => {
  publicHeaders(app);

  app.get(
    '/share/:shareId',
    {
      schema: {
        tags: ['sharing'],
        summary: 'The public page of a shared recording (HTML, no authentication)',
        description:
          'Player, summary, timeline, action items and transcript, with Open Graph and Twitter meta tags ' +
          'and the JSON-LD VideoObject. Unknown and revoked links get a small HTML 404.',
        security: [],
        params: ShareParams,
        response: { 200: Html('The page.'), 404: Html('No such share (unknown or revoked).') },
      },
    },
    async (req, reply) => {
      try {
        const { html, csp } = await publicShares.page(req.params.shareId);
        return reply.header('content-security-policy', csp).type('text/html; charset=utf-8').send(html);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'NOT_FOUND') throw err;
        return reply
          .status(404)
          .header('content-security-policy', NOT_FOUND_CSP)
          .type('text/html; charset=utf-8')
          .send(renderNotFoundPage());
      }
    },
  );
};
