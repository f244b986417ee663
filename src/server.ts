import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { ensureSecret, loadConfig, type Config } from './config.js';
import { createContainer, createLogger, type Container } from './container.js';
import type { JobFactory } from './platform/jobs/catalogue.js';
import { queueStatus, Workers } from './platform/jobs/workers.js';

export type Role = Config['role'];

export interface ServerOptions {
  /**
   * Jobs to register next to the catalogue's. The multi-process test uses it to give
   * production worker processes a job of its own; embedding programs could too.
   */
  extraJobs?: JobFactory[];
  /** Applied over the environment's configuration (tests: port 0, a temp data dir). */
  config?: Partial<Config>;
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

export interface RunningServer {
  role: Role;
  container: Container;
  /** The HTTP app, for `serve` and `api`; a `worker` process listens on nothing. */
  app: FastifyInstance | undefined;
  /** Where the app listens (the real port when the configured one was 0). */
  address: string | undefined;
  /** Job workers, for `serve` and `worker`; an `api` process only enqueues. */
  workers: Workers | undefined;
  /** Graceful stop: HTTP stops accepting and drains, workers stop taking jobs and finish or hand back theirs. */
  stop(): Promise<void>;
}

/**
 * Starts Iris in one role:
 * - `serve`: the HTTP API and the job workers in one process (the embedded default);
 * - `api`: only the HTTP API; jobs it enqueues are run by worker processes;
 * - `worker`: only the job workers, no listener at all.
 */
export async function startServer(role: Role, options: ServerOptions = {}): Promise<RunningServer> {
  const config = ensureSecret(loadConfig(options.env ?? process.env, { ...options.config, role }));
  const logger = options.logger ?? createLogger(config);
  const container = await createContainer(config, logger, {
    ...(options.extraJobs ? { extraJobs: options.extraJobs } : {}),
  });
  container.usage.start();

  const runsJobs = role !== 'api';
  const workers = runsJobs
    ? new Workers(container.queue, container.jobs, logger, container.maintenanceIntervalMs)
    : undefined;
  if (workers) container.health.addWorkerSource(workers.healthSource);
  container.status.contribute(queueStatus(container.queue));

  let app: FastifyInstance | undefined;
  let address: string | undefined;
  try {
    if (workers) {
      await workers.start();
      for (const m of container.modules) {
        await m.startWorkers?.();
        if (m.workerHealth) container.health.addWorkerSource(m.workerHealth.bind(m));
      }
    }
    if (role !== 'worker') {
      app = await buildApp(container);
      address = await app.listen({ host: config.host, port: config.port });
    }
  } catch (err) {
    await workers?.stop().catch(() => {});
    for (const m of container.modules) await m.stopWorkers?.().catch(() => {});
    await app?.close().catch(() => {});
    await container.close().catch(() => {});
    throw err;
  }
  logger.info(
    {
      role,
      ...(address ? { url: config.publicUrl, listening: address } : {}),
      database: container.database.dialect,
      queue: container.queue.kind,
      pid: process.pid,
    },
    role === 'worker' ? 'Iris worker is running' : 'Iris is listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // close() ends idle keep-alive connections once, when it starts; a connection whose
      // response (say, a video stream) ends later would hold it until the keep-alive
      // timeout. Keep sweeping while requests drain.
      const sweep = app ? setInterval(() => app?.server.closeIdleConnections(), 250) : undefined;
      try {
        // In parallel: the listener drains its requests while workers finish their jobs.
        await Promise.all([
          app?.close(),
          (async () => {
            await workers?.stop();
            if (workers) for (const m of [...container.modules].reverse()) await m.stopWorkers?.();
          })(),
        ]);
      } finally {
        clearInterval(sweep);
      }
      await container.close();
    })());
  return { role, container, app, address, workers, stop };
}

/** The CLI's entry: starts a role and shuts it down gracefully on SIGINT/SIGTERM. */
export async function runServer(role: Role, options: ServerOptions = {}): Promise<void> {
  const server = await startServer(role, options);
  const { logger } = server.container;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    // The queue waits for running jobs up to its stop timeout, then hands them back;
    // this is only the last resort if something hangs after that.
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, 60_000);
    force.unref();
    server.stop().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
