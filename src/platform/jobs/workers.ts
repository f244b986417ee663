import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { WorkerState } from '../../modules/ops/health.service.js';
import type { StatusContributor } from '../../modules/ops/status.service.js';
import type { JobDefinition, JobQueue } from '../queue/index.js';
import { scheduleMaintenance } from './maintenance.js';

/** This process's tally per job name: what /health shows about the workers. */
interface Tally {
  running: number;
  completed: number;
  failed: number;
}

/**
 * Registers job definitions on the queue, counting what this process runs of each.
 * The wrapper only observes: the handler, its errors and its signal are untouched.
 */
export class JobRegistrar {
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly queue: JobQueue) {}

  register(defs: readonly JobDefinition<unknown>[]): void {
    for (const def of defs) {
      const tally: Tally = { running: 0, completed: 0, failed: 0 };
      this.tallies.set(def.name, tally);
      this.queue.register({
        ...def,
        async handler(payload, ctx) {
          tally.running += 1;
          try {
            await def.handler(payload, ctx);
            tally.completed += 1;
          } catch (err) {
            tally.failed += 1;
            throw err;
          } finally {
            tally.running -= 1;
          }
        },
      });
    }
  }

  names(): string[] {
    return [...this.tallies.keys()];
  }

  totals(): Tally {
    const total: Tally = { running: 0, completed: 0, failed: 0 };
    for (const t of this.tallies.values()) {
      total.running += t.running;
      total.completed += t.completed;
      total.failed += t.failed;
    }
    return total;
  }
}

export type WorkersStatus = 'stopped' | 'running' | 'stopping';

/**
 * The workers of one `serve` or `worker` process: starts the queue's workers for every
 * registered job, schedules maintenance, and stops gracefully: no new jobs, running
 * ones get the queue's stop timeout, then their leases are handed back.
 */
export class Workers {
  private status: WorkersStatus = 'stopped';
  private readonly id = `${hostname()}:${process.pid}`;

  constructor(
    private readonly queue: JobQueue,
    private readonly registrar: JobRegistrar,
    private readonly logger: Logger,
    private readonly maintenanceIntervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.queue.start();
    this.status = 'running';
    const scheduled = await scheduleMaintenance(this.queue, this.maintenanceIntervalMs);
    this.logger.info(
      { adapter: this.queue.kind, jobs: this.registrar.names(), maintenance: scheduled },
      'workers started',
    );
  }

  async stop(): Promise<void> {
    if (this.status !== 'running') return;
    this.status = 'stopping';
    const { running } = this.registrar.totals();
    this.logger.info({ running }, 'workers stopping: no new jobs; waiting for running ones');
    await this.queue.stop();
    this.status = 'stopped';
    this.logger.info(this.registrar.totals(), 'workers stopped');
  }

  /** For HealthService.addWorkerSource: one entry for this process's job workers. */
  healthSource = async (): Promise<WorkerState[]> => {
    const totals = this.registrar.totals();
    return [
      {
        name: `jobs@${this.id}`,
        status: this.status === 'running' ? (totals.running > 0 ? 'busy' : 'idle') : this.status,
        adapter: this.queue.kind,
        ...totals,
      },
    ];
  };
}

/** For StatusService.contribute: the queue's adapter and its per-state counts (all job names). */
export function queueStatus(queue: JobQueue): StatusContributor {
  return async () => ({ queue: { adapter: queue.kind, counts: await queue.counts() } });
}
