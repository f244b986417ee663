import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/**
 * better-sqlite3 under Kysely with prepared statements kept between queries. Kysely's
 * SQLite driver prepares every query afresh, which showed up as the largest single cost
 * of an authenticated API request in a CPU profile (repositories send the same few
 * hundred SQL texts over and over). Reuse is safe because Kysely runs one query at a
 * time on its single SQLite connection, and SQLite re-prepares a statement itself when
 * the schema changes. Least recently used statements are dropped past `max`, so SQL
 * that varies (IN lists of different lengths) cannot grow the cache without bound.
 *
 * `writes` counts the statements handed out that may change the database (what
 * change-epoch.ts needs besides data_version). Counting when the statement is handed out
 * is counting its execution: Kysely runs it at once, synchronously. Statements that
 * fail still count, which only costs a cache miss.
 */
export function withStatementCache(
  sqlite: SqliteDatabase,
  max = 500,
): { close(): void; prepare(sql: string): Statement; readonly writes: number } {
  const cache = new Map<string, Statement>();
  let writes = 0;
  return {
    get writes() {
      return writes;
    },
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): Statement {
      const hit = cache.get(sql);
      if (hit) {
        if (!hit.readonly) writes++;
        cache.delete(sql); // re-insert: Map order is the recency order
        cache.set(sql, hit);
        return hit;
      }
      const statement = sqlite.prepare(sql);
      if (!statement.readonly) writes++;
      cache.set(sql, statement);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
