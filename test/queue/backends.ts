import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Dialect } from '../../src/platform/db/database.js';
import { BullJobQueue } from '../../src/platform/queue/bullmq.js';
import { DbJobQueue } from '../../src/platform/queue/db.js';
import { JobsRepository } from '../../src/platform/queue/db.repository.js';
import type { JobQueue } from '../../src/platform/queue/port.js';
import { createTestDatabase, DIALECTS } from '../helpers/db.js';

/**
 * The queue backends the contract suite runs on: the database adapter on every test
 * dialect, and BullMQ when IRIS_TEST_REDIS_URL is set. Each gives fresh queue instances
 * over one shared store, plus a way to leave behind what a crashed worker leaves.
 */
export interface QueueBackend {
  makeQueue(opts?: { leaseMs?: number; stopTimeoutMs?: number }): JobQueue;
  /**
   * Takes the next waiting job of `name` the way a worker does, then "crashes": the job
   * is active under a lease of `leaseMs` that nobody will renew or release. Returns its id.
   */
  crashWhileHolding(name: string, leaseMs: number): Promise<string | null>;
  teardown(): Promise<void>;
}

export interface BackendSpec {
  label: string;
  setup(): Promise<QueueBackend>;
}

export const REDIS_URL = process.env.IRIS_TEST_REDIS_URL;
if (!REDIS_URL) console.warn('[iris tests] IRIS_TEST_REDIS_URL is not set: BullMQ queue suites are skipped.');

/** Fast polling keeps the suite quick; nothing asserts on how fast. */
const POLL_MS = 20;

function databaseBackend(dialect: Dialect): BackendSpec {
  return {
    label: `database queue on ${dialect}`,
    async setup() {
      const tdb = await createTestDatabase(dialect);
      const { database } = tdb;
      return {
        makeQueue: (opts = {}) =>
          new DbJobQueue({
            database,
            pollIntervalMs: POLL_MS,
            leaseMs: opts.leaseMs ?? 5_000,
            stopTimeoutMs: opts.stopTimeoutMs ?? 5_000,
          }),
        async crashWhileHolding(name, leaseMs) {
          const repo = new JobsRepository(database.db, database.dialect);
          const now = new Date();
          const [row] = await repo.claim(
            name,
            1,
            'crashed-worker',
            new Date(now.getTime() + leaseMs).toISOString(),
            now.toISOString(),
          );
          return row?.id ?? null;
        },
        teardown: () => tdb.destroy(),
      };
    },
  };
}

function bullBackend(url: string): BackendSpec {
  return {
    label: 'BullMQ queue on Redis',
    async setup() {
      const prefix = `iris-test-${randomBytes(4).toString('hex')}`;
      return {
        makeQueue: (opts = {}) =>
          new BullJobQueue({
            url,
            prefix,
            leaseMs: opts.leaseMs ?? 5_000,
            stalledIntervalMs: Math.max(100, Math.floor((opts.leaseMs ?? 5_000) / 2)),
            stopTimeoutMs: opts.stopTimeoutMs ?? 5_000,
          }),
        async crashWhileHolding(name, leaseMs) {
          // A BullMQ worker fetching manually renews nothing: exactly a worker that died.
          const connection = new Redis(url, { maxRetriesPerRequest: null });
          const worker = new Worker(name, null, {
            connection,
            prefix,
            lockDuration: leaseMs,
            autorun: false,
          });
          try {
            const job = await worker.getNextJob(`crashed-${randomBytes(4).toString('hex')}`);
            return job?.id ?? null;
          } finally {
            await worker.close(true);
            connection.disconnect();
          }
        },
        async teardown() {
          const redis = new Redis(url);
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
            if (keys.length > 0) await redis.del(...keys);
            cursor = next;
          } while (cursor !== '0');
          await redis.quit();
        },
      };
    },
  };
}

export const BACKENDS: BackendSpec[] = [
  ...DIALECTS.map(databaseBackend),
  ...(REDIS_URL ? [bullBackend(REDIS_URL)] : []),
];
