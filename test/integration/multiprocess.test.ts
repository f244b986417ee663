import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { migrateToLatest } from '../../src/platform/db/migrations/index.js';
import { queueFromConfig } from '../../src/platform/jobs/queue-from-config.js';
import type { JobQueue } from '../../src/platform/queue/index.js';
import { buildSignedBlobUrl, S3BlobStore } from '../../src/platform/storage/index.js';
import {
  blobChunks,
  blobKey,
  createEffectTables,
  expectedBlob,
  WRITE_BLOB_JOB,
  writeBlobEnqueueOnly,
} from './fixtures/write-blob-job.js';
import {
  CLI,
  clientAddress,
  freePort,
  getFrom,
  IrisProcess,
  TEST_ENTRY,
  waitForHttp,
  type LogLine,
} from './fixtures/processes.js';

/**
 * Crash tests across real processes. Each starts Iris processes from the sources (the
 * real CLI for API processes; workers through a test entry that calls the production
 * runServer with one extra job, test.write-blob), enqueues N jobs that stream blobs,
 * SIGKILLs a worker in the middle of its jobs, and then shows:
 *   - no job lost: all N completed, none failed or left waiting/active;
 *   - none double-applied: N effect rows, one per n, and the counter at exactly N,
 *     although the interrupted jobs demonstrably ran twice (mp_attempts);
 *   - every blob intact and readable through every API process.
 * Nothing here asserts on timing; the numbers are logged.
 */

const N = 300;
/** Pause between the 16 KiB chunks a job streams: a job takes tens of ms, long enough to be caught mid-way. */
const CHUNK_DELAY_MS = 4;
/** The worker to be killed must have finished this many jobs first (so it really was working). */
const KILL_AFTER_DONE = 40;
const SECRET = randomBytes(36).toString('base64url');
const silent = pino({ level: 'silent' });

const S3_VARS = [
  'IRIS_TEST_S3_ENDPOINT',
  'IRIS_TEST_S3_ACCESS_KEY',
  'IRIS_TEST_S3_SECRET_KEY',
  'IRIS_TEST_S3_REGION',
] as const;
const MISSING = ['IRIS_TEST_POSTGRES_URL', 'IRIS_TEST_REDIS_URL', ...S3_VARS].filter((v) => !process.env[v]);
if (MISSING.length > 0) {
  console.warn(
    `[iris tests] multi-process test on PostgreSQL + Redis + S3 skipped: ${MISSING.join(', ')} not set ` +
      '(S3: eval "$(../shared/services/s3-up.sh)").',
  );
}

const log = (msg: string, data: Record<string, unknown>) =>
  console.log(`[multiprocess] ${msg} ${JSON.stringify(data)}`);

/** n of every job a process started and never finished, from its own log. */
function unfinished(p: IrisProcess): number[] {
  const started = new Set<number>();
  for (const l of p.lines) {
    if (l.mp === 'start') started.add(l.n as number);
    if (l.mp === 'done') started.delete(l.n as number);
  }
  return [...started];
}
const doneCount = (p: IrisProcess) => p.lines.filter((l: LogLine) => l.mp === 'done').length;

async function enqueueAll(queue: JobQueue): Promise<void> {
  for (let from = 0; from < N; from += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, N - from) }, (_, i) =>
        queue.enqueue(writeBlobEnqueueOnly, { n: from + i, chunk_delay_ms: CHUNK_DELAY_MS }),
      ),
    );
  }
}

