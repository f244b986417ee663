import type { Logger } from 'pino';
import { Type } from 'typebox';
import { systemPrincipal } from '../../platform/auth/principal.js';
import { codec } from '../../platform/db/codec.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import { Id } from '../../platform/http/schemas.js';
import { newId } from '../../platform/ids.js';
import type { MaintenanceSweep } from '../../platform/jobs/maintenance.js';
import { defineJob, type JobContext, type JobDefinition, type JobQueue } from '../../platform/queue/index.js';
import { abortKind } from '../../platform/queue/errors.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { SecretBox } from './webhook-secrets.js';
import type { WebhookSender } from './webhook-sender.js';
import type { Delivery, NewDelivery, Webhook, WebhooksRepository } from './webhooks.repository.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * How deliveries retry and when a failing webhook is turned off. Mutable at run time
 * (`WebhooksModule.setPolicy`) so tests can run the schedule in milliseconds.
 */
export interface WebhookPolicy {
  /** Waits before attempts 2, 3, …: the delivery gets `length + 1` attempts. */
  retryDelaysMs: number[];
  /** Extra random wait on top of each delay, as a fraction of it (spreads retries of one outage). */
  retryJitter: number;
  /** Turn a webhook off after this many consecutive deliveries failed for good… */
  disableAfterFailures: number;
  /** …or once its deliveries have been failing, without a success, for this long. */
  disableAfterMs: number;
  /** How long the previous secret keeps signing after a rotation. */
  rotationOverlapMs: number;
  /** Finished deliveries stay in the log this long. */
  keepDeliveriesMs: number;
  /** A pending delivery this far past its attempt time lost its job; the sweep queues it again. */
  overdueMs: number;
}

export const DEFAULT_POLICY: WebhookPolicy = {
  // 5 attempts: now, then 10 s, 1 min, 5 min and 30 min after the previous one.
  retryDelaysMs: [10_000, MINUTE, 5 * MINUTE, 30 * MINUTE],
  retryJitter: 0.1,
  disableAfterFailures: 15,
  disableAfterMs: 5 * DAY,
  rotationOverlapMs: DAY,
  keepDeliveriesMs: 30 * DAY,
  overdueMs: 15 * MINUTE,
};

export const DELIVER_JOB = 'webhook.deliver';
const DeliverPayload = Type.Object({ delivery_id: Id('whd') }, { additionalProperties: false });

export interface DeliveriesDeps {
  repo: WebhooksRepository;
  queue: JobQueue;
  sender: WebhookSender;
  box: SecretBox;
  audit: AuditWriter;
  logger: Logger;
  policy: WebhookPolicy;
}

/** The body every delivery carries (Standard Webhooks' recommended shape). */
export interface WebhookMessage {
  type: string;
  timestamp: string;
  data: object;
}

/**
 * Fans events out to subscriptions (the platform's EventPublisher) and delivers them
 * from the job queue: one `webhook.deliver` job per attempt, scheduled by this class
 * along `retryDelaysMs` (the queue's own retries only cover crashes and database
 * errors). Each attempt is claimed on the row first, so a duplicate job cannot send it
 * twice; every outcome lands in the delivery log.
 */
export class WebhookDeliveries implements EventPublisher {
  readonly job: JobDefinition<{ delivery_id: string }>;

  constructor(private readonly d: DeliveriesDeps) {
    this.job = defineJob({
      name: DELIVER_JOB,
      schema: DeliverPayload,
      // Deliveries wait on other people's servers, not on this CPU.
      concurrency: 8,
      maxAttempts: 3,
      backoff: { baseMs: 5_000, maxMs: MINUTE },
      timeoutMs: 60_000,
      handler: (payload, ctx) => this.attempt(payload.delivery_id, ctx),
    });
  }

  /** EventPublisher: never throws into the publishing module's path. */
  async publish(workspaceId: string, type: string, data: object): Promise<void> {
    try {
      const subscribed = (await this.d.repo.enabledIn(workspaceId)).filter(
        (w) => w.events.includes('*') || w.events.includes(type),
      );
      if (subscribed.length === 0) return;
      const created_at = codec.now();
      const payload = JSON.stringify({ type, timestamp: created_at, data } satisfies WebhookMessage);
      const message_id = newId('evt');
      const rows = subscribed.map((w): NewDelivery => ({
        id: newId('whd'),
        webhook_id: w.id,
        workspace_id: workspaceId,
        message_id,
        event_type: type,
        payload,
        created_at,
      }));
      await this.d.repo.insertDeliveries(rows);
      for (const row of rows) await this.schedule(row.id, 1);
    } catch (err) {
      this.d.logger.error({ err, workspaceId, type }, 'webhook event could not be queued');
    }
  }

