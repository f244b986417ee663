import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { newId } from '../ids.js';
import { CancelStore } from './bullmq.cancel.js';
import { BULL_COUNT_TYPES, toBullPriority, toCounts, toInfo, toState } from './bullmq.state.js';
import { backoffDelay } from './backoff.js';
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
  type StartOptions,
} from './port.js';
import { JobRegistry, type ResolvedJob } from './registry.js';
import { runAttempt, settleWithin } from './runner.js';

export interface BullJobQueueOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix for every queue (BullMQ's `prefix`); tests use a random one to isolate. */
  prefix?: string;
  logger?: QueueLogger;
  /** BullMQ lockDuration: a worker that stops renewing loses the job after this long. */
  leaseMs?: number;
  /** BullMQ stalledInterval: how often workers look for jobs whose lock expired. Default leaseMs. */
  stalledIntervalMs?: number;
  /** stop() waits this long for running handlers before aborting them. */
  stopTimeoutMs?: number;
}

interface Active {
  controller: AbortController;
  job: Job<unknown>;
}

/** failedReason of a job that failed because it was cancelled; the worker then removes it. */
const CANCELLED_REASON = 'Job was cancelled';
const ABORT_GRACE_MS = 1000;
const BACKOFF_TYPE = 'iris';

/**
 * The same contract on BullMQ: one BullMQ Queue (and, once started, one Worker) per job
 * name, our job id as BullMQ's jobId, our backoff through a custom strategy, lock
 * renewal and the stalled-job checker as leases, and a small cancellation layer in
 * Redis (bullmq.cancel.ts) because BullMQ has no cancelled state.
 */
