import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, buildApp } from '../../src/app.js';
import { ERROR_CODES } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type OpenApiDoc = {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { scheme?: string }> };
  security: unknown[];
};

/** `/api/v1/workspaces/:id` → `/api/v1/workspaces/{id}` as in OpenAPI paths. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document and docs page', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  const routes: Array<{ method: string; url: string; hidden: boolean }> = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    // A second app over the same container, built only to read the route table.
    const probe = await buildApp(t.c, {
      onRoute: (r: RouteOptions) => {
        const hidden = Boolean((r.schema as { hide?: boolean } | undefined)?.hide);
        for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden });
      },
    });
    await probe.ready();
    await probe.close();
    const res = await t.call('GET', `${API_PREFIX}/openapi.json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = JSON.parse(res.body) as OpenApiDoc;
  });
  afterAll(async () => t?.close());

  it('is OpenAPI 3.1.0 with info, bearer security and the closed error-code list', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Iris API');
    expect(doc.info.version).toBe(VERSION);
    for (const code of Object.keys(ERROR_CODES)) expect(doc.info.description).toContain(`\`${code}\``);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('documents every /api/v1 route with a summary and tags', () => {
    const api = routes.filter(
      (r) => r.url.startsWith(`${API_PREFIX}/`) && !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS',
    );
    expect(api.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const r of api) {
      const op = doc.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()];
      if (!op?.summary || !op.tags?.length) missing.push(`${r.method} ${r.url}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents the root ops routes as public where they are', () => {
    for (const path of ['/health', '/healthz']) {
      expect(doc.paths[path]?.get?.summary).toBeTruthy();
      expect(doc.paths[path]?.get?.security).toEqual([]);
    }
    expect(doc.paths[`${API_PREFIX}/openapi.json`]?.get?.security).toEqual([]);
    expect(doc.paths['/metrics']?.get?.summary).toBeTruthy();
    expect(doc.paths['/metrics']?.get?.security).toBeUndefined();
  });

  it('names the shared Error schema and references it from error responses', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      properties: { error: { properties: { code: { enum: Object.keys(ERROR_CODES) } } } },
    });
    const ref =
      doc.paths[`${API_PREFIX}/audit-events`]!.get!.responses!['401']!.content!['application/json']!.schema!
        .$ref;
    expect(ref).toBe('#/components/schemas/Error');
    // No dangling references anywhere in the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    for (const name of refs) expect(doc.components.schemas, name).toHaveProperty(name);
  });

  it('describes streamed exports by content type', () => {
    const content = doc.paths[`${API_PREFIX}/audit-events/export`]!.get!.responses!['200']!.content!;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-ndjson', 'text/csv']);
  });

  it('is public, and the rest of /api/v1 is not', async () => {
    expect((await t.call('GET', `${API_PREFIX}/openapi.json`)).statusCode).toBe(200);
    expect((await t.call('GET', `${API_PREFIX}/workspaces`)).statusCode).toBe(401);
    expect((await t.call('GET', `${API_PREFIX}/audit-events`)).statusCode).toBe(401);
    expect((await t.call('GET', `${API_PREFIX}/status`)).statusCode).toBe(401);
  });

  it('serves the docs page and its assets from the package (offline)', async () => {
    const page = await t.call('GET', '/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<div id="swagger-ui">');
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[^"']*\.(js|css)/);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css']) {
      const res = await t.call('GET', `/docs/static/${asset}`);
      expect(res.statusCode, asset).toBe(200);
      expect(res.body.length, asset).toBeGreaterThan(1000);
    }
    const init = await t.call('GET', '/docs/static/swagger-initializer.js');
    expect(init.statusCode).toBe(200);
    const json = await t.call('GET', '/docs/json');
    expect(json.json().openapi).toBe('3.1.0');
  });
});

describe('OpenAPI rate-limit documentation', () => {
  it('documents a 429 with Retry-After on protected /api routes, none on public ones', async () => {
    const t = await createTestApp('sqlite');
    try {
      const doc = (await t.call('GET', '/api/v1/openapi.json')).json();
      const list = doc.paths['/api/v1/workspaces'].get.responses['429'];
      expect(list.headers['Retry-After'].schema.type).toBe('integer');
      expect(JSON.stringify(list.content)).toContain('#/components/schemas/Error');
      expect(doc.paths['/api/v1/openapi.json'].get.responses['429']).toBeUndefined();
      expect(doc.info.description).toContain('X-RateLimit-Remaining');
    } finally {
      await t.close();
    }
  });
});