  /** One new message to one webhook (the test event); throws, unlike publish. */
  async send(webhook: Webhook, type: string, data: object): Promise<Delivery> {
    const created_at = codec.now();
    return this.queueDelivery({
      id: newId('whd'),
      webhook_id: webhook.id,
      workspace_id: webhook.workspace_id,
      message_id: newId('evt'),
      event_type: type,
      payload: JSON.stringify({ type, timestamp: created_at, data } satisfies WebhookMessage),
      created_at,
    });
  }

  /** The same message again (same body and `webhook-id`), as a new delivery with attempts of its own. */
  async redeliver(original: Delivery): Promise<Delivery> {
    return this.queueDelivery({
      id: newId('whd'),
      webhook_id: original.webhook_id,
      workspace_id: original.workspace_id,
      message_id: original.message_id,
      event_type: original.event_type,
      payload: original.payload,
      created_at: codec.now(),
    });
  }

  /** Stores and queues one delivery; returns it as queued (its first attempt may already be running). */
  private async queueDelivery(row: NewDelivery): Promise<Delivery> {
    await this.d.repo.insertDeliveries([row]);
    await this.schedule(row.id, 1);
    return {
      ...row,
      attempts: 0,
      status: 'pending',
      last_response_status: null,
      last_response_body: null,
      last_error: null,
      next_attempt_at: row.created_at,
      last_attempt_at: null,
      delivered_at: null,
    };
  }

  /** Queues attempt `attempt`; the key makes a second request for the same attempt a no-op. */
  private async schedule(deliveryId: string, attempt: number, delayMs = 0): Promise<void> {
    try {
      await this.d.queue.enqueue(
        this.job,
        { delivery_id: deliveryId },
        { dedupeKey: `${deliveryId}:${attempt}`, ...(delayMs > 0 ? { delayMs } : {}) },
      );
    } catch (err) {
      // The row stays pending; the overdue sweep queues it again.
      this.d.logger.error({ err, deliveryId, attempt }, 'webhook delivery could not be queued');
    }
  }

  private retryDelay(attempt: number): number {
    const { retryDelaysMs, retryJitter } = this.d.policy;
    const base = retryDelaysMs[Math.min(attempt - 1, retryDelaysMs.length - 1)] ?? 0;
    return Math.round(base * (1 + Math.random() * retryJitter));
  }

  private secretsOf(
    webhook: Webhook,
    sealed: NonNullable<Awaited<ReturnType<WebhooksRepository['secrets']>>>,
  ) {
    const secrets = [this.d.box.open(sealed.secret_encrypted, webhook.id)];
    const until = sealed.previous_secret_expires_at;
    if (sealed.previous_secret_encrypted && until && Date.parse(String(until)) > Date.now()) {
      secrets.push(this.d.box.open(sealed.previous_secret_encrypted, webhook.id));
    }
    return secrets;
  }

