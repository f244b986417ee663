import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from '../../src/modules/web/web.routes.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** The dashboard plugin against a fake build, and inside the real app (API paths untouched). */
describe('web dashboard serving', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(os.tmpdir(), 'iris-web-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dist, 'sw.js'), 'self.x = 1');
    app = Fastify();
    app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND' } }));
    await app.register(webRoutes, { distDir: dist });
    app.get('/api/v1/thing', async () => ({ ok: true }));
    app.get('/share/:id', async () => 'share page');
  });
  afterAll(async () => {
    await app?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and as the SPA fallback, revalidated', async () => {
    for (const url of ['/', '/recordings/rec_1', '/verify-email?token=abc', '/search?q=x']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('id="root"');
    }
  });

  it('serves hashed assets as immutable and top-level files revalidated', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const sw = await app.inject({ url: '/sw.js' });
    expect(sw.statusCode).toBe(200);
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['service-worker-allowed']).toBe('/');
    expect((await app.inject({ url: '/assets/nope.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/../package.json' })).statusCode).not.toBe(200);
  });

  it('never shadows API, ops, docs or share paths', async () => {
    expect((await app.inject({ url: '/api/v1/thing' })).json()).toEqual({ ok: true });
    for (const url of [
      '/api/v1/unknown',
      '/api/other',
      '/health/x',
      '/metrics/x',
      '/docs/x',
      '/share/a/b',
      '/v1/x',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/json/);
    }
    expect((await app.inject({ url: '/share/abc' })).body).toBe('share page');
  });

  it('explains how to build the dashboard when web/dist is missing', async () => {
    const bare = Fastify();
    await bare.register(webRoutes, { distDir: path.join(dist, 'does-not-exist') });
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build:web');
    expect((await bare.inject({ url: '/recordings/rec_1' })).body).toContain('not built');
    await bare.close();
  });

  describe('inside the app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp('sqlite');
    });
    afterAll(async () => t?.close());

    it('keeps JSON 404s for unknown API routes and serves / as HTML', async () => {
      const api = await t.call('GET', '/api/v1/definitely-not-a-route');
      expect(api.statusCode).toBe(404);
      expect(api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      const root = await t.call('GET', '/');
      expect(root.statusCode).toBe(200);
      expect(root.headers['content-type']).toMatch(/text\/html/);
      // A stale token does not turn the page into a 401.
      const stale = await t.app.inject({ url: '/', headers: { authorization: 'Bearer nope' } });
      expect(stale.statusCode).toBe(200);
    });
  });
});
