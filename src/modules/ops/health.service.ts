import type { Logger } from 'pino';
import type { Database } from '../../platform/db/database.js';
import { pingDatabase } from './probes.js';

export interface WorkerState {
  name: string;
  status: string;
  [detail: string]: unknown;
}

/** Later modules (queue, camera workers) report their workers through this. */
export type WorkerSource = () => Promise<WorkerState[]>;

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  gpu: { used_mb: number | null; total_mb: number | null };
  workers: WorkerState[];
  checks: { database: 'ok' | 'failed' };
}

/** The unauthenticated probe of spec 001: says whether this instance can serve. */
export class HealthService {
  private readonly workerSources: WorkerSource[] = [];

  constructor(
    private readonly database: Database,
    private readonly version: string,
    private readonly logger: Logger,
  ) {}

  addWorkerSource(source: WorkerSource): void {
    this.workerSources.push(source);
  }

  async health(): Promise<HealthReport> {
    const db = await pingDatabase(this.database);
    if (!db.ok) this.logger.error({ err: db.error }, 'health check: database is not answering');
    const workers: WorkerState[] = [];
    for (const source of this.workerSources) {
      try {
        workers.push(...(await source()));
      } catch (err) {
        this.logger.warn({ err }, 'health check: a worker source failed');
      }
    }
    return {
      status: db.ok ? 'ok' : 'degraded',
      version: this.version,
      // No GPU engine is wired in yet; null means "not measured", never "zero".
      gpu: { used_mb: null, total_mb: null },
      workers,
      checks: { database: db.ok ? 'ok' : 'failed' },
    };
  }
}