  /** One attempt of one delivery: the job's handler. */
  async attempt(deliveryId: string, ctx?: JobContext): Promise<void> {
    const { repo, policy } = this.d;
    const delivery = await repo.findDelivery(deliveryId);
    if (!delivery || delivery.status !== 'pending') return;
    const webhook = await repo.find(delivery.webhook_id);
    if (!webhook) return; // deleted: its deliveries went with it
    if (!webhook.enabled) {
      await repo.finishAttempt(deliveryId, {
        status: 'failed',
        last_response_status: delivery.last_response_status,
        last_response_body: delivery.last_response_body,
        last_error: `Not sent: the webhook is disabled${webhook.disabled_reason ? ` (${webhook.disabled_reason})` : ''}.`,
        next_attempt_at: null,
        delivered_at: null,
      });
      return;
    }
    const started = new Date();
    if (!(await repo.claimAttempt(deliveryId, delivery.attempts, started.toISOString()))) return;
    const attempt = delivery.attempts + 1;
    const maxAttempts = policy.retryDelaysMs.length + 1;

    let secrets: string[] | undefined;
    const sealed = await repo.secrets(webhook.id);
    try {
      if (sealed) secrets = this.secretsOf(webhook, sealed);
    } catch {
      secrets = undefined;
    }
    const result = secrets
      ? await this.d.sender.send({
          url: webhook.url,
          messageId: delivery.message_id,
          timestamp: started,
          body: delivery.payload,
          secrets,
          ...(ctx ? { signal: ctx.signal } : {}),
        })
      : {
          ok: false,
          status: null,
          body: null,
          error:
            'The signing secret cannot be decrypted (was IRIS_SECRET changed?); rotate the secret to deliver again.',
        };
    const kind = ctx ? abortKind(ctx.signal) : null;
    if (kind === 'cancelled') {
      await repo.finishAttempt(deliveryId, {
        status: 'failed',
        last_response_status: result.status,
        last_response_body: result.body,
        last_error: 'The delivery job was cancelled.',
        next_attempt_at: null,
        delivered_at: null,
      });
      return;
    }
    if (kind === 'shutdown' || kind === 'lease_lost') {
      // Not this delivery's fault: the job goes back to the queue (or already belongs to
      // another worker) and the row, still pending, is left to whoever runs it next.
      throw ctx!.signal.reason;
    }
    // The webhook's bookkeeping (failure run, auto-disable) is written before the
    // delivery's outcome: whoever sees a delivery settled sees the webhook after it.
    if (result.ok) {
      await repo.recordSuccess(webhook.id);
      await repo.finishAttempt(deliveryId, {
        status: 'succeeded',
        last_response_status: result.status,
        last_response_body: result.body,
        last_error: null,
        next_attempt_at: null,
        delivered_at: codec.now(),
      });
      return;
    }
    // A secret that cannot be opened will not open on a retry either.
    const last = attempt >= maxAttempts || !secrets;
    this.d.logger.info(
      { webhookId: webhook.id, deliveryId, attempt, status: result.status, error: result.error },
      last ? 'webhook delivery failed' : 'webhook attempt failed; retrying',
    );
    if (last) {
      const after = await repo.recordFailure(webhook.id, started.toISOString());
      if (after) await this.maybeDisable(after, result.error ?? 'unknown error');
      await repo.finishAttempt(deliveryId, {
        status: 'failed',
        last_response_status: result.status,
        last_response_body: result.body,
        last_error: result.error,
        next_attempt_at: null,
        delivered_at: null,
      });
      return;
    }
    const delayMs = this.retryDelay(attempt);
    await repo.markFailing(webhook.id, started.toISOString());
    await repo.finishAttempt(deliveryId, {
      status: 'pending',
      last_response_status: result.status,
      last_response_body: result.body,
      last_error: `Attempt ${attempt} of ${maxAttempts}: ${result.error}`,
      next_attempt_at: new Date(Date.now() + delayMs).toISOString(),
      delivered_at: null,
    });
    await this.schedule(deliveryId, attempt + 1, delayMs);
  }

  /** Auto-disable: too many consecutive failed deliveries, or failing for too long. */
  private async maybeDisable(webhook: Webhook, lastError: string): Promise<void> {
    const { disableAfterFailures, disableAfterMs } = this.d.policy;
    const failingMs = webhook.failing_since ? Date.now() - Date.parse(webhook.failing_since) : 0;
    let reason: string | undefined;
    if (webhook.failure_count >= disableAfterFailures) {
      reason = `Disabled automatically after ${webhook.failure_count} consecutive failed deliveries (last: ${lastError})`;
    } else if (failingMs >= disableAfterMs) {
      const days = Math.round((failingMs / DAY) * 10) / 10;
      reason = `Disabled automatically: deliveries have failed for ${days} days without a success (last: ${lastError})`;
    }
    if (!reason || !(await this.d.repo.disable(webhook.id, reason))) return;
    this.d.logger.warn({ webhookId: webhook.id, workspaceId: webhook.workspace_id }, reason);
    await this.d.audit.record(systemPrincipal, {
      workspaceId: webhook.workspace_id,
      action: 'webhook.disable',
      target: { type: 'webhook', id: webhook.id },
      before: { enabled: true, failure_count: webhook.failure_count, failing_since: webhook.failing_since },
      after: { enabled: false, disabled_reason: reason },
      reason,
    });
  }

  /** Maintenance: queue overdue deliveries again, and drop old finished ones from the log. */
  sweeps(): MaintenanceSweep[] {
    return [
      {
        name: 'webhook_deliveries_overdue',
        run: async (now, signal) => {
          const overdue = await this.d.repo.overdue(
            new Date(now - this.d.policy.overdueMs).toISOString(),
            500,
          );
          let queued = 0;
          for (const delivery of overdue) {
            if (signal.aborted) break;
            await this.schedule(delivery.id, delivery.attempts + 1);
            queued++;
          }
          return queued;
        },
      },
      {
        name: 'webhook_deliveries_expired',
        run: (now) =>
          this.d.repo.pruneDeliveries(new Date(now - this.d.policy.keepDeliveriesMs).toISOString()),
      },
    ];
  }
}
