import { sql, type Kysely } from 'kysely';
import { decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';

/**
 * Failure counters in `login_failures`. They live in the database so every API
 * process behind a load balancer sees the same counts.
 */
export class ThrottleRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The latest lock among the keys that is still in force, if any. */
  async lockedUntil(keys: string[], now: string): Promise<string | undefined> {
    if (!keys.length) return undefined;
    const rows = await this.db
      .selectFrom('login_failures')
      .select('locked_until')
      .where('key', 'in', keys)
      .where('locked_until', '>', now)
      .execute();
    const times = rows.map((r) => decode.time(r.locked_until)).sort();
    return times.at(-1);
  }

  /**
   * Counts one failure in a single upsert, so concurrent failures are all counted.
   * A counter whose window and lock both ended before `staleBefore` starts over.
   */
  async addFailure(key: string, now: string, staleBefore: string): Promise<number> {
    const fresh = sql<boolean>`(login_failures.window_started_at < ${staleBefore} and (login_failures.locked_until is null or login_failures.locked_until < ${staleBefore}))`;
    const row = await this.db
      .insertInto('login_failures')
      .values({ key, failures: 1, window_started_at: now, locked_until: null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when ${fresh} then 1 else login_failures.failures + 1 end`,
          window_started_at: sql<string>`case when ${fresh} then ${now} else login_failures.window_started_at end`,
          locked_until: sql<string | null>`case when ${fresh} then null else login_failures.locked_until end`,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return decode.int(row.failures);
  }

  async lock(key: string, until: string): Promise<void> {
    await this.db.updateTable('login_failures').set({ locked_until: until }).where('key', '=', key).execute();
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length) await this.db.deleteFrom('login_failures').where('key', 'in', keys).execute();
  }
}
