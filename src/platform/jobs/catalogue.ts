import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Database } from '../db/database.js';
import type { JobDefinition, JobQueue } from '../queue/index.js';
import type { BlobStore } from '../storage/index.js';
import { maintenanceJobs, type MaintenanceOptions, type MaintenanceSweep } from './maintenance.js';

/**
 * Everything a job handler may use. Handlers get their services from here, never from
 * module-level state, so the same definitions run in `serve` and `worker` processes and
 * in tests.
 */
export interface JobDeps {
  config: Config;
  logger: Logger;
  database: Database;
  queue: JobQueue;
  blobs: BlobStore;
}

/** A group of job definitions built over the process's services. */
export type JobFactory = (deps: JobDeps) => JobDefinition<unknown>[];

export interface CatalogueOptions {
  maintenance?: MaintenanceOptions;
}

/**
 * The one list of every job Iris knows. Every process registers all of them at start:
 * `api` processes to validate what they enqueue, `serve` and `worker` processes to run
 * them. The recordings pipeline adds its stages here.
 */
export function jobCatalogue(deps: JobDeps, options: CatalogueOptions = {}): JobCatalogue {
  const maintenance = maintenanceJobs({
    ...deps,
    ...(options.maintenance ? { options: options.maintenance } : {}),
  });
  return {
    definitions: [maintenance.prune],
    maintenanceIntervalMs: maintenance.intervalMs,
    sweeps: maintenance.sweeps,
    addSweep: maintenance.addSweep,
  };
}

export interface JobCatalogue {
  definitions: JobDefinition<unknown>[];
  maintenanceIntervalMs: number;
  /** Housekeeping modules added to the periodic prune. */
  sweeps: readonly MaintenanceSweep[];
  addSweep(sweep: MaintenanceSweep): void;
}
