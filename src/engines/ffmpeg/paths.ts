import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * How file names are handed to ffmpeg, and how outputs appear atomically.
 *
 * - Paths are passed as `file:/absolute/path`: without the prefix ffmpeg treats a name
 *   starting with "-" as an option and "concat:…", "http:…", "subfile,…" as protocols,
 *   which is unsafe for names that came from an upload.
 * - Outputs are written to a hidden sibling and renamed into place only on success, so a
 *   failed, aborted or killed run never leaves a half-written file under the final name
 *   (callers store and serve those names).
 */

export const inputUrl = (p: string): string => `file:${path.resolve(p)}`;
export const outputUrl = inputUrl;

export interface PendingOutput {
  /** Where ffmpeg writes. */
  temp: string;
  /** Move the finished file into place. */
  commit(): Promise<void>;
  /** Remove whatever was written; never throws. */
  discard(): Promise<void>;
}

export function pendingOutput(finalPath: string): PendingOutput {
  const abs = path.resolve(finalPath);
  const temp = path.join(
    path.dirname(abs),
    `.${path.basename(abs)}.${randomBytes(4).toString('hex')}.partial`,
  );
  return {
    temp,
    commit: () => fs.rename(temp, abs),
    discard: () => fs.rm(temp, { force: true }).catch(() => undefined),
  };
}

/** Runs `work` against a pending output and commits or discards it. */
export async function writeAtomically<T>(finalPath: string, work: (temp: string) => Promise<T>): Promise<T> {
  const out = pendingOutput(finalPath);
  try {
    const result = await work(out.temp);
    await out.commit();
    return result;
  } catch (err) {
    await out.discard();
    throw err;
  }
}
