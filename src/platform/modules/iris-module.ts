import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Permission } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { MaintenanceSweep } from '../jobs/maintenance.js';
import type { JobDefinition } from '../queue/index.js';

/**
 * What one feature module (recordings, search, sharing, and the modules to come:
 * vision, fleet, agents, interviews) adds to Iris. container.ts builds the modules and
 * hands each contribution to the part that uses it: app.ts registers the routes, the
 * job registrar the jobs, the maintenance prune the sweeps, the MCP server the tools.
 * A new module is one more entry in the list, not edits across those files.
 */
export interface IrisModule {
  readonly name: string;
  /** HTTP routes, in registration order. */
  readonly routes?: readonly ModuleRoutes[];
  /** Job definitions (pipeline stages, module jobs), registered on the queue in every process. */
  readonly jobs?: readonly JobDefinition<unknown>[];
  /** Housekeeping the periodic `maintenance.prune` job runs. */
  readonly sweeps?: readonly MaintenanceSweep[];
  /** Adds the module's metrics to the instance's Prometheus registry (once, at start). */
  metrics?(registry: Registry): void;
  /** Adds tools and resources acting as `principal` to one caller's MCP server. */
  mcp?(server: McpServer, principal: Principal): void;
  /** Webhook event types the module emits (name and what it means), for subscriptions. */
  readonly webhookEvents?: readonly WebhookEventType[];
  /** The permissions (permissions.ts) the module's services check, for the catalogue. */
  readonly permissions?: readonly Permission[];
  /** Starts what the module runs beside requests; called once, before the app listens. */
  init?(): Promise<void>;
  /** Stops it; called in reverse module order when the container closes. */
  close?(): Promise<void>;
  /**
   * Starts the module's own long-running workers (camera readers, …) in a process that
   * runs workers (`serve`, `worker`; never `api`), beside the job queue's; stopped with
   * `stopWorkers` before the container closes.
   */
  startWorkers?(): Promise<void>;
  stopWorkers?(): Promise<void>;
  /** This process's workers of the module for /health's `workers[]`. */
  workerHealth?(): Promise<Array<{ name: string; status: string; [detail: string]: unknown }>>;
}

export interface WebhookEventType {
  /** `recording.ready`, `agent.message.completed`, … */
  name: string;
  description: string;
}

/**
 * A Fastify plugin with its options and where it is mounted: `api` (under /api/v1, the
 * default) or `root` (spec aliases under other prefixes, public pages). Build with
 * `routes()`, which checks the options against the plugin's type.
 */
export interface ModuleRoutes {
  readonly mount: 'api' | 'root';
  register(app: FastifyInstance): PromiseLike<unknown>;
}

export function routes<Options extends object>(
  // Plugins differ in their instance's type provider (TypeBox or none); only the options
  // are checked, the instance type is Fastify's business at registration.
  plugin: (app: never, options: Options) => Promise<void>,
  options: Options & { prefix?: string },
  mount: 'api' | 'root' = 'api',
): ModuleRoutes {
  return {
    mount,
    register: (app) => app.register(plugin as unknown as FastifyPluginAsync<Options>, options),
  };
}
