import fc from 'fast-check';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

/**
 * Property: whatever arrives (bad JSON, wrong types, unknown fields, huge numbers,
 * SQL metacharacters, path tricks, forged tokens), no route answers 5xx, and every
 * error has the documented shape.
 */
interface RouteInfo {
  method: string;
  url: string;
}

const nasty = fc.constantFrom(
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '%00',
  '\u0000',
  'ws_' + '0'.repeat(26),
  'usr_01jzzzzzzzzzzzzzzzzzzzzzzz',
  'a'.repeat(5000),
  '😀'.repeat(50),
  '-1',
  '1e309',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
);
const segment = fc.oneof(nasty, fc.string({ maxLength: 40 }), fc.stringMatching(/^[a-z]{2,4}_[0-9a-z]{26}$/));
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'name',
        'email',
        'password',
        'role',
        'workspace_id',
        'scopes',
        'token',
        'limit',
        '__proto__',
      ),
      fc.string({ maxLength: 12 }),
    ),
    fc.oneof(fc.jsonValue({ maxDepth: 2 }), nasty),
    { maxKeys: 6 },
  ),
);
const rawBody = fc.oneof(
  jsonish.map((v) => ({ payload: JSON.stringify(v), type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((s) => ({ payload: s, type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((s) => ({ payload: s, type: 'text/plain' })),
  fc.constant({ payload: '{"a":' + '1'.repeat(400) + '}', type: 'application/json' }),
);
const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'offset',
    'workspace_id',
    'status',
    'q',
    'format',
    'from',
    'to',
    'action',
    'all',
    'zzz',
  ),
  fc.oneof(
    nasty,
    fc.integer().map(String),
    fc.constantFrom('999999999999', '-5', '1.5', 'true', 'csv', 'json'),
  ),
  { maxKeys: 4 },
);

describe.each(DIALECTS)('no 5xx for generated bad requests on %s', (dialect) => {
  let t: TestApp;
  const routes: RouteInfo[] = [];
  let tokens: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    // Rate limiting has its own suite; here it would turn most requests into 429s.
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    // A second app over the same container, built only to read the route table.
    const probe = await buildApp(t.c, {
      onRoute: (r: RouteOptions) => {
        for (const method of [r.method].flat())
          if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: r.url });
      },
    });
    await probe.ready();
    await probe.close();
    const user = await seedUser(t);
    tokens = [
      '',
      'Bearer garbage',
      `Bearer ${user.token}`,
      `Bearer ${user.token.slice(0, -3)}abc`,
      'Bearer ir_live_forged',
      'Basic dXNlcjpwYXNz',
    ];
  }, 60_000);
  afterAll(async () => t?.close());

  it('covers the route table', () => {
    expect(routes.length).toBeGreaterThan(10);
  });

  it('answers every generated request with a non-5xx, well-formed response', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(segment, { minLength: 4, maxLength: 4 }),
        query,
        rawBody,
        fc.integer({ min: 0, max: 5 }),
        async (routeIndex, segments, q, body, tokenIndex) => {
          const route = routes[routeIndex % routes.length]!;
          let i = 0;
          const url = route.url
            .replace(/:[A-Za-z_]+/g, () => encodeURIComponent(segments[i++ % segments.length]!))
            .replace(/\*$/, 'x');
          const search = new URLSearchParams(q).toString();
          const auth = tokens[tokenIndex]!;
          const res = await t.app.inject({
            method: route.method as 'GET',
            url: search ? `${url}?${search}` : url,
            headers: {
              ...(auth ? { authorization: auth } : {}),
              ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': body.type }),
            },
            ...(route.method === 'GET' ? {} : { payload: body.payload }),
          });
          if (res.statusCode >= 500) {
            throw new Error(
              `${route.method} ${url}?${search} → ${res.statusCode}: ${res.body.slice(0, 300)}`,
            );
          }
          const isJson = String(res.headers['content-type']).includes('json');
          if (route.url === '/mcp' && isJson && res.json()?.jsonrpc === '2.0') {
            // MCP speaks JSON-RPC: past our auth and limits its errors are the protocol's.
            const rpc = res.json();
            if (rpc.error) {
              expect(typeof rpc.error.code).toBe('number');
              expect(typeof rpc.error.message).toBe('string');
            }
          } else if (res.statusCode >= 400 && isJson) {
            const err = res.json().error;
            expect(typeof err?.code).toBe('string');
            expect(typeof err?.message).toBe('string');
            expect(err?.request_id).toMatch(/^req_/);
          }
        },
      ),
      {
        numRuns: Number(process.env.IRIS_FUZZ_RUNS ?? 400),
        seed: process.env.IRIS_FUZZ_SEED ? Number(process.env.IRIS_FUZZ_SEED) : undefined,
      },
    );
  }, 120_000);
});
