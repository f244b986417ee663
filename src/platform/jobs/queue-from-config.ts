import type { Config } from '../../config.js';
import type { Database } from '../db/database.js';
import { createJobQueue, type JobQueue, type QueueLogger } from '../queue/index.js';

/**
 * Builds the process's job queue from IRIS_QUEUE_URL.
 *
 * - unset or `db://` → the durable queue in the database; `db://?lease_ms=&poll_ms=`
 *   tune it (createJobQueue reads those).
 * - `redis://…` / `rediss://…` → BullMQ. Iris reads three query parameters of its own
 *   and removes them before the URL reaches ioredis (which would otherwise treat every
 *   query parameter as a client option): `prefix` (BullMQ key prefix, default `iris`,
 *   so several deployments or test runs can share one Redis), `lease_ms` (BullMQ
 *   lockDuration) and `stalled_ms` (how often workers look for stalled jobs).
 */
export function queueFromConfig(
  config: Pick<Config, 'queueUrl'>,
  database: Database,
  logger: QueueLogger,
): JobQueue {
  const { queueUrl } = config;
  if (queueUrl && /^rediss?:/i.test(queueUrl)) {
    const url = new URL(queueUrl);
    const prefix = url.searchParams.get('prefix') ?? undefined;
    if (prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(prefix)) {
      throw new Error('IRIS_QUEUE_URL parameter prefix must be 1-64 letters, digits, ".", "_" or "-"');
    }
    const leaseMs = positiveParam(url, 'lease_ms');
    const stalledIntervalMs = positiveParam(url, 'stalled_ms');
    for (const p of ['prefix', 'lease_ms', 'stalled_ms']) url.searchParams.delete(p);
    return createJobQueue({
      queueUrl: url.toString(),
      database,
      logger,
      ...(prefix ? { redisPrefix: prefix } : {}),
      bullmq: {
        ...(leaseMs ? { leaseMs } : {}),
        ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
      },
    });
  }
  return createJobQueue({ queueUrl, database, logger });
}

function positiveParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`IRIS_QUEUE_URL parameter ${name} must be a positive integer`);
  }
  return value;
}
