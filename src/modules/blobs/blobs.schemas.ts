import { Type } from 'typebox';

export const BlobTokenParams = Type.Object({
  token: Type.String({
    pattern: '^[A-Za-z0-9_-]+$',
    minLength: 1,
    maxLength: 1400,
    description: 'The blob key, base64url-encoded (opaque: take the whole URL from the API).',
  }),
});

export const SignedBlobQuery = Type.Object({
  exp: Type.String({ pattern: '^[0-9]{1,12}$', description: 'Expiry, unix seconds.' }),
  sig: Type.String({ maxLength: 100, description: 'HMAC-SHA256 over the key, expiry and overrides.' }),
  filename: Type.Optional(
    Type.String({ maxLength: 255, description: 'Download as an attachment with this name (signed).' }),
  ),
  type: Type.Optional(Type.String({ maxLength: 255, description: 'Content-Type to serve (signed).' })),
});

/** The body is streamed straight from storage; Fastify never serializes it. */
export const BlobBody = {
  description: 'The file, or the requested byte range of it.',
  content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
};
