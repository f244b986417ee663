import { AppError } from '../../errors.js';
import type { ThrottleRepository } from './throttle.repository.js';

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
/** Failures per key within the window before it locks. */
const LIMITS = { email: 5, ip: 20, signup: 10 } as const;
const BASE_LOCK_MS = 60 * 1000;
const MAX_LOCK_MS = 60 * 60 * 1000;

export type ThrottleKind = keyof typeof LIMITS;
export interface ThrottleKey {
  kind: ThrottleKind;
  value: string;
}

const keyName = (k: ThrottleKey) => `${k.kind}:${k.value.toLowerCase()}`;

/**
 * Brute-force protection for password checks. Each key (an email, an IP) locks after
 * too many failures in the window, for a time that doubles with every further
 * failure. An IP gets a higher limit than an email because offices share one.
 */
export class LoginThrottle {
  constructor(private readonly repo: ThrottleRepository) {}

  /** Throws 429 with the wait when any of the keys is locked. */
  async assertOpen(keys: ThrottleKey[], now = new Date()): Promise<void> {
    const until = await this.repo.lockedUntil(keys.map(keyName), now.toISOString());
    if (until) throw tooManyAttempts(until, now);
  }

  async fail(keys: ThrottleKey[], now = new Date()): Promise<void> {
    const stale = new Date(now.getTime() - THROTTLE_WINDOW_MS).toISOString();
    for (const key of keys) {
      const name = keyName(key);
      const failures = await this.repo.addFailure(name, now.toISOString(), stale);
      const over = failures - LIMITS[key.kind];
      if (over >= 0) {
        const ms = Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** Math.min(over, 20));
        await this.repo.lock(name, new Date(now.getTime() + ms).toISOString());
      }
    }
  }

  async clear(keys: ThrottleKey[]): Promise<void> {
    await this.repo.clear(keys.map(keyName));
  }
}

/** 429 whose details carry the wait; the routes turn it into a Retry-After header. */
export function tooManyAttempts(until: string, now = new Date(), what = 'failed attempts'): AppError {
  const seconds = Math.max(1, Math.ceil((Date.parse(until) - now.getTime()) / 1000));
  return new AppError(
    'RATE_LIMIT_EXCEEDED',
    `Too many ${what}. Try again in ${describeWait(seconds)} (after ${until}).`,
    { retry_after_seconds: seconds, retry_at: until },
  );
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
