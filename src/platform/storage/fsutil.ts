import { mkdir, open, realpath, rmdir } from 'node:fs/promises';
import path from 'node:path';

export const errno = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

export const isInside = (base: string, p: string): boolean => p === base || p.startsWith(base + path.sep);

/** realpath, or null when the path (or a parent) does not exist. */
export async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await realpath(p);
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** realpath of the deepest ancestor of `p` (itself included) that exists. */
export async function realpathOfExisting(p: string): Promise<string> {
  for (let dir = p; ; dir = path.dirname(dir)) {
    const real = await realpathOrNull(dir);
    if (real !== null || dir === path.dirname(dir)) return real ?? dir;
  }
}

/**
 * A rename or a new file is only durable once the directory entry is: fsync the
 * directory. Platforms that cannot open directories (Windows) skip it.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errno(err) ?? '')) return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!['EINVAL', 'EBADF'].includes(errno(err) ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

/** mkdir -p that also fsyncs the parents of the directories it created. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const parents: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    parents.push(path.dirname(d));
    if (d === first || d === path.dirname(d)) break;
  }
  for (const p of parents) await fsyncDir(p);
}

/** Removes now-empty directories from `dir` up to (not including) `stop`. */
export async function pruneEmptyDirs(dir: string, stop: string): Promise<void> {
  for (let d = dir; d !== stop && isInside(stop, d); d = path.dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty, already gone, or busy: someone else owns it now
    }
  }
}
