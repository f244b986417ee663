import type { FastifyInstance } from 'fastify';

/**
 * Headers on every public share response, errors included:
 * - `Cache-Control: no-store` unless the route says otherwise: a share can be revoked
 *   at any moment, so nothing a cache keeps may outlive it (the OG image allows 5 min);
 * - `X-Robots-Tag: noindex, nofollow, noarchive`: a share link is unlisted, meant for the
 *   people it is sent to. Link previews (Open Graph, Twitter cards) still work, since
 *   unfurlers read the page's meta tags regardless; search engines do not list it;
 * - `Referrer-Policy: no-referrer`: the share id is the credential and must not leak
 *   to other sites through the Referer header.
 */
export function publicHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers({
      'cache-control': 'no-store',
      'x-robots-tag': 'noindex, nofollow, noarchive',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
  });
}
