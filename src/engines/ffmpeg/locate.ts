import { constants, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineUnavailableError } from './errors.js';
import { runProcess } from './run.js';

/**
 * Finds the ffmpeg and ffprobe to use, in this order:
 *   1. IRIS_FFMPEG_PATH / IRIS_FFPROBE_PATH: an explicit choice; if it does not work that
 *      is a configuration mistake and we fail loudly instead of quietly using another.
 *   2. A system binary on PATH, if it runs (and, for ffmpeg, can encode H.264 + AAC):
 *      distro builds are newer and faster than the npm one.
 *   3. The static builds shipped inside npm (@ffmpeg-installer/ffmpeg,
 *      @ffprobe-installer/ffprobe), so a plain `npm install` is enough. The ffmpeg one is
 *      a 2018 build: no scdet filter, no -fps_mode (see `capabilities`).
 *
 * Results are cached per process (keyed by the environment that decided them) because
 * every pipeline stage asks. The same machinery serves the tesseract CLI lookup.
 */

export type BinarySource = 'env' | 'system' | 'npm';

export interface LocatedBinary {
  path: string;
  source: BinarySource;
  /** What the binary says about itself, e.g. "5.1.6-0+deb12u1" or "N-47683-g0e8eb07980-static". */
  version: string;
}

export interface FfmpegBinary extends LocatedBinary {
  capabilities: {
    /** `-fps_mode` exists (ffmpeg >= 5.1); older builds only know `-vsync`. */
    fpsMode: boolean;
  };
}

type Env = Record<string, string | undefined>;

export interface LocateOptions {
  env?: Env;
}

/** What "works" means for one tool; `check` throws with a reason when it does not. */
export interface BinarySpec {
  /** Human name, also the file name looked up on PATH. */
  name: string;
  envVar: string;
  /** The npm-shipped binary, or undefined when the package is missing or the platform unsupported. */
  npmPath?: () => string | undefined;
  /** Arguments that print a version and exit 0. */
  versionArgs: string[];
  /** Picks the version out of the version output. */
  parseVersion: (output: string) => string;
  /** Extra check beyond "runs" (e.g. has the encoders we need). */
  check?: (binaryPath: string, env: Env) => Promise<void>;
}

const PROBE_TIMEOUT_MS = 10_000;
const require = createRequire(import.meta.url);

