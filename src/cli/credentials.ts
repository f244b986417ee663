import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface StoredLogin {
  url: string;
  key: string;
}

export interface Credentials {
  url: string;
  key: string | undefined;
  /** Where the key came from, for `whoami` (never the key itself). */
  source: 'env' | 'config' | 'none';
}

/** `$XDG_CONFIG_HOME/iris`, else `~/.config/iris`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME?.trim() || path.join(env.HOME?.trim() || os.homedir(), '.config');
  return path.join(base, 'iris');
}

export const configFile = (env: NodeJS.ProcessEnv) => path.join(configDir(env), 'config.json');
/** Unfinished uploads, so `iris upload` of the same file resumes. */
export const uploadsFile = (env: NodeJS.ProcessEnv) => path.join(configDir(env), 'uploads.json');

export async function readLogin(env: NodeJS.ProcessEnv): Promise<StoredLogin | undefined> {
  try {
    const parsed = JSON.parse(await readFile(configFile(env), 'utf8')) as Partial<StoredLogin>;
    return typeof parsed.url === 'string' && typeof parsed.key === 'string'
      ? { url: parsed.url, key: parsed.key }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key is a bearer credential: the directory is 0700 and the file 0600 from the
 * moment it exists (written to a private temp file, then renamed over the old one).
 */
export async function writeLogin(env: NodeJS.ProcessEnv, login: StoredLogin): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = configFile(env);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}

export async function deleteLogin(env: NodeJS.ProcessEnv): Promise<boolean> {
  const file = configFile(env);
  const existed = (await readLogin(env)) !== undefined;
  await rm(file, { force: true });
  return existed;
}

/** `IRIS_URL` and `IRIS_API_KEY` win over the stored login, so CI needs no file. */
export async function resolveCredentials(env: NodeJS.ProcessEnv, urlOption?: string): Promise<Credentials> {
  const stored = await readLogin(env);
  const envKey = env.IRIS_API_KEY?.trim();
  const url = urlOption || env.IRIS_URL?.trim() || stored?.url || DEFAULT_URL;
  if (envKey) return { url, key: envKey, source: 'env' };
  if (stored) return { url, key: stored.key, source: 'config' };
  return { url, key: undefined, source: 'none' };
}
