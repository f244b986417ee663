import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode } from '../../errors.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Fastify's own errors mapped onto the closed code set, with messages a person can act on. */
const FASTIFY_CODES: Record<string, [ErrorCode, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'Request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'UNSUPPORTED_MEDIA_TYPE',
    'Unsupported Content-Type; send application/json.',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['INVALID_REQUEST', 'Body is empty but Content-Type is application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['INVALID_REQUEST', 'Content-Length does not match the body.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['INVALID_REQUEST', 'Body is not valid JSON.'],
  FST_ERR_BAD_URL: ['INVALID_REQUEST', 'The URL is malformed.'],
  FST_ERR_ASYNC_CONSTRAINT: ['INVALID_REQUEST'],
  FST_ERR_INVALID_URL: ['INVALID_REQUEST', 'The URL is malformed.'],
  FST_ERR_CTP_INVALID_TYPE: ['UNSUPPORTED_MEDIA_TYPE'],
};

export function sendError(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="iris"');
  return reply.status(err.status).send({
    error: {
      code: err.code,
      message: err.message,
      request_id: request.id,
      ...(err.details ? { details: err.details } : {}),
    },
  });
}

function describeValidation(
  issues: ValidationIssue[],
  context: string | undefined,
): { message: string; details: Record<string, unknown> } {
  const problems = issues.slice(0, 10).map((i) => {
    const where = `${context ?? 'request'}${i.instancePath ?? ''}`.replace(/\//g, '.');
    return `${where}: ${i.message ?? 'is invalid'}`;
  });
  return { message: `Invalid request: ${problems.join('; ')}`, details: { problems } };
}

/** Errors the router raises before any hook runs (bad URL encoding, over-long params). */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The URL is malformed.';
  void sendError(reply, request, new AppError('INVALID_REQUEST', message));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) request.log.error({ err }, err.message);
      return sendError(reply, request, err);
    }
    const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation) {
      const { message, details } = describeValidation(fe.validation, fe.validationContext);
      return sendError(reply, request, new AppError('INVALID_REQUEST', message, details));
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return sendError(reply, request, new AppError(mapped[0], mapped[1] ?? fe.message));
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        (Object.keys(ERROR_CODES) as ErrorCode[]).find((c) => ERROR_CODES[c] === fe.statusCode) ??
        'INVALID_REQUEST';
      return sendError(reply, request, new AppError(code, fe.message, undefined, fe.statusCode));
    }
    // 5xx: log everything, tell the client nothing internal.
    request.log.error({ err }, 'unhandled error');
    return sendError(
      reply,
      request,
      new AppError('INTERNAL_ERROR', 'Something went wrong on our side; the request id helps us find it.'),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