/** First executable regular file called `name` in the PATH of `env`. */
export async function findOnPath(name: string, env: Env = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      const st = await fs.stat(candidate);
      if (!st.isFile()) continue;
      await fs.access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

async function versionOf(spec: BinarySpec, binaryPath: string, env: Env): Promise<string> {
  const res = await runProcess(binaryPath, spec.versionArgs, {
    captureStdoutBytes: 256 * 1024,
    timeoutMs: PROBE_TIMEOUT_MS,
    label: spec.name,
    env: { ...process.env, ...env },
  });
  if (res.exitCode !== 0) {
    throw new EngineUnavailableError(
      spec.name,
      `${spec.name} exited with code ${res.exitCode} when asked its version.`,
    );
  }
  // Some tools (tesseract 4) print their version on stderr.
  return spec.parseVersion(`${res.stdout}\n${res.stderrTail}`);
}

async function tryBinary(spec: BinarySpec, binaryPath: string, source: BinarySource, env: Env) {
  const version = await versionOf(spec, binaryPath, env);
  await spec.check?.(binaryPath, env);
  return { path: binaryPath, source, version };
}

/** Resolves one tool following the env → system → npm order described above. */
export async function locateBinary(spec: BinarySpec, env: Env = process.env): Promise<LocatedBinary> {
  const override = env[spec.envVar]?.trim();
  if (override) {
    try {
      return await tryBinary(spec, override, 'env', env);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new EngineUnavailableError(
        spec.name,
        `${spec.envVar} is set but that ${spec.name} does not work: ${why}`,
      );
    }
  }
  const problems: string[] = [];
  const onPath = await findOnPath(spec.name, env);
  if (onPath) {
    try {
      return await tryBinary(spec, onPath, 'system', env);
    } catch (err) {
      // A broken or feature-poor system build is skipped, not fatal: the npm one may work.
      problems.push(`system ${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const shipped = spec.npmPath?.();
  if (shipped) {
    try {
      return await tryBinary(spec, shipped, 'npm', env);
    } catch (err) {
      problems.push(`npm ${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const tried = problems.length ? ` (${problems.join('; ')})` : '';
  throw new EngineUnavailableError(
    spec.name,
    `No working ${spec.name} found: set ${spec.envVar}, install it on PATH, or reinstall the npm packages${tried}.`,
  );
}

/** The installer packages throw (a string) on unsupported platforms; that just means "no npm binary". */
function npmBinary(pkg: string): () => string | undefined {
  return () => {
    try {
      const mod = require(pkg) as { path?: unknown };
      return typeof mod.path === 'string' ? mod.path : undefined;
    } catch {
      return undefined;
    }
  };
}

/** "ffmpeg version 5.1.6-0+deb12u1 Copyright…" → "5.1.6-0+deb12u1". */
const ffVersion = (output: string) => /version\s+(\S+)/.exec(output)?.[1] ?? 'unknown';

const FFMPEG_SPEC: BinarySpec = {
  name: 'ffmpeg',
  envVar: 'IRIS_FFMPEG_PATH',
  npmPath: npmBinary('@ffmpeg-installer/ffmpeg'),
  versionArgs: ['-hide_banner', '-version'],
  parseVersion: ffVersion,
  async check(binaryPath, env) {
    // Builds without libx264 exist (e.g. some minimal distro packages); they cannot make web video.
    const res = await runProcess(binaryPath, ['-hide_banner', '-encoders'], {
      captureStdoutBytes: 1024 * 1024,
      timeoutMs: PROBE_TIMEOUT_MS,
      label: 'ffmpeg',
      env: { ...process.env, ...env },
    });
    const missing = ['libx264', 'aac'].filter(
      (enc) => !new RegExp(`^\\s*\\S+\\s+${enc}\\s`, 'm').test(res.stdout),
    );
    if (missing.length) throw new Error(`this build lacks the ${missing.join(' and ')} encoder`);
  },
};

const FFPROBE_SPEC: BinarySpec = {
  name: 'ffprobe',
  envVar: 'IRIS_FFPROBE_PATH',
  npmPath: npmBinary('@ffprobe-installer/ffprobe'),
  versionArgs: ['-hide_banner', '-version'],
  parseVersion: ffVersion,
};

const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  let hit = cache.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = make();
    // A failure is not cached: the operator may install the binary and retry the stage.
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}

const keyOf = (tool: string, envVar: string, env: Env) => `${tool}\0${env[envVar] ?? ''}\0${env.PATH ?? ''}`;

export function locateFfmpeg(opts: LocateOptions = {}): Promise<FfmpegBinary> {
  const env = opts.env ?? process.env;
  return cached(keyOf('ffmpeg', FFMPEG_SPEC.envVar, env), async () => {
    const bin = await locateBinary(FFMPEG_SPEC, env);
    const help = await runProcess(bin.path, ['-hide_banner', '-h', 'long'], {
      captureStdoutBytes: 4 * 1024 * 1024,
      timeoutMs: PROBE_TIMEOUT_MS,
      label: 'ffmpeg',
    });
    return { ...bin, capabilities: { fpsMode: /^\s*-fps_mode\b/m.test(help.stdout) } };
  });
}

export function locateFfprobe(opts: LocateOptions = {}): Promise<LocatedBinary> {
  const env = opts.env ?? process.env;
  return cached(keyOf('ffprobe', FFPROBE_SPEC.envVar, env), () => locateBinary(FFPROBE_SPEC, env));
}

/** Forget what was found (tests, or after the operator installs a binary). */
export function clearLocateCache(): void {
  cache.clear();
}
