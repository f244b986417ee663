import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createContainer } from '../../src/container.js';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { generateApiKey } from '../../src/platform/auth/tokens.js';
import { clientKey } from '../../src/platform/ratelimit/limiter.js';
import { RedisRateLimitStore } from '../../src/platform/ratelimit/redis-store.js';
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/platform/ratelimit/store.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

/**
 * Rate limits per workspace and plan (specs 000/002). Time never passes by itself
 * here: every limiter and store runs on an injected clock that the tests move.
 */
const REDIS_URL = process.env.IRIS_TEST_REDIS_URL;
if (!REDIS_URL)
  console.warn('[iris tests] IRIS_TEST_REDIS_URL is not set: Redis rate-limit suites are skipped.');
const STORES = REDIS_URL ? (['memory', 'redis'] as const) : (['memory'] as const);
type StoreKind = (typeof STORES)[number];

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const silent = pino({ level: 'silent' });

/** A logger that keeps warnings, to see the fail-open path speak up. */
function recordingLogger() {
  const warnings: string[] = [];
  const logger = {
    warn: (_o: unknown, msg: string) => void warnings.push(msg),
    info: () => undefined,
  } as unknown as pino.Logger;
  return { logger, warnings };
}

/**
 * seedUser's default email is taken from the timestamp half of a ULID, so two users
 * seeded within one millisecond collide; give each a random one.
 */
