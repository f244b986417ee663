import { sql, type Kysely, type Selectable } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB, WebhookDeliveriesTable, WebhooksTable } from '../../platform/db/schema.js';
import type { Page } from '../../platform/http/pagination.js';

/** A subscription as services see it: the encrypted secrets stay in the row. */
export interface Webhook {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  failure_count: number;
  failing_since: string | null;
  /** Until then the previous secret signs alongside the current one. */
  previous_secret_expires_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface SealedSecrets {
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  webhook_id: string;
  workspace_id: string;
  /** `webhook-id`: one per message, kept by redeliveries. */
  message_id: string;
  event_type: string;
  /** The exact JSON body sent. */
  payload: string;
  attempts: number;
  status: DeliveryStatus;
  last_response_status: number | null;
  last_response_body: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export type NewWebhook = Omit<Webhook, 'failure_count' | 'failing_since' | 'updated_at'> & SealedSecrets;
export type WebhookChanges = Partial<
  Pick<Webhook, 'url' | 'events' | 'description' | 'enabled' | 'disabled_reason' | 'failure_count'> & {
    failing_since: string | null;
  }
>;
export type NewDelivery = Pick<
  Delivery,
  'id' | 'webhook_id' | 'workspace_id' | 'message_id' | 'event_type' | 'payload' | 'created_at'
>;
export type AttemptOutcome = Pick<
  Delivery,
  'status' | 'last_response_status' | 'last_response_body' | 'last_error' | 'next_attempt_at' | 'delivered_at'
>;

const WEBHOOK_COLUMNS = [
  'id',
  'workspace_id',
  'url',
  'events',
  'description',
  'enabled',
  'disabled_reason',
  'failure_count',
  'failing_since',
  'previous_secret_expires_at',
  'created_by',
  'created_at',
  'updated_at',
] as const;

type WebhookRow = Pick<Selectable<WebhooksTable>, (typeof WEBHOOK_COLUMNS)[number]>;

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  workspace_id: r.workspace_id,
  url: r.url,
  events: decode.json<string[]>(r.events, []),
  description: r.description,
  enabled: decode.bool(r.enabled),
  disabled_reason: r.disabled_reason,
  failure_count: decode.int(r.failure_count),
  failing_since: decode.timeOrNull(r.failing_since),
  previous_secret_expires_at: decode.timeOrNull(r.previous_secret_expires_at),
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): Delivery => ({
  id: r.id,
  webhook_id: r.webhook_id,
  workspace_id: r.workspace_id,
  message_id: r.message_id,
  event_type: r.event_type,
  payload: r.payload,
  attempts: decode.int(r.attempts),
  status: r.status as DeliveryStatus,
  last_response_status: r.last_response_status === null ? null : decode.int(r.last_response_status),
  last_response_body: r.last_response_body,
  last_error: r.last_error,
  next_attempt_at: decode.timeOrNull(r.next_attempt_at),
  last_attempt_at: decode.timeOrNull(r.last_attempt_at),
  created_at: decode.time(r.created_at),
  delivered_at: decode.timeOrNull(r.delivered_at),
});

const changeColumns = (c: WebhookChanges) => ({
  ...(c.url !== undefined ? { url: c.url } : {}),
  ...(c.events !== undefined ? { events: codec.json(c.events) } : {}),
  ...(c.description !== undefined ? { description: c.description } : {}),
  ...(c.enabled !== undefined ? { enabled: codec.bool(c.enabled) } : {}),
  ...(c.disabled_reason !== undefined ? { disabled_reason: c.disabled_reason } : {}),
  ...(c.failure_count !== undefined ? { failure_count: c.failure_count } : {}),
  ...(c.failing_since !== undefined ? { failing_since: c.failing_since } : {}),
});

/** Webhook subscriptions and their delivery log (the only SQL of the webhooks module). */
export class WebhooksRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(w: NewWebhook): Promise<Webhook> {
    await this.db
      .insertInto('webhooks')
      .values({
        ...w,
        events: codec.json(w.events),
        enabled: codec.bool(w.enabled),
        failure_count: 0,
        failing_since: null,
        updated_at: w.created_at,
      })
      .execute();
    return (await this.find(w.id))!;
  }

