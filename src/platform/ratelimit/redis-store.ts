import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MemoryRateLimitStore, describeBucket, type RateLimitResult, type RateLimitStore } from './store.js';

/**
 * The GCRA step of store.ts, atomically in Redis: one GET and one SET PX per call,
 * so every process of a deployment spends the same budget. TATs are kept as decimal
 * strings (Lua numbers would be truncated to integers in the reply).
 */
const CONSUME_LUA = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local interval = window / limit
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then
  local s = tonumber(stored)
  if s and s > now then tat = s end
end
local nextTat = tat + interval
if nextTat - window > now + 0.000001 then
  return {0, string.format('%.3f', tat)}
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return {1, string.format('%.3f', nextTat)}
`;

type RedisWithConsume = Redis & {
  irisRateLimitConsume(key: string, limit: number, windowMs: number, now: number): Promise<[number, string]>;
};

export interface RedisStoreOptions {
  /** Every key starts with it; tests use a random one to stay apart. */
  prefix?: string;
  /** Per-command timeout: a slow Redis must not slow the API down. */
  commandTimeoutMs?: number;
  /** After a Redis error, answer from the local fallback this long before trying Redis again. */
  retryAfterMs?: number;
  /** Warn at most this often while Redis is failing. */
  warnEveryMs?: number;
  /** Where requests are counted while Redis is unreachable (default: a fresh memory store). */
  fallback?: MemoryRateLimitStore;
}

/**
 * Redis-backed counters shared by every Iris process that points at the same Redis
 * (`IRIS_REDIS_URL`). Redis trouble never takes the API down: on any error the store
 * warns (throttled) and answers from this process's own memory counters for a few
 * seconds — failing open to per-process limits — then tries Redis again.
 *
 * The clock is the caller's (epoch ms), so processes need synchronised clocks (NTP);
 * a skew of a few milliseconds against a one-minute window does not matter.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  private readonly redis: RedisWithConsume;
  private readonly fallback: MemoryRateLimitStore;
  private readonly retryAfterMs: number;
  private readonly warnEveryMs: number;
  private unhealthyUntil = 0;
  private lastWarn = -Infinity;

  constructor(
    url: string,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    options: RedisStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'iris:ratelimit:';
    this.retryAfterMs = options.retryAfterMs ?? 5_000;
    this.warnEveryMs = options.warnEveryMs ?? 30_000;
    this.fallback = options.fallback ?? new MemoryRateLimitStore();
    this.redis = new Redis(url, {
      lazyConnect: true,
      // Fail fast instead of queueing behind a dead connection; reconnects continue in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
      connectionName: 'iris-ratelimit',
    }) as RedisWithConsume;
    this.redis.defineCommand('irisRateLimitConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
    this.redis.on('error', (err: Error) => this.warn(err, 'rate-limit Redis connection error'));
  }

  /**
   * Connects once at start-up. Never throws: without Redis the store starts on its
   * local fallback and keeps reconnecting in the background.
   */
  async connect(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        }),
      ]);
    } catch (err) {
      this.warn(err as Error, 'rate-limit Redis unavailable at start-up');
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async consume(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    if (Date.now() < this.unhealthyUntil || this.redis.status !== 'ready') {
      return this.fallback.consumeSync(key, limit, windowMs, now);
    }
    try {
      const [allowed, tat] = await this.redis.irisRateLimitConsume(this.prefix + key, limit, windowMs, now);
      return describeBucket(Number(allowed) === 1, Number(tat), limit, windowMs, now);
    } catch (err) {
      // Real time, not the injected clock: this is about Redis health, not budgets.
      this.unhealthyUntil = Date.now() + this.retryAfterMs;
      this.warn(err as Error, 'rate-limit Redis command failed; counting in this process meanwhile');
      return this.fallback.consumeSync(key, limit, windowMs, now);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
      else this.redis.disconnect();
    } catch {
      this.redis.disconnect();
    }
  }

  private warn(err: Error, message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < this.warnEveryMs) return;
    this.lastWarn = now;
    this.logger.warn({ err: { message: err.message, name: err.name } }, message);
  }
}
