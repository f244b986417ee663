import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  defineJob,
  JobAbortedError,
  PermanentJobError,
  type JobContext,
  type JobQueue,
} from '../../src/platform/queue/index.js';
import { BACKENDS, type QueueBackend } from './backends.js';
import { aborted, deferred, sleep, uniqueName, waitFor } from './helpers.js';

const Payload = Type.Object({ n: Type.Integer(), tag: Type.Optional(Type.String()) });

/**
 * One contract for every queue adapter: the database queue on SQLite (always) and on
 * PostgreSQL (IRIS_TEST_POSTGRES_URL), and BullMQ (IRIS_TEST_REDIS_URL).
 */
describe.each(BACKENDS)('job queue contract: $label', (spec) => {
  let backend: QueueBackend;
  const open: JobQueue[] = [];
  const queue = (opts?: { leaseMs?: number; stopTimeoutMs?: number }) => {
    const q = backend.makeQueue(opts);
    open.push(q);
    return q;
  };

  beforeAll(async () => {
    backend = await spec.setup();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  afterAll(async () => backend?.teardown());

  it('processes an enqueued job once, with its payload and context', async () => {
    const q = queue();
    const seen: { payload: unknown; ctx: Pick<JobContext, 'jobId' | 'attempt' | 'name'> }[] = [];
    const job = defineJob({
      name: uniqueName('echo'),
      schema: Payload,
      handler: async (payload, ctx) => {
        seen.push({ payload, ctx: { jobId: ctx.jobId, attempt: ctx.attempt, name: ctx.name } });
      },
    });
    q.register(job);
    await q.start();
    const { id, deduplicated } = await q.enqueue(job, { n: 1, tag: 'x' });
    expect(deduplicated).toBe(false);
    expect(id).toMatch(/^job_/);
    const info = await waitFor('completion', async () => {
      const j = await q.get(id);
      return j?.state === 'completed' ? j : null;
    });
    expect(seen).toEqual([{ payload: { n: 1, tag: 'x' }, ctx: { jobId: id, attempt: 1, name: job.name } }]);
    expect(info).toMatchObject({
      id,
      name: job.name,
      attempts: 1,
      lastError: null,
      payload: { n: 1, tag: 'x' },
    });
    expect(info.finishedAt).not.toBeNull();
    expect(await q.get('job_00000000000000000000000000')).toBeNull();
  });

  it('rejects payloads that do not match the schema, and unknown job names', async () => {
    const q = queue();
    const job = defineJob({ name: uniqueName('strict'), schema: Payload, handler: async () => {} });
    q.register(job);
    const bad = q.enqueue(job.name, { n: 'one' } as never);
    await expect(bad).rejects.toBeInstanceOf(AppError);
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    await expect(q.enqueue('no-such-job', { n: 1 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(q.enqueue(job, { n: 1 }, { priority: 5000 })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(await q.counts(job.name)).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('runs higher priorities first, FIFO within a priority', async () => {
    const q = queue();
    const order: string[] = [];
    const job = defineJob({
      name: uniqueName('prio'),
      schema: Payload,
      concurrency: 1,
      handler: async ({ tag }) => {
        order.push(tag ?? '?');
      },
    });
    q.register(job);
    await q.enqueue(job, { n: 0, tag: 'low-a' });
    await q.enqueue(job, { n: 0, tag: 'low-b' });
    await q.enqueue(job, { n: 0, tag: 'high' }, { priority: 10 });
    await q.enqueue(job, { n: 0, tag: 'mid' }, { priority: 5 });
    await q.enqueue(job, { n: 0, tag: 'lowest' }, { priority: -5 });
    await q.start();
    await waitFor('all done', () => order.length === 5);
    expect(order).toEqual(['high', 'mid', 'low-a', 'low-b', 'lowest']);
  });

  it('never runs more handlers of a type at once than its concurrency', async () => {
    const q = queue();
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    const job = defineJob({
      name: uniqueName('conc'),
      schema: Payload,
      concurrency: 3,
      handler: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(40);
        inFlight--;
        done++;
      },
    });
    q.register(job);
    for (let i = 0; i < 12; i++) await q.enqueue(job, { n: i });
    await q.start();
    await waitFor('12 jobs done', () => done === 12);
    expect(maxInFlight).toBe(3);
  });

  it('gives each job to exactly one of several competing workers', async () => {
    const workers = [queue(), queue(), queue()];
    const runs = new Map<number, number>();
    const job = defineJob({
      name: uniqueName('compete'),
      schema: Payload,
      concurrency: 4,
      handler: async ({ n }) => {
        runs.set(n, (runs.get(n) ?? 0) + 1);
        await sleep(2);
      },
    });
    for (const w of workers) w.register(job);
    await Promise.all(workers.map((w) => w.start()));
    for (let n = 0; n < 60; n++) await workers[n % 3]!.enqueue(job, { n });
    await waitFor('all 60 done', async () => (await workers[0]!.counts(job.name)).completed === 60);
    expect(runs.size).toBe(60);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
  });

  it('retries with backoff, then fails with the last error', async () => {
    const q = queue();
    const startedAt: number[] = [];
    const job = defineJob({
      name: uniqueName('flaky'),
      schema: Payload,
      maxAttempts: 3,
      backoff: { baseMs: 40, maxMs: 200 },
      handler: async (_p, ctx) => {
        startedAt.push(Date.now());
        throw new Error(`boom ${ctx.attempt}`);
      },
    });
    q.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    const info = await waitFor('final failure', async () => {
      const j = await q.get(id);
      return j?.state === 'failed' ? j : null;
    });
    expect(info).toMatchObject({ attempts: 3, maxAttempts: 3, lastError: 'boom 3' });
    expect(startedAt).toHaveLength(3);
    // Equal jitter never waits less than half the exponential step: >= 20 ms, then >= 40 ms.
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(18);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(38);
    expect(await q.counts(job.name)).toMatchObject({ failed: 1, waiting: 0, delayed: 0, active: 0 });
  });

  it('completes on a later attempt, and fails at once on a PermanentJobError', async () => {
    const q = queue();
    const recover = defineJob({
      name: uniqueName('recover'),
      schema: Payload,
      maxAttempts: 5,
      backoff: { baseMs: 10, maxMs: 20 },
      handler: async (_p, ctx) => {
        if (ctx.attempt < 2) throw new Error('transient');
      },
    });
    let permanentRuns = 0;
    const permanent = defineJob({
      name: uniqueName('permanent'),
      schema: Payload,
      maxAttempts: 5,
      handler: async () => {
        permanentRuns++;
        throw new PermanentJobError('bad input');
      },
    });
    q.register(recover);
    q.register(permanent);
    await q.start();
    const a = await q.enqueue(recover, { n: 1 });
    const b = await q.enqueue(permanent, { n: 1 });
    await waitFor('recovered', async () => (await q.get(a.id))?.state === 'completed');
    expect(await q.get(a.id)).toMatchObject({ attempts: 2, lastError: 'transient' });
    const failed = await waitFor('permanent failure', async () => {
      const j = await q.get(b.id);
      return j?.state === 'failed' ? j : null;
    });
    expect(failed).toMatchObject({ attempts: 1, lastError: 'bad input' });
    expect(permanentRuns).toBe(1);
  });

  it('returns the unfinished job for a repeated dedupe key, and frees the key once it finished', async () => {
    const q = queue();
    let runs = 0;
    const job = defineJob({
      name: uniqueName('dedupe'),
      schema: Payload,
      handler: async () => {
        runs++;
      },
    });
    q.register(job);
    const first = await q.enqueue(job, { n: 1 }, { dedupeKey: 'rec_1:ocr' });
    const again = await q.enqueue(job, { n: 2 }, { dedupeKey: 'rec_1:ocr' });
    const other = await q.enqueue(job, { n: 3 }, { dedupeKey: 'rec_2:ocr' });
    expect(first.deduplicated).toBe(false);
    expect(again).toEqual({ id: first.id, deduplicated: true });
    expect(other.id).not.toBe(first.id);
    expect(await q.counts(job.name)).toMatchObject({ waiting: 2 });
    await q.start();
    await waitFor('both done', async () => (await q.counts(job.name)).completed === 2);
    expect(runs).toBe(2);
    const later = await q.enqueue(job, { n: 4 }, { dedupeKey: 'rec_1:ocr' });
    expect(later.deduplicated).toBe(false);
    expect(later.id).not.toBe(first.id);
  });

  it('does not run a delayed job before its time', async () => {
    const q = queue();
    let ranAt = 0;
    const job = defineJob({
      name: uniqueName('delayed'),
      schema: Payload,
      handler: async () => {
        ranAt = Date.now();
      },
    });
    q.register(job);
    await q.start();
    const enqueuedAt = Date.now();
    const { id } = await q.enqueue(job, { n: 1 }, { delayMs: 400 });
    expect((await q.get(id))?.state).toBe('delayed');
    expect(await q.counts(job.name)).toMatchObject({ delayed: 1, waiting: 0 });
    await waitFor('delayed job done', async () => (await q.get(id))?.state === 'completed');
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(400);

    const runAt = new Date(Date.now() + 300);
    const second = await q.enqueue(job, { n: 2 }, { runAt });
    await waitFor('runAt job done', async () => (await q.get(second.id))?.state === 'completed');
    expect(ranAt).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('cancels a waiting job: it never runs', async () => {
    const q = queue();
    const ran: number[] = [];
    const job = defineJob({
      name: uniqueName('cancel-waiting'),
      schema: Payload,
      concurrency: 1,
      handler: async ({ n }) => {
        ran.push(n);
      },
    });
    q.register(job);
    const doomed = await q.enqueue(job, { n: 1 }, { dedupeKey: 'k' });
    const delayed = await q.enqueue(job, { n: 2 }, { delayMs: 60_000 });
    const kept = await q.enqueue(job, { n: 3 });
    expect(await q.cancel(doomed.id)).toBe(true);
    expect(await q.cancel(delayed.id)).toBe(true);
    expect(await q.cancel(doomed.id)).toBe(false);
    expect((await q.get(doomed.id))?.state).toBe('cancelled');
    await q.start();
    // FIFO: had the cancelled job been runnable, it would have run before this one.
    await waitFor('kept job done', async () => (await q.get(kept.id))?.state === 'completed');
    expect(ran).toEqual([3]);
    expect(await q.cancel(kept.id)).toBe(false);
    expect(await q.counts(job.name)).toMatchObject({ cancelled: 2, completed: 1, waiting: 0, delayed: 0 });
    // A cancelled job frees its dedupe key.
    expect((await q.enqueue(job, { n: 4 }, { dedupeKey: 'k' })).deduplicated).toBe(false);
  });

  it('cancels an active job: its signal aborts and it ends cancelled, not completed', async () => {
    const q = queue();
    const started = deferred();
    let reason: unknown;
    const job = defineJob({
      name: uniqueName('cancel-active'),
      schema: Payload,
      handler: async (_p, ctx) => {
        started.resolve();
        reason = await aborted(ctx.signal);
        // Returning normally after the abort must not resurrect the job as completed.
      },
    });
    q.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    await started.promise;
    expect((await q.get(id))?.state).toBe('active');
    expect(await q.cancel(id)).toBe(true);
    await waitFor('handler aborted', () => reason !== undefined);
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect(reason).toMatchObject({ kind: 'cancelled' });
    await sleep(100);
    expect((await q.get(id))?.state).toBe('cancelled');
    await waitFor('counts settle', async () => {
      const c = await q.counts(job.name);
      return c.cancelled === 1 && c.active === 0 && c.completed === 0 && c.failed === 0;
    });
  });

  it('counts jobs per state', async () => {
    const q = queue();
    const release = deferred();
    const job = defineJob({
      name: uniqueName('counts'),
      schema: Payload,
      concurrency: 1,
      maxAttempts: 1,
      handler: async ({ tag }) => {
        if (tag === 'fail') throw new Error('nope');
        if (tag === 'hold') await release.promise;
      },
    });
    q.register(job);
    await q.start();
    const ok = await q.enqueue(job, { n: 1, tag: 'ok' });
    await waitFor('ok done', async () => (await q.get(ok.id))?.state === 'completed');
    const bad = await q.enqueue(job, { n: 2, tag: 'fail' });
    await waitFor('fail done', async () => (await q.get(bad.id))?.state === 'failed');
    const hold = await q.enqueue(job, { n: 3, tag: 'hold' });
    await waitFor('hold active', async () => (await q.get(hold.id))?.state === 'active');
    await q.enqueue(job, { n: 4 });
    await q.enqueue(job, { n: 5 });
    await q.enqueue(job, { n: 6 }, { delayMs: 60_000 });
    const gone = await q.enqueue(job, { n: 7 });
    await q.cancel(gone.id);
    expect(await q.counts(job.name)).toEqual({
      waiting: 2,
      delayed: 1,
      active: 1,
      completed: 1,
      failed: 1,
      cancelled: 1,
    });
    const all = await q.counts();
    expect(all.waiting).toBeGreaterThanOrEqual(2);
    expect(all.completed).toBeGreaterThanOrEqual(1);
    release.resolve();
    await waitFor('drained', async () => (await q.counts(job.name)).completed === 4);
  });

  it('records heartbeat progress while the job runs', async () => {
    const q = queue();
    const beat = deferred();
    const finish = deferred();
    const job = defineJob({
      name: uniqueName('progress'),
      schema: Payload,
      handler: async (_p, ctx) => {
        await ctx.heartbeat(40);
        await ctx.heartbeat({ stage: 'ocr', done: 3, of: 10 });
        beat.resolve();
        await finish.promise;
      },
    });
    q.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    await beat.promise;
    expect(await q.get(id)).toMatchObject({ state: 'active', progress: { stage: 'ocr', done: 3, of: 10 } });
    finish.resolve();
    await waitFor('done', async () => (await q.get(id))?.state === 'completed');
    expect((await q.get(id))?.progress).toEqual({ stage: 'ocr', done: 3, of: 10 });
  });

  it('hands a crashed worker’s job to another worker once its lease expires', async () => {
    const leaseMs = 500;
    const q = queue({ leaseMs });
    const runs: number[] = [];
    const job = defineJob({
      name: uniqueName('takeover'),
      schema: Payload,
      maxAttempts: 3,
      handler: async (_p, ctx) => {
        runs.push(ctx.attempt);
      },
    });
    q.register(job);
    const { id } = await q.enqueue(job, { n: 1 });
    const held = await backend.crashWhileHolding(job.name, leaseMs);
    expect(held).toBe(id);
    expect((await q.get(id))?.state).toBe('active');
    await q.start();
    const info = await waitFor(
      'takeover',
      async () => {
        const j = await q.get(id);
        return j?.state === 'completed' ? j : null;
      },
      20_000,
    );
    // The crashed attempt counts; ours was the second.
    expect(runs).toEqual([2]);
    expect(info.attempts).toBe(2);
  });

  it('fails a job whose last attempt died with its worker, without running it again', async () => {
    const leaseMs = 500;
    const q = queue({ leaseMs });
    let runs = 0;
    const job = defineJob({
      name: uniqueName('poison'),
      schema: Payload,
      maxAttempts: 1,
      handler: async () => {
        runs++;
      },
    });
    q.register(job);
    const { id } = await q.enqueue(job, { n: 1 });
    expect(await backend.crashWhileHolding(job.name, leaseMs)).toBe(id);
    await q.start();
    const info = await waitFor(
      'failure',
      async () => {
        const j = await q.get(id);
        return j?.state === 'failed' ? j : null;
      },
      20_000,
    );
    expect(info.lastError).toBeTruthy();
    expect(runs).toBe(0);
  });

  it('keeps a live worker’s job while it heartbeats past the lease', async () => {
    const leaseMs = 300;
    const q = queue({ leaseMs });
    const other = queue({ leaseMs });
    let runs = 0;
    const job = defineJob({
      name: uniqueName('long'),
      schema: Payload,
      handler: async () => {
        runs++;
        await sleep(leaseMs * 4);
      },
    });
    q.register(job);
    other.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    await waitFor('active', async () => (await q.get(id))?.state === 'active');
    await other.start();
    await waitFor('done', async () => (await q.get(id))?.state === 'completed', 20_000);
    expect(runs).toBe(1);
    expect((await q.get(id))?.attempts).toBe(1);
  });

  it('times out an attempt: the signal aborts and the attempt fails', async () => {
    const q = queue();
    const job = defineJob({
      name: uniqueName('timeout'),
      schema: Payload,
      maxAttempts: 1,
      timeoutMs: 100,
      handler: async (_p, ctx) => {
        await aborted(ctx.signal);
      },
    });
    q.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    const info = await waitFor('timed out', async () => {
      const j = await q.get(id);
      return j?.state === 'failed' ? j : null;
    });
    expect(info.lastError).toMatch(/timed out/);
  });

  it('stop() waits for running handlers; past its timeout it aborts them and hands the job back', async () => {
    const graceful = queue();
    const slow = defineJob({
      name: uniqueName('slow'),
      schema: Payload,
      handler: async () => {
        await sleep(150);
      },
    });
    graceful.register(slow);
    await graceful.start();
    const a = await graceful.enqueue(slow, { n: 1 });
    await waitFor('active', async () => (await graceful.get(a.id))?.state === 'active');
    await graceful.stop();
    expect((await graceful.get(a.id))?.state).toBe('completed');

    const impatient = queue({ stopTimeoutMs: 100 });
    let reason: unknown;
    const stuck = defineJob({
      name: uniqueName('stuck'),
      schema: Payload,
      handler: async (_p, ctx) => {
        reason = await aborted(ctx.signal);
        throw reason;
      },
    });
    impatient.register(stuck);
    await impatient.start();
    const b = await impatient.enqueue(stuck, { n: 1 });
    await waitFor('active', async () => (await impatient.get(b.id))?.state === 'active');
    await impatient.stop();
    expect(reason).toMatchObject({ kind: 'shutdown' });
    await waitFor('handed back', async () => (await impatient.get(b.id))?.state === 'waiting');
  });

  it('prunes finished jobs older than a cutoff', async () => {
    const q = queue();
    const job = defineJob({ name: uniqueName('prune'), schema: Payload, handler: async () => {} });
    q.register(job);
    await q.start();
    const { id } = await q.enqueue(job, { n: 1 });
    await waitFor('done', async () => (await q.get(id))?.state === 'completed');
    const waiting = await q.enqueue(job, { n: 2 }, { delayMs: 60_000 });
    expect(await q.prune(new Date(Date.now() - 60_000))).toBe(0);
    await sleep(5);
    expect(await q.prune(new Date())).toBeGreaterThanOrEqual(1);
    expect(await q.get(id)).toBeNull();
    expect((await q.get(waiting.id))?.state).toBe('delayed');
  });
});
