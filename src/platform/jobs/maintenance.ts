import type { Logger } from 'pino';
import { Type } from 'typebox';
import { THROTTLE_WINDOW_MS } from '../../modules/accounts/login-throttle.js';
import type { Database } from '../db/database.js';
import { defineJob, type EnqueueResult, type JobQueue } from '../queue/index.js';
import { MaintenanceRepository } from './maintenance.repository.js';

export const PRUNE_JOB = 'maintenance.prune';

export interface MaintenanceOptions {
  /** How often the prune runs. Default one hour. */
  intervalMs?: number;
  /** Finished jobs (completed, failed, cancelled) are kept this long. Default 7 days. */
  keepFinishedJobsMs?: number;
  /** Expired or revoked sessions and expired mail tokens are kept this long past their end. Default 1 day. */
  graceMs?: number;
}

/**
 * Housekeeping a module adds to the prune (the platform does not know its tables):
 * removes what is dead as of `now` and says how many things it removed.
 */
export interface MaintenanceSweep {
  name: string;
  run(now: number, signal: AbortSignal): Promise<number>;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const PrunePayload = Type.Object(
  {
    /** The interval this run belongs to: floor(time / intervalMs). Keys the dedupe. */
    period: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/**
 * `maintenance.prune`: deletes finished jobs older than the retention, dead sessions
 * and mail tokens, and login-failure counters whose window and lock are over.
 *
 * It keeps itself scheduled: each run enqueues the next period's run, delayed to the
 * start of that period, with the dedupe key `period:<n>`. A key per period (not one
 * fixed key) matters because the running job still holds its own key while it
 * enqueues its successor. Worker processes call `scheduleMaintenance` at start; when
 * several start at once the dedupe key collapses their requests into one job. Every
 * step is idempotent, so the rare extra run (a restart right after a run finished,
 * or a retry after a crash) only deletes nothing.
 */
export function maintenanceJobs(deps: {
  database: Database;
  queue: JobQueue;
  logger: Logger;
  options?: MaintenanceOptions;
}) {
  const intervalMs = deps.options?.intervalMs ?? HOUR;
  const keepFinishedJobsMs = deps.options?.keepFinishedJobsMs ?? 7 * DAY;
  const graceMs = deps.options?.graceMs ?? DAY;
  const repo = new MaintenanceRepository(deps.database.db);
  const sweeps: MaintenanceSweep[] = [];

  const prune = defineJob({
    name: PRUNE_JOB,
    schema: PrunePayload,
    concurrency: 1,
    maxAttempts: 3,
    backoff: { baseMs: 30_000, maxMs: 10 * 60_000 },
    timeoutMs: 10 * 60_000,
    async handler(payload, ctx) {
      const now = Date.now();
      const jobs = await deps.queue.prune(new Date(now - keepFinishedJobsMs));
      if (ctx.signal.aborted) return;
      const rows = await repo.prune({
        sessionsBefore: new Date(now - graceMs).toISOString(),
        emailTokensBefore: new Date(now - graceMs).toISOString(),
        loginWindowBefore: new Date(now - THROTTLE_WINDOW_MS).toISOString(),
        now: new Date(now).toISOString(),
      });
      const swept: Record<string, number> = {};
      for (const sweep of sweeps) {
        if (ctx.signal.aborted) return;
        swept[sweep.name] = await sweep.run(now, ctx.signal);
      }
      deps.logger.info(
        { job: PRUNE_JOB, period: payload.period, jobs, ...rows, ...swept },
        'maintenance: pruned',
      );
      // A run that was late (workers were down) schedules from now, not from its own period.
      const next = Math.max(payload.period, periodOf(now, intervalMs)) + 1;
      await deps.queue.enqueue(
        prune,
        { period: next },
        { runAt: new Date(next * intervalMs), dedupeKey: `period:${next}` },
      );
    },
  });
  return {
    prune,
    intervalMs,
    sweeps: sweeps as readonly MaintenanceSweep[],
    addSweep: (sweep: MaintenanceSweep) => void sweeps.push(sweep),
  };
}

export function periodOf(ms: number, intervalMs: number): number {
  return Math.floor(ms / intervalMs);
}

/**
 * Enqueues this period's prune unless one is already waiting or running (dedupe key);
 * its handler then keeps the chain going. If this period's run already finished, it
 * runs once more, which is harmless.
 */
export function scheduleMaintenance(
  queue: JobQueue,
  intervalMs: number,
  now: number = Date.now(),
): Promise<EnqueueResult> {
  const period = periodOf(now, intervalMs);
  return queue.enqueue(PRUNE_JOB, { period }, { dedupeKey: `period:${period}` });
}
