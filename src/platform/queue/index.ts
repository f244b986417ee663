import type { Database } from '../db/database.js';
import { BullJobQueue, type BullJobQueueOptions } from './bullmq.js';
import { DbJobQueue, type DbJobQueueOptions } from './db.js';
import type { QueueLogger } from './logger.js';
import type { JobQueue } from './port.js';

export * from './port.js';
export { PermanentJobError, JobAbortedError } from './errors.js';
export type { QueueLogger } from './logger.js';
export { DbJobQueue, type DbJobQueueOptions } from './db.js';
export { BullJobQueue, type BullJobQueueOptions } from './bullmq.js';

export interface CreateJobQueueOptions {
  /** IRIS_QUEUE_URL: unset or `db://` → the database queue; `redis://`/`rediss://` → BullMQ. */
  queueUrl: string | undefined;
  database: Database;
  /** BullMQ key prefix; default `iris`. */
  redisPrefix?: string;
  logger?: QueueLogger;
  /** Tuning for the database adapter (lease, poll interval, stop timeout). */
  db?: Omit<DbJobQueueOptions, 'database' | 'logger'>;
  /** Tuning for the BullMQ adapter. */
  bullmq?: Omit<BullJobQueueOptions, 'url' | 'prefix' | 'logger'>;
}

/**
 * Chooses the queue adapter from config. `db://` accepts `lease_ms` and `poll_ms`
 * query parameters (e.g. `db://?poll_ms=100`) so deployments can tune it by URL alone.
 */
export function createJobQueue(options: CreateJobQueueOptions): JobQueue {
  const { queueUrl, database, logger } = options;
  if (queueUrl === undefined || queueUrl === '' || queueUrl.startsWith('db:')) {
    const params = queueUrl ? new URL(queueUrl).searchParams : new URLSearchParams();
    return new DbJobQueue({
      database,
      ...(logger ? { logger } : {}),
      ...numberParam(params, 'lease_ms', 'leaseMs'),
      ...numberParam(params, 'poll_ms', 'pollIntervalMs'),
      ...options.db,
    });
  }
  const protocol = new URL(queueUrl).protocol;
  if (protocol === 'redis:' || protocol === 'rediss:') {
    return new BullJobQueue({
      url: queueUrl,
      prefix: options.redisPrefix ?? 'iris',
      ...(logger ? { logger } : {}),
      ...options.bullmq,
    });
  }
  throw new Error(`Unsupported queue URL scheme "${protocol}" (use db:// or redis://)`);
}

function numberParam<K extends string>(
  params: URLSearchParams,
  param: string,
  key: K,
): Partial<Record<K, number>> {
  const raw = params.get(param);
  if (raw === null) return {};
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`Queue URL parameter ${param} must be a positive integer`);
  return { [key]: value } as Partial<Record<K, number>>;
}
