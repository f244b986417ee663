import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';

type Stored = PreviousUpload & { urlStorageKey: string; fingerprint: string };

/**
 * Where unfinished tus uploads are remembered (fingerprint → upload URL), so running the
 * same upload again resumes instead of starting over. A small JSON file, private to the
 * user (0600): upload URLs are not secrets, but file paths in fingerprints can be.
 * Written through a temp file and rename, so a crash mid-write leaves the old file.
 */
export class JsonFileUrlStorage implements UrlStorage {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  async findAllUploads(): Promise<PreviousUpload[]> {
    return this.read();
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    return (await this.read()).filter((u) => u.fingerprint === fingerprint);
  }

  removeUpload(urlStorageKey: string): Promise<void> {
    return this.update((all) => all.filter((u) => u.urlStorageKey !== urlStorageKey));
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const urlStorageKey = `tus::${fingerprint}::${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
    await this.update((all) => [...all, { ...upload, fingerprint, urlStorageKey }]);
    return urlStorageKey;
  }

  private async read(): Promise<Stored[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as Stored[]) : [];
    } catch {
      return [];
    }
  }

  // Serialised: several uploads in one process finish at about the same time.
  private update(change: (all: Stored[]) => Stored[]): Promise<void> {
    const next = this.queue.then(async () => {
      const all = change(await this.read());
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await chmod(temp, 0o600);
      await rename(temp, this.file);
    });
    this.queue = next.catch(() => {});
    return next;
  }
}
