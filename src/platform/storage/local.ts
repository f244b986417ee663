import { createHash, randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../../errors.js';
import {
  errno,
  fsyncDir,
  isInside,
  mkdirDurable,
  pruneEmptyDirs,
  realpathOfExisting,
  realpathOrNull,
} from './fsutil.js';
import {
  checkRangeShape,
  resolveRange,
  validateExpiry,
  validateKey,
  validateMaxBytes,
  validatePrefix,
} from './keys.js';
import { ByteMeter } from './meter.js';
import type {
  BlobStat,
  BlobStore,
  ByteRange,
  GetResult,
  PutOptions,
  PutResult,
  SignedUrlOptions,
} from './port.js';
import { buildSignedBlobUrl } from './signing.js';

export interface LocalBlobStoreOptions {
  /** Directory holding everything; created when missing. */
  root: string;
  /** Signs the URLs signedUrl() returns (see signing.ts). */
  secret: string;
  /** Base of those URLs, e.g. https://iris.example.com */
  publicUrl: string;
}

interface Dirs {
  objects: string;
  meta: string;
  tmp: string;
}

/** Temp files older than this are leftovers of a crash (other processes may share tmp/). */
const STALE_TMP_MS = 24 * 3600 * 1000;
const READ_HIGH_WATER_MARK = 256 * 1024;

/**
 * Blobs as plain files under `<root>/objects/<key>`, so an operator can inspect and
 * back them up with ordinary tools. Writes go to `<root>/tmp` (same filesystem) and
 * are renamed into place after fsync, so a crash leaves either the old blob or the new
 * one. Content types live in `<root>/meta`, keyed by a hash of the blob key so the
 * metadata tree can never collide with or escape through object paths.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private ready: Promise<Dirs> | undefined;

  constructor(private readonly options: LocalBlobStoreOptions) {
    if (!options.secret) throw new Error('LocalBlobStore needs a secret to sign URLs');
  }

  async init(): Promise<void> {
    const dirs = await this.dirs();
    await removeStaleTemps(dirs.tmp);
  }

  async put(key: string, stream: Readable, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    validateMaxBytes(opts.maxBytes);
    const dirs = await this.dirs();
    // Refuse escapes before reading a byte of the body.
    await this.containedParent(dirs.objects, key);

    const tmp = path.join(dirs.tmp, `${randomUUID()}.part`);
    const meter = new ByteMeter(opts.maxBytes);
    try {
      await writeDurably(tmp, stream, meter);
      await this.writeMeta(dirs, key, opts.contentType);
      const dest = await this.renameIntoPlace(dirs.objects, key, tmp);
      await fsyncDir(path.dirname(dest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw conflictOr(err);
    }
    return { key, size: meter.byteCount(), sha256: meter.sha256() };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    validateKey(key);
    if (range) checkRangeShape(range);
    const dirs = await this.dirs();
    const file = await this.containedFile(dirs.objects, key);
    if (file === null) throw notFound('Blob');
    let fh: FileHandle;
    try {
      // The path is already resolved; O_NOFOLLOW closes the window for a swap to a link.
      fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if (['ENOENT', 'ELOOP', 'ENOTDIR'].includes(errno(err) ?? '')) throw notFound('Blob');
      throw err;
    }
    try {
      // Size comes from the open descriptor: a concurrent overwrite renames a new file
      // into place, so this reader keeps a consistent snapshot of the old one.
      const st = await fh.stat();
      if (!st.isFile()) throw notFound('Blob');
      const resolved = range ? resolveRange(range, st.size) : undefined;
      const contentType = await this.readMeta(dirs, key);
      const stream = fh.createReadStream({
        highWaterMark: READ_HIGH_WATER_MARK,
        ...(resolved ?? {}),
      });
      return {
        stream,
        size: st.size,
        ...(contentType ? { contentType } : {}),
        ...(resolved ? { range: resolved } : {}),
      };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async stat(key: string): Promise<BlobStat | null> {
    validateKey(key);
    const dirs = await this.dirs();
    const file = await this.containedFile(dirs.objects, key);
    if (file === null) return null;
    const st = await stat(file).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return null;
      throw err;
    });
    if (!st?.isFile()) return null;
    const contentType = await this.readMeta(dirs, key);
    return { size: st.size, updatedAt: st.mtime, ...(contentType ? { contentType } : {}) };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const dirs = await this.dirs();
    const parent = await this.containedParent(dirs.objects, key);
    if (parent === null) return;
    try {
      // unlink never follows a final symlink, so this cannot remove anything outside.
      await unlink(path.join(parent, path.basename(key)));
    } catch (err) {
      // EISDIR/EPERM: a "folder" of other keys, which is not a blob under this key.
      if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errno(err) ?? '')) throw err;
      return;
    }
    await rm(this.metaPath(dirs, key), { force: true });
    await pruneEmptyDirs(parent, dirs.objects);
  }

  async deletePrefix(prefix: string): Promise<void> {
    validatePrefix(prefix);
    if (prefix === '') throw new AppError('INVALID_REQUEST', 'Refusing to delete every blob (empty prefix).');
    const keys: string[] = [];
    for await (const key of this.list(prefix)) keys.push(key);
    for (const key of keys) await this.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    validatePrefix(prefix);
    const dirs = await this.dirs();
    const dirPart = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = await realpathOrNull(path.join(dirs.objects, ...dirPart.split('/').filter(Boolean)));
    if (start === null || !isInside(dirs.objects, start)) return;
    yield* walk(start, dirPart, prefix);
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    validateKey(key);
    const exp = Math.floor(Date.now() / 1000) + validateExpiry(opts.expiresInSeconds);
    const extras = {
      ...(opts.filename !== undefined ? { filename: opts.filename } : {}),
      ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
    };
    return buildSignedBlobUrl(this.options.publicUrl, this.options.secret, key, exp, extras);
  }

  async close(): Promise<void> {}

  private dirs(): Promise<Dirs> {
    this.ready ??= (async () => {
      const root = path.resolve(this.options.root);
      // Containment is checked against real paths so a symlinked data dir still works.
      const dir = async (name: string) => {
        await mkdir(path.join(root, name), { recursive: true });
        return realpathOfExisting(path.join(root, name));
      };
      return { objects: await dir('objects'), meta: await dir('meta'), tmp: await dir('tmp') };
    })().catch((err: unknown) => {
      this.ready = undefined; // let a later call retry, e.g. once the volume is mounted
      throw err;
    });
    return this.ready;
  }

  /** Real path of the key's file if it exists inside `base`; throws when it resolves outside. */
  private async containedFile(base: string, key: string): Promise<string | null> {
    const real = await realpathOrNull(path.join(base, ...key.split('/')));
    if (real !== null && !isInside(base, real)) throw escapes();
    return real;
  }

  /**
   * Real path of the key's parent directory, or null when it does not exist yet. Throws
   * when the nearest existing ancestor resolves outside `base` (a symlinked folder).
   */
  private async containedParent(base: string, key: string): Promise<string | null> {
    const parent = path.join(base, ...key.split('/').slice(0, -1));
    const real = await realpathOrNull(parent);
    if (real !== null) {
      if (!isInside(base, real)) throw escapes();
      return real;
    }
    if (!isInside(base, await realpathOfExisting(parent))) throw escapes();
    return null;
  }

  private async renameIntoPlace(base: string, key: string, tmp: string): Promise<string> {
    // A concurrent delete may prune the folder between mkdir and rename; retry then.
    for (let attempt = 0; ; attempt++) {
      // Checked before mkdir too: mkdir -p would follow a symlinked folder out of the root.
      await this.containedParent(base, key);
      await mkdirDurable(path.join(base, ...key.split('/').slice(0, -1)));
      const parent = await this.containedParent(base, key);
      if (parent !== null) {
        const dest = path.join(parent, path.basename(key));
        try {
          await rename(tmp, dest);
          return dest;
        } catch (err) {
          if (errno(err) !== 'ENOENT' || attempt >= 3) throw err;
        }
      } else if (attempt >= 3) {
        throw new Error(`Could not create the folder for blob ${key}`);
      }
    }
  }

  private metaPath(dirs: Dirs, key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return path.join(dirs.meta, h.slice(0, 2), `${h}.json`);
  }

  /**
   * Written before the data is renamed into place, so a visible blob never carries a
   * stale type from an earlier version. Two concurrent puts of one key with different
   * types may pair one's bytes with the other's type; callers do not race like that.
   */
  private async writeMeta(dirs: Dirs, key: string, contentType: string | undefined): Promise<void> {
    const file = this.metaPath(dirs, key);
    if (contentType === undefined) {
      await rm(file, { force: true });
      return;
    }
    const tmp = path.join(dirs.tmp, `${randomUUID()}.meta`);
    try {
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ contentType }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await mkdirDurable(path.dirname(file));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async readMeta(dirs: Dirs, key: string): Promise<string | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.metaPath(dirs, key), 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined; // unreadable metadata only costs the type, never the blob
    }
    return typeof parsed === 'object' &&
      parsed !== null &&
      'contentType' in parsed &&
      typeof parsed.contentType === 'string'
      ? parsed.contentType
      : undefined;
  }
}