export class BullJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly registry = new JobRegistry();
  private readonly redis: Redis;
  private readonly cancels: CancelStore;
  private readonly prefix: string;
  private readonly logger: QueueLogger;
  private readonly leaseMs: number;
  private readonly stalledIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly queues = new Map<string, Queue<unknown, void, string>>();
  private readonly workers = new Map<string, Worker<unknown, void, string>>();
  private readonly active = new Map<string, Active>();
  private subscriber: Redis | null = null;

  constructor(options: BullJobQueueOptions) {
    this.prefix = options.prefix ?? 'iris';
    this.logger = options.logger ?? silentLogger;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.stalledIntervalMs = options.stalledIntervalMs ?? this.leaseMs;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    // BullMQ needs maxRetriesPerRequest: null on connections it blocks on; workers duplicate this one.
    this.redis = new Redis(options.url, { maxRetriesPerRequest: null });
    this.redis.on('error', (err: Error) => this.logger.warn({ err }, 'redis connection error'));
    this.cancels = new CancelStore(this.redis, this.prefix);
  }

  register<P>(def: JobDefinition<P>): void {
    this.registry.register(def);
  }

  private queue(name: string): Queue<unknown, void, string> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<unknown, void, string>(name, { connection: this.redis, prefix: this.prefix });
      queue.on('error', (err: Error) => this.logger.warn({ err, queue: name }, 'bullmq queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<P>(
    job: string | JobDefinition<P>,
    payload: P,
    opts?: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const p = this.registry.prepare(job as string | JobDefinition<unknown>, payload, opts);
    const id = newId('job');
    const added = await this.queue(p.job.name).add(p.job.name, p.payload, {
      jobId: id,
      priority: toBullPriority(p.priority),
      delay: Math.max(0, p.runAt.getTime() - Date.now()),
      attempts: p.job.maxAttempts,
      backoff: { type: BACKOFF_TYPE },
      // Keep finished jobs like the database adapter does, so counts and get() work; prune() trims.
      removeOnComplete: false,
      removeOnFail: false,
      // Simple mode: the key is held until the job completes or fails (or is removed).
      ...(p.dedupeKey !== null ? { deduplication: { id: p.dedupeKey } } : {}),
    });
    const actualId = added.id ?? id;
    return { id: actualId, deduplicated: actualId !== id };
  }

  /** Finds a job by id in the queues of the registered names (ids don't say which queue). */
  private async findJob(id: string): Promise<Job<unknown> | null> {
    const found = await Promise.all(this.registry.names().map((name) => this.queue(name).getJob(id)));
    return found.find((job): job is Job<unknown, void, string> => job !== undefined) ?? null;
  }

  private async progressOf(job: Job<unknown>): Promise<JobProgress | null> {
    // Read the raw field: BullMQ reports 0 for "never set", which we report as null.
    const raw = await this.redis.hget(this.queue(job.queueName).toKey(job.id ?? ''), 'progress');
    return raw === null ? null : (JSON.parse(raw) as JobProgress);
  }

  async get(id: string): Promise<JobInfo | null> {
    const cancelled = await this.cancels.find(this.registry.names(), id);
    if (cancelled) return cancelled;
    let job = await this.findJob(id);
    if (!job) return null;
    const state = await job.getState();
    if (state === 'unknown') return null;
    // The hash was read before the state: a job that finished in between would show a
    // terminal state with stale fields (no failedReason yet). Terminal jobs don't change, so re-read.
    if (state === 'completed' || state === 'failed') {
      job = (await this.queue(job.queueName).getJob(id)) ?? job;
    }
    return toInfo(job, toState(state), await this.progressOf(job));
  }

  async cancel(id: string): Promise<boolean> {
    const job = await this.findJob(id);
    if (!job) return false;
    const name = job.queueName;
    if (await this.cancels.isCancelled(name, id)) return false;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
    // Record first: from here get() reports cancelled and no worker will start the job.
    const now = new Date().toISOString();
    await this.cancels.record({
      ...toInfo(job, 'cancelled', null),
      state: 'cancelled',
      finishedAt: now,
      updatedAt: now,
    });
    if (state !== 'active') {
      try {
        await job.remove();
        return true;
      } catch {
        // Locked: a worker took it in the meantime; cancel it as an active job.
      }
    }
    const now2 = await job.getState();
    if (now2 === 'completed' || now2 === 'failed') {
      // It finished before the cancellation could land; report what really happened.
      await this.cancels.forget(name, id);
      return false;
    }
    await this.cancels.markPending(name, id);
    // Free the dedupe key now, as the database adapter does when it cancels.
    await job.removeDeduplicationKey().catch(() => false);
    await this.cancels.announce(id);
    return true;
  }

  async counts(name?: string): Promise<JobCounts> {
    const names = name === undefined ? this.registry.names() : [name];
    const total = emptyCounts();
    for (const n of names) {
      const raw = await this.queue(n).getJobCounts(...BULL_COUNT_TYPES);
      const counts = toCounts(raw);
      counts.cancelled = await this.cancels.count(n);
      // Cancelled jobs that were active still exist in BullMQ until their worker removes
      // them; count them only as cancelled (and finish the removal if a worker died).
      for (const id of await this.cancels.pending(n)) {
        const job = await this.queue(n).getJob(id);
        const state = job ? await job.getState() : 'unknown';
        if (!job || state === 'unknown') {
          await this.cancels.clearPending(n, id);
          continue;
        }
        const ours = toState(state);
        counts[ours] = Math.max(0, counts[ours] - 1);
        if (ours === 'completed' || ours === 'failed') await this.removeCancelled(job);
      }
      for (const key of Object.keys(total) as (keyof JobCounts)[]) total[key] += counts[key];
    }
    return total;
  }

  async prune(olderThan: Date): Promise<number> {
    const grace = Math.max(0, Date.now() - olderThan.getTime());
    let removed = 0;
    for (const name of this.registry.names()) {
      const queue = this.queue(name);
      removed += (await queue.clean(grace, 0, 'completed')).length;
      removed += (await queue.clean(grace, 0, 'failed')).length;
      removed += await this.cancels.prune(name, olderThan);
    }
    return removed;
  }

  async start(opts: StartOptions = {}): Promise<void> {
    const names = this.registry.workerNames(opts.names).filter((n) => !this.workers.has(n));
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate();
      subscriber.on('error', (err: Error) => this.logger.warn({ err }, 'redis subscriber error'));
      subscriber.on('message', (_channel: string, id: string) => this.abortLocal(id));
      await subscriber.subscribe(this.cancels.channel);
      this.subscriber = subscriber;
    }
    for (const name of names) {
      const job = this.registry.get(name);
      const worker = new Worker<unknown, void, string>(name, (bj, token) => this.process(job, bj, token), {
        connection: this.redis,
        prefix: this.prefix,
        concurrency: job.concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: this.stalledIntervalMs,
        // A crashed worker's attempt counts; maxStartedAttempts fails the job once all are used.
        maxStalledCount: job.maxAttempts,
        maxStartedAttempts: job.maxAttempts,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, job.backoff) },
      });
      worker.on('error', (err: Error) => this.logger.warn({ err, queue: name }, 'bullmq worker error'));
      worker.on('lockRenewalFailed', (ids: string[]) => {
        // Our lease is gone: the stalled checker may hand the job to another worker.
        for (const id of ids) {
          this.active
            .get(id)
            ?.controller.abort(
              new JobAbortedError('lease_lost', 'Job lock was lost; another worker may run it'),
            );
        }
      });
      worker.on('failed', (failed) => {
        if (failed && failed.failedReason === CANCELLED_REASON) {
          this.removeCancelled(failed).catch((err: unknown) =>
            this.logger.warn({ err, jobId: failed.id }, 'could not remove cancelled job'),
          );
        }
      });
      this.workers.set(name, worker);
    }
    await Promise.all([...this.workers.values()].map((w) => w.waitUntilReady()));
  }

  private async removeCancelled(job: Job<unknown>): Promise<void> {
    await job.remove();
    await this.cancels.clearPending(job.queueName, job.id ?? '');
  }

  private abortLocal(id: string): void {
    this.active.get(id)?.controller.abort(new JobAbortedError('cancelled', CANCELLED_REASON));
  }

  /** One attempt, as the BullMQ processor: maps our outcomes onto BullMQ's error conventions. */
  private async process(job: ResolvedJob, bj: Job<unknown>, token: string | undefined): Promise<void> {
    const id = bj.id ?? '';
    // Cancelled while waiting, or while active on a worker that then died.
    if (await this.cancels.isCancelled(job.name, id)) throw new UnrecoverableError(CANCELLED_REASON);
    const controller = new AbortController();
    this.active.set(id, { controller, job: bj });
    const ctx: JobContext = {
      jobId: id,
      name: job.name,
      attempt: bj.attemptsStarted,
      signal: controller.signal,
      heartbeat: async (progress?: JobProgress) => {
        if (progress !== undefined) await bj.updateProgress(progress);
        // Pub/sub is best effort; the heartbeat also checks the cancellation record.
        if (!controller.signal.aborted && (await this.cancels.isCancelled(job.name, id))) this.abortLocal(id);
      },
    };
    try {
      await runAttempt(job, bj.data, ctx, controller);
    } catch (err) {
      const kind = abortKind(controller.signal);
      if (kind === 'cancelled') throw new UnrecoverableError(CANCELLED_REASON);
      if (kind === 'shutdown' && token) {
        // Hand the job back for another worker, like the database adapter's release.
        await bj.moveToWait(token);
        throw new WaitingError();
      }
      if (err instanceof PermanentJobError) throw new UnrecoverableError(errorMessage(err));
      throw new Error(errorMessage(kind === 'timeout' ? controller.signal.reason : err), { cause: err });
    } finally {
      this.active.delete(id);
    }
    // It finished, but was cancelled meanwhile: cancellation wins, as in the database adapter.
    if (abortKind(controller.signal) === 'cancelled') throw new UnrecoverableError(CANCELLED_REASON);
  }

  async stop(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    // close() stops fetching and waits for running handlers; past the timeout, abort them.
    const closing = workers.map((w) => w.close());
    if (!(await settleWithin(closing, this.stopTimeoutMs))) {
      for (const { controller } of this.active.values()) {
        controller.abort(new JobAbortedError('shutdown', 'Worker is shutting down'));
      }
      if (!(await settleWithin(closing, ABORT_GRACE_MS))) {
        // Handlers ignore the signal: leave their jobs to the stalled checker of another worker.
        await Promise.all(workers.map((w) => w.close(true).catch(() => {})));
      }
    }
    if (this.subscriber) {
      await this.subscriber.quit().catch(() => {});
      this.subscriber = null;
    }
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.redis.quit().catch(() => {});
  }
}
