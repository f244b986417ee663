import { sql } from 'kysely';
import type { IrisMigration } from './types.js';

/**
 * The durable job queue (src/platform/queue/db.ts). Stored states are waiting, active,
 * completed, failed and cancelled; "delayed" is a waiting row whose run_at is in the
 * future, so a retry's backoff and a delayed enqueue are the same thing.
 */
export const jobs: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', t.time, (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', t.time)
      .addColumn('dedupe_key', 'text')
      .addColumn('progress', t.json)
      .addColumn('last_error', 'text')
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('finished_at', t.time)
      .execute();

    // The claim query: next waiting job of one name by priority, then due time. Partial,
    // so finished rows (the bulk of the table) never bloat the hot index.
    await db.schema
      .createIndex('jobs_ready')
      .on('jobs')
      .columns(['name', 'priority desc', 'run_at', 'id'])
      .where(sql.ref('state'), '=', 'waiting')
      .execute();
    // The reaper: active rows whose lease ran out.
    await db.schema
      .createIndex('jobs_lease')
      .on('jobs')
      .column('lease_expires_at')
      .where(sql.ref('state'), '=', 'active')
      .execute();
    // Idempotency: one unfinished job per (name, dedupe_key); finished rows free the key.
    await db.schema
      .createIndex('jobs_dedupe')
      .on('jobs')
      .columns(['name', 'dedupe_key'])
      .unique()
      .where(sql<boolean>`dedupe_key is not null and state in ('waiting', 'active')`)
      .execute();
    // counts(name) and prune(olderThan).
    await db.schema.createIndex('jobs_name_state').on('jobs').columns(['name', 'state']).execute();
    await db.schema
      .createIndex('jobs_finished')
      .on('jobs')
      .column('finished_at')
      .where(sql<boolean>`finished_at is not null`)
      .execute();
  },
};
