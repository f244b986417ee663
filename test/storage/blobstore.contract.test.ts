import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOB_ROUTE_PREFIX,
  decodeBlobKey,
  verifyBlobSignature,
  type BlobStore,
} from '../../src/platform/storage/index.js';
import { BACKENDS, TEST_SECRET, type StorageBackend } from './backends.js';
import {
  digestStream,
  expectAppError,
  failingStream,
  generatedSha256,
  generatedSlice,
  generatedStream,
  readAll,
  S3_ENV,
  sha256,
} from './helpers.js';

const MB = 1024 * 1024;

if (!S3_ENV) {
  console.warn(
    'storage: S3 contract suite SKIPPED (IRIS_TEST_S3_ENDPOINT not set; start one with eval "$(../shared/services/s3-up.sh)")',
  );
}
const body = (s: string | Buffer) => Readable.from([Buffer.from(s)]);

/**
 * One contract for every blob store adapter: local disk always, S3 when
 * IRIS_TEST_S3_ENDPOINT points at a server (a fresh random bucket per run).
 */
describe.each(BACKENDS)('blob store contract: $name', (spec) => {
  let backend: StorageBackend;
  let store: BlobStore;
  let n = 0;
  const key = (name: string) => `t${++n}/${name}`;

  beforeAll(async () => {
    backend = await spec.setup();
    store = backend.store;
  });
  afterAll(async () => backend?.teardown());

  it('reports its kind', () => {
    expect(store.kind).toBe(spec.name);
  });

  it('round-trips bytes with size, sha256 and content type', async () => {
    const k = key('hello.txt');
    const res = await store.put(k, body('hello, iris'), { contentType: 'text/plain' });
    expect(res).toEqual({ key: k, size: 11, sha256: sha256('hello, iris') });

    const got = await store.get(k);
    expect(got.size).toBe(11);
    expect(got.contentType).toBe('text/plain');
    expect(got.range).toBeUndefined();
    expect((await readAll(got.stream)).toString()).toBe('hello, iris');

    const st = await store.stat(k);
    expect(st?.size).toBe(11);
    expect(st?.contentType).toBe('text/plain');
    expect(st?.updatedAt).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - (st?.updatedAt.getTime() ?? 0))).toBeLessThan(60_000);
    expect(await store.exists(k)).toBe(true);
  });

  it('stores an empty blob', async () => {
    const k = key('empty');
    expect(await store.put(k, Readable.from([]))).toMatchObject({ size: 0, sha256: sha256('') });
    expect((await store.stat(k))?.size).toBe(0);
    expect((await readAll((await store.get(k)).stream)).length).toBe(0);
    await expectAppError(store.get(k, { start: 0 }), 'RANGE_NOT_SATISFIABLE');
  });

  it('streams a multi-megabyte body in and out without buffering it', async () => {
    const size = 12 * MB + 12_345; // several multipart parts on S3, odd tail
    const k = key('big.bin');
    const res = await store.put(k, generatedStream(size, 'big'), { contentType: 'application/octet-stream' });
    const expected = generatedSha256(size, 'big');
    expect(res).toEqual({ key: k, size, sha256: expected });
    expect(await digestStream((await store.get(k)).stream)).toEqual({ size, sha256: expected });

    // A range straddling the 5 MiB / 64 KiB chunk boundaries.
    const start = 5 * MB - 100;
    const end = 5 * MB + 70_000;
    const part = await store.get(k, { start, end });
    expect(part.size).toBe(size);
    expect(part.range).toEqual({ start, end });
    expect((await readAll(part.stream)).equals(generatedSlice(size, 'big', start, end))).toBe(true);
  });

  it('serves byte ranges with HTTP semantics', async () => {
    const k = key('digits');
    await store.put(k, body('0123456789'));
    const text = async (range: { start: number; end?: number }) => {
      const got = await store.get(k, range);
      return { text: (await readAll(got.stream)).toString(), size: got.size, range: got.range };
    };
    expect(await text({ start: 2, end: 5 })).toEqual({ text: '2345', size: 10, range: { start: 2, end: 5 } });
    expect(await text({ start: 7 })).toEqual({ text: '789', size: 10, range: { start: 7, end: 9 } });
    expect(await text({ start: 0, end: 0 })).toEqual({ text: '0', size: 10, range: { start: 0, end: 0 } });
    expect(await text({ start: 8, end: 100 })).toEqual({ text: '89', size: 10, range: { start: 8, end: 9 } });
    await expectAppError(store.get(k, { start: 10 }), 'RANGE_NOT_SATISFIABLE');
    await expectAppError(store.get(k, { start: 5, end: 2 }), 'INVALID_REQUEST');
    await expectAppError(store.get(k, { start: -1 }), 'INVALID_REQUEST');
  });

  it('reports a missing key as null / NOT_FOUND', async () => {
    const k = key('nothing-here');
    expect(await store.stat(k)).toBeNull();
    expect(await store.exists(k)).toBe(false);
    await expectAppError(store.get(k), 'NOT_FOUND');
    await expectAppError(store.get(k, { start: 0, end: 1 }), 'NOT_FOUND');
    await expectAppError(store.get(k, { start: 5, end: 2 }), 'INVALID_REQUEST');
    await store.delete(k); // idempotent
  });

  it('aborts a put over maxBytes and leaves nothing behind (single part)', async () => {
    const k = key('too-big-small');
    await expectAppError(
      store.put(k, generatedStream(300_000, 'x'), { maxBytes: 100_000 }),
      'PAYLOAD_TOO_LARGE',
    );
    expect(await store.stat(k)).toBeNull();
    expect(await backend.leftovers()).toEqual([]);
  });

  it('aborts a put over maxBytes and leaves nothing behind (after multipart parts were sent)', async () => {
    const k = key('too-big-multipart');
    await expectAppError(
      store.put(k, generatedStream(14 * MB, 'y'), { maxBytes: 11 * MB }),
      'PAYLOAD_TOO_LARGE',
    );
    expect(await store.stat(k)).toBeNull();
    expect(await backend.leftovers()).toEqual([]);
  });

  it('accepts a body of exactly maxBytes', async () => {
    const k = key('exact');
    expect(await store.put(k, generatedStream(4096, 'e'), { maxBytes: 4096 })).toMatchObject({ size: 4096 });
  });

  it('keeps the previous blob when an overwrite is refused or its body fails', async () => {
    const k = key('keep');
    await store.put(k, body('original'));
    await expectAppError(store.put(k, generatedStream(50_000, 'z'), { maxBytes: 1000 }), 'PAYLOAD_TOO_LARGE');
    await expect(store.put(k, failingStream(10_000))).rejects.toThrow(/client went away/);
    expect((await readAll((await store.get(k)).stream)).toString()).toBe('original');
    expect(await backend.leftovers()).toEqual([]);
  });

  it('overwrites a blob, content type included', async () => {
    const k = key('over');
    await store.put(k, body('first version'), { contentType: 'video/mp4' });
    const res = await store.put(k, body('second'));
    expect(res.size).toBe(6);
    const got = await store.get(k);
    expect((await readAll(got.stream)).toString()).toBe('second');
    expect(got.contentType).not.toBe('video/mp4');
    expect((await store.stat(k))?.size).toBe(6);
  });

  it('never serves a torn blob under concurrent overwrites', async () => {
    const k = key('race');
    const size = 2 * MB;
    const hashes = [generatedSha256(size, 'a'), generatedSha256(size, 'b')];
    await Promise.all([store.put(k, generatedStream(size, 'a')), store.put(k, generatedStream(size, 'b'))]);
    const got = await digestStream((await store.get(k)).stream);
    expect(got.size).toBe(size);
    expect(hashes).toContain(got.sha256);
  });

  it('lists, deletes and deletes by prefix (plain string prefix, as in S3)', async () => {
    const root = key('tree');
    const keys = ['a/1', 'a/2', 'a/b/3', 'a/b/c/4', 'ab/5', 'c', 'a.txt'].map((k) => `${root}/${k}`);
    for (const k of keys) await store.put(k, body(k));
    const list = async (prefix: string) => {
      const out: string[] = [];
      for await (const k of store.list(prefix)) out.push(k);
      return out.sort();
    };
    expect(await list(`${root}/`)).toEqual([...keys].sort());
    expect(await list(`${root}/a/`)).toEqual([
      `${root}/a/1`,
      `${root}/a/2`,
      `${root}/a/b/3`,
      `${root}/a/b/c/4`,
    ]);
    expect(await list(`${root}/a`)).toEqual(
      [
        `${root}/a.txt`,
        `${root}/a/1`,
        `${root}/a/2`,
        `${root}/a/b/3`,
        `${root}/a/b/c/4`,
        `${root}/ab/5`,
      ].sort(),
    );
    expect(await list(`${root}/a/b/c/`)).toEqual([`${root}/a/b/c/4`]);
    expect(await list(`${root}/zzz/`)).toEqual([]);

    await store.delete(`${root}/a/1`);
    await store.delete(`${root}/a`); // a "folder", not a blob: nothing happens
    expect(await store.exists(`${root}/a/1`)).toBe(false);
    expect(await store.exists(`${root}/a/2`)).toBe(true);

    await store.deletePrefix(`${root}/a/`);
    expect(await list(`${root}/`)).toEqual([`${root}/a.txt`, `${root}/ab/5`, `${root}/c`]);
    // Re-creating a key under a pruned folder works.
    await store.put(`${root}/a/b/new`, body('again'));
    expect(await list(`${root}/a/`)).toEqual([`${root}/a/b/new`]);

    await store.deletePrefix(`${root}/`);
    expect(await list(`${root}/`)).toEqual([]);
    await expectAppError(store.deletePrefix(''), 'INVALID_REQUEST');
  });

  it('deletes more keys than one listing page holds', async () => {
    const root = key('many');
    const keys = Array.from({ length: 11 }, (_, i) => `${root}/k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, body(k))));
    const listed: string[] = [];
    for await (const k of store.list(`${root}/`)) listed.push(k);
    expect(listed.sort()).toEqual(keys);
    await store.deletePrefix(`${root}/`);
    for (const k of keys) expect(await store.exists(k)).toBe(false);
  });

  it('rejects invalid keys with INVALID_REQUEST before touching anything', async () => {
    const bad = [
      '../x',
      '/abs',
      'a/../../b',
      'a\\b',
      '',
      'a//b',
      'a/',
      './a',
      'a/./b',
      'a\u0000b',
      'line\nbreak',
      'x'.repeat(1025),
    ];
    for (const k of bad) {
      await expectAppError(store.put(k, body('nope')), 'INVALID_REQUEST');
      await expectAppError(store.get(k), 'INVALID_REQUEST');
      await expectAppError(store.stat(k), 'INVALID_REQUEST');
      await expectAppError(store.exists(k), 'INVALID_REQUEST');
      await expectAppError(store.delete(k), 'INVALID_REQUEST');
      await expectAppError(store.signedUrl(k, { expiresInSeconds: 60 }), 'INVALID_REQUEST');
    }
    for (const p of ['../', '/abs/', 'a/../', 'a\\b/']) {
      await expectAppError(store.deletePrefix(p), 'INVALID_REQUEST');
      await expectAppError(
        (async () => {
          for await (const _ of store.list(p)) void _;
        })(),
        'INVALID_REQUEST',
      );
    }
  });

  it('accepts unusual but valid keys', async () => {
    const k = `${key('odd')}/ünïcødé name (1) %2F ..x .hidden`;
    await store.put(k, body('odd'));
    expect((await readAll((await store.get(k)).stream)).toString()).toBe('odd');
    const listed: string[] = [];
    for await (const x of store.list(k.slice(0, k.lastIndexOf('/') + 1))) listed.push(x);
    expect(listed).toEqual([k]);
  });

  it('rejects bad signed URL expiries', async () => {
    const k = key('exp');
    await expectAppError(store.signedUrl(k, { expiresInSeconds: 0 }), 'INVALID_REQUEST');
    await expectAppError(store.signedUrl(k, { expiresInSeconds: 8 * 24 * 3600 }), 'INVALID_REQUEST');
  });

  if (spec.name === 'local') {
    it('signs Iris URLs that verify, and rejects tampered or expired ones', async () => {
      const k = key('report.pdf');
      await store.put(k, body('%PDF'));
      const url = new URL(
        await store.signedUrl(k, {
          expiresInSeconds: 300,
          filename: 'Report "Q1".pdf',
          contentType: 'application/pdf',
        }),
      );
      expect(url.origin).toBe('http://iris.test');
      expect(url.pathname.startsWith(BLOB_ROUTE_PREFIX)).toBe(true);
      const encoded = url.pathname.slice(BLOB_ROUTE_PREFIX.length);
      const decoded = decodeBlobKey(encoded);
      const exp = url.searchParams.get('exp') ?? '';
      const sig = url.searchParams.get('sig') ?? '';
      const extras = {
        filename: url.searchParams.get('filename') ?? '',
        contentType: url.searchParams.get('type') ?? '',
      };
      expect(decoded).toBe(k);
      expect(extras).toEqual({ filename: 'Report "Q1".pdf', contentType: 'application/pdf' });
      const expNum = Number(exp);
      expect(expNum - Date.now() / 1000).toBeGreaterThan(290);

      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig, extras)).toBe(true);
      const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.slice(-1);
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, flipped, extras)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig.slice(1), extras)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, '', extras)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, `${decoded}x`, exp, sig, extras)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, String(expNum + 1), sig, extras)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, `${exp}.0`, sig, extras)).toBe(false);
      expect(
        verifyBlobSignature(TEST_SECRET, decoded, exp, sig, { ...extras, contentType: 'text/html' }),
      ).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig, { ...extras, filename: 'x.pdf' })).toBe(
        false,
      );
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig)).toBe(false);
      expect(verifyBlobSignature(`${TEST_SECRET}!`, decoded, exp, sig, extras)).toBe(false);
      // Expired: the same URL checked after its expiry.
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig, extras, expNum * 1000 + 1)).toBe(false);
      expect(verifyBlobSignature(TEST_SECRET, decoded, exp, sig, extras, expNum * 1000 - 1000)).toBe(true);
    });
  }

  if (spec.name === 's3') {
    it('presigns GET URLs that serve the bytes, ranges and a download name', async () => {
      const k = key('clip.txt');
      await store.put(k, body('0123456789'), { contentType: 'text/plain' });
      const url = await store.signedUrl(k, { expiresInSeconds: 120 });
      const full = await fetch(url);
      expect(full.status).toBe(200);
      expect(await full.text()).toBe('0123456789');

      const ranged = await fetch(url, { headers: { Range: 'bytes=3-6' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe('bytes 3-6/10');
      expect(await ranged.text()).toBe('3456');

      const named = await fetch(
        await store.signedUrl(k, {
          expiresInSeconds: 120,
          filename: 'Clip "1" ü.txt',
          contentType: 'application/x-test',
        }),
      );
      expect(named.status).toBe(200);
      expect(named.headers.get('content-disposition')).toContain('attachment; filename="Clip _1_ _.txt"');
      expect(named.headers.get('content-disposition')).toContain(
        "filename*=UTF-8''Clip%20%221%22%20%C3%BC.txt",
      );
      expect(named.headers.get('content-type')).toBe('application/x-test');
      await named.arrayBuffer();

      const tampered = await fetch(url.replace(k, `${k}x`));
      expect(tampered.status).toBe(403);
      await tampered.arrayBuffer();
    });

    it('presigned URLs expire', async () => {
      const k = key('short.txt');
      await store.put(k, body('soon gone'));
      const url = await store.signedUrl(k, { expiresInSeconds: 1 });
      await new Promise((r) => setTimeout(r, 2100));
      const res = await fetch(url);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    });
  }
});
