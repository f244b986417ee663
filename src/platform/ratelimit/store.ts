/**
 * Rate-limit counters: a port with an in-memory adapter (one process) and a Redis
 * adapter (shared by every process of a deployment), both running the same
 * algorithm.
 *
 * The algorithm is GCRA (generic cell rate algorithm), i.e. a token bucket kept as a
 * single number per bucket, its "theoretical arrival time" (TAT). A bucket of
 * `limit` requests per `windowMs` refills one request every `windowMs / limit` ms,
 * continuously, and can be spent in a burst of up to `limit` requests: there is no
 * hard reset edge at the top of a minute (spec 000: "burst-friendly").
 *
 *   interval = windowMs / limit
 *   tat      = max(stored TAT, now)          (a full bucket has TAT <= now)
 *   next     = tat + interval
 *   admitted when next - windowMs <= now; then TAT := next
 *
 * A bucket whose TAT is in the past is full and holds no information, so entries
 * expire at their TAT (memory: swept; Redis: PEXPIRE).
 */

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests that could still be made right now. */
  remaining: number;
  /** Milliseconds until the bucket is full again (the whole limit available). */
  resetMs: number;
  /** Milliseconds until the next request would be admitted; 0 when this one was. */
  retryAfterMs: number;
}

export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Takes one request from the bucket `key` when there is room. `now` is the
   * caller's clock in epoch milliseconds (tests inject it). Never rejects: a store
   * that cannot reach its backend answers from a local fallback (fails open).
   */
  consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

/** Fractions of a millisecond from `windowMs / limit` must not lose a whole request. */
const EPSILON = 1e-6;

/** Next TAT when admitted, or undefined when the request must wait. */
export function gcraStep(
  storedTat: number | undefined,
  limit: number,
  windowMs: number,
  now: number,
): { allowed: boolean; tat: number } {
  const interval = windowMs / limit;
  const tat = Math.max(storedTat ?? now, now);
  const next = tat + interval;
  if (next - windowMs > now + EPSILON) return { allowed: false, tat };
  return { allowed: true, tat: next };
}

/** What a bucket with TAT `tat` looks like at `now` (after the step above). */
export function describeBucket(
  allowed: boolean,
  tat: number,
  limit: number,
  windowMs: number,
  now: number,
): RateLimitResult {
  const interval = windowMs / limit;
  const used = Math.max(0, tat - now);
  const remaining = Math.max(0, Math.min(limit, Math.floor((windowMs - used) / interval + EPSILON)));
  return {
    allowed,
    limit,
    remaining,
    resetMs: used,
    retryAfterMs: allowed ? 0 : Math.max(0, tat + interval - windowMs - now),
  };
}

export interface MemoryStoreOptions {
  /** Hard cap on live buckets; beyond it the least recently used ones are dropped. */
  maxEntries?: number;
  /** Expired buckets are swept at most this often (measured on the caller's clock). */
  sweepEveryMs?: number;
}

/**
 * Per-process counters. Memory is bounded twice: buckets that have refilled are
 * swept (they are indistinguishable from absent ones), and the map never grows past
 * `maxEntries` — when it would, the least recently used buckets go first (which at
 * worst forgives those clients part of their usage: failing open, never closed).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  private readonly buckets = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly sweepEveryMs: number;
  private lastSweep = -Infinity;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.sweepEveryMs = options.sweepEveryMs ?? 10_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  consumeSync(key: string, limit: number, windowMs: number, now: number): RateLimitResult {
    this.maybeSweep(now);
    const stored = this.buckets.get(key);
    const step = gcraStep(stored !== undefined && stored > now ? stored : undefined, limit, windowMs, now);
    if (step.allowed) {
      // Delete first so Map order is least-recently-updated first (for LRU eviction).
      this.buckets.delete(key);
      this.buckets.set(key, step.tat);
      if (this.buckets.size > this.maxEntries) this.evict(now);
    }
    return describeBucket(step.allowed, step.tat, limit, windowMs, now);
  }

  consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    return Promise.resolve(this.consumeSync(key, limit, windowMs, now));
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private maybeSweep(now: number): void {
    if (now - this.lastSweep < this.sweepEveryMs && now >= this.lastSweep) return;
    this.lastSweep = now;
    this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, tat] of this.buckets) if (tat <= now) this.buckets.delete(key);
  }

  private evict(now: number): void {
    this.sweep(now);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxEntries) break;
      this.buckets.delete(key);
    }
  }
}
