import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Dialect } from './database.js';

/**
 * Position of `needle` in `haystack` (0 when absent). Used for substring search
 * because LIKE escaping differs between SQLite and PostgreSQL.
 */
export function containsFn(
  dialect: Dialect,
  haystack: Expression<unknown>,
  needle: string,
): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`strpos(${haystack}, ${needle})`
    : sql<number>`instr(${haystack}, ${needle})`;
}
