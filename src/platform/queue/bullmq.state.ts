import type { Job, JobType } from 'bullmq';
import { PRIORITY_MAX } from './registry.js';
import { emptyCounts, type JobCounts, type JobInfo, type JobProgress, type JobState } from './port.js';

/**
 * Our priority (higher first, ±1000) as BullMQ's (lower first, 1…2001). Every job gets
 * an explicit BullMQ priority because BullMQ runs unprioritised (0) jobs before all
 * prioritised ones, which would break ordering between our priorities.
 */
export function toBullPriority(priority: number): number {
  return PRIORITY_MAX + 1 - priority;
}

export function fromBullPriority(priority: number): number {
  return priority > 0 ? PRIORITY_MAX + 1 - priority : 0;
}

/** BullMQ's states in our names; prioritized/waiting-children are all "waiting" to callers. */
export function toState(bull: string): JobState {
  switch (bull) {
    case 'active':
    case 'completed':
    case 'failed':
    case 'delayed':
      return bull;
    default:
      return 'waiting';
  }
}

export const BULL_COUNT_TYPES = [
  'active',
  'completed',
  'delayed',
  'failed',
  'prioritized',
  'waiting',
  'waiting-children',
] as const satisfies readonly JobType[];

export function toCounts(raw: Record<string, number>): JobCounts {
  const counts = emptyCounts();
  for (const [bullState, n] of Object.entries(raw)) counts[toState(bullState)] += n;
  return counts;
}

export function toInfo(job: Job<unknown>, state: JobState, progress: JobProgress | null): JobInfo {
  const created = job.timestamp;
  const touched = Math.max(created, job.processedOn ?? 0, job.finishedOn ?? 0);
  const finished = state === 'completed' || state === 'failed' ? (job.finishedOn ?? touched) : null;
  return {
    id: job.id ?? '',
    name: job.queueName,
    state,
    payload: job.data,
    priority: fromBullPriority(job.priority),
    attempts: job.attemptsStarted,
    maxAttempts: job.opts.attempts ?? 1,
    lastError: job.failedReason ? job.failedReason : null,
    progress,
    createdAt: new Date(created).toISOString(),
    updatedAt: new Date(touched).toISOString(),
    runAt: new Date(created + (job.delay ?? 0)).toISOString(),
    finishedAt: finished === null ? null : new Date(finished).toISOString(),
  };
}
