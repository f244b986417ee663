import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../../platform/http/schemas.js';
import { OIDC_STATE_COOKIE, type OidcService } from './oidc.service.js';

const tags = ['auth'];
const publicRoute = { tags, security: [] };

const OidcConfigResponse = Type.Object({
  enabled: Type.Boolean(),
  issuer: Type.Optional(Type.String()),
  label: Type.Optional(Type.String()),
  login_url: Type.Optional(Type.String({ description: 'Send the browser here to log in.' })),
});

const Redirect = { 302: Type.Null({ description: 'Redirect (see the Location header).' }) };

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Spec 003's OIDC endpoints under /auth/oidc. */
export const oidcRoutes: FastifyPluginAsyncTypebox<{ oidc: OidcService; secureCookies: boolean }> = async (
  app,
  { oidc, secureCookies },
) => {
  const cookiePath = `${app.prefix}/auth/oidc`;

  app.get(
    '/auth/oidc/config',
    {
      schema: {
        ...publicRoute,
        summary: 'Public OIDC configuration (whether SSO is on, and where to start it)',
        response: { 200: OidcConfigResponse },
      },
    },
    async () => oidc.publicConfig(),
  );

  app.get(
    '/auth/oidc/login',
    {
      schema: {
        ...publicRoute,
        summary: 'Start the OIDC login: redirects to the identity provider',
        description:
          'Sets a short-lived HttpOnly cookie holding the attempt (state, nonce, PKCE verifier). ' +
          '`redirect` is a same-site path the browser returns to after login (default `/`).',
        querystring: Type.Object(
          { redirect: Type.Optional(Type.String({ maxLength: 512 })) },
          { additionalProperties: false },
        ),
        response: { ...Redirect, ...errorResponses(404, 503) },
      },
    },
    async (req, reply) => {
      const start = await oidc.start(req.query.redirect);
      const attrs = [
        `${OIDC_STATE_COOKIE}=${start.cookie}`,
        `Path=${cookiePath}`,
        `Max-Age=${start.maxAgeSeconds}`,
        'HttpOnly',
        // Lax: the IdP's redirect back is a top-level GET, which Lax cookies accompany.
        'SameSite=Lax',
        ...(secureCookies ? ['Secure'] : []),
      ];
      return reply
        .header('set-cookie', attrs.join('; '))
        .header('cache-control', 'no-store')
        .redirect(start.location, 302);
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      schema: {
        ...publicRoute,
        summary: 'Complete the OIDC login: redirects with the session token',
        description:
          'The identity provider redirects here. On success the browser goes to the `redirect` path with ' +
          '`#token=<session JWT>&expires_at=…` in the URL fragment (never sent to servers).',
        querystring: Type.Object(
          {
            code: Type.Optional(Type.String({ maxLength: 4096 })),
            state: Type.Optional(Type.String({ maxLength: 1024 })),
            iss: Type.Optional(Type.String({ maxLength: 2048 })),
            session_state: Type.Optional(Type.String({ maxLength: 1024 })),
            scope: Type.Optional(Type.String({ maxLength: 2048 })),
            error: Type.Optional(Type.String({ maxLength: 256 })),
            error_description: Type.Optional(Type.String({ maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        response: { ...Redirect, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (req, reply) => {
      const url = new URL(req.url, 'http://callback.invalid');
      const cookie = readCookie(req.headers.cookie, OIDC_STATE_COOKIE);
      const result = await oidc.callback(req.principal, url, cookie);
      return reply
        .header('set-cookie', `${OIDC_STATE_COOKIE}=; Path=${cookiePath}; Max-Age=0; HttpOnly; SameSite=Lax`)
        .header('cache-control', 'no-store')
        .redirect(result.location, 302);
    },
  );

  app.get(
    '/auth/oidc/discovery',
    {
      schema: {
        tags,
        summary: "Fetch the identity provider's discovery document (auth:manage)",
        response: {
          200: Type.Object({ issuer: Type.String(), metadata: Type.Record(Type.String(), Type.Unknown()) }),
          ...errorResponses(401, 403, 404, 503),
        },
      },
    },
    async (req) => {
      const doc = await oidc.discoveryDocument(req.principal);
      return { issuer: doc.issuer, metadata: { ...doc.metadata } };
    },
  );
};