  async find(id: string): Promise<Webhook | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .select([...WEBHOOK_COLUMNS])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  }

  async secrets(id: string): Promise<SealedSecrets | undefined> {
    return this.db
      .selectFrom('webhooks')
      .select(['secret_encrypted', 'previous_secret_encrypted', 'previous_secret_expires_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async list(workspaceId: string, page: Page): Promise<{ items: Webhook[]; total: number }> {
    const base = this.db.selectFrom('webhooks').where('workspace_id', '=', workspaceId);
    const [rows, count] = await Promise.all([
      base
        .select([...WEBHOOK_COLUMNS])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toWebhook), total: decode.int(count.n) };
  }

  async count(workspaceId: string): Promise<number> {
    const r = await this.db
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return decode.int(r.n);
  }

  /** The workspace's enabled subscriptions, for fanning an event out. */
  async enabledIn(workspaceId: string): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .select([...WEBHOOK_COLUMNS])
      .where('workspace_id', '=', workspaceId)
      .where('enabled', '=', codec.bool(true))
      .execute();
    return rows.map(toWebhook);
  }

  async update(id: string, changes: WebhookChanges, now = codec.now()): Promise<Webhook | undefined> {
    await this.db
      .updateTable('webhooks')
      .set({ ...changeColumns(changes), updated_at: now })
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }

  async setSecrets(id: string, secrets: SealedSecrets, now = codec.now()): Promise<Webhook | undefined> {
    await this.db
      .updateTable('webhooks')
      .set({ ...secrets, updated_at: now })
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** A delivered message: the run of failures is over. */
  async recordSuccess(id: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ failure_count: 0, failing_since: null })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('failure_count', '!=', 0), eb('failing_since', 'is not', null)]))
      .execute();
  }

  /** A failed attempt: starts the failing period when none is running. */
  async markFailing(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ failing_since: at })
      .where('id', '=', id)
      .where('failing_since', 'is', null)
      .execute();
  }

  /** A delivery that failed for good: one more consecutive failure. Returns the row after. */
  async recordFailure(id: string, at: string): Promise<Webhook | undefined> {
    await this.db
      .updateTable('webhooks')
      .set({
        failure_count: sql<number>`failure_count + 1`,
        failing_since: sql<string>`coalesce(failing_since, ${at})`,
      })
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }

  /** Turns an enabled webhook off; false when it was already off (someone else did it). */
  async disable(id: string, reason: string, now = codec.now()): Promise<boolean> {
    const res = await this.db
      .updateTable('webhooks')
      .set({ enabled: codec.bool(false), disabled_reason: reason, updated_at: now })
      .where('id', '=', id)
      .where('enabled', '=', codec.bool(true))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async insertDeliveries(rows: NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('webhook_deliveries')
      .values(
        rows.map((r) => ({
          ...r,
          attempts: 0,
          status: 'pending',
          next_attempt_at: r.created_at,
        })),
      )
      .execute();
  }

  async findDelivery(id: string): Promise<Delivery | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  async listDeliveries(
    webhookId: string,
    status: DeliveryStatus | undefined,
    page: Page,
  ): Promise<{ items: Delivery[]; total: number }> {
    let base = this.db.selectFrom('webhook_deliveries').where('webhook_id', '=', webhookId);
    if (status) base = base.where('status', '=', status);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toDelivery), total: decode.int(count.n) };
  }

  /**
   * Takes attempt `attempts + 1` of a pending delivery. Only one worker wins it: a
   * duplicate job for the same attempt (a lost lease, a sweep re-enqueue) finds the
   * count moved on and does nothing.
   */
  async claimAttempt(id: string, attempts: number, at: string): Promise<boolean> {
    const res = await this.db
      .updateTable('webhook_deliveries')
      .set({ attempts: attempts + 1, last_attempt_at: at })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('attempts', '=', attempts)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async finishAttempt(id: string, outcome: AttemptOutcome): Promise<void> {
    await this.db.updateTable('webhook_deliveries').set(outcome).where('id', '=', id).execute();
  }

  /** Pending deliveries whose attempt is long overdue (their job was lost). */
  async overdue(before: string, limit: number): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<', before)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  /** Deletes finished deliveries created before `before`; returns how many. */
  async pruneDeliveries(before: string): Promise<number> {
    const res = await this.db
      .deleteFrom('webhook_deliveries')
      .where('created_at', '<', before)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
