import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.js';

/** How long a health probe waits for the database before calling it down. */
const PING_TIMEOUT_MS = 2_000;

/**
 * Whether the database answers `select 1` in time. A wedged pool must not hang the
 * probe, so the query races a timer; the error itself is logged by the caller.
 */
export async function pingDatabase(
  database: Database,
  timeoutMs = PING_TIMEOUT_MS,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(database.db), timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}
