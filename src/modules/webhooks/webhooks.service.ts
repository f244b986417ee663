import { AppError, badRequest, conflict, notFound, unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Permission } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import { codec } from '../../platform/db/codec.js';
import type { Page } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { WebhookEventType } from '../../platform/modules/iris-module.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WebhookDeliveries, WebhookPolicy } from './webhook-delivery.js';
import { generateSecret, type SecretBox } from './webhook-secrets.js';
import { TargetRefused, vetTarget, type Resolver } from './webhook-targets.js';
import type { Delivery, DeliveryStatus, Webhook, WebhooksRepository } from './webhooks.repository.js';
import type { CreateWebhookInput, DeliveryView, UpdateWebhookInput } from './webhooks.schemas.js';

/** Keeps a runaway script from filling the table; far above any real need. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 50;
export const TEST_EVENT = 'webhook.test';

export interface WebhooksDeps {
  repo: WebhooksRepository;
  access: AccessService;
  audit: AuditWriter;
  deliveries: WebhookDeliveries;
  box: SecretBox;
  policy: WebhookPolicy;
  /** Every module's webhookEvents, read when needed (the module list is complete only after wiring). */
  eventTypes: () => readonly WebhookEventType[];
  /** IRIS_WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  resolve?: Resolver;
}

export type WebhookView = Omit<Webhook, 'failing_since'>;
export type WebhookWithSecret = WebhookView & { secret: string };

const view = ({ failing_since: _f, ...w }: Webhook): WebhookView => w;

/**
 * The audit trail's copy: a URL's password and query values are often a receiver's
 * token, so they are masked there (the path stays, to tell endpoints apart).
 */
const auditView = (w: Webhook) => {
  const url = new URL(w.url);
  if (url.password) url.password = 'redacted';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, 'redacted');
  return { ...view(w), url: url.href };
};

export function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.id,
    webhook_id: d.webhook_id,
    message_id: d.message_id,
    event_type: d.event_type,
    payload: JSON.parse(d.payload) as DeliveryView['payload'],
    attempts: d.attempts,
    status: d.status,
    last_response_status: d.last_response_status,
    last_response_body: d.last_response_body,
    last_error: d.last_error,
    next_attempt_at: d.next_attempt_at,
    last_attempt_at: d.last_attempt_at,
    created_at: d.created_at,
    delivered_at: d.delivered_at,
  };
}

/**
 * Workspace webhooks: subscriptions (read: `webhook:read`; everything else:
 * `webhook:manage`), their signing secrets (shown once, at creation and rotation), the
 * delivery log, test sends and redeliveries. Another workspace's webhook does not exist
 * for the caller (404). Every change is audited, secrets redacted.
 */
export class WebhooksService {
  constructor(private readonly d: WebhooksDeps) {}

