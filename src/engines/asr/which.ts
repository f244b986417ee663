import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Resolve a command the way a shell would: a path is checked as is, a bare name is
 * looked up on PATH. Returns the absolute path of an executable file, or undefined.
 */
export async function findExecutable(
  command: string,
  envPath = process.env.PATH ?? '',
): Promise<string | undefined> {
  const candidates = command.includes('/')
    ? [path.resolve(command)]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A readable, non-empty regular file. */
export async function isNonEmptyFile(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size === 0) return false;
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
