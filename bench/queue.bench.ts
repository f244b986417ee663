/**
 * Queue throughput: enqueue N no-op jobs, then process them, per adapter, in one run:
 * the database queue on SQLite (always), on PostgreSQL (IRIS_TEST_POSTGRES_URL) and
 * BullMQ (IRIS_TEST_REDIS_URL).
 * Run: npx tsx bench/queue.bench.ts   (IRIS_BENCH_JOBS to change N, default 2000)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Type } from 'typebox';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrations/index.js';
import { BullJobQueue, DbJobQueue, defineJob, type JobQueue } from '../src/platform/queue/index.js';

export interface QueueBenchResult {
  adapter: string;
  jobs: number;
  /** One producer enqueueing one job at a time (each a round trip). */
  enqueue_per_second: number;
  /** One worker process, concurrency 16, until every job is recorded completed. */
  process_per_second: number;
}

const CONCURRENCY = 16;

interface Target {
  adapter: string;
  open(): Promise<{ queue: JobQueue; cleanup(): Promise<void> }>;
}

async function measure(target: Target, jobs: number): Promise<QueueBenchResult> {
  const { queue, cleanup } = await target.open();
  try {
    const job = defineJob({
      name: `bench-noop-${randomBytes(3).toString('hex')}`,
      schema: Type.Object({ n: Type.Integer() }),
      concurrency: CONCURRENCY,
      handler: async () => {},
    });
    queue.register(job);

    const t0 = performance.now();
    for (let n = 0; n < jobs; n++) await queue.enqueue(job, { n });
    const enqueueMs = performance.now() - t0;

    const t1 = performance.now();
    await queue.start();
    while ((await queue.counts(job.name)).completed < jobs) await new Promise((r) => setTimeout(r, 10));
    const processMs = performance.now() - t1;
    await queue.stop();
    return {
      adapter: target.adapter,
      jobs,
      enqueue_per_second: Math.round((jobs / enqueueMs) * 1000),
      process_per_second: Math.round((jobs / processMs) * 1000),
    };
  } finally {
    await queue.close();
    await cleanup();
  }
}

function dbTarget(
  adapter: string,
  openDb: () => Promise<{ database: Database; drop(): Promise<void> }>,
): Target {
  return {
    adapter,
    async open() {
      const { database, drop } = await openDb();
      await migrateToLatest(database);
      return {
        queue: new DbJobQueue({ database }),
        async cleanup() {
          await database.close();
          await drop();
        },
      };
    },
  };
}

function targets(): Target[] {
  const list: Target[] = [
    dbTarget('database queue, SQLite', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-qbench-'));
      return {
        database: openDatabase(`sqlite://${path.join(dir, 'iris.sqlite')}`),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }),
  ];
  const pgUrl = process.env.IRIS_TEST_POSTGRES_URL;
  if (pgUrl) {
    list.push(
      dbTarget('database queue, PostgreSQL', async () => {
        const schema = `qbench_${randomBytes(4).toString('hex')}`;
        return {
          database: openDatabase(`${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`),
          async drop() {
            const client = new pg.Client({ connectionString: pgUrl });
            await client.connect();
            await client.query(`drop schema if exists ${schema} cascade`);
            await client.end();
          },
        };
      }),
    );
  } else {
    console.warn('IRIS_TEST_POSTGRES_URL not set: skipping the PostgreSQL queue benchmark');
  }
  const redisUrl = process.env.IRIS_TEST_REDIS_URL;
  if (redisUrl) {
    list.push({
      adapter: 'BullMQ on Redis',
      async open() {
        const prefix = `iris-bench-${randomBytes(4).toString('hex')}`;
        return {
          queue: new BullJobQueue({ url: redisUrl, prefix }),
          async cleanup() {
            const redis = new Redis(redisUrl);
            let cursor = '0';
            do {
              const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
              if (keys.length > 0) await redis.del(...keys);
              cursor = next;
            } while (cursor !== '0');
            await redis.quit();
          },
        };
      },
    });
  } else {
    console.warn('IRIS_TEST_REDIS_URL not set: skipping the BullMQ queue benchmark');
  }
  return list;
}

export async function run(jobs = Number(process.env.IRIS_BENCH_JOBS ?? 2000)): Promise<QueueBenchResult[]> {
  const results: QueueBenchResult[] = [];
  for (const target of targets()) results.push(await measure(target, jobs));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run());
}
