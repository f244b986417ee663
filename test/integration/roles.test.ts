import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { maintenanceJobs, PRUNE_JOB, scheduleMaintenance } from '../../src/platform/jobs/maintenance.js';
import { queueFromConfig } from '../../src/platform/jobs/queue-from-config.js';
import { defineJob, type JobDefinition } from '../../src/platform/queue/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { seedUser, type TestApp } from '../helpers/app.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db.js';
import { REDIS_URL } from '../queue/backends.js';
import { waitFor } from '../queue/helpers.js';

const silent = pino({ level: 'silent' });

interface HealthBody {
  workers: { name: string; status: string; completed: number }[];
}
interface StatusBody {
  role: string;
  queue: { adapter: string; counts: Record<string, number> };
}
async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  return (await (await fetch(url, init)).json()) as T;
}
const SECRET = 'roles-test-secret-roles-test-secret-0123';

describe.each(DIALECTS)('process roles on %s', (dialect) => {
  let tdb: TestDatabase;
  let dataDir: string;
  const running: RunningServer[] = [];
  const seen: number[] = [];
  const Echo = Type.Object({ n: Type.Integer() });
  const echoJob = (): JobDefinition<unknown>[] => [
    defineJob({
      name: 'test.echo',
      schema: Echo,
      handler: async ({ n }) => {
        seen.push(n);
      },
    }),
  ];

  const start = async (role: 'serve' | 'api' | 'worker') => {
    const server = await startServer(role, {
      env: { IRIS_DATA_DIR: dataDir, IRIS_QUEUE_URL: 'db://?poll_ms=20' },
      config: { databaseUrl: tdb.url, port: 0, secret: SECRET, logLevel: 'silent', passwordCost: 10 },
      extraJobs: [echoJob],
      logger: silent,
    });
    running.push(server);
    return server;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-roles-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
    seen.length = 0;
  });
  afterAll(async () => {
    await tdb?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serve: listens, runs jobs, reports its workers on /health and the queue on status', async () => {
    const s = await start('serve');
    expect(s.address).toMatch(/^http:\/\//);
    expect(s.workers).toBeDefined();
    const { id } = await s.container.queue.enqueue('test.echo', { n: 7 });
    await waitFor('echo job', async () => (await s.container.queue.get(id))?.state === 'completed');
    expect(seen).toEqual([7]);

    // The worker also ran this period's maintenance job at start; let it finish.
    await waitFor('idle workers', async () => (await s.workers!.healthSource())[0]?.status === 'idle');
    const health = await getJson<HealthBody>(`${s.address}/health`);
    expect(health.workers).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^jobs@/),
        status: 'idle',
        adapter: 'database',
        running: 0,
        failed: 0,
      }),
      // The vision module's camera workers of this process (none added here).
      expect.objectContaining({ name: expect.stringMatching(/^cameras@/), status: 'running', cameras: 0 }),
    ]);
    expect(health.workers[0]!.completed).toBeGreaterThanOrEqual(1);

    const { token } = await seedUser({ c: s.container } as TestApp);
    const status = await getJson<StatusBody>(`${s.address}/api/v1/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(status.role).toBe('serve');
    expect(status.queue).toEqual({
      adapter: 'database',
      counts: expect.objectContaining({ waiting: expect.any(Number), completed: expect.any(Number) }),
    });
    expect(status.queue.counts.completed).toBeGreaterThanOrEqual(1);

    // The worker scheduled this period's maintenance run.
    const counts = await s.container.queue.counts(PRUNE_JOB);
    expect(counts.waiting + counts.active + counts.completed + counts.delayed).toBeGreaterThanOrEqual(1);
  });

  it('serve: stop() does not wait on keep-alive connections whose download just ended', async () => {
    const s = await start('serve');
    await s.container.blobs.put('roles/big.bin', Readable.from([randomBytes(2 * 1024 * 1024)]));
    const link = await s.container.blobs.signedUrl('roles/big.bin', { expiresInSeconds: 60 });
    const path = new URL(link).pathname + new URL(link).search;
    // fetch keeps the connection open after the body; close() alone would wait for its
    // keep-alive timeout (72 s) when the response finished after close() began.
    const res = await fetch(`${s.address}${path}`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(2 * 1024 * 1024);
    await s.stop();
    running.splice(running.indexOf(s), 1);
  });

  it('api: serves HTTP and enqueues, but never runs a job; a worker process does', async () => {
    const api = await start('api');
    expect(api.workers).toBeUndefined();
    expect((await fetch(`${api.address}/healthz`)).status).toBe(200);
    const health = await getJson<HealthBody>(`${api.address}/health`);
    expect(health.workers).toEqual([]);

    const { id } = await api.container.queue.enqueue('test.echo', { n: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.container.queue.get(id))?.state).toBe('waiting');
    expect(seen).toEqual([]);

    const worker = await start('worker');
    expect(worker.app).toBeUndefined();
    expect(worker.address).toBeUndefined();
    await waitFor(
      'worker picks it up',
      async () => (await api.container.queue.get(id))?.state === 'completed',
    );
    expect(seen).toEqual([1]);
  });

  it('worker: stop() waits for the running job, then the process holds nothing', async () => {
    const worker = await start('worker');
    await waitFor(
      'maintenance run done',
      async () => (await worker.workers!.healthSource())[0]?.status === 'idle',
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = defineJob({
      name: `test.slow-${randomBytes(3).toString('hex')}`,
      schema: Echo,
      handler: async () => gate,
    });
    // Registered late on purpose: start() only covers what was registered, so start again.
    worker.container.jobs.register([slow as JobDefinition<unknown>]);
    await worker.container.queue.start({ names: [slow.name] });
    const { id } = await worker.container.queue.enqueue(slow, { n: 1 });
    await waitFor('slow job active', async () => (await worker.container.queue.get(id))?.state === 'active');
    const health = await worker.workers!.healthSource();
    // The slow job at least; the periodic maintenance run may be running beside it.
    expect(health[0]?.status).toBe('busy');
    expect(health[0]?.running).toBeGreaterThanOrEqual(1);

    const stopping = worker.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(
      (await tdb.database.db.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirst())
        ?.state,
    ).toBe('active');
    release();
    await stopping;
    running.splice(running.indexOf(worker), 1);
    const row = await tdb.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('completed');
  });
});

describe.each(DIALECTS)('maintenance.prune on %s', (dialect) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
  });
  afterAll(async () => tdb?.destroy());

  it('deletes dead sessions, tokens, login counters and old jobs, and schedules the next period', async () => {
    const { db } = tdb.database;
    const queue = queueFromConfig({ queueUrl: 'db://?poll_ms=20' }, tdb.database, silent);
    const intervalMs = 60_000;
    const { prune } = maintenanceJobs({
      database: tdb.database,
      queue,
      logger: silent,
      options: { intervalMs },
    });
    queue.register(prune);

    const now = Date.now();
    const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
    const DAY = 24 * 3600_000;
    const userId = newId('usr');
    await db
      .insertInto('users')
      .values({
        id: userId,
        email: `${userId}@example.com`,
        name: 'u',
        is_instance_admin: 0,
        status: 'active',
        created_at: codec.now(),
        updated_at: codec.now(),
      })
      .execute();
    const session = (id: string, expires: number, revoked: number | null) => ({
      id,
      user_id: userId,
      via: 'password',
      created_at: iso(-10 * DAY),
      expires_at: iso(expires),
      revoked_at: revoked === null ? null : iso(revoked),
    });
    await db
      .insertInto('sessions')
      .values([
        session('ses_live', DAY, null),
        session('ses_just_expired', -3600_000, null),
        session('ses_long_expired', -2 * DAY, null),
        session('ses_long_revoked', DAY, -2 * DAY),
      ])
      .execute();
    const token = (id: string, expires: number) => ({
      id,
      user_id: userId,
      purpose: 'verify',
      token_hash: `hash-${id}`,
      created_at: iso(-10 * DAY),
      expires_at: iso(expires),
    });
    await db
      .insertInto('email_tokens')
      .values([token('tok_live', DAY), token('tok_old', -2 * DAY)])
      .execute();
    await db
      .insertInto('login_failures')
      .values([
        { key: 'email:stale', failures: 3, window_started_at: iso(-DAY), locked_until: null },
        { key: 'email:locked', failures: 9, window_started_at: iso(-DAY), locked_until: iso(3600_000) },
        { key: 'email:lock-over', failures: 9, window_started_at: iso(-DAY), locked_until: iso(-60_000) },
        { key: 'email:fresh', failures: 1, window_started_at: iso(-60_000), locked_until: null },
      ])
      .execute();
    const job = (id: string, state: string, finished: number | null) => ({
      id,
      name: PRUNE_JOB,
      payload: '{"period":0}',
      state,
      priority: 0,
      attempts: 1,
      max_attempts: 3,
      run_at: iso(-30 * DAY),
      created_at: iso(-30 * DAY),
      updated_at: iso(-30 * DAY),
      finished_at: finished === null ? null : iso(finished),
    });
    await db
      .insertInto('jobs')
      .values([job('job_old_done', 'completed', -8 * DAY), job('job_recent_done', 'completed', -DAY)])
      .execute();

    await queue.start();
    const first = await scheduleMaintenance(queue, intervalMs, now);
    // Another worker starting in the same period gets the same job.
    expect((await scheduleMaintenance(queue, intervalMs, now)).id).toBe(first.id);
    await waitFor('prune done', async () => (await queue.get(first.id))?.state === 'completed');

    const ids = async (table: 'sessions' | 'email_tokens') =>
      (await db.selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id);
    expect(await ids('sessions')).toEqual(['ses_just_expired', 'ses_live']);
    expect(await ids('email_tokens')).toEqual(['tok_live']);
    const keys = (await db.selectFrom('login_failures').select('key').orderBy('key').execute()).map(
      (r) => r.key,
    );
    expect(keys).toEqual(['email:fresh', 'email:locked']);
    expect(await queue.get('job_old_done')).toBeNull();
    expect(await queue.get('job_recent_done')).not.toBeNull();

    // The next period's run is waiting, delayed to the start of that period.
    const period = Math.floor(now / intervalMs);
    const next = await db
      .selectFrom('jobs')
      .selectAll()
      .where('name', '=', PRUNE_JOB)
      .where('state', '=', 'waiting')
      .execute();
    expect(next).toHaveLength(1);
    expect(JSON.parse(String(next[0]!.payload))).toEqual({ period: period + 1 });
    expect(next[0]!.dedupe_key).toBe(`period:${period + 1}`);
    expect(Date.parse(String(next[0]!.run_at))).toBe((period + 1) * intervalMs);
    await queue.close();
  });
});

describe.runIf(REDIS_URL)('queue URL parameters for BullMQ', () => {
  it('takes prefix, lease_ms and stalled_ms off the URL and keeps the rest for ioredis', async () => {
    const tdb = await createTestDatabase('sqlite');
    const prefix = `iris-test-${randomBytes(4).toString('hex')}`;
    const q = queueFromConfig(
      { queueUrl: `${REDIS_URL}?prefix=${prefix}&lease_ms=2000&stalled_ms=1000` },
      tdb.database,
      silent,
    );
    expect(q.kind).toBe('bullmq');
    const job = defineJob({ name: 'test.prefixed', schema: Type.Object({}), handler: async () => {} });
    q.register(job);
    await q.enqueue(job, {});
    expect((await q.counts()).waiting).toBe(1);
    await q.close();
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await redis.quit();
    expect(() => queueFromConfig({ queueUrl: `${REDIS_URL}?lease_ms=soon` }, tdb.database, silent)).toThrow(
      /lease_ms/,
    );
    await tdb.destroy();
  });
});
