import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { DIALECTS } from '../helpers/db.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

/** promtool ships in the Debian package `prometheus`; CI installs it, laptops may not. */
const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!PROMTOOL) {
  console.warn(
    '[iris tests] promtool not found (apt-get install prometheus): the `promtool check metrics` assertion is skipped.',
  );
}

describe.each(DIALECTS)('ops endpoints on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { metricsToken: METRICS_TOKEN });
  });
  afterAll(async () => t?.close());

  it('GET /health answers without credentials in the spec 001 shape', async () => {
    const res = await t.call('GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      version: VERSION,
      gpu: { used_mb: null, total_mb: null },
      workers: [],
      checks: { database: 'ok' },
    });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('GET /health reports workers from the sources modules register', async () => {
    t.c.health.addWorkerSource(async () => [{ name: 'pipeline-1', status: 'idle', jobs: 0 }]);
    t.c.health.addWorkerSource(async () => {
      throw new Error('camera manager is down');
    });
    const res = await t.call('GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(res.json().workers).toEqual([{ name: 'pipeline-1', status: 'idle', jobs: 0 }]);
  });

  it('GET /healthz is liveness only', async () => {
    const res = await t.call('GET', '/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /api/v1/status aggregates the scoped status for node:read holders', async () => {
    const owner = await seedUser(t);
    const other = await seedUser(t);
    expect((await t.call('GET', '/api/v1/status')).statusCode).toBe(401);
    const res = await t.call('GET', '/api/v1/status', { token: owner.token });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      workspace_id: owner.workspaceId,
      uptime_seconds: expect.any(Number),
      version: VERSION,
      role: 'serve',
      database: { dialect, ok: true },
      nodes: { total: 0, online: 0, offline: 0 },
      recordings: { total: 0, by_status: {} },
      health: { open: 0 },
      queue: null,
    });
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);

    // Another workspace's status does not exist for this caller.
    const foreign = await t.call('GET', `/api/v1/status?workspace_id=${other.workspaceId}`, {
      token: owner.token,
    });
    expect(foreign.statusCode).toBe(404);

    // A viewer has node:read (spec 003 roles).
    await t.c.workspacesRepo.addMember(owner.workspaceId, other.userId, 'viewer');
    const asViewer = await t.call('GET', `/api/v1/status?workspace_id=${owner.workspaceId}`, {
      token: other.token,
    });
    expect(asViewer.statusCode).toBe(200);
    expect(asViewer.json().workspace_id).toBe(owner.workspaceId);
  });

  it('status sections are filled by contributors; a failing one does not break the page', async () => {
    const owner = await seedUser(t);
    t.c.status.contribute(async (workspaceId) => ({
      recordings: { total: workspaceId === owner.workspaceId ? 3 : 0, by_status: { ready: 2, queued: 1 } },
    }));
    t.c.status.contribute(async () => {
      throw new Error('nodes module exploded');
    });
    const res = await t.call('GET', '/api/v1/status', { token: owner.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().recordings).toEqual({ total: 3, by_status: { ready: 2, queued: 1 } });
    expect(res.json().nodes).toEqual({ total: 0, online: 0, offline: 0 });
  });

  it('GET /metrics is guarded: scrape token or metrics:read, else 401/403', async () => {
    const owner = await seedUser(t);
    const viewer = await seedUser(t);
    await t.c.workspacesRepo.addMember(owner.workspaceId, viewer.userId, 'viewer');

    const anon = await t.call('GET', '/metrics');
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await t.call('GET', '/metrics', { token: 'wrong-token' })).statusCode).toBe(401);
    expect((await t.call('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).statusCode).toBe(401);

    const byToken = await t.call('GET', '/metrics', { token: METRICS_TOKEN });
    expect(byToken.statusCode).toBe(200);
    expect(byToken.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);

    const byOwner = await t.call('GET', '/metrics', { token: owner.token });
    expect(byOwner.statusCode).toBe(200);
    // Viewers lack metrics:read in their (only) workspace membership here.
    const byViewer = await t.call('GET', `/metrics?workspace_id=${owner.workspaceId}`, {
      token: viewer.token,
    });
    expect(byViewer.statusCode).toBe(403);
    expect(byViewer.json().error.code).toBe('FORBIDDEN');
    const foreign = await t.call('GET', `/metrics?workspace_id=${owner.workspaceId}`, {
      token: (await seedUser(t)).token,
    });
    expect(foreign.statusCode).toBe(404);

    // The scrape token opens /metrics and nothing else.
    for (const url of ['/api/v1/workspaces', '/api/v1/status', '/api/v1/audit-events']) {
      const res = await t.call('GET', url, { token: METRICS_TOKEN });
      expect(res.statusCode, url).toBe(401);
    }
  });

  it('GET /metrics exposes default, HTTP and build metrics with bounded route labels', async () => {
    const owner = await seedUser(t);
    await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}`, { token: owner.token });
    // Under /api (the dashboard answers other unknown paths with its page).
    await t.call('GET', '/api/v1/no/such/route/e3f1c0');
    const res = await t.call('GET', '/metrics', { token: METRICS_TOKEN });
    const text = res.body;
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(text).toMatch(
      new RegExp(`^iris_build_info\\{version="${VERSION.replace(/\./g, '\\.')}"\\} 1$`, 'm'),
    );
    expect(text).toMatch(
      /^iris_http_requests_total\{method="GET",route="\/api\/v1\/workspaces\/:id",status="200"\} \d+$/m,
    );
    expect(text).toMatch(/^iris_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+$/m);
    expect(text).toMatch(
      /^iris_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status="200"\} \d+$/m,
    );
    // Raw URLs (ids, junk paths) never become label values.
    expect(text).not.toContain(owner.workspaceId);
    expect(text).not.toContain('e3f1c0');
  });

  it.skipIf(!PROMTOOL)('GET /metrics passes `promtool check metrics`', async () => {
    await t.call('GET', '/healthz');
    const res = await t.call('GET', '/metrics', { token: METRICS_TOKEN });
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('each app has its own registry', async () => {
    const second = await createTestApp(dialect, { metricsToken: METRICS_TOKEN });
    try {
      expect(second.c.metrics.registry).not.toBe(t.c.metrics.registry);
      const res = await second.call('GET', '/metrics', { token: METRICS_TOKEN });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('route="/api/v1/workspaces/:id"');
    } finally {
      await second.close();
    }
  });
});

describe.each(DIALECTS)('health when the database is down on %s', (dialect) => {
  it('GET /health is degraded with HTTP 503, /healthz stays up', async () => {
    const t = await createTestApp(dialect);
    try {
      await t.c.database.close();
      const res = await t.call('GET', '/health');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'degraded',
        version: VERSION,
        checks: { database: 'failed' },
      });
      expect((await t.call('GET', '/healthz')).statusCode).toBe(200);
    } finally {
      await t.app.close();
      await t.c.close().catch(() => undefined);
      await t.tdb.destroy();
    }
  });
});

describe('public routes ignore stale credentials', () => {
  it('answers /healthz and the OpenAPI document even with a bad token', async () => {
    const t = await createTestApp('sqlite');
    try {
      for (const url of ['/healthz', '/health', '/api/v1/openapi.json']) {
        const res = await t.call('GET', url, { token: 'not-a-real-token' });
        expect(res.statusCode, url).toBeLessThan(300);
      }
      const protectedRoute = await t.call('GET', '/api/v1/workspaces', { token: 'not-a-real-token' });
      expect(protectedRoute.statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
