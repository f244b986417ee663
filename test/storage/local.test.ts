import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/platform/storage/index.js';
import { TEST_PUBLIC_URL, TEST_SECRET } from './backends.js';
import { expectAppError, readAll } from './helpers.js';

const body = (s: string) => Readable.from([Buffer.from(s)]);

describe('LocalBlobStore on disk', () => {
  let dir: string;
  let root: string;
  let outside: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iris-local-'));
    root = path.join(dir, 'blobs');
    outside = path.join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    store = new LocalBlobStore({ root, secret: TEST_SECRET, publicUrl: TEST_PUBLIC_URL });
    await store.init();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps blobs as plain files under objects/ and nothing in tmp/', async () => {
    await store.put('rec/1/original.mp4', body('video'), { contentType: 'video/mp4' });
    expect(readFileSync(path.join(root, 'objects', 'rec', '1', 'original.mp4'), 'utf8')).toBe('video');
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a symlinked folder that points outside the root', async () => {
    symlinkSync(outside, path.join(root, 'objects', 'evil'));
    await expectAppError(store.put('evil/new.txt', body('x')), 'INVALID_REQUEST');
    await expectAppError(store.put('evil/deeper/new.txt', body('x')), 'INVALID_REQUEST');
    await expectAppError(store.get('evil/secret.txt'), 'INVALID_REQUEST');
    await expectAppError(store.stat('evil/secret.txt'), 'INVALID_REQUEST');
    await expectAppError(store.delete('evil/secret.txt'), 'INVALID_REQUEST');
    const listed: string[] = [];
    for await (const k of store.list('')) listed.push(k);
    for await (const k of store.list('evil/')) listed.push(k);
    expect(listed).toEqual([]);
    await store.deletePrefix('evil');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a symlinked file that points outside the root, and replaces rather than follows it', async () => {
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'objects', 'link.txt'));
    await expectAppError(store.get('link.txt'), 'INVALID_REQUEST');
    await expectAppError(store.stat('link.txt'), 'INVALID_REQUEST');
    // Writing the key swaps the link for a real file; the target outside is untouched.
    await store.put('link.txt', body('mine'));
    expect((await readAll((await store.get('link.txt')).stream)).toString()).toBe('mine');
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('allows a data dir that is itself reached through a symlink', async () => {
    const linked = path.join(dir, 'linked-blobs');
    symlinkSync(root, linked);
    const viaLink = new LocalBlobStore({ root: linked, secret: TEST_SECRET, publicUrl: TEST_PUBLIC_URL });
    await viaLink.put('a/b.txt', body('ok'));
    expect((await readAll((await store.get('a/b.txt')).stream)).toString()).toBe('ok');
  });

  it('reports a key that needs a folder where a blob is as CONFLICT', async () => {
    await store.put('x', body('file'));
    await expectAppError(store.put('x/y', body('child')), 'CONFLICT');
    await store.put('d/e', body('child'));
    await expectAppError(store.put('d', body('file')), 'CONFLICT');
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('prunes emptied folders on delete', async () => {
    await store.put('p/q/r/s.txt', body('x'));
    await store.delete('p/q/r/s.txt');
    expect(existsSync(path.join(root, 'objects', 'p'))).toBe(false);
    expect(existsSync(path.join(root, 'objects'))).toBe(true);
  });

  it('clears crash leftovers older than a day from tmp/ on init, and only those', async () => {
    const tmp = path.join(root, 'tmp');
    writeFileSync(path.join(tmp, 'old.part'), 'x');
    writeFileSync(path.join(tmp, 'fresh.part'), 'x');
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    utimesSync(path.join(tmp, 'old.part'), dayAgo, dayAgo);
    await new LocalBlobStore({ root, secret: TEST_SECRET, publicUrl: TEST_PUBLIC_URL }).init();
    expect(readdirSync(tmp)).toEqual(['fresh.part']);
  });

  it('needs a secret', () => {
    expect(() => new LocalBlobStore({ root, secret: '', publicUrl: TEST_PUBLIC_URL })).toThrow(/secret/);
  });
});
