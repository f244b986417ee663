import type { Static, TSchema } from 'typebox';

/**
 * The job queue port. Jobs are declared once with `defineJob` (name, payload schema,
 * retry policy, handler) and registered on whichever adapter config chose: the durable
 * database queue (db.ts) or BullMQ on Redis (bullmq.ts). Both keep this contract,
 * which test/queue/queue.contract.test.ts checks against each of them.
 */

/** What callers see. "delayed" covers both a future runAt and a retry waiting out its backoff. */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'cancelled',
];

/** Progress must survive JSON, because both adapters persist it. */
export type JobProgress = number | { [key: string]: unknown };

export interface BackoffPolicy {
  /** Delay before the first retry; doubles per attempt (with jitter). */
  baseMs: number;
  /** Cap on the delay between attempts. */
  maxMs: number;
}

export interface JobContext {
  readonly jobId: string;
  readonly name: string;
  /** 1 on the first try; a crashed worker's attempt counts too. */
  readonly attempt: number;
  /**
   * Aborted when the job is cancelled, the process shuts down past its grace period,
   * the attempt times out, or the lease was lost (another worker may now own the job).
   * Handlers doing long work must pass it on or check it.
   */
  readonly signal: AbortSignal;
  /** Proves liveness (extends the lease) and optionally records progress. Workers also heartbeat on their own. */
  heartbeat(progress?: JobProgress): Promise<void>;
}

export interface JobDefinition<P = unknown> {
  /** Unique, stable name: letters, digits, `.`, `_`, `-` (it names a BullMQ queue too). */
  name: string;
  schema: TSchema;
  /** Handlers of this type running at once in one process. Default 1. */
  concurrency?: number;
  /** Total tries including the first. Default 3. */
  maxAttempts?: number;
  /** Default { baseMs: 1000, maxMs: 60000 }. */
  backoff?: BackoffPolicy;
  /** Default priority for enqueues of this job; higher runs first. Default 0, range ±1000. */
  priority?: number;
  /** Per-attempt time limit; the signal is aborted and the attempt fails (and may retry). */
  timeoutMs?: number;
  // Method syntax on purpose: it lets a JobDefinition<Payload> be registered where a
  // JobDefinition<unknown> is stored, without widening handlers to `any`.
  handler(payload: P, ctx: JobContext): Promise<void>;
}

/** Declares a job once; the payload type comes from the TypeBox schema. */
export function defineJob<const S extends TSchema>(
  def: Omit<JobDefinition<Static<S>>, 'schema'> & { schema: S },
): JobDefinition<Static<S>> {
  return def;
}

export interface EnqueueOptions {
  /** While a job with this key (and name) is waiting, delayed or active, enqueue returns it instead. */
  dedupeKey?: string;
  delayMs?: number;
  runAt?: Date | string;
  /** Overrides the definition's priority; higher runs first. */
  priority?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when dedupeKey matched an unfinished job and `id` is that job. */
  deduplicated: boolean;
}

export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  payload: unknown;
  priority: number;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  progress: JobProgress | null;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
  runAt: string;
  finishedAt: string | null;
}

export type JobCounts = Record<JobState, number>;

export interface StartOptions {
  /** Job names this process works on; default all registered. */
  names?: string[];
}

export interface JobQueue {
  readonly kind: 'database' | 'bullmq';
  /** Registers a definition; needed before enqueue (validation) and start (handler). */
  register<P>(def: JobDefinition<P>): void;
  /** Validates the payload (AppError INVALID_REQUEST) and stores the job. */
  enqueue<P>(job: string | JobDefinition<P>, payload: P, opts?: EnqueueOptions): Promise<EnqueueResult>;
  /** Cancels a waiting, delayed or active job (aborting its signal). False when unknown or already finished. */
  cancel(id: string): Promise<boolean>;
  get(id: string): Promise<JobInfo | null>;
  /** Per-state counts for one job name, or summed over the registered names. */
  counts(name?: string): Promise<JobCounts>;
  /** Starts workers in this process for the given (or all registered) names. */
  start(opts?: StartOptions): Promise<void>;
  /**
   * Stops taking work and waits for running handlers up to the stop timeout; then aborts
   * their signals and hands their jobs back to the queue, uncounted, for another worker.
   */
  stop(): Promise<void>;
  /** Deletes finished (completed, failed, cancelled) jobs that finished before `olderThan`. Returns how many. */
  prune(olderThan: Date): Promise<number>;
  /** stop() and release connections the queue opened itself (never the shared Database). */
  close(): Promise<void>;
}

export function emptyCounts(): JobCounts {
  return { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, cancelled: 0 };
}
