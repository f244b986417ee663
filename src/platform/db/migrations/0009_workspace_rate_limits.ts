import type { IrisMigration } from './types.js';

/**
 * Custom rate limits per workspace (spec 002's Enterprise tier: "custom limits"), set by
 * the instance administrator; a null column keeps the plan's rate.
 */
export const workspaceRateLimits: IrisMigration = {
  async up({ db, t }) {
    await db.schema
      .createTable('workspace_rate_limits')
      .addColumn('workspace_id', 'text', (c) =>
        c.primaryKey().references('workspaces.id').onDelete('cascade'),
      )
      .addColumn('requests_per_minute', 'integer')
      .addColumn('agent_requests_per_minute', 'integer')
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
  },
};
