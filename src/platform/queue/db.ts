import { hostname } from 'node:os';
import { codec, decode } from '../db/codec.js';
import type { Database } from '../db/database.js';
import { newId } from '../ids.js';
import { backoffDelay } from './backoff.js';
import { JobsRepository, type JobRow } from './db.repository.js';
import { abortKind, errorMessage, JobAbortedError, PermanentJobError } from './errors.js';
import { silentLogger, type QueueLogger } from './logger.js';
import {
  emptyCounts,
  type EnqueueOptions,
  type EnqueueResult,
  type JobContext,
  type JobCounts,
  type JobDefinition,
  type JobInfo,
  type JobProgress,
  type JobQueue,
  type JobState,
  type StartOptions,
} from './port.js';
import { JobRegistry, type ResolvedJob } from './registry.js';
import { runAttempt, settleWithin } from './runner.js';

export interface DbJobQueueOptions {
  database: Database;
  logger?: QueueLogger;
  /** How long a claim lasts without a heartbeat before the reaper hands the job to another worker. */
  leaseMs?: number;
  /** Automatic heartbeat period; default a third of the lease, so two can be missed. */
  heartbeatMs?: number;
  /** Poll period when idle; enqueues in this process and finished jobs wake the loop at once. */
  pollIntervalMs?: number;
  /** How often to look for expired leases; default half the lease. */
  reapIntervalMs?: number;
  /** stop() waits this long for running handlers before aborting them. */
  stopTimeoutMs?: number;
  /** Lease owner id; default host:pid:random so restarts never inherit old leases. */
  workerId?: string;
}

interface Running {
  name: string;
  controller: AbortController;
  done: Promise<void>;
}

/** Grace after aborting handlers at stop(), before stop() returns anyway. */
const ABORT_GRACE_MS = 1000;

/**
 * The durable queue on the database (SQLite or PostgreSQL), the default adapter.
 * One poll loop per process claims due jobs for each started name up to that name's
 * free concurrency slots; running jobs hold a lease that heartbeats extend, and any
 * process's reaper returns jobs with expired leases to the queue.
 */
export class DbJobQueue implements JobQueue {
  readonly kind = 'database' as const;
  private readonly registry = new JobRegistry();
  private readonly repo: JobsRepository;
  private readonly logger: QueueLogger;
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollIntervalMs: number;
  private readonly reapIntervalMs: number;
  private readonly stopTimeoutMs: number;

  private readonly running = new Map<string, Running>();
  private readonly inFlight = new Map<string, number>();
  private workerNames: string[] = [];
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private lastReap = 0;

  constructor(options: DbJobQueueOptions) {
    this.repo = new JobsRepository(options.database.db, options.database.dialect);
    this.logger = options.logger ?? silentLogger;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.reapIntervalMs = options.reapIntervalMs ?? Math.max(50, Math.floor(this.leaseMs / 2));
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.owner = options.workerId ?? `${hostname()}:${process.pid}:${newId('wrk').slice(-8)}`;
  }

  register<P>(def: JobDefinition<P>): void {
    this.registry.register(def);
  }

  async enqueue<P>(
    job: string | JobDefinition<P>,
    payload: P,
    opts?: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const p = this.registry.prepare(job as string | JobDefinition<unknown>, payload, opts);
    const now = codec.now();
    const result = await this.repo.insert({
      id: newId('job'),
      name: p.job.name,
      payload: codec.json(p.payload),
      state: 'waiting',
      priority: p.priority,
      attempts: 0,
      max_attempts: p.job.maxAttempts,
      run_at: p.runAt.toISOString(),
      dedupe_key: p.dedupeKey,
      created_at: now,
      updated_at: now,
    });
    if (result.inserted && this.workerNames.includes(p.job.name)) this.wake();
    return { id: result.id, deduplicated: !result.inserted };
  }

  async cancel(id: string): Promise<boolean> {
    const cancelled = await this.repo.cancel(id, codec.now());
    // In this process the handler hears it now; elsewhere, at its next heartbeat.
    const local = this.running.get(id);
    if (cancelled && local) local.controller.abort(new JobAbortedError('cancelled', 'Job was cancelled'));
    return cancelled;
  }

  async get(id: string): Promise<JobInfo | null> {
    const row = await this.repo.find(id);
    return row ? toInfo(row, Date.now()) : null;
  }

  async counts(name?: string): Promise<JobCounts> {
    // Like the BullMQ adapter: one name, or the names this queue has registered.
    const rows = await this.repo.countByState(
      name === undefined ? this.registry.names() : [name],
      codec.now(),
    );
    const counts = emptyCounts();
    for (const row of rows) {
      if (row.state === 'waiting') {
        counts.delayed += row.future;
        counts.waiting += row.total - row.future;
      } else if (isReportedState(row.state)) {
        counts[row.state] += row.total;
      }
    }
    return counts;
  }

  async prune(olderThan: Date): Promise<number> {
    return this.repo.prune(olderThan.toISOString());
  }

  async start(opts: StartOptions = {}): Promise<void> {
    const names = this.registry.workerNames(opts.names);
    this.workerNames = [...new Set([...this.workerNames, ...names])];
    this.started = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.workerNames = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    const jobs = [...this.running.entries()];
    if (
      await settleWithin(
        jobs.map(([, r]) => r.done),
        this.stopTimeoutMs,
      )
    )
      return;
    // Past the grace period: abort, and hand each job back now rather than making
    // another worker wait for the lease to expire.
    const now = codec.now();
    await Promise.all(
      jobs
        .filter(([id]) => this.running.has(id))
        .map(async ([id, r]) => {
          r.controller.abort(new JobAbortedError('shutdown', 'Worker is shutting down'));
          await this.repo.release(id, this.owner, now).catch((err: unknown) => {
            this.logger.warn({ err, jobId: id }, 'could not release job at shutdown');
          });
        }),
    );
    await settleWithin(
      jobs.map(([, r]) => r.done),
      ABORT_GRACE_MS,
    );
  }

