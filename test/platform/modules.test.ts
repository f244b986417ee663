import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS } from '../../src/platform/auth/permissions.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('modules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('are named once each, with the dashboard last so its catch-all shadows nothing', () => {
    const names = t.c.modules.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['ops', 'workspaces', 'recordings', 'search', 'sharing', 'mcp']),
    );
    expect(names.at(-1)).toBe('web');
  });

  it('have every job they contribute registered on the queue, and every sweep in the prune', () => {
    const registered = new Set(t.c.jobs.names());
    for (const m of t.c.modules)
      for (const job of m.jobs ?? []) expect(registered, m.name).toContain(job.name);
    const sweeps = t.c.maintenanceSweeps.map((s) => s.name);
    for (const m of t.c.modules) for (const sweep of m.sweeps ?? []) expect(sweeps).toContain(sweep.name);
    expect(registered).toContain('recording.index'); // search's stage
  });

  it('mount their routes under /api/v1 or at the root as they say', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/search', payload: { query: 'x' } });
    expect(res.statusCode).toBe(401); // mounted, behind authentication
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/me/api-keys' })).statusCode).toBe(401);
  });

  it('list only permissions that exist, and name their webhook events once', () => {
    const events: string[] = [];
    for (const m of t.c.modules) {
      for (const p of m.permissions ?? []) expect(ALL_PERMISSIONS).toContain(p);
      for (const e of m.webhookEvents ?? []) events.push(e.name);
    }
    expect(new Set(events).size).toBe(events.length);
    expect(events).toContain('recording.ready');
  });
});
