import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src/app.js';
import { buildSignedBlobUrl } from '../../src/platform/storage/index.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

const PUBLIC_URL = 'http://iris.test';

/**
 * GET /api/v1/blobs/:token, the target of the local store's signed URLs: public, the
 * signature is the credential, one byte range per request.
 */
describe('signed blob URLs (local storage)', () => {
  let t: TestApp;
  let dir: string;
  const video = randomBytes(300 * 1024 + 17);
  const KEY = 'recordings/ws_test/rec_test/original.mp4';

  /** The path and query of a signed URL, for app.inject. */
  const local = (url: string) => {
    expect(url.startsWith(`${PUBLIC_URL}${API_PREFIX}/blobs/`)).toBe(true);
    return url.slice(PUBLIC_URL.length);
  };
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });
  const sign = (key: string, opts: { filename?: string; contentType?: string } = {}) =>
    t.c.blobs.signedUrl(key, { expiresInSeconds: 300, ...opts }).then(local);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iris-blobs-route-'));
    t = await createTestApp('sqlite', {
      storageUrl: pathToFileURL(dir).href,
      publicUrl: PUBLIC_URL,
    });
    expect(t.c.blobs.kind).toBe('local');
    // Anonymous clients get 60 requests a minute per address; this suite makes more
    // from one address (rate limiting has its own suite).
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.blobs.put(KEY, Readable.from([video]), { contentType: 'video/mp4' });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the whole blob to anyone holding the URL, with its stored type', async () => {
    const url = await sign(KEY);
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(video)).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-length']).toBe(String(video.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBeUndefined();
    // Public: a stale or foreign credential does not get in the way.
    const withToken = await get(url, { authorization: 'Bearer not-a-real-token' });
    expect(withToken.statusCode).toBe(200);
  });

  it('answers byte ranges with 206 and Content-Range, including suffix ranges', async () => {
    const url = await sign(KEY);
    const size = video.length;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, size - 1],
      ['bytes=-500', size - 500, size - 1],
      ['bytes=-999999999', 0, size - 1],
      ['bytes=10-999999999', 10, size - 1],
      [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(url, { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers['content-length'], range).toBe(String(end - start + 1));
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.rawPayload.equals(video.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('gives 416 with Content-Range: bytes */size for unsatisfiable ranges', async () => {
    const url = await sign(KEY);
    for (const range of [
      `bytes=${video.length}-`,
      `bytes=${video.length + 5}-${video.length + 10}`,
      'bytes=-0',
    ]) {
      const res = await get(url, { range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range'], range).toBe(`bytes */${video.length}`);
      expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
    }
  });

  it('ignores ranges it does not serve (several ranges, other units, bad syntax) and sends it all', async () => {
    const url = await sign(KEY);
    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=9-2', 'bytes=abc', 'bytes=-']) {
      const res = await get(url, { range });
      expect(res.statusCode, range).toBe(200);
      expect(res.headers['content-length']).toBe(String(video.length));
    }
  });

  it('applies the signed filename and content type', async () => {
    const url = await sign(KEY, {
      filename: 'Board "final" — Q3.mp4',
      contentType: 'application/octet-stream',
    });
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Board _final_ _ Q3.mp4"; filename*=UTF-8''Board%20%22final%22%20%E2%80%94%20Q3.mp4`,
    );
    const ranged = await get(url, { range: 'bytes=0-9' });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-disposition']).toMatch(/^attachment;/);
  });

  it('refuses tampered, foreign and expired links with 403', async () => {
    const url = new URL(await sign(KEY, { contentType: 'video/mp4' }), PUBLIC_URL);
    const tamper = async (edit: (u: URL) => void) => {
      const u = new URL(url);
      edit(u);
      return get(`${u.pathname}${u.search}`);
    };
    // Serving the same bytes as HTML, under a name, for longer, or another key: all change the signature.
    const attempts = [
      (u: URL) => u.searchParams.set('type', 'text/html'),
      (u: URL) => u.searchParams.set('filename', 'evil.html'),
      (u: URL) => u.searchParams.delete('type'),
      (u: URL) => u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600)),
      (u: URL) => {
        // The first character: the last one also carries padding bits that decode to the same bytes.
        const sig = u.searchParams.get('sig')!;
        u.searchParams.set('sig', `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`);
      },
      (u: URL) => {
        u.pathname = `${API_PREFIX}/blobs/${Buffer.from('recordings/ws_test/other.mp4').toString('base64url')}`;
      },
    ];
    for (const edit of attempts) {
      const res = await tamper(edit);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', message: 'This link is not valid.' });
    }

    // Signed with another secret.
    const foreign = buildSignedBlobUrl(
      PUBLIC_URL,
      'another-secret-another-secret-0123456',
      KEY,
      nowSeconds() + 60,
    );
    expect((await get(local(foreign))).statusCode).toBe(403);

    // Genuine but expired.
    const expired = buildSignedBlobUrl(PUBLIC_URL, t.c.config.secret, KEY, nowSeconds() - 1);
    const res = await get(local(expired));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('This link has expired.');
    // Even an unsatisfiable range does not leak the size before the signature checks out.
    const ranged = await get(local(expired), { range: 'bytes=-0' });
    expect(ranged.statusCode).toBe(403);
    expect(ranged.headers['content-range']).toBeUndefined();
  });

  it('rejects malformed links with 400 and answers 404 for a signed key without a blob', async () => {
    const url = new URL(await sign(KEY), PUBLIC_URL);
    expect((await get(url.pathname)).statusCode).toBe(400);
    expect((await get(`${url.pathname}?exp=soon&sig=x`)).statusCode).toBe(400);
    expect((await get(`${API_PREFIX}/blobs/not*base64?${url.searchParams}`)).statusCode).toBe(400);

    const gone = 'recordings/ws_test/deleted.bin';
    await t.c.blobs.put(gone, Readable.from([Buffer.from('soon gone')]));
    const goneUrl = await sign(gone);
    expect((await get(goneUrl)).statusCode).toBe(200);
    await t.c.blobs.delete(gone);
    const res = await get(goneUrl);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await get(goneUrl, { range: 'bytes=-10' })).statusCode).toBe(404);
    expect((await get(goneUrl, { range: 'bytes=0-10' })).statusCode).toBe(404);
  });

  it('serves empty blobs, and long keys up to the key limit', async () => {
    await t.c.blobs.put('empty/file', Readable.from([]));
    const empty = await sign('empty/file');
    const res = await get(empty);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    const ranged = await get(empty, { range: 'bytes=0-' });
    expect(ranged.statusCode).toBe(416);
    expect(ranged.headers['content-range']).toBe('bytes */0');

    const longKey = `${'a'.repeat(200)}/${'b'.repeat(250)}/${'c'.repeat(250)}/${'d'.repeat(250)}/e.txt`;
    expect(Buffer.byteLength(longKey)).toBeGreaterThan(950);
    await t.c.blobs.put(longKey, Readable.from([Buffer.from('deep')]));
    const long = await get(await sign(longKey));
    expect(long.statusCode).toBe(200);
    expect(long.body).toBe('deep');
  });

  it('answers HEAD with the headers only', async () => {
    const url = await sign(KEY);
    const res = await t.app.inject({ method: 'HEAD', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(video.length));
    expect(res.rawPayload.length).toBe(0);
  });

  it('streams ranges over a real socket (a player seeking through a video)', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}${await sign(KEY)}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(video)).toBe(true);
    const chunks: Buffer[] = [];
    const step = 64 * 1024;
    for (let start = 0; start < video.length; start += step) {
      const res = await fetch(url, { headers: { range: `bytes=${start}-${start + step - 1}` } });
      expect(res.status).toBe(206);
      chunks.push(Buffer.from(await res.arrayBuffer()));
    }
    expect(Buffer.concat(chunks).equals(video)).toBe(true);
    // An abandoned download does not upset the server.
    const controller = new AbortController();
    const partial = await fetch(url, { signal: controller.signal });
    const reader = partial.body!.getReader();
    await reader.read();
    controller.abort();
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    // fetch keeps its connections alive; a response that ended just before app.close()
    // leaves one that close() would wait on until the keep-alive timeout.
    t.app.server.closeAllConnections();
  });

  it('is documented as public in the OpenAPI document', async () => {
    const doc = (await get(`${API_PREFIX}/openapi.json`)).json();
    const op = doc.paths[`${API_PREFIX}/blobs/{token}`]?.get;
    expect(op?.security).toEqual([]);
    expect(Object.keys(op?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '206', '403', '404', '416']),
    );
    // The rest of the API still wants credentials.
    const user = await seedUser(t);
    expect((await t.call('GET', `${API_PREFIX}/status`)).statusCode).toBe(401);
    expect((await t.call('GET', `${API_PREFIX}/status`, { token: user.token })).statusCode).toBe(200);
  });
});

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
