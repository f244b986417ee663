import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/**
 * better-sqlite3 under Kysely with prepared statements kept between queries. Kysely's
 * SQLite driver prepares every query afresh, which showed up as the largest single cost
 * of an authenticated API request in a CPU profile (repositories send the same few
 * hundred SQL texts over and over). Reuse is safe because Kysely runs one query at a
 * time on its single SQLite connection, and SQLite re-prepares a statement itself when
 * the schema changes. Least recently used statements are dropped past `max`, so SQL
 * that varies (IN lists of different lengths) cannot grow the cache without bound.
 */
export function withStatementCache(
  sqlite: SqliteDatabase,
  max = 500,
): { close(): void; prepare(sql: string): Statement } {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): Statement {
      const hit = cache.get(sql);
      if (hit) {
        cache.delete(sql); // re-insert: Map order is the recency order
        cache.set(sql, hit);
        return hit;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
