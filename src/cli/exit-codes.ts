import { IrisApiError, IrisNetworkError } from '../sdk/index.js';

/** Exit statuses of the client commands, for scripts (also in `iris --help` and the README). */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  AUTH: 3,
  NOT_FOUND: 4,
  UNAVAILABLE: 5,
  PROCESSING_FAILED: 6,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  error (the request was refused for another reason, or something went wrong)
  2  usage: unknown command or option, missing argument, no such file
  3  authentication: not logged in, key refused (401) or not allowed (403)
  4  not found (404)
  5  rate limited (429) or server unavailable / unreachable (503, network)
  6  the recording failed processing (status --watch)
 78  server configuration error (serve, api, worker, migrate)`;

/** A failure the CLI explains itself, with the exit status it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.ERROR,
  ) {
    super(message);
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof IrisNetworkError) return EXIT.UNAVAILABLE;
  if (err instanceof IrisApiError) {
    if (err.status === 401 || err.status === 403) return EXIT.AUTH;
    if (err.status === 404) return EXIT.NOT_FOUND;
    if (err.status === 429 || err.status === 502 || err.status === 503 || err.status === 504)
      return EXIT.UNAVAILABLE;
    return EXIT.ERROR;
  }
  return EXIT.ERROR;
}

/** `error: <message> (CODE, request req_…)`: what a person needs to report a problem. */
export function formatError(err: unknown): string {
  if (err instanceof IrisApiError) {
    const ref = [err.code, err.requestId ? `request ${err.requestId}` : undefined].filter(Boolean);
    const retry =
      err.retryAfterSeconds !== undefined ? ` Retry in ${Math.ceil(err.retryAfterSeconds)} s.` : '';
    return `error: ${err.message}${retry} (${ref.join(', ')})`;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}
