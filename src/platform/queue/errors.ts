/** Throw from a handler to fail the job now, without the remaining retries. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export type AbortKind = 'cancelled' | 'shutdown' | 'lease_lost' | 'timeout';

/**
 * The reason put on a handler's AbortSignal. The kind tells the worker what to do with
 * the job afterwards: a timeout is a failed attempt; the others are decided elsewhere
 * (the row is cancelled, handed back, or owned by another worker).
 */
export class JobAbortedError extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
    this.name = 'JobAbortedError';
  }
}

export function abortKind(signal: AbortSignal): AbortKind | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof JobAbortedError ? signal.reason.kind : 'cancelled';
}

const MAX_ERROR_LENGTH = 2000;

/** What gets stored as last_error: the message only (stacks can leak paths), bounded. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
