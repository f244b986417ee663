import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's default set includes three gauges named `*_total`, which Prometheus
 * naming rules reserve for counters (`promtool check metrics` rejects them). The
 * per-type gauges (`nodejs_active_handles{type}` …) remain, so the totals are a sum().
 */
const NON_CONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Label for requests that matched no route, so scanners cannot explode cardinality. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Prometheus metrics for one Iris instance. Each container owns its registry (never
 * prom-client's global one) so several apps in one process — as in tests — do not
 * collide; other modules register their own metrics on `registry`.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of NON_CONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    this.httpRequests = new Counter({
      name: 'iris_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'iris_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    new Gauge({
      name: 'iris_build_info',
      help: 'Always 1; the labels say which Iris build is running.',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version }, 1);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Counts every response on the root instance. The route label is the registered
 * pattern (`/api/v1/workspaces/:id`), never the raw URL, to keep cardinality bounded.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}
