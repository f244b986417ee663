import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceJobs, PRUNE_JOB } from '../../src/platform/jobs/maintenance.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('maintenance prune', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t?.close());

  it('runs the sweeps modules added, once per run, and schedules the next run', async () => {
    const m = maintenanceJobs({
      database: t.c.database,
      queue: t.c.queue,
      logger: pino({ level: 'silent' }),
    });
    const calls: number[] = [];
    m.addSweep({ name: 'test', run: async (now) => (calls.push(now), 2) });
    const before = Date.now();
    const ctx = {
      jobId: 'job_test',
      name: PRUNE_JOB,
      attempt: 1,
      signal: new AbortController().signal,
      heartbeat: async () => {},
    };
    await m.prune.handler({ period: 1 }, ctx);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(before);
    expect((await t.c.queue.counts(PRUNE_JOB)).delayed).toBeGreaterThanOrEqual(1);
  });

  it('has the recordings module remove abandoned uploads', () => {
    expect(t.c.maintenanceSweeps.map((s) => s.name)).toContain('abandoned_uploads');
  });
});
