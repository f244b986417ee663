import { Value } from 'typebox/value';
import { AppError } from '../../errors.js';
import type { BackoffPolicy, EnqueueOptions, JobDefinition } from './port.js';

/** A definition with its defaults filled in: what both adapters work from. */
export interface ResolvedJob {
  name: string;
  def: JobDefinition<unknown>;
  concurrency: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  priority: number;
  timeoutMs: number | undefined;
}

/** An enqueue request after validation, in adapter-neutral form. */
export interface PreparedEnqueue {
  job: ResolvedJob;
  payload: unknown;
  priority: number;
  runAt: Date;
  dedupeKey: string | null;
}

export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000 };
const MAX_DEDUPE_KEY = 500;

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer`);
  return n;
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < PRIORITY_MIN || priority > PRIORITY_MAX) {
    throw new AppError(
      'INVALID_REQUEST',
      `Job priority must be an integer from ${PRIORITY_MIN} to ${PRIORITY_MAX}.`,
    );
  }
  return priority;
}

/** The job definitions known to one queue instance. Shared by both adapters. */
export class JobRegistry {
  private readonly jobs = new Map<string, ResolvedJob>();

  register<P>(def: JobDefinition<P>): ResolvedJob {
    if (!NAME.test(def.name)) throw new Error(`Invalid job name "${def.name}"`);
    const existing = this.jobs.get(def.name);
    if (existing) {
      if (existing.def === def) return existing;
      throw new Error(`Job "${def.name}" is already registered`);
    }
    const backoff = def.backoff ?? DEFAULT_BACKOFF;
    if (!(backoff.baseMs >= 0 && backoff.maxMs >= backoff.baseMs)) {
      throw new Error(`Job "${def.name}": backoff needs 0 <= baseMs <= maxMs`);
    }
    const resolved: ResolvedJob = {
      name: def.name,
      def: def as JobDefinition<unknown>,
      concurrency: positiveInt(def.concurrency, 1, `Job "${def.name}" concurrency`),
      maxAttempts: positiveInt(def.maxAttempts, 3, `Job "${def.name}" maxAttempts`),
      backoff,
      priority: checkPriority(def.priority ?? 0),
      timeoutMs:
        def.timeoutMs === undefined
          ? undefined
          : positiveInt(def.timeoutMs, 0, `Job "${def.name}" timeoutMs`),
    };
    this.jobs.set(def.name, resolved);
    return resolved;
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  get(name: string): ResolvedJob {
    const job = this.jobs.get(name);
    if (!job) throw new AppError('INVALID_REQUEST', `Unknown job "${name}".`);
    return job;
  }

  /** Names to run workers for: all registered, or the given ones (which must be registered). */
  workerNames(names: string[] | undefined): string[] {
    const chosen = names ?? this.names();
    for (const name of chosen) {
      if (!this.jobs.has(name)) throw new Error(`Cannot start workers for unregistered job "${name}"`);
    }
    return [...new Set(chosen)];
  }

  /** Validates everything about an enqueue before either adapter stores anything. */
  prepare(
    nameOrDef: string | JobDefinition<unknown>,
    payload: unknown,
    opts: EnqueueOptions = {},
  ): PreparedEnqueue {
    const job = this.get(typeof nameOrDef === 'string' ? nameOrDef : nameOrDef.name);
    const errors = Value.Check(job.def.schema, payload) ? [] : Value.Errors(job.def.schema, payload);
    if (errors.length > 0) {
      throw new AppError('INVALID_REQUEST', `Invalid payload for job "${job.name}".`, {
        errors: errors.slice(0, 10).map((e) => ({ path: e.instancePath || '/', message: e.message })),
      });
    }
    const priority = checkPriority(opts.priority ?? job.priority);
    const runAt = resolveRunAt(opts);
    const dedupeKey = opts.dedupeKey ?? null;
    if (dedupeKey !== null && (dedupeKey.length === 0 || dedupeKey.length > MAX_DEDUPE_KEY)) {
      throw new AppError('INVALID_REQUEST', `dedupeKey must be 1 to ${MAX_DEDUPE_KEY} characters.`);
    }
    return { job, payload, priority, runAt, dedupeKey };
  }
}

function resolveRunAt(opts: EnqueueOptions): Date {
  const now = Date.now();
  if (opts.runAt !== undefined) {
    const at = new Date(opts.runAt);
    if (Number.isNaN(at.getTime())) throw new AppError('INVALID_REQUEST', 'runAt is not a valid time.');
    // A past runAt simply means "now"; storing it as-is would jump the FIFO queue.
    return at.getTime() > now ? at : new Date(now);
  }
  const delay = opts.delayMs ?? 0;
  if (!Number.isFinite(delay) || delay < 0) throw new AppError('INVALID_REQUEST', 'delayMs must be >= 0.');
  return new Date(now + delay);
}