/** Streams into a new file; resolves only once it is fsynced and closed. */
async function writeDurably(file: string, source: Readable, meter: ByteMeter): Promise<void> {
  // `flush` fsyncs before close, and pipeline waits for the close.
  await pipeline(source, meter, createWriteStream(file, { flags: 'wx', flush: true }));
}

async function* walk(dir: string, relDir: string, prefix: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return; // deleted while listing
    throw err;
  }
  for (const entry of entries) {
    const rel = relDir + entry.name;
    // Symlinks are skipped: the store never creates them, and following one could leave the root.
    if (entry.isDirectory()) {
      const sub = `${rel}/`;
      if (sub.startsWith(prefix) || prefix.startsWith(sub))
        yield* walk(path.join(dir, entry.name), sub, prefix);
    } else if (entry.isFile() && rel.startsWith(prefix)) {
      yield rel;
    }
  }
}

async function removeStaleTemps(tmpDir: string): Promise<void> {
  const cutoff = Date.now() - STALE_TMP_MS;
  for (const name of await readdir(tmpDir)) {
    const file = path.join(tmpDir, name);
    const st = await stat(file).catch(() => null);
    if (st && st.mtimeMs < cutoff) await rm(file, { force: true });
  }
}

const escapes = () => new AppError('INVALID_REQUEST', 'Blob key resolves outside the storage root.');

/** A key that needs a folder where a blob is (or the reverse) cannot be stored on disk. */
function conflictOr(err: unknown): unknown {
  if (['ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY'].includes(errno(err) ?? '')) {
    return new AppError('CONFLICT', 'Blob key conflicts with an existing blob or folder of blobs.');
  }
  return err;
}
