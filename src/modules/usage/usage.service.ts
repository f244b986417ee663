import type { Logger } from 'pino';
import type { UsageMetric, UsageRepository } from './usage.repository.js';

export const currentPeriod = (at = new Date()) => at.toISOString().slice(0, 7);

/** Stored amounts are running totals, not monthly sums: they live under one period. */
const GAUGES: ReadonlySet<UsageMetric> = new Set(['storage_bytes', 'recordings']);
const TOTAL_PERIOD = 'total';
const periodFor = (metric: UsageMetric) => (GAUGES.has(metric) ? TOTAL_PERIOD : currentPeriod());

/**
 * Usage counters other modules feed. Request counts arrive on every call, so they
 * are summed in memory and flushed every few seconds (each process adds its own
 * share; the database sums them). Everything else is written straight away.
 */
export class UsageService {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: UsageRepository,
    private readonly logger: Logger,
    private readonly flushMs = 5_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  countRequest(workspaceId: string): void {
    const key = `${workspaceId}|${currentPeriod()}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  async add(workspaceId: string, metric: UsageMetric, delta: number): Promise<void> {
    if (delta !== 0) await this.repo.add(workspaceId, periodFor(metric), metric, delta);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, n] of batch) {
      const [workspaceId, period] = key.split('|') as [string, string];
      try {
        await this.repo.add(workspaceId, period, 'requests', n);
      } catch (err) {
        // The workspace may have been deleted meanwhile; nothing to keep then.
        this.logger.debug({ err, workspaceId }, 'request counter flush skipped');
      }
    }
  }

  async read(workspaceId: string, period = currentPeriod()): Promise<Record<UsageMetric, number>> {
    await this.flush();
    const [monthly, totals] = await Promise.all([
      this.repo.read(workspaceId, period),
      this.repo.read(workspaceId, TOTAL_PERIOD),
    ]);
    for (const metric of GAUGES) monthly[metric] = totals[metric];
    return monthly;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