async function waitAllCompleted(queue: JobQueue, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.counts(WRITE_BLOB_JOB);
    if (counts.completed + counts.failed + counts.cancelled >= N) return;
    if (Date.now() > deadline) throw new Error(`jobs did not finish: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * SIGKILLs `victim` once it finished KILL_AFTER_DONE jobs while its output shows jobs in
 * hand. Returns what it had finished by then, from its (synchronously written) markers.
 */
async function killMidJob(victim: IrisProcess): Promise<{ doneBefore: number; inHand: number[] }> {
  await victim.waitUntil(
    `${KILL_AFTER_DONE} jobs done and one in hand`,
    () => (doneCount(victim) >= KILL_AFTER_DONE && unfinished(victim).length > 0 ? true : undefined),
    120_000,
  );
  victim.kill('SIGKILL');
  const exit = await victim.exited;
  expect(exit.signal).toBe('SIGKILL');
  return { doneBefore: doneCount(victim), inHand: unfinished(victim) };
}

/**
 * What the database says happened. Each n must have exactly one effect, from a complete
 * blob, and the counter must be exactly N. Jobs the killed process started but did not
 * apply must have been run again by another process as a later attempt; that set must
 * not be empty, or the kill did not land mid-job.
 */
async function checkEffects(database: Database, killedPid: number) {
  const { db } = database;
  const effects = (
    await sql<{ n: number; pid: number; sha256: string; size: number }>`
    select n, pid, sha256, size from mp_effects order by n`.execute(db)
  ).rows.map((r) => ({ n: Number(r.n), pid: Number(r.pid), sha256: r.sha256, size: Number(r.size) }));
  expect(effects.map((e) => e.n)).toEqual(Array.from({ length: N }, (_, i) => i));
  for (const e of effects) {
    expect({ n: e.n, sha256: e.sha256, size: e.size }).toEqual({ n: e.n, ...expectedBlob(e.n) });
  }
  const totals = await sql<{ applied: number }>`select applied from mp_totals where id = 1`.execute(db);
  expect(Number(totals.rows[0]!.applied)).toBe(N);

  const attempts = (
    await sql<{ n: number; pid: number; attempt: number }>`select n, pid, attempt from mp_attempts`.execute(
      db,
    )
  ).rows.map((r) => ({ n: Number(r.n), pid: Number(r.pid), attempt: Number(r.attempt) }));
  const effectBy = new Map(effects.map((e) => [e.n, e.pid]));
  const startedByKilled = new Set(attempts.filter((a) => a.pid === killedPid).map((a) => a.n));
  const interrupted = [...startedByKilled].filter((n) => effectBy.get(n) !== killedPid).sort((a, b) => a - b);
  expect(interrupted.length, 'jobs the killed process had started but not applied').toBeGreaterThan(0);
  for (const n of interrupted) {
    const rerun = attempts.filter((a) => a.n === n && a.pid !== killedPid);
    expect(rerun.length, `reruns of job ${n}`).toBeGreaterThan(0);
    expect(
      Math.max(...rerun.map((a) => a.attempt)),
      `attempt number of the rerun of ${n}`,
    ).toBeGreaterThanOrEqual(2);
  }
  const ranTwice = new Set(attempts.filter((a) => a.attempt >= 2).map((a) => a.n));
  return {
    interrupted,
    starts: attempts.length,
    ranMoreThanOnce: ranTwice.size,
    effectsByPid: countBy(effects.map((e) => e.pid)),
  };
}

/** Reads every blob through one API process with a signed link, from its own client address. */
async function readAllThrough(base: string, addressOffset: number): Promise<void> {
  const next = { n: 0 };
  const reader = async () => {
    for (let n = next.n++; n < N; n = next.n++) {
      const url = buildSignedBlobUrl(base, SECRET, blobKey(n), Math.floor(Date.now() / 1000) + 600);
      const res = await getFrom(url, clientAddress(addressOffset + n));
      expect(res.status, `blob ${n} via ${base}`).toBe(200);
      const want = expectedBlob(n);
      expect(res.body.length, `size of blob ${n} via ${base}`).toBe(want.size);
      expect(createHash('sha256').update(res.body).digest('hex'), `blob ${n} via ${base}`).toBe(want.sha256);
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  // And one ranged read, as a player seeking would do.
  const url = buildSignedBlobUrl(base, SECRET, blobKey(7), Math.floor(Date.now() / 1000) + 600);
  const tail = await getFrom(url, clientAddress(addressOffset + N), { range: 'bytes=-1000' });
  const whole = Buffer.concat([...blobChunks(7)]);
  expect(tail.status).toBe(206);
  expect(tail.headers['content-range']).toBe(
    `bytes ${whole.length - 1000}-${whole.length - 1}/${whole.length}`,
  );
  expect(tail.body.equals(whole.subarray(whole.length - 1000))).toBe(true);
}

async function stopGracefully(p: IrisProcess): Promise<void> {
  p.kill('SIGTERM');
  const exit = await p.exited;
  expect({ name: p.name, ...exit }).toEqual({ name: p.name, code: 0, signal: null });
}

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const DISTRIBUTED = [
  { queue: 'bullmq', label: 'BullMQ on Redis' },
  { queue: 'database', label: 'the database queue on PostgreSQL' },
] as const;

describe.skipIf(MISSING.length > 0).each(DISTRIBUTED)(
  '2 API + 2 worker processes on PostgreSQL + S3, jobs on $label',
  ({ queue: kind }) => {
    const id = randomBytes(4).toString('hex');
    const schema = `mp_${id}`;
    const prefix = `iris-mp-${id}`;
    const bucket = `iris-mp-${id}`;
    const processes: IrisProcess[] = [];
    let dataDir: string;
    let database: Database;
    let queue: JobQueue;
    let env: Record<string, string>;

    beforeAll(async () => {
      const pgUrl = process.env.IRIS_TEST_POSTGRES_URL!;
      const dbUrl = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
      // Short leases so a dead worker's jobs move on quickly; for BullMQ a key prefix of our
      // own in the shared Redis.
      const queueUrl = new URL(kind === 'bullmq' ? process.env.IRIS_TEST_REDIS_URL! : 'db://');
      if (kind === 'bullmq') {
        queueUrl.searchParams.set('prefix', prefix);
        queueUrl.searchParams.set('stalled_ms', '1000');
      } else {
        queueUrl.searchParams.set('poll_ms', '50');
      }
      queueUrl.searchParams.set('lease_ms', '3000');
      const s3 = new URL(`s3://${bucket}`);
      s3.searchParams.set('endpoint', process.env.IRIS_TEST_S3_ENDPOINT!);
      s3.searchParams.set('region', process.env.IRIS_TEST_S3_REGION!);
      s3.searchParams.set('force_path_style', 'true');
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-mp-'));
      env = {
        IRIS_SECRET: SECRET,
        IRIS_DATABASE_URL: dbUrl,
        IRIS_QUEUE_URL: queueUrl.toString(),
        IRIS_REDIS_URL: process.env.IRIS_TEST_REDIS_URL!,
        IRIS_STORAGE_URL: s3.toString(),
        IRIS_S3_ACCESS_KEY: process.env.IRIS_TEST_S3_ACCESS_KEY!,
        IRIS_S3_SECRET_KEY: process.env.IRIS_TEST_S3_SECRET_KEY!,
        IRIS_DATA_DIR: dataDir,
        IRIS_HOST: '127.0.0.1',
        IRIS_PASSWORD_COST: '10',
      };
      // Like the compose file's `migrate` service: the schema exists before the processes start.
      database = openDatabase(dbUrl, { poolSize: 4 });
      await migrateToLatest(database);
      await createEffectTables(database.db);
      queue = queueFromConfig({ queueUrl: env.IRIS_QUEUE_URL }, database, silent);
      queue.register(writeBlobEnqueueOnly);
    });

    afterAll(async () => {
      for (const p of processes) p.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      await queue?.close();
      await database?.close();
      const client = new pg.Client({ connectionString: process.env.IRIS_TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      const { Redis } = await import('ioredis');
      const redis = new Redis(process.env.IRIS_TEST_REDIS_URL!);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
      const store = new S3BlobStore({
        bucket,
        prefix: '',
        endpoint: process.env.IRIS_TEST_S3_ENDPOINT!,
        region: process.env.IRIS_TEST_S3_REGION!,
        forcePathStyle: true,
        credentials: {
          accessKeyId: process.env.IRIS_TEST_S3_ACCESS_KEY!,
          secretAccessKey: process.env.IRIS_TEST_S3_SECRET_KEY!,
        },
      });
      await store.deletePrefix('mp-test/').catch(() => {});
      const { DeleteBucketCommand } = await import('@aws-sdk/client-s3');
      await store.client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('kills a worker mid-job: every job finishes exactly once in effect, every blob reads from both APIs', async () => {
      const t0 = Date.now();
      const apiPorts = [await freePort(), await freePort()];
      const apis = apiPorts.map((port, i) =>
        new IrisProcess(`api-${i + 1}`, CLI, ['api'], {
          ...env,
          IRIS_PORT: String(port),
          IRIS_PUBLIC_URL: `http://127.0.0.1:${port}`,
          IRIS_LOG_LEVEL: 'warn',
        }).start(),
      );
      const workers = [1, 2].map((i) =>
        new IrisProcess(`worker-${i}`, TEST_ENTRY, ['worker'], { ...env, IRIS_LOG_LEVEL: 'info' }).start(),
      );
      processes.push(...apis, ...workers);
      const bases = apiPorts.map((port) => `http://127.0.0.1:${port}`);
      await Promise.all([
        ...bases.map((b) => waitForHttp(`${b}/healthz`)),
        ...workers.map((w) => w.waitForLog('worker start', (l) => l.msg === 'Iris worker is running')),
      ]);
      const startedMs = Date.now() - t0;

      await enqueueAll(queue);
      const enqueuedMs = Date.now() - t0;
      const [victim, survivor] = workers as [IrisProcess, IrisProcess];
      const { doneBefore, inHand } = await killMidJob(victim);
      const killedMs = Date.now() - t0;
      const completedAtKill = (await queue.counts(WRITE_BLOB_JOB)).completed;

      await waitAllCompleted(queue);
      const finishedMs = Date.now() - t0;
      const counts = await queue.counts(WRITE_BLOB_JOB);
      expect(counts).toEqual({ waiting: 0, delayed: 0, active: 0, completed: N, failed: 0, cancelled: 0 });

      const effects = await checkEffects(database, victim.pid);
      // The survivor took over what the victim had in hand.
      const takenOver = new Set(survivor.lines.filter((l) => l.mp === 'start').map((l) => l.n as number));
      expect(effects.interrupted.filter((n) => takenOver.has(n))).toEqual(effects.interrupted);

      // API processes never run jobs, yet see the shared queue: their status counts the jobs
      // of the catalogue they know (maintenance.prune, which a worker ran at start).
      const signup = await fetch(`${bases[0]}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `mp-${id}@example.com`, password: 'correct horse battery' }),
      });
      expect(signup.status).toBe(201);
      const { token } = (await signup.json()) as { token: string };
      for (const base of bases) {
        const status = (await (
          await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { role: string; queue: { adapter: string; counts: Record<string, number> } };
        expect(status.role).toBe('api');
        expect(status.queue.adapter).toBe(kind);
        expect(status.queue.counts.completed).toBeGreaterThanOrEqual(1);
        const health = (await (await fetch(`${base}/health`)).json()) as { workers: unknown[] };
        expect(health.workers).toEqual([]);
      }

      // Every blob, read through each API process: the signature is checked with the
      // shared IRIS_SECRET and the bytes are streamed from S3 by that process.
      await readAllThrough(bases[0]!, 0);
      await readAllThrough(bases[1]!, N + 1);
      const readMs = Date.now() - t0;

      await Promise.all([...apis, survivor].map(stopGracefully));
      expect(survivor.lines.some((l) => l.msg === 'workers stopped')).toBe(true);

      log(`${kind}+postgres+s3`, {
        jobs: N,
        killed_worker_done_before_kill: doneBefore,
        completed_at_kill: completedAtKill,
        in_hand_at_kill: inHand,
        interrupted_jobs: effects.interrupted,
        handler_starts: effects.starts,
        jobs_run_more_than_once: effects.ranMoreThanOnce,
        effects_by_pid: effects.effectsByPid,
        ms: {
          processes_up: startedMs,
          enqueued: enqueuedMs,
          killed: killedMs,
          all_done: finishedMs,
          blobs_read: readMs,
        },
      });
    }, 240_000);
  },
);

describe('embedded default: one `serve` process on SQLite + local disk + the database queue, killed and restarted', () => {
  const processes: IrisProcess[] = [];
  let dataDir: string;
  let database: Database;
  let queue: JobQueue;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-mp-embedded-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      IRIS_SECRET: SECRET,
      IRIS_DATA_DIR: dataDir,
      // Short leases so the restarted process takes the dead one's jobs back soon.
      IRIS_QUEUE_URL: 'db://?lease_ms=3000&poll_ms=50',
      IRIS_HOST: '127.0.0.1',
      IRIS_PORT: String(port),
      IRIS_PUBLIC_URL: base,
      IRIS_LOG_LEVEL: 'info',
    };
    // The same database file the process opens by default (<data dir>/iris.sqlite).
    database = openDatabase(`sqlite://${path.join(dataDir, 'iris.sqlite')}`);
    await migrateToLatest(database);
    await createEffectTables(database.db);
    queue = queueFromConfig({ queueUrl: env.IRIS_QUEUE_URL }, database, silent);
    queue.register(writeBlobEnqueueOnly);
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await queue?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGKILL mid-job, restart: every job finishes exactly once in effect', async () => {
    const t0 = Date.now();
    const first = new IrisProcess('serve-1', TEST_ENTRY, ['serve'], env).start();
    processes.push(first);
    await first.waitForLog('listening', (l) => l.msg === 'Iris is listening');
    await enqueueAll(queue);
    const { doneBefore, inHand } = await killMidJob(first);
    const killedMs = Date.now() - t0;
    const afterKill = await queue.counts(WRITE_BLOB_JOB);
    // The jobs it had claimed stay "active" under its lease until the lease runs out.
    expect(afterKill.completed).toBeLessThan(N);

    const second = new IrisProcess('serve-2', TEST_ENTRY, ['serve'], env).start();
    processes.push(second);
    await second.waitForLog('listening', (l) => l.msg === 'Iris is listening');
    await waitAllCompleted(queue);
    const finishedMs = Date.now() - t0;
    expect(await queue.counts(WRITE_BLOB_JOB)).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
      completed: N,
      failed: 0,
      cancelled: 0,
    });
    // The restarted process reclaimed the expired leases and reran those jobs.
    expect(second.lines.some((l) => l.msg === 'reclaimed jobs whose worker lease expired')).toBe(true);
    const effects = await checkEffects(database, first.pid);

    await readAllThrough(base, 2 * N + 2);
    const readMs = Date.now() - t0;
    await stopGracefully(second);

    log('embedded sqlite+disk+db-queue', {
      jobs: N,
      done_before_kill: doneBefore,
      completed_at_kill: afterKill.completed,
      in_hand_at_kill: inHand,
      interrupted_jobs: effects.interrupted,
      handler_starts: effects.starts,
      jobs_run_more_than_once: effects.ranMoreThanOnce,
      ms: { killed: killedMs, all_done_after_restart: finishedMs, blobs_read: readMs },
    });
  }, 240_000);
});