  /** The event types subscriptions may name (and `*`). */
  eventTypes(principal: Principal): WebhookEventType[] {
    if (principal.kind === 'anonymous') throw unauthorized();
    return [...this.d.eventTypes()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(principal: Principal, input: CreateWebhookInput): Promise<WebhookWithSecret> {
    const access = await this.d.access.require(principal, 'webhook:manage', {
      workspaceId: input.workspace_id,
      action: 'webhook.create',
      target: { type: 'webhook' },
    });
    const events = this.checkEvents(input.events);
    const url = await this.checkUrl(input.url);
    if ((await this.d.repo.count(access.workspaceId)) >= MAX_WEBHOOKS_PER_WORKSPACE) {
      throw conflict(`This workspace already has ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks; delete some first.`);
    }
    const id = newId('whk');
    const secret = generateSecret();
    const webhook = await this.d.repo.insert({
      id,
      workspace_id: access.workspaceId,
      url,
      events,
      description: input.description?.trim() ?? '',
      enabled: input.enabled ?? true,
      disabled_reason: null,
      secret_encrypted: this.d.box.seal(secret, id),
      previous_secret_encrypted: null,
      previous_secret_expires_at: null,
      created_by: principal.userId ?? null,
      created_at: codec.now(),
    });
    await this.d.audit.record(principal, {
      workspaceId: webhook.workspace_id,
      action: 'webhook.create',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      after: auditView(webhook),
    });
    return { ...view(webhook), secret };
  }

  async list(principal: Principal, workspaceId: string | undefined, page: Page) {
    const access = await this.d.access.require(principal, 'webhook:read', {
      workspaceId,
      action: 'webhook.list',
    });
    const { items, total } = await this.d.repo.list(access.workspaceId, page);
    return { items: items.map(view), total };
  }

  async get(principal: Principal, id: string): Promise<WebhookView> {
    return view(await this.load(principal, id, 'webhook:read', 'webhook.read'));
  }

  async update(principal: Principal, id: string, input: UpdateWebhookInput): Promise<WebhookView> {
    const before = await this.load(principal, id, 'webhook:manage', 'webhook.update');
    const changes: Parameters<WebhooksRepository['update']>[1] = {};
    if (input.events !== undefined) changes.events = this.checkEvents(input.events);
    if (input.url !== undefined) changes.url = await this.checkUrl(input.url);
    if (input.description !== undefined) changes.description = input.description.trim();
    if (input.enabled === true && !before.enabled) {
      // A fresh start: the failures that turned it off are history.
      Object.assign(changes, { enabled: true, disabled_reason: null, failure_count: 0, failing_since: null });
    } else if (input.enabled === false && before.enabled) {
      Object.assign(changes, { enabled: false, disabled_reason: 'Disabled manually.' });
    }
    const after = Object.keys(changes).length ? ((await this.d.repo.update(id, changes)) ?? before) : before;
    await this.d.audit.record(principal, {
      workspaceId: before.workspace_id,
      action: 'webhook.update',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      before: auditView(before),
      after: auditView(after),
    });
    return view(after);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const webhook = await this.load(principal, id, 'webhook:manage', 'webhook.delete');
    if (!(await this.d.repo.delete(id))) throw notFound('Webhook');
    await this.d.audit.record(principal, {
      workspaceId: webhook.workspace_id,
      action: 'webhook.delete',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      before: auditView(webhook),
    });
  }

  /**
   * A new signing secret, returned once. The current one keeps signing beside it for
   * the overlap (`previous_secret_expires_at`), so receivers can switch without losing
   * a delivery; a rotation during an overlap drops the oldest secret.
   */
  async rotateSecret(principal: Principal, id: string): Promise<WebhookWithSecret> {
    const before = await this.load(principal, id, 'webhook:manage', 'webhook.rotate_secret');
    const sealed = await this.d.repo.secrets(id);
    if (!sealed) throw notFound('Webhook');
    const secret = generateSecret();
    const overlapMs = this.d.policy.rotationOverlapMs;
    const after =
      (await this.d.repo.setSecrets(id, {
        secret_encrypted: this.d.box.seal(secret, id),
        previous_secret_encrypted: overlapMs > 0 ? sealed.secret_encrypted : null,
        previous_secret_expires_at: overlapMs > 0 ? new Date(Date.now() + overlapMs).toISOString() : null,
      })) ?? before;
    await this.d.audit.record(principal, {
      workspaceId: before.workspace_id,
      action: 'webhook.rotate_secret',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      before: { previous_secret_expires_at: before.previous_secret_expires_at },
      after: { previous_secret_expires_at: after.previous_secret_expires_at },
    });
    return { ...view(after), secret };
  }

  /** Sends a `webhook.test` event to this webhook, whatever events it subscribes to. */
  async test(principal: Principal, id: string): Promise<DeliveryView> {
    const webhook = await this.load(principal, id, 'webhook:manage', 'webhook.test');
    this.requireEnabled(webhook);
    const delivery = await this.d.deliveries.send(webhook, TEST_EVENT, {
      webhook_id: webhook.id,
      workspace_id: webhook.workspace_id,
      message: 'A test event from Iris: this webhook is set up.',
    });
    await this.d.audit.record(principal, {
      workspaceId: webhook.workspace_id,
      action: 'webhook.test',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      after: { delivery_id: delivery.id },
    });
    return deliveryView(delivery);
  }

  async deliveries(principal: Principal, id: string, status: DeliveryStatus | undefined, page: Page) {
    const webhook = await this.load(principal, id, 'webhook:read', 'webhook.deliveries');
    const { items, total } = await this.d.repo.listDeliveries(webhook.id, status, page);
    return { items: items.map(deliveryView), total };
  }

  async delivery(principal: Principal, id: string, deliveryId: string): Promise<DeliveryView> {
    const webhook = await this.load(principal, id, 'webhook:read', 'webhook.deliveries');
    return deliveryView(await this.deliveryOf(webhook, deliveryId));
  }

  /** The same message (body and `webhook-id`) again, as a new delivery. */
  async redeliver(principal: Principal, id: string, deliveryId: string): Promise<DeliveryView> {
    const webhook = await this.load(principal, id, 'webhook:manage', 'webhook.redeliver');
    const original = await this.deliveryOf(webhook, deliveryId);
    this.requireEnabled(webhook);
    const delivery = await this.d.deliveries.redeliver(original);
    await this.d.audit.record(principal, {
      workspaceId: webhook.workspace_id,
      action: 'webhook.redeliver',
      permission: 'webhook:manage',
      target: { type: 'webhook', id },
      after: { delivery_id: delivery.id, redelivery_of: original.id, message_id: original.message_id },
    });
    return deliveryView(delivery);
  }

  private async deliveryOf(webhook: Webhook, deliveryId: string): Promise<Delivery> {
    const delivery = await this.d.repo.findDelivery(deliveryId);
    if (!delivery || delivery.webhook_id !== webhook.id) throw notFound('Delivery');
    return delivery;
  }

  private requireEnabled(webhook: Webhook): void {
    if (!webhook.enabled) {
      throw conflict(
        `The webhook is disabled${webhook.disabled_reason ? ` (${webhook.disabled_reason})` : ''}; ` +
          'enable it with PATCH {"enabled": true} first.',
      );
    }
  }

  private checkEvents(events: readonly string[]): string[] {
    const known = new Set(this.d.eventTypes().map((e) => e.name));
    const unknown = events.filter((e) => e !== '*' && !known.has(e));
    if (unknown.length) {
      throw badRequest(
        `events: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((e) => `"${e}"`).join(', ')}; ` +
          'see GET /api/v1/webhooks/event-types (or use "*" for every event).',
        { field: 'events', unknown },
      );
    }
    return [...new Set(events)];
  }

  /** A well-formed http(s) URL whose host resolves to allowed addresses only. */
  private async checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw badRequest('url: not a valid URL.', { field: 'url' });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw badRequest(`url: must be an https or http URL (got ${url.protocol.replace(/:$/, '')}).`, {
        field: 'url',
      });
    }
    if (!url.hostname) throw badRequest('url: has no host.', { field: 'url' });
    url.hash = '';
    try {
      await vetTarget(url, {
        allowPrivate: this.d.allowPrivate,
        ...(this.d.resolve ? { resolve: this.d.resolve } : {}),
      });
    } catch (err) {
      if (err instanceof TargetRefused) throw badRequest(`url: ${err.message}`, { field: 'url' });
      throw err;
    }
    return url.href;
  }

  private async load(principal: Principal, id: string, permission: Permission, action: string) {
    const webhook = await this.d.repo.find(id);
    if (!webhook) throw notFound('Webhook');
    try {
      await this.d.access.require(principal, permission, {
        workspaceId: webhook.workspace_id,
        action,
        target: { type: 'webhook', id },
      });
    } catch (err) {
      // Another workspace's webhook does not exist for the caller.
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw notFound('Webhook');
      throw err;
    }
    return webhook;
  }
}
