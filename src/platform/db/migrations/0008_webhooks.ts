import type { IrisMigration } from './types.js';

/**
 * Workspace webhooks (Standard Webhooks): subscriptions and their delivery log.
 *
 * The signing secret is stored encrypted (AES-256-GCM under a key derived from the
 * instance secret), never hashed: Iris must sign with it. During a rotation's overlap
 * the previous secret signs alongside until `previous_secret_expires_at`.
 *
 * A delivery is one message to one subscription. `payload` is the exact JSON body sent
 * (text on both dialects: jsonb would reorder keys and break signatures of resends);
 * `message_id` is the Standard Webhooks `webhook-id`, the same on every attempt and on a
 * redelivery, so receivers can deduplicate.
 */
export const webhooks: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', t.json, (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('enabled', t.bool, (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      // Consecutive deliveries that failed for good; a success resets it.
      .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(0))
      // First failed attempt since the last success (auto-disable after days of failing).
      .addColumn('failing_since', t.time)
      .addColumn('secret_encrypted', 'text', (c) => c.notNull())
      .addColumn('previous_secret_encrypted', 'text')
      .addColumn('previous_secret_expires_at', t.time)
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhooks_workspace_created')
      .on('webhooks')
      .columns(['workspace_id', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      // pending | succeeded | failed
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('last_response_status', 'integer')
      .addColumn('last_response_body', 'text')
      .addColumn('last_error', 'text')
      .addColumn('next_attempt_at', t.time)
      .addColumn('last_attempt_at', t.time)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('delivered_at', t.time)
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_webhook_created')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'created_at desc', 'id desc'])
      .execute();
    // The sweeps: pending deliveries overdue (their job was lost), and old log rows.
    await db.schema
      .createIndex('webhook_deliveries_status_next')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_created')
      .on('webhook_deliveries')
      .column('created_at')
      .execute();
  },
};
