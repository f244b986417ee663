/**
 * The closed set of error codes the API returns. Spec 002's codes plus what the
 * other modules need; documented in the README and in the OpenAPI document.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  UNPROCESSABLE: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INSUFFICIENT_QUOTA: 429,
  INTERNAL_ERROR: 500,
  MODEL_ERROR: 502,
  AGENT_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    status?: number,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status ?? ERROR_CODES[code];
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError('INVALID_REQUEST', message, details);
export const unauthorized = (message = 'Authentication required.') => new AppError('UNAUTHORIZED', message);
export const forbidden = (message = 'You do not have permission to do this.') =>
  new AppError('FORBIDDEN', message);
export const notFound = (what = 'Resource') => new AppError('NOT_FOUND', `${what} not found.`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new AppError('UNPROCESSABLE', message, details);
