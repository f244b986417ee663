import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccessService } from '../../platform/auth/access.js';
import type { DB } from '../../platform/db/schema.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import { routes, type IrisModule, type WebhookEventType } from '../../platform/modules/iris-module.js';
import type { JobDefinition, JobQueue } from '../../platform/queue/index.js';
import type { AuditWriter } from '../audit/audit.service.js';
import { DEFAULT_POLICY, WebhookDeliveries, type WebhookPolicy } from './webhook-delivery.js';
import { SecretBox } from './webhook-secrets.js';
import { WebhookSender } from './webhook-sender.js';
import type { Resolver } from './webhook-targets.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { webhooksRoutes } from './webhooks.routes.js';
import { TEST_EVENT, WebhooksService } from './webhooks.service.js';

export interface WebhooksModuleDeps {
  db: Kysely<DB>;
  access: AccessService;
  audit: AuditWriter;
  queue: JobQueue;
  logger: Logger;
  /** The instance secret (IRIS_SECRET): signing secrets are encrypted under a key derived from it. */
  secret: string;
  /** IRIS_WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** Every module's webhookEvents; read lazily, since the module list is built after this module. */
  eventTypes: () => readonly WebhookEventType[];
  /** Retry schedule, auto-disable, rotation overlap (DEFAULT_POLICY otherwise). */
  policy?: Partial<WebhookPolicy>;
  /** Per-attempt time limit. Default 10 s. */
  timeoutMs?: number;
  /** DNS for the target checks (tests); default node:dns lookup. */
  resolve?: Resolver;
}

export interface WebhooksModule extends IrisModule {
  service: WebhooksService;
  deliveries: WebhookDeliveries;
  /** The event bus the other modules publish to (container.events). */
  events: EventPublisher;
  /** Changes the retry schedule, auto-disable thresholds or rotation overlap at run time (tests). */
  setPolicy(policy: Partial<WebhookPolicy>): void;
  readonly policy: Readonly<WebhookPolicy>;
}

/** Workspace webhooks (Standard Webhooks): subscriptions, signed deliveries from the queue, the event bus. */
export function createWebhooksModule(deps: WebhooksModuleDeps): WebhooksModule {
  const repo = new WebhooksRepository(deps.db);
  const box = new SecretBox(deps.secret);
  const logger = deps.logger.child({ module: 'webhooks' });
  const policy: WebhookPolicy = { ...DEFAULT_POLICY, ...deps.policy };
  const sender = new WebhookSender({
    allowPrivate: deps.allowPrivate,
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  const deliveries = new WebhookDeliveries({
    repo,
    queue: deps.queue,
    sender,
    box,
    audit: deps.audit,
    logger,
    policy,
  });
  const service = new WebhooksService({
    repo,
    access: deps.access,
    audit: deps.audit,
    deliveries,
    box,
    policy,
    eventTypes: deps.eventTypes,
    allowPrivate: deps.allowPrivate,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  return {
    name: 'webhooks',
    routes: [routes(webhooksRoutes, { webhooks: service })],
    jobs: [deliveries.job as JobDefinition<unknown>],
    sweeps: deliveries.sweeps(),
    permissions: ['webhook:read', 'webhook:manage'],
    webhookEvents: [
      {
        name: TEST_EVENT,
        description: 'Sent only by POST /webhooks/:id/test, to that webhook, whatever it subscribes to.',
      },
    ],
    service,
    deliveries,
    events: deliveries,
    policy,
    setPolicy(changes) {
      Object.assign(policy, changes);
    },
  };
}
