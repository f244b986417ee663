import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * A value that differs whenever the database may hold different data than when it was
 * last read: on SQLite, `PRAGMA data_version` (changes when any other connection, in
 * this process or another, commits) joined with a count of the writing statements this
 * process's own connection has run (data_version does not see those). Reading it costs
 * one native call and no I/O, far less than the hot queries it lets prepared.ts reuse.
 * PostgreSQL has no such counter visible to a client, so it has no epoch and its
 * queries always run.
 */
export type ChangeEpoch = () => string;

const epochs = new WeakMap<Kysely<DB>, ChangeEpoch>();

/** Only the root Kysely instance gets one; a transaction or a derived instance has none. */
export function registerChangeEpoch(db: Kysely<DB>, epoch: ChangeEpoch): void {
  epochs.set(db, epoch);
}

export function changeEpochOf(db: Kysely<DB>): ChangeEpoch | undefined {
  return epochs.get(db);
}
