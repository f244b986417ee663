import { sql, type Kysely } from 'kysely';
import { decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';

export const USAGE_METRICS = [
  'requests',
  'uploaded_bytes',
  'storage_bytes',
  'recordings',
  'processed_seconds',
  'agent_tokens',
] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export class UsageRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Adds to a counter, creating it at zero first; one statement, safe under concurrency. */
  async add(workspaceId: string, period: string, metric: UsageMetric, delta: number): Promise<void> {
    await this.db
      .insertInto('usage_counters')
      .values({ workspace_id: workspaceId, period, metric, value: delta })
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'period', 'metric'])
          .doUpdateSet({ value: sql`usage_counters.value + ${delta}` }),
      )
      .execute();
  }

  async read(workspaceId: string, period: string): Promise<Record<UsageMetric, number>> {
    const rows = await this.db
      .selectFrom('usage_counters')
      .select(['metric', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where('period', '=', period)
      .execute();
    const out = Object.fromEntries(USAGE_METRICS.map((m) => [m, 0])) as Record<UsageMetric, number>;
    for (const r of rows)
      if ((USAGE_METRICS as readonly string[]).includes(r.metric))
        out[r.metric as UsageMetric] = decode.int(r.value);
    return out;
  }
}
