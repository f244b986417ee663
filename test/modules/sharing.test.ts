import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedKey } from '../../src/modules/recordings/blob-keys.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { S3_ENV, testS3StorageUrl } from '../storage/helpers.js';
import { mediaFiles, uploaded, type MediaFiles } from './recordings.helpers.js';

const XSS_TITLE = '<script>alert(1)</script>';

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Public share links: the owner side and every unauthenticated endpoint, with real ffmpeg media. */
describe.each(DIALECTS)('sharing on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let m: MediaFiles;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let rec: { id: string; workspace_id: string };
  let shareId: string;
  let frameJpeg: Buffer;

  const share = (id: string, token = owner.token) =>
    t.call('POST', `/api/v1/recordings/${id}/share`, { token });
  const unshare = (id: string, token = owner.token) =>
    t.call('DELETE', `/api/v1/recordings/${id}/share`, { token });
  const pub = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
    t.call(method, url, { headers });
  const publicUrls = (id: string) => [
    `/api/v1/share/${id}`,
    `/api/v1/share/${id}/video`,
    `/api/v1/share/${id}/frames`,
    `/api/v1/share/${id}/og.png`,
    `/api/v1/share/${id}/jsonld`,
    `/api/v1/share/${id}/poster.jpg`,
    `/api/v1/share/${id}/frames/frm_1/image`,
  ];
  /** The path part of an absolute URL the API handed out, for app.inject. */
  const local = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    m = await mediaFiles();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-share-data-'));
    t = await createTestApp(dialect, { dataDir, publicUrl: 'https://iris.example.test' });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    owner = await seedUser(t);
    // The queue is not started: no stage rewrites what the test seeds below.
    rec = await uploaded(t, owner.token, { data: m.video, filename: 'clip.mp4', type: 'video/mp4' }, [
      ['title', XSS_TITLE],
    ]);

    await t.c.recordings.context.upsert(rec.id, {
      summary: 'We planned the Q3 launch & picked <b>dates</b>.',
      timeline: [{ start_seconds: 0, end_seconds: 1, title: 'Intro' }],
      actions: [{ text: 'Send the "launch" mail', timestamp_seconds: 1.5, owner: 'Ada' }],
      urls: [{ url: 'https://example.com/plan', first_seen_seconds: 0.5, frames: 2 }],
      apps: [{ name: 'Firefox', seconds: 2 }],
      tags: ['launch'],
      language: 'en',
      engines: { summary: 'extractive' },
    });
    await t.c.recordings.segments.replaceAll(rec.id, [
      {
        start_seconds: 0,
        end_seconds: 1.2,
        text: 'Hello and welcome </script><script>x()</script>',
        confidence: 0.9,
        speaker: null,
      },
      {
        start_seconds: 1.2,
        end_seconds: 2,
        text: 'Let us plan the launch.',
        confidence: 0.8,
        speaker: 'Ada',
      },
    ]);
    frameJpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#2563eb' } })
      .jpeg()
      .toBuffer();
    const frameKey = derivedKey(rec.workspace_id, rec.id, 'frames/000000.jpg');
    await t.c.blobs.put(frameKey, Readable.from(frameJpeg), { contentType: 'image/jpeg' });
    await t.c.recordings.frames.replaceAll(rec.id, rec.workspace_id, [
      {
        id: 'frm_01jshare0000000000000000a',
        idx: 0,
        timestamp_seconds: 0.5,
        image_key: frameKey,
        width: 320,
        height: 240,
        phash: null,
      },
    ]);
    await t.c.recordings.frames.setOcr('frm_01jshare0000000000000000a', {
      ocr_text: 'Q3 launch plan',
      ocr_words: null,
      ocr_confidence: 91,
    });
    await t.c.recordings.frames.setEnrichment('frm_01jshare0000000000000000a', {
      url: 'https://example.com/plan',
      app: 'Firefox',
      description: null,
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shares idempotently (201, then 200 with the same link) with an unguessable id, and audits it', async () => {
    const first = await share(rec.id);
    expect(first.statusCode, first.body).toBe(201);
    const link = first.json();
    shareId = link.share_id;
    expect(shareId).toMatch(/^shr_[A-Za-z0-9_-]{32}$/);
    expect(link).toEqual({
      share_id: shareId,
      recording_id: rec.id,
      url: `https://iris.example.test/share/${shareId}`,
      api_url: `https://iris.example.test/api/v1/share/${shareId}`,
      created_at: expect.any(String),
    });
    const again = await share(rec.id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(link);

    const got = await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: owner.token });
    expect(got.json().share).toEqual({ shared: true, share_url: link.url });

    const events = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', rec.id)
      .where('action', '=', 'recording.share')
      .execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(String(events[0]!.after))).toEqual({ shared: true, share_id: shareId });
  });

  it('serves metadata and context without authentication, and ignores a garbage bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-real-token' }] as Record<string, string>[]) {
      const res = await pub(`/api/v1/share/${shareId}`, headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow, noarchive');
      const body = res.json();
      expect(body).toMatchObject({
        share_id: shareId,
        title: XSS_TITLE,
        has_video: true,
        width: 320,
        height: 240,
        video_url: `https://iris.example.test/api/v1/share/${shareId}/video`,
        page_url: `https://iris.example.test/share/${shareId}`,
        og_image_url: `https://iris.example.test/api/v1/share/${shareId}/og.png`,
        context: {
          summary: 'We planned the Q3 launch & picked <b>dates</b>.',
          timeline: [{ start_seconds: 0, end_seconds: 1, title: 'Intro' }],
          actions: [{ text: 'Send the "launch" mail', timestamp_seconds: 1.5, owner: 'Ada' }],
          urls: [{ url: 'https://example.com/plan', first_seen_seconds: 0.5 }],
          apps: [{ name: 'Firefox', seconds: 2 }],
          tags: ['launch'],
        },
      });
      expect(body.duration_seconds).toBeCloseTo(2, 0);
      expect(body.context.transcript).toHaveLength(2);
      expect(body.context.transcript[1]).toEqual({
        start_seconds: 1.2,
        end_seconds: 2,
        text: 'Let us plan the launch.',
        speaker: 'Ada',
      });
      // The first frame stands in for the poster the media stage has not made.
      expect(body.poster_url).toBe(`https://iris.example.test/api/v1/share/${shareId}/poster.jpg`);
      const poster = await pub(local(body.poster_url));
      expect(poster.statusCode).toBe(200);
      expect(poster.headers['content-type']).toBe('image/jpeg');
      expect(poster.rawPayload.equals(frameJpeg)).toBe(true);
      // Nothing about the workspace, its people or storage.
      for (const secret of [rec.workspace_id, owner.userId, owner.email, 'clip.mp4', 'ws/', 'original']) {
        expect(res.body).not.toContain(secret);
      }
    }
  });

  it('lists frames with image URLs served through the share, OCR text, url and app', async () => {
    const res = await pub(`/api/v1/share/${shareId}/frames`, { authorization: 'Bearer garbage' });
    expect(res.statusCode, res.body).toBe(200);
    const { items, pagination } = res.json();
    expect(pagination).toEqual({ limit: 100, offset: 0, total: 1 });
    expect(items[0]).toMatchObject({
      index: 0,
      timestamp_seconds: 0.5,
      ocr_text: 'Q3 launch plan',
      url: 'https://example.com/plan',
      app: 'Firefox',
      width: 320,
    });
    expect(JSON.stringify(items)).not.toContain(rec.workspace_id);
    expect(items[0].image_url).toBe(
      `https://iris.example.test/api/v1/share/${shareId}/frames/${items[0].id}/image`,
    );
    const image = await pub(local(items[0].image_url));
    expect(image.statusCode).toBe(200);
    expect(image.headers['cache-control']).toBe('no-store');
    expect(image.rawPayload.equals(frameJpeg)).toBe(true);
    // A frame of another recording is not reachable through this share.
    expect((await pub(`/api/v1/share/${shareId}/frames/frm_${'x'.repeat(20)}/image`)).statusCode).toBe(404);
  });

  it('streams the video with Range, HEAD and 416 exactly like the private endpoint', async () => {
    const size = m.video.length;
    const url = `/api/v1/share/${shareId}/video`;
    const whole = await pub(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(m.video)).toBe(true);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-type']).toBe('video/mp4');

    const part = await pub(url, { range: 'bytes=100-1099', authorization: 'Bearer garbage' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${size}`);
    expect(part.rawPayload.equals(m.video.subarray(100, 1100))).toBe(true);

    const suffix = await pub(url, { range: 'bytes=-500' });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(m.video.subarray(size - 500))).toBe(true);

    const head = await pub(url, { range: 'bytes=0-9' }, 'HEAD');
    expect(head.statusCode).toBe(206);
    expect(head.headers['content-length']).toBe('10');
    expect(head.rawPayload.length).toBe(0);

    const outside = await pub(url, { range: `bytes=${size}-` });
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('renders a 1200×630 PNG Open Graph image, with the poster once there is one', async () => {
    const first = await pub(`/api/v1/share/${shareId}/og.png`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toBe('image/png');
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    expect(pngSize(first.rawPayload)).toEqual({ width: 1200, height: 630 });

    const poster = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#16a34a' } })
      .jpeg()
      .toBuffer();
    const posterKey = derivedKey(rec.workspace_id, rec.id, 'poster.jpg');
    await t.c.blobs.put(posterKey, Readable.from(poster), { contentType: 'image/jpeg' });
    try {
      const withPoster = await pub(`/api/v1/share/${shareId}/og.png`);
      expect(pngSize(withPoster.rawPayload)).toEqual({ width: 1200, height: 630 });
      // The green poster shows near the top (the shade darkens only the bottom).
      const { data } = await sharp(withPoster.rawPayload)
        .extract({ left: 600, top: 20, width: 1, height: 1 })
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(data[1]!).toBeGreaterThan(data[0]! + 50);
      writeFileSync(path.join(os.tmpdir(), `iris-share-og-${dialect}.png`), withPoster.rawPayload);
      const viewed = (await pub(`/api/v1/share/${shareId}`)).json();
      expect((await pub(local(viewed.poster_url))).rawPayload.equals(poster)).toBe(true);
    } finally {
      await t.c.blobs.delete(posterKey);
    }
  });

  it('serves schema.org VideoObject JSON-LD', async () => {
    const res = await pub(`/api/v1/share/${shareId}/jsonld`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    const ld = JSON.parse(res.body);
    expect(ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'VideoObject',
      name: XSS_TITLE,
      description: 'We planned the Q3 launch & picked <b>dates</b>.',
      thumbnailUrl: [`https://iris.example.test/api/v1/share/${shareId}/og.png`],
      contentUrl: `https://iris.example.test/api/v1/share/${shareId}/video`,
      embedUrl: `https://iris.example.test/share/${shareId}`,
    });
    expect(ld.duration).toMatch(/^PT\d+(\.\d+)?S$/);
    expect(new Date(ld.uploadDate).toISOString()).toBe(ld.uploadDate);
    expect(ld.transcript).toContain('Let us plan the launch.');
  });

  it('renders the public page with escaped text, link-preview tags, JSON-LD and a CSP', async () => {
    const res = await pub(`/share/${shareId}`, { authorization: 'Bearer garbage' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<script>x()');
    expect(html).not.toContain('<b>dates');
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('<meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).toContain(
      `<meta property="og:image" content="https://iris.example.test/api/v1/share/${shareId}/og.png">`,
    );
    expect(html).toContain(
      `<meta property="og:video" content="https://iris.example.test/api/v1/share/${shareId}/video">`,
    );
    expect(html).toContain(
      '<meta property="og:description" content="We planned the Q3 launch &amp; picked &lt;b&gt;dates&lt;/b&gt;.">',
    );
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toMatch(
      /<video controls[^>]* src="https:\/\/iris\.example\.test\/api\/v1\/share\/shr_[^"]+\/video">/,
    );
    expect(html).toContain('Let us plan the launch.');

    // One script element only, the JSON-LD, whose text cannot close it early.
    expect(html.match(/<script/g)).toHaveLength(1);
    const ld = /<script type="application\/ld\+json">([^<]*)<\/script>/.exec(html);
    expect(ld).not.toBeNull();
    expect(JSON.parse(ld![1]!)).toMatchObject({ '@type': 'VideoObject', name: XSS_TITLE });

    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    // The one inline style is allowed by its hash, so the page looks right under the CSP.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow, noarchive');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    writeFileSync(path.join(os.tmpdir(), `iris-share-page-${dialect}.html`), html);
  });

  it('answers unknown, malformed and revoked ids with the same 404', async () => {
    const unknown = `shr_${'A'.repeat(32)}`;
    const bodies = new Set<string>();
    for (const id of [unknown, 'nope', 'shr_short']) {
      for (const url of publicUrls(id)) {
        const res = await pub(url);
        expect(res.statusCode, url).toBe(404);
        const { error } = res.json();
        expect(error.code).toBe('NOT_FOUND');
        bodies.add(error.message);
      }
      const page = await pub(`/share/${id}`);
      expect(page.statusCode).toBe(404);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('This link does not work');
    }
    expect([...bodies]).toEqual(['Share not found.']);
  });

  it('revokes at once (every public URL 404), and sharing again makes a new id while the old stays dead', async () => {
    const before = await share(rec.id);
    const old = before.json().share_id as string;
    const viewed = (await pub(`/api/v1/share/${old}`)).json();
    const frame = (await pub(`/api/v1/share/${old}/frames`)).json().items[0];
    const images = [local(viewed.poster_url), local(frame.image_url)];
    for (const url of images) expect((await pub(url)).statusCode, url).toBe(200);
    const del = await unshare(rec.id);
    expect(del.statusCode).toBe(204);
    for (const url of [...publicUrls(old), ...images, `/share/${old}`]) {
      const res = await pub(url);
      expect(res.statusCode, url).toBe(404);
    }
    expect((await unshare(rec.id)).statusCode).toBe(204);
    const got = await t.call('GET', `/api/v1/recordings/${rec.id}`, { token: owner.token });
    expect(got.json().share).toEqual({ shared: false, share_url: null });
    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_id', '=', rec.id)
      .where('action', '=', 'recording.unshare')
      .execute();
    expect(audit).toHaveLength(1);

    const again = await share(rec.id);
    expect(again.statusCode).toBe(201);
    const fresh = again.json().share_id as string;
    expect(fresh).not.toBe(old);
    expect((await pub(`/api/v1/share/${fresh}`)).statusCode).toBe(200);
    expect((await pub(`/api/v1/share/${old}`)).statusCode).toBe(404);
    expect((await pub(`/share/${old}`)).statusCode).toBe(404);
    shareId = fresh;
  });

  it('lets only writers of the workspace share: read key 403, other workspace 404', async () => {
    const keyRes = await t.call('POST', '/api/v1/keys', {
      token: owner.token,
      body: { name: 'reader', scopes: ['read'] },
    });
    expect(keyRes.statusCode, keyRes.body).toBe(201);
    const readKey = keyRes.json().key.plaintext as string;
    const byKey = await share(rec.id, readKey);
    expect(byKey.statusCode).toBe(403);
    expect((await unshare(rec.id, readKey)).statusCode).toBe(403);

    const stranger = await seedUser(t);
    expect((await share(rec.id, stranger.token)).statusCode).toBe(404);
    expect((await unshare(rec.id, stranger.token)).statusCode).toBe(404);
    expect((await pub(`/api/v1/share/${shareId}`)).statusCode).toBe(200);

    expect((await t.call('POST', `/api/v1/recordings/${rec.id}/share`)).statusCode).toBe(401);
  });

  it('kills the share when the recording is deleted', async () => {
    const other = await uploaded(t, owner.token, { data: m.audio, filename: 'memo.m4a', type: 'audio/mp4' }, [
      ['title', 'Voice memo'],
    ]);
    const link = (await share(other.id)).json();
    const page = await pub(`/share/${link.share_id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<audio controls');
    expect((await pub(`/api/v1/share/${link.share_id}/jsonld`)).json()['@type']).toBe('AudioObject');
    const og = await pub(`/api/v1/share/${link.share_id}/og.png`);
    expect(pngSize(og.rawPayload)).toEqual({ width: 1200, height: 630 });

    const del = await t.call('DELETE', `/api/v1/recordings/${other.id}`, { token: owner.token });
    expect(del.statusCode).toBe(204);
    for (const url of [...publicUrls(link.share_id), `/share/${link.share_id}`]) {
      expect((await pub(url)).statusCode, url).toBe(404);
    }
  });

  it('limits anonymous viewers per client address, the page included', async () => {
    t.c.rateLimiter.setLimits({ free: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await pub(`/share/${shareId}`)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await pub(`/api/v1/share/${shareId}/video`, { authorization: 'Bearer garbage' });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      t.c.rateLimiter.setLimits({ free: 1e9 });
    }
  });

  it('documents the public routes without security and the owner routes with it', async () => {
    const doc = (await pub('/api/v1/openapi.json')).json();
    for (const p of [
      '/api/v1/share/{shareId}',
      '/api/v1/share/{shareId}/frames',
      '/api/v1/share/{shareId}/og.png',
      '/api/v1/share/{shareId}/jsonld',
      '/share/{shareId}',
    ]) {
      expect(doc.paths[p]?.get?.security, p).toEqual([]);
    }
    expect(doc.paths['/api/v1/share/{shareId}/video'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/recordings/{id}/share'].post.security).toBeUndefined();
    expect(doc.paths['/api/v1/recordings/{id}/share'].delete).toBeDefined();
  });
});

describe.skipIf(!S3_ENV)('shared video with S3 storage', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-share-s3-'));
    t = await createTestApp('sqlite', { dataDir, storageUrl: testS3StorageUrl('share') });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  }, 60_000);
  afterAll(async () => {
    if (t) {
      for await (const key of t.c.blobs.list('')) await t.c.blobs.delete(key);
      await t.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('streams the public video from S3 through Iris with Range (no presigned URL), and stops once revoked', async () => {
    const m = await mediaFiles();
    const user = await seedUser(t);
    const rec = await uploaded(t, user.token, { data: m.video, filename: 'clip.mp4', type: 'video/mp4' });
    const link = (await t.call('POST', `/api/v1/recordings/${rec.id}/share`, { token: user.token })).json();
    const url = `/api/v1/share/${link.share_id}/video`;
    const ranged = await t.call('GET', url, { headers: { range: 'bytes=0-99' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 0-99/${m.video.length}`);
    expect(ranged.rawPayload.equals(m.video.subarray(0, 100))).toBe(true);
    const whole = await t.call('GET', url);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(m.video)).toBe(true);
    // The private endpoint still hands out a presigned URL: only the share streams through.
    const own = await t.call('GET', `/api/v1/recordings/${rec.id}/video`, { token: user.token });
    expect(own.statusCode).toBe(302);

    await t.call('DELETE', `/api/v1/recordings/${rec.id}/share`, { token: user.token });
    expect((await t.call('GET', url, { headers: { range: 'bytes=0-99' } })).statusCode).toBe(404);
  });
});
