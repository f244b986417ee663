import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { RateLimiter, type RateLimiterDeps } from './limiter.js';
import { RedisRateLimitStore } from './redis-store.js';
import { MemoryRateLimitStore, type RateLimitStore } from './store.js';

export { RateLimiter, clientKey, type RateLimitDecision, type RateLimitSubject } from './limiter.js';
export { MemoryRateLimitStore, type RateLimitResult, type RateLimitStore } from './store.js';
export { RedisRateLimitStore } from './redis-store.js';

/**
 * The rate limiter for one process: counters in memory by default, in Redis (shared
 * by every process) when `IRIS_REDIS_URL` is set.
 */
export async function createRateLimiter(
  config: Pick<Config, 'redisUrl'>,
  logger: Logger,
  deps: Omit<RateLimiterDeps, 'store' | 'logger'>,
): Promise<RateLimiter> {
  let store: RateLimitStore;
  if (config.redisUrl) {
    const redis = new RedisRateLimitStore(config.redisUrl, logger);
    await redis.connect();
    store = redis;
  } else {
    store = new MemoryRateLimitStore();
  }
  return new RateLimiter({ ...deps, store, logger });
}