const seed = (t: TestApp) => seedUser(t, `rl-${randomBytes(8).toString('hex')}@example.com`);
const randomPrefix = () => `iris-test:rl:${randomBytes(6).toString('hex')}:`;
const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 254) + 1).join('.')}`;

// ---------------------------------------------------------------------------------
// Store contract: the same behaviour from memory and from Redis.
// ---------------------------------------------------------------------------------

describe.each(STORES)('rate-limit store contract (%s)', (kind: StoreKind) => {
  const opened: RateLimitStore[] = [];
  async function open(prefix = randomPrefix()): Promise<RateLimitStore> {
    let store: RateLimitStore;
    if (kind === 'memory') store = new MemoryRateLimitStore();
    else {
      const redis = new RedisRateLimitStore(REDIS_URL!, silent, { prefix });
      await redis.connect();
      store = redis;
    }
    opened.push(store);
    return store;
  }
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it('admits a burst of the whole limit, then refuses with the wait until the next request', async () => {
    const s = await open();
    const first = await s.consume('a', 60, MINUTE, T0);
    expect(first).toEqual({ allowed: true, limit: 60, remaining: 59, resetMs: 1000, retryAfterMs: 0 });
    for (let i = 2; i <= 60; i++) {
      const r = await s.consume('a', 60, MINUTE, T0);
      expect(r.allowed).toBe(true);
      expect(r.remaining).toBe(60 - i);
    }
    const refused = await s.consume('a', 60, MINUTE, T0);
    expect(refused).toEqual({ allowed: false, limit: 60, remaining: 0, resetMs: MINUTE, retryAfterMs: 1000 });
    // A refused request costs nothing: still one second to wait, not two.
    const again = await s.consume('a', 60, MINUTE, T0 + 400);
    expect(again.allowed).toBe(false);
    expect(again.retryAfterMs).toBe(600);
  });

  it('refills continuously instead of resetting at a window edge', async () => {
    const s = await open();
    for (let i = 0; i < 60; i++) await s.consume('b', 60, MINUTE, T0);
    expect((await s.consume('b', 60, MINUTE, T0 + 999)).allowed).toBe(false);
    // One request per second comes back.
    const one = await s.consume('b', 60, MINUTE, T0 + 1000);
    expect(one).toMatchObject({ allowed: true, remaining: 0 });
    expect((await s.consume('b', 60, MINUTE, T0 + 1000)).allowed).toBe(false);
    // Half a minute later, half the budget.
    let admitted = 0;
    while ((await s.consume('b', 60, MINUTE, T0 + 31_000)).allowed) admitted++;
    expect(admitted).toBe(30);
    // After a full idle minute the whole burst is available again.
    const fresh = await s.consume('b', 60, MINUTE, T0 + 31_000 + MINUTE);
    expect(fresh).toMatchObject({ allowed: true, remaining: 59, resetMs: 1000 });
  });

  it('keeps buckets apart and handles limits that do not divide the window', async () => {
    const s = await open();
    for (let i = 0; i < 3; i++) expect((await s.consume('c1', 3, MINUTE, T0)).allowed).toBe(true);
    expect((await s.consume('c1', 3, MINUTE, T0)).allowed).toBe(false);
    expect((await s.consume('c2', 3, MINUTE, T0)).remaining).toBe(2);
    let n = 0;
    while ((await s.consume('c3', 7, MINUTE, T0)).allowed) n++;
    expect(n).toBe(7);
    const wait = (await s.consume('c3', 7, MINUTE, T0)).retryAfterMs;
    expect(wait).toBeGreaterThan(8570);
    expect(wait).toBeLessThan(8572);
    expect((await s.consume('c3', 7, MINUTE, T0 + 8572)).allowed).toBe(true);
  });

  it('is atomic under concurrency: exactly the limit is admitted', async () => {
    const s = await open();
    const results = await Promise.all(Array.from({ length: 150 }, () => s.consume('d', 100, MINUTE, T0)));
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
  });
});

describe.skipIf(!REDIS_URL)('Redis store shared by processes', () => {
  const opened: RateLimitStore[] = [];
  async function open(prefix = randomPrefix()): Promise<RateLimitStore> {
    const store = new RedisRateLimitStore(REDIS_URL!, silent, { prefix });
    await store.connect();
    opened.push(store);
    return store;
  }
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it('shares one budget between stores on the same Redis (two processes)', async () => {
    const prefix = randomPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const both = await Promise.all(
      Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).consume('shared', 60, MINUTE, T0)),
    );
    expect(both.filter((r) => r.allowed)).toHaveLength(60);
    expect((await a.consume('shared', 60, MINUTE, T0)).allowed).toBe(false);
    expect((await b.consume('shared', 60, MINUTE, T0)).allowed).toBe(false);
    // Another prefix is another deployment.
    const other = await open();
    expect((await other.consume('shared', 60, MINUTE, T0)).allowed).toBe(true);
  });

  it('expires refilled buckets in Redis itself', async () => {
    const prefix = randomPrefix();
    const s = await open(prefix);
    await s.consume('ttl', 60, MINUTE, Date.now());
    const { Redis } = await import('ioredis');
    const probe = new Redis(REDIS_URL!);
    try {
      const pttl = await probe.pttl(`${prefix}ttl`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);
    } finally {
      probe.disconnect();
    }
  });
});

describe('memory store stays bounded', () => {
  it('sweeps refilled buckets and evicts the least recently used past the cap', async () => {
    const s = new MemoryRateLimitStore({ maxEntries: 100, sweepEveryMs: 1_000 });
    for (let i = 0; i < 100; i++) s.consumeSync(`k${i}`, 60, MINUTE, T0);
    expect(s.size).toBe(100);
    // Each bucket is full again one interval (1 s) later: the next sweep forgets them.
    s.consumeSync('late', 60, MINUTE, T0 + 2_000);
    expect(s.size).toBe(1);
    for (let i = 0; i < 250; i++) s.consumeSync(`x${i}`, 60, MINUTE, T0 + 2_000);
    expect(s.size).toBeLessThanOrEqual(100);
    // The newest survive; the oldest went first.
    expect(s.consumeSync('x249', 60, MINUTE, T0 + 2_000).remaining).toBe(58);
    expect(s.consumeSync('late', 60, MINUTE, T0 + 2_000).remaining).toBe(59);
  });
});

describe('Redis store fails open', () => {
  it('answers from local counters and warns when Redis is unreachable', async () => {
    const { logger, warnings } = recordingLogger();
    // Port 1: nothing listens there, the connection is refused at once.
    const s = new RedisRateLimitStore('redis://127.0.0.1:1', logger, { prefix: randomPrefix() });
    await s.connect(1_000);
    try {
      const r = await s.consume('e', 2, MINUTE, T0);
      expect(r).toMatchObject({ allowed: true, remaining: 1 });
      // Still a limit, per process, meanwhile.
      await s.consume('e', 2, MINUTE, T0);
      expect((await s.consume('e', 2, MINUTE, T0)).allowed).toBe(false);
      expect(warnings.some((w) => /rate-limit Redis/.test(w))).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('client keys', () => {
  it('groups IPv6 clients by /64 and unwraps IPv4-mapped addresses', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });
});

// ---------------------------------------------------------------------------------
// Through the real app.
// ---------------------------------------------------------------------------------

const CASES = DIALECTS.flatMap((d) => STORES.map((s) => [d, s] as const));

describe.each(CASES)('rate limits through the API on %s with %s counters', (dialect, store) => {
  let t: TestApp;
  let now = T0;
  const tick = (ms: number) => (now += ms);

  beforeAll(async () => {
    t = await createTestApp(dialect, store === 'redis' ? { redisUrl: REDIS_URL } : {});
    t.c.rateLimiter.setClock(() => now);
  });
  afterAll(async () => t?.close());

  const get = (url: string, token?: string, ip?: string) =>
    t.app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(ip ? { remoteAddress: ip } : {}),
    });

  function expectHeaders(res: LightMyRequestResponse, limit: number, remaining: number, reset: number) {
    expect(res.headers['x-ratelimit-limit']).toBe(String(limit));
    expect(res.headers['x-ratelimit-remaining']).toBe(String(remaining));
    expect(res.headers['x-ratelimit-reset']).toBe(String(reset));
    expect(res.headers['ratelimit']).toBe(`limit=${limit}, remaining=${remaining}, reset=${reset}`);
    expect(res.headers['ratelimit-policy']).toBe(`${limit};w=60`);
  }

  async function exhaust(url: string, token: string | undefined, count: number, ip?: string) {
    for (let i = 0; i < count; i++) {
      const res = await get(url, token, ip);
      expect(res.statusCode).not.toBe(429);
    }
  }

  it('puts the headers on successful responses', async () => {
    const u = await seed(t);
    const first = await get('/api/v1/workspaces', u.token);
    expect(first.statusCode).toBe(200);
    expectHeaders(first, 60, 59, 1);
    const second = await get('/api/v1/workspaces', u.token);
    expectHeaders(second, 60, 58, 2);
    expect(second.headers['retry-after']).toBeUndefined();
  });

  it('puts the headers on error responses too', async () => {
    const u = await seed(t);
    const missing = await get(`/api/v1/workspaces/ws_${'0'.repeat(26)}`, u.token);
    expect(missing.statusCode).toBe(404);
    expectHeaders(missing, 60, 59, 1);
    const noRoute = await get('/api/v1/no-such-thing', u.token);
    expect(noRoute.statusCode).toBe(404);
    expectHeaders(noRoute, 60, 58, 2);
    const invalid = await t.call('POST', '/api/v1/workspaces', { token: u.token, body: { name: 42 } });
    expect(invalid.statusCode).toBe(400);
    expectHeaders(invalid, 60, 57, 3);
    // Refused credentials are charged to the client address (free-plan rate).
    const ip = randomIp();
    const badToken = await get('/api/v1/workspaces', 'garbage', ip);
    expect(badToken.statusCode).toBe(401);
    expectHeaders(badToken, 60, 59, 1);
    const anon = await get('/api/v1/workspaces', undefined, ip);
    expect(anon.statusCode).toBe(401);
    expectHeaders(anon, 60, 58, 2);
  });

  it('leaves probes, metrics, docs and the OpenAPI document alone', async () => {
    for (const url of ['/health', '/healthz', '/metrics', '/docs', '/api/v1/openapi.json']) {
      const res = await get(url);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.headers['x-ratelimit-limit'], url).toBeUndefined();
      expect(res.headers['ratelimit'], url).toBeUndefined();
    }
  });

  it('answers the 61st request in a minute on a free workspace with 429 and Retry-After', async () => {
    const u = await seed(t);
    await exhaust('/api/v1/workspaces', u.token, 60);
    const refused = await get('/api/v1/workspaces', u.token);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expectHeaders(refused, 60, 0, 60);
    expect(refused.json()).toEqual({
      error: {
        code: 'RATE_LIMIT_EXCEEDED',
        message: 'Rate limit of 60 requests per minute exceeded for this workspace; retry in 1 s.',
        request_id: refused.headers['x-request-id'],
      },
    });
    expect(refused.json().error.request_id).toMatch(/^req_/);

    // Burst-friendly: the bucket refills continuously, one request a second.
    tick(1_000);
    const one = await get('/api/v1/workspaces', u.token);
    expect(one.statusCode).toBe(200);
    expectHeaders(one, 60, 0, 60);
    expect((await get('/api/v1/workspaces', u.token)).statusCode).toBe(429);
    tick(20_000);
    await exhaust('/api/v1/workspaces', u.token, 20);
    const again = await get('/api/v1/workspaces', u.token);
    expect(again.statusCode).toBe(429);
    expect(again.json().error.message).toContain('retry in 1 s');
    tick(MINUTE);
    expectHeaders(await get('/api/v1/workspaces', u.token), 60, 59, 1);
  });

  it('gives pro and team workspaces 600 requests a minute, and applies a plan change', async () => {
    const u = await seed(t);
    await t.c.workspacesRepo.update(u.workspaceId, { plan: 'pro' });
    const first = await get('/api/v1/workspaces', u.token);
    expectHeaders(first, 600, 599, 1);
    await exhaust('/api/v1/workspaces', u.token, 599);
    const refused = await get('/api/v1/workspaces', u.token);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-ratelimit-limit']).toBe('600');
    expect(refused.json().error.message).toBe(
      'Rate limit of 600 requests per minute exceeded for this workspace; retry in 1 s.',
    );

    // A downgrade is seen once the cached plan expires (at most 30 s), with a fresh bucket.
    await t.c.workspacesRepo.update(u.workspaceId, { plan: 'free' });
    tick(31_000);
    expectHeaders(await get('/api/v1/workspaces', u.token), 60, 59, 1);
  });

  it('keeps separate buckets per workspace: default, ?workspace_id= and API keys', async () => {
    const alice = await seed(t);
    const bob = await seed(t);
    await exhaust('/api/v1/workspaces', alice.token, 60);
    expect((await get('/api/v1/workspaces', alice.token)).statusCode).toBe(429);
    // Bob's workspace is untouched.
    expectHeaders(await get('/api/v1/workspaces', bob.token), 60, 59, 1);

    // Alice acting in another workspace of hers spends that workspace's budget.
    const created = await t.call('POST', '/api/v1/workspaces', {
      token: alice.token,
      body: { name: 'Second' },
      headers: {},
    });
    // The create itself was refused: Alice's default workspace is out of budget.
    expect(created.statusCode).toBe(429);
    tick(MINUTE);
    const second = await t.call('POST', '/api/v1/workspaces', {
      token: alice.token,
      body: { name: 'Second' },
    });
    expect(second.statusCode).toBe(201);
    const secondId = second.json().id as string;
    await exhaust('/api/v1/workspaces', alice.token, 59);
    expect((await get('/api/v1/workspaces', alice.token)).statusCode).toBe(429);
    const inSecond = await get(`/api/v1/audit-events?workspace_id=${secondId}`, alice.token);
    expect(inSecond.statusCode).toBe(200);
    expectHeaders(inSecond, 60, 59, 1);

    // Naming a workspace one is not a member of buys no fresh bucket.
    const notMine = await get(`/api/v1/workspaces?workspace_id=${bob.workspaceId}`, alice.token);
    expect(notMine.statusCode).toBe(429);
    const madeUp = await get(`/api/v1/workspaces?workspace_id=ws_${'z'.repeat(26)}`, alice.token);
    expect(madeUp.statusCode).toBe(429);

    // An API key spends the budget of the workspace it is bound to.
    const key = generateApiKey();
    await t.c.database.db
      .insertInto('api_keys')
      .values({
        id: newId('key'),
        workspace_id: secondId,
        user_id: alice.userId,
        name: 'ci',
        prefix: key.prefix,
        key_hash: key.hash,
        scopes: codec.json(['read']),
        created_at: codec.now(),
      })
      .execute();
    const viaKey = await get('/api/v1/workspaces', key.plaintext);
    expect(viaKey.statusCode).toBe(200);
    expectHeaders(viaKey, 60, 58, 2);
    // Even when it names another workspace.
    const keyElsewhere = await get(`/api/v1/workspaces?workspace_id=${alice.workspaceId}`, key.plaintext);
    expectHeaders(keyElsewhere, 60, 57, 3);
  });

  it('limits anonymous callers per client address at the free rate', async () => {
    const ip = randomIp();
    const other = randomIp();
    await exhaust('/api/v1/workspaces', undefined, 60, ip);
    const refused = await get('/api/v1/workspaces', undefined, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      message: 'Rate limit of 60 requests per minute exceeded for this client address; retry in 1 s.',
    });
    // Guessing tokens from the same address is refused as well, without a Bearer challenge.
    const guess = await get('/api/v1/workspaces', 'ir_live_guess', ip);
    expect(guess.statusCode).toBe(429);
    expect(guess.headers['retry-after']).toBe('1');
    expect(guess.headers['www-authenticate']).toBeUndefined();
    expect(guess.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(guess.json().error.request_id).toMatch(/^req_/);
    expectHeaders(guess, 60, 0, 60);
    // Another address has its own budget.
    expectHeaders(await get('/api/v1/workspaces', undefined, other), 60, 59, 1);
    // A signed-in person on that address is counted against their workspace instead.
    const u = await seed(t);
    expect((await get('/api/v1/workspaces', u.token, ip)).statusCode).toBe(200);
  });

  it('throttles signup and login floods from one address', async () => {
    const ip = randomIp();
    const post = (url: string, body: unknown) =>
      t.app.inject({ method: 'POST', url, payload: body as object, remoteAddress: ip });
    for (let i = 0; i < 30; i++) {
      // Invalid bodies: nothing is created, yet every attempt costs the address.
      expect((await post('/api/v1/auth/signup', { email: 'not-an-email' })).statusCode).not.toBe(429);
      const login = await post('/api/v1/auth/login', { email: 'nobody', password: 1 });
      expect(login.statusCode).not.toBe(429);
      expect(login.headers['x-ratelimit-remaining']).toBe(String(59 - (2 * i + 1)));
    }
    const refused = await post('/api/v1/auth/login', { email: 'a@example.com', password: 'whatever-123' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(refused.headers['retry-after']).toBe('1');
  });

  it('feeds the workspace request counter', async () => {
    const u = await seed(t);
    for (let i = 0; i < 5; i++) await get('/api/v1/workspaces', u.token);
    // Anonymous traffic is not charged to any workspace.
    await get(`/api/v1/workspaces?workspace_id=${u.workspaceId}`, undefined, randomIp());
    const usage = await get(`/api/v1/workspaces/${u.workspaceId}/usage`, u.token);
    expect(usage.statusCode).toBe(200);
    // Five listed, plus this usage read (counted before the read flushes).
    expect(usage.json().usage.requests.used).toBe(6);
  });
});

// ---------------------------------------------------------------------------------
// Two processes (two containers, one database) sharing one Redis: one budget.
// ---------------------------------------------------------------------------------

describe.each(REDIS_URL ? DIALECTS : [])('two API processes share one Redis budget on %s', (dialect) => {
  it('spends one workspace budget across both', async () => {
    const t1 = await createTestApp(dialect, { redisUrl: REDIS_URL });
    const c2 = await createContainer(t1.c.config, silent);
    const app2 = await buildApp(c2);
    await app2.ready();
    try {
      const now = T0;
      t1.c.rateLimiter.setClock(() => now);
      c2.rateLimiter.setClock(() => now);
      expect(t1.c.rateLimiter.storeKind).toBe('redis');
      const u = await seed(t1);
      const headers = { authorization: `Bearer ${u.token}` };
      const apps = [t1.app, app2];
      for (let i = 0; i < 60; i++) {
        const res = await apps[i % 2]!.inject({ method: 'GET', url: '/api/v1/workspaces', headers });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-ratelimit-remaining']).toBe(String(59 - i));
      }
      for (const app of apps) {
        const res = await app.inject({ method: 'GET', url: '/api/v1/workspaces', headers });
        expect(res.statusCode).toBe(429);
      }
      // Anonymous clients too: 30 + 30 from one address.
      const ip = randomIp();
      for (let i = 0; i < 60; i++) {
        const res = await apps[i % 2]!.inject({
          method: 'GET',
          url: '/api/v1/workspaces',
          remoteAddress: ip,
        });
        expect(res.statusCode).toBe(401);
      }
      const res = await app2.inject({ method: 'GET', url: '/api/v1/workspaces', remoteAddress: ip });
      expect(res.statusCode).toBe(429);
    } finally {
      await app2.close();
      await c2.close();
      await t1.close();
    }
  });
});

describe.each(DIALECTS)('rate limits without Redis on %s', (dialect) => {
  it('keeps serving (fail open) when the configured Redis is unreachable', async () => {
    const t = await createTestApp(dialect, { redisUrl: 'redis://127.0.0.1:1' });
    try {
      const u = await seed(t);
      const res = await t.call('GET', '/api/v1/workspaces', { token: u.token });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('60');
      expect(res.headers['x-ratelimit-remaining']).toBe('59');
    } finally {
      await t.close();
    }
  });

  it('lets benchmarks and heavy suites change the plan limits of a process', async () => {
    const t = await createTestApp(dialect);
    try {
      t.c.rateLimiter.setClock(() => T0);
      t.c.rateLimiter.setLimits({ free: 3 });
      expect(() => t.c.rateLimiter.setLimits({ pro: 0 })).toThrow(RangeError);
      const u = await seed(t);
      for (let i = 0; i < 3; i++) {
        const res = await t.call('GET', '/api/v1/workspaces', { token: u.token });
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-policy']).toBe('3;w=60');
      }
      const refused = await t.call('GET', '/api/v1/workspaces', { token: u.token });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('20');
      expect(refused.json().error.message).toBe(
        'Rate limit of 3 requests per minute exceeded for this workspace; retry in 20 s.',
      );
    } finally {
      await t.close();
    }
  });

  it('gives each process its own budget with in-memory counters', async () => {
    const t1 = await createTestApp(dialect);
    const c2 = await createContainer(t1.c.config, silent);
    const app2 = await buildApp(c2);
    await app2.ready();
    try {
      const u = await seed(t1);
      const headers = { authorization: `Bearer ${u.token}` };
      const a = await t1.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers });
      const b = await app2.inject({ method: 'GET', url: '/api/v1/workspaces', headers });
      expect(a.headers['x-ratelimit-remaining']).toBe('59');
      expect(b.headers['x-ratelimit-remaining']).toBe('59');
    } finally {
      await app2.close();
      await c2.close();
      await t1.close();
    }
  });
});
