import { sql, type Insertable, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Dialect } from '../db/database.js';
import type { DB, JobsTable } from '../db/schema.js';

export type JobRow = Selectable<JobsTable>;
export type StoredState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

/** States whose dedupe key is still taken; must match the jobs_dedupe index predicate. */
const UNFINISHED: StoredState[] = ['waiting', 'active'];
const FINISHED: StoredState[] = ['completed', 'failed', 'cancelled'];
export const LEASE_EXPIRED_ERROR = 'Lease expired: the worker stopped heartbeating (crashed or stalled).';

/**
 * All SQL of the database queue. Every write that belongs to a running attempt is
 * conditional on `state = 'active' and lease_owner = <worker>`, so a worker that lost
 * its lease (reaped, cancelled) can never overwrite what happened since.
 */
export class JobsRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Inserts the job unless its dedupe key is taken by an unfinished job, in which case
   * that job's id comes back. `on conflict do nothing` leans on the partial unique index,
   * so two processes enqueueing the same key at once still end with one job.
   */
  async insert(row: Insertable<JobsTable>): Promise<{ id: string; inserted: boolean }> {
    for (let tries = 0; tries < 5; tries++) {
      const result = await this.db
        .insertInto('jobs')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) return { id: row.id, inserted: true };
      if (row.dedupe_key === null || row.dedupe_key === undefined) {
        throw new Error(`Job id ${row.id} already exists`);
      }
      const existing = await this.db
        .selectFrom('jobs')
        .select('id')
        .where('name', '=', row.name)
        .where('dedupe_key', '=', row.dedupe_key)
        .where('state', 'in', UNFINISHED)
        .executeTakeFirst();
      if (existing) return { id: existing.id, inserted: false };
      // The holder finished between our insert and select: the key is free again, retry.
    }
    throw new Error(`Could not enqueue job "${row.name}" with dedupe key: too much contention`);
  }

  /** Names among `names` that have a job due now; one cheap index probe per poll. */
  async readyNames(names: string[], now: string): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select('name')
      .distinct()
      .where('state', '=', 'waiting')
      .where('name', 'in', names)
      .where('run_at', '<=', now)
      .execute();
    return rows.map((r) => r.name);
  }

  /**
   * Atomically moves up to `limit` due jobs of one name to active under this worker's
   * lease and counts the attempt. PostgreSQL: the inner select locks the rows it picks
   * and skips rows other workers are claiming (SKIP LOCKED), so claimers never block
   * each other or take the same row. SQLite: the single UPDATE statement takes the
   * write lock before it reads, and writers are serialised (busy_timeout waits).
   */
  async claim(
    name: string,
    limit: number,
    owner: string,
    leaseUntil: string,
    now: string,
  ): Promise<JobRow[]> {
    const candidates = this.db
      .selectFrom('jobs')
      .select('id')
      .where('name', '=', name)
      .where('state', '=', 'waiting')
      .where('run_at', '<=', now)
      .orderBy('priority', 'desc')
      .orderBy('run_at')
      .orderBy('id')
      .limit(limit)
      .$if(this.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
    const rows = await this.db
      .updateTable('jobs')
      .set({
        state: 'active',
        lease_owner: owner,
        lease_expires_at: leaseUntil,
        attempts: sql<number>`attempts + 1`,
        updated_at: now,
      })
      // PostgreSQL: `id = any(array(…))` runs the locking subquery once, as an InitPlan.
      // A plain `id in (…)` may become a nested-loop semi join that re-runs the subquery
      // per outer row, and then LIMIT no longer bounds how many rows get claimed.
      .where(
        this.dialect === 'postgres'
          ? sql<boolean>`id = any(array(${candidates}))`
          : sql<boolean>`id in (${candidates})`,
      )
      .where('state', '=', 'waiting')
      .returningAll()
      .execute();
    // RETURNING has no order; hand jobs out in claim order so priorities hold.
    return rows.sort((a, b) => b.priority - a.priority || cmp(a.run_at, b.run_at) || cmp(a.id, b.id));
  }

  /** Extends the lease (and stores progress). False when the job is no longer ours. */
  async heartbeat(
    id: string,
    owner: string,
    leaseUntil: string,
    now: string,
    progress?: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: leaseUntil, updated_at: now, ...(progress !== undefined ? { progress } : {}) })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async complete(id: string, owner: string, now: string): Promise<boolean> {
    return this.finishAttempt(id, owner, { state: 'completed', finished_at: now, updated_at: now });
  }

  async fail(id: string, owner: string, error: string, now: string): Promise<boolean> {
    return this.finishAttempt(id, owner, {
      state: 'failed',
      last_error: error,
      finished_at: now,
      updated_at: now,
    });
  }

  /** A failed attempt with tries left: back to waiting, due after the backoff. */
  async retry(id: string, owner: string, error: string, runAt: string, now: string): Promise<boolean> {
    return this.finishAttempt(id, owner, {
      state: 'waiting',
      last_error: error,
      run_at: runAt,
      updated_at: now,
    });
  }

  /** Graceful shutdown hands the job back at once, and the interrupted attempt is not counted. */
  async release(id: string, owner: string, now: string): Promise<boolean> {
    return this.finishAttempt(id, owner, {
      state: 'waiting',
      run_at: now,
      attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end`,
      updated_at: now,
    });
  }

  private async finishAttempt(
    id: string,
    owner: string,
    changes: {
      state: StoredState;
      updated_at: string;
      finished_at?: string;
      last_error?: string;
      run_at?: string;
      attempts?: RawBuilder<number>;
    },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ ...changes, lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Returns jobs whose lease ran out (their worker crashed or hung) to waiting, or to
   * failed when that was the last attempt. The attempt was counted when claimed.
   * Leases are written with the owner's clock and read with ours, so process clocks
   * must agree to well within a lease (NTP does; the default lease is 30 s).
   */
  async reapExpired(now: string): Promise<{ id: string; state: string }[]> {
    const out = this.dialect === 'postgres' ? sql`${now}::timestamptz` : sql`${now}`;
    return this.db
      .updateTable('jobs')
      .set({
        state: sql<string>`case when attempts >= max_attempts then 'failed' else 'waiting' end`,
        finished_at: sql<string | null>`case when attempts >= max_attempts then ${out} else null end`,
        last_error: LEASE_EXPIRED_ERROR,
        run_at: now,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: now,
      })
      .where('state', '=', 'active')
      .where('lease_expires_at', '<', now)
      .returning(['id', 'state'])
      .execute();
  }

  /** Cancels an unfinished job; its worker notices at the next heartbeat (or at once, in-process). */
  async cancel(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        state: 'cancelled',
        finished_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', id)
      .where('state', 'in', UNFINISHED)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async find(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Rows per stored state, plus how many waiting rows are not due yet (reported as delayed). */
  async countByState(
    names: string[] | null,
    now: string,
  ): Promise<{ state: string; total: number; future: number }[]> {
    if (names !== null && names.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state'])
      .select((eb) => [
        eb.fn.countAll<number | string>().as('total'),
        sql<number | string>`sum(case when run_at > ${now} then 1 else 0 end)`.as('future'),
      ])
      .$if(names !== null, (qb) => qb.where('name', 'in', names ?? []))
      .groupBy('state')
      .execute();
    return rows.map((r) => ({ state: r.state, total: Number(r.total), future: Number(r.future ?? 0) }));
  }

  async prune(olderThan: string): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('state', 'in', FINISHED)
      .where('finished_at', '<', olderThan)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
