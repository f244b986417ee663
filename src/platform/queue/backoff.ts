import type { BackoffPolicy } from './port.js';

/**
 * Delay before retrying after `attempt` (1-based) failed: exponential, capped, with
 * "equal jitter" (half fixed, half random) so retries of many jobs that failed together
 * spread out, while the wait never drops below half the exponential step.
 * Both adapters use this (BullMQ through a custom backoff strategy).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}
