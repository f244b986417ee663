import { Value } from 'typebox/value';
import { JobAbortedError, PermanentJobError } from './errors.js';
import type { JobContext } from './port.js';
import type { ResolvedJob } from './registry.js';

/**
 * Runs one attempt of a handler, the same way for both adapters: the stored payload is
 * re-checked (a deploy may have changed the schema since it was enqueued), and a
 * timeout aborts the signal and ends the attempt even if the handler ignores the signal.
 */
export async function runAttempt(
  job: ResolvedJob,
  payload: unknown,
  ctx: JobContext,
  controller: AbortController,
): Promise<void> {
  if (!Value.Check(job.def.schema, payload)) {
    throw new PermanentJobError(`Stored payload no longer matches the schema of job "${job.name}"`);
  }
  // Promise.resolve().then: a handler that throws synchronously still becomes a rejection.
  const work = Promise.resolve().then(() => job.def.handler(payload, ctx));
  if (job.timeoutMs === undefined) return work;
  const limit = job.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new JobAbortedError('timeout', `Job timed out after ${limit} ms`);
      controller.abort(err);
      reject(err);
    }, limit);
  });
  // The handler keeps running if it ignores the signal; don't let its late rejection go unhandled.
  work.catch(() => {});
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when every promise settled or `ms` passed; true when all settled. */
export async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const all = Promise.allSettled(promises).then(() => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
}