  async close(): Promise<void> {
    // The Database belongs to the caller; only our loop and handlers stop here.
    await this.stop();
  }

  /** Runs the poll loop soon; coalesces while a tick is in progress. */
  private wake(): void {
    if (!this.started) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (this.started) this.schedule(this.tickAgain ? 0 : this.pollIntervalMs);
        this.tickAgain = false;
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastReap >= this.reapIntervalMs) {
        this.lastReap = Date.now();
        const reaped = await this.repo.reapExpired(codec.now());
        if (reaped.length > 0)
          this.logger.warn({ jobs: reaped }, 'reclaimed jobs whose worker lease expired');
      }
      const free = this.workerNames.filter((name) => this.freeSlots(name) > 0);
      const now = codec.now();
      // With several names, one index probe finds which have due jobs; with one, the
      // claim itself is that probe.
      const ready = free.length > 1 ? await this.repo.readyNames(free, now) : free;
      for (const name of ready) {
        if (!this.started) return;
        const slots = this.freeSlots(name);
        if (slots <= 0) continue;
        const rows = await this.repo.claim(name, slots, this.owner, this.leaseUntil(), now);
        for (const row of rows) this.launch(row);
      }
    } catch (err) {
      // A database hiccup must not kill the loop; the next tick tries again.
      this.logger.error({ err }, 'job queue poll failed');
    }
  }

  private freeSlots(name: string): number {
    const job = this.registry.get(name);
    return job.concurrency - (this.inFlight.get(name) ?? 0);
  }

  private leaseUntil(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  private launch(row: JobRow): void {
    const job = this.registry.get(row.name);
    const controller = new AbortController();
    this.inFlight.set(row.name, (this.inFlight.get(row.name) ?? 0) + 1);

    const heartbeat = async (progress?: JobProgress): Promise<void> => {
      const now = codec.now();
      const progressJson = progress === undefined ? undefined : codec.json(progress);
      const ours = await this.repo.heartbeat(row.id, this.owner, this.leaseUntil(), now, progressJson);
      if (!ours && !controller.signal.aborted) {
        // Cancelled elsewhere or reaped after we stalled: someone else decides this job now.
        controller.abort(new JobAbortedError('lease_lost', 'Job was cancelled or its lease was lost'));
      }
    };
    const timer = setInterval(() => {
      heartbeat().catch((err: unknown) => this.logger.warn({ err, jobId: row.id }, 'job heartbeat failed'));
    }, this.heartbeatMs);

    const ctx: JobContext = {
      jobId: row.id,
      name: row.name,
      attempt: row.attempts,
      signal: controller.signal,
      heartbeat,
    };
    const done = (async () => {
      try {
        await runAttempt(job, decode.json<unknown>(row.payload, null), ctx, controller);
        await this.repo.complete(row.id, this.owner, codec.now());
      } catch (err) {
        await this.afterFailure(row, job, err, controller.signal);
      } finally {
        clearInterval(timer);
        this.inFlight.set(row.name, (this.inFlight.get(row.name) ?? 1) - 1);
        this.running.delete(row.id);
        this.wake();
      }
    })().catch((err: unknown) => this.logger.error({ err, jobId: row.id }, 'could not record job outcome'));
    this.running.set(row.id, { name: row.name, controller, done });
  }

  private async afterFailure(
    row: JobRow,
    job: ResolvedJob,
    err: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    const kind = abortKind(signal);
    // Cancelled, shut down or lost: the row already says what happens next.
    if (kind !== null && kind !== 'timeout') return;
    const message = errorMessage(kind === 'timeout' ? signal.reason : err);
    const now = Date.now();
    if (err instanceof PermanentJobError || row.attempts >= row.max_attempts) {
      await this.repo.fail(row.id, this.owner, message, codec.time(now));
      this.logger.warn(
        { jobId: row.id, job: row.name, attempts: row.attempts, error: message },
        'job failed',
      );
    } else {
      const runAt = codec.time(now + backoffDelay(row.attempts, job.backoff));
      await this.repo.retry(row.id, this.owner, message, runAt, codec.time(now));
    }
  }
}

const REPORTED: ReadonlySet<string> = new Set<JobState>(['active', 'completed', 'failed', 'cancelled']);
function isReportedState(state: string): state is 'active' | 'completed' | 'failed' | 'cancelled' {
  return REPORTED.has(state);
}

function toInfo(row: JobRow, nowMs: number): JobInfo {
  const runAt = decode.time(row.run_at);
  const state: JobState =
    row.state === 'waiting'
      ? Date.parse(runAt) > nowMs
        ? 'delayed'
        : 'waiting'
      : isReportedState(row.state)
        ? row.state
        : 'waiting';
  return {
    id: row.id,
    name: row.name,
    state,
    payload: decode.json<unknown>(row.payload, null),
    priority: decode.int(row.priority),
    attempts: decode.int(row.attempts),
    maxAttempts: decode.int(row.max_attempts),
    lastError: row.last_error,
    progress: decode.json<JobProgress | null>(row.progress, null),
    createdAt: decode.time(row.created_at),
    updatedAt: decode.time(row.updated_at),
    runAt,
    finishedAt: decode.timeOrNull(row.finished_at),
  };
}
