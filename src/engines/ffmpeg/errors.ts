import { AppError } from '../../errors.js';

/**
 * Errors raised by the media engines. They are AppErrors so that a route can answer
 * with them directly (415 for an upload that is not media) and a pipeline stage can
 * store their message as its error text. Messages never contain file-system paths:
 * they end up in API responses and in the job table.
 *
 * Cancellation is not an error class of its own: when the caller's AbortSignal fires,
 * its `reason` is rethrown untouched (the job queue reads it to tell a cancel from a
 * timeout), the same convention as the LLM client.
 */

export type NotMediaReason = 'empty' | 'unrecognized' | 'no-streams' | 'still-image';

/** The file is not audio or video (text, a still image, random bytes): an upload answers 415. */
export class NotMediaError extends AppError {
  constructor(
    message: string,
    readonly reason: NotMediaReason,
  ) {
    super('UNSUPPORTED_MEDIA_TYPE', message, { reason });
    this.name = 'NotMediaError';
  }
}

/**
 * A recognised container that cannot be opened at all: e.g. an MP4 cut off before its
 * index (moov atom) was written. Distinct from NotMediaError because the user uploaded
 * the right kind of file and needs a different explanation.
 */
export class CorruptMediaError extends AppError {
  constructor(
    message: string,
    readonly format: string | undefined,
  ) {
    super('UNPROCESSABLE', message, format ? { format } : undefined);
    this.name = 'CorruptMediaError';
  }
}

/** ffmpeg (or another tool) ran and exited with an error. `stderrTail` is for logs, already redacted. */
export class MediaProcessingError extends AppError {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super('UNPROCESSABLE', message);
    this.name = 'MediaProcessingError';
  }
}

/** A binary is missing, not executable, or does not work (wrong build, missing language data). */
export class EngineUnavailableError extends AppError {
  constructor(
    readonly engine: string,
    message: string,
  ) {
    super('SERVICE_UNAVAILABLE', message, { engine });
    this.name = 'EngineUnavailableError';
  }
}

/** A child process ran past its time limit and was killed. */
export class ProcessTimeoutError extends AppError {
  constructor(
    readonly tool: string,
    readonly timeoutMs: number,
  ) {
    super(
      'SERVICE_UNAVAILABLE',
      `${tool} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`,
    );
    this.name = 'ProcessTimeoutError';
  }
}
