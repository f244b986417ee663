import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** PostgreSQL schema (search_path) in use, when one was given in the URL. */
  schema?: string;
  close(): Promise<void>;
}

const PG_TIMESTAMPTZ = 1184;
const PG_TIMESTAMP = 1114;
const PG_INT8 = 20;
const PG_NUMERIC = 1700;
const PG_JSON = 114;
const PG_JSONB = 3802;

/** Type parsers that make PostgreSQL rows match what SQLite returns (see codec.ts). */
function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      switch (oid) {
        case PG_TIMESTAMPTZ:
        case PG_TIMESTAMP:
          return (v: string) => new Date(oid === PG_TIMESTAMP ? `${v}Z` : v).toISOString();
        case PG_INT8:
        case PG_NUMERIC:
          return (v: string) => Number(v);
        case PG_JSON:
        case PG_JSONB:
          return (v: string) => v;
        default:
          return pg.types.getTypeParser(oid, format as 'text');
      }
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export function openDatabase(url: string, options: { poolSize?: number } = {}): Database {
  const parsed = new URL(url);
  if (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') {
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !SAFE_SCHEMA.test(schema)) {
      throw new Error(`Invalid PostgreSQL schema name "${schema}" in database URL`);
    }
    parsed.searchParams.delete('schema');
    const pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: options.poolSize ?? 10,
      types: pgTypes(),
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      ...(schema ? { schema } : {}),
      close: () => db.destroy(),
    };
  }
  if (parsed.protocol === 'sqlite:' || parsed.protocol === 'file:') {
    const file = decodeURIComponent(`${parsed.host}${parsed.pathname}`) || ':memory:';
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    // WAL lets readers run beside the one writer; busy_timeout makes writers from
    // several processes wait for each other instead of failing with SQLITE_BUSY.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  throw new Error(`Unsupported database URL scheme "${parsed.protocol}"`);
}

/** Creates the PostgreSQL schema named in the URL, so a fresh schema needs no manual step. */
export async function ensureSchema(database: Database): Promise<void> {
  if (database.dialect === 'postgres' && database.schema) {
    await sql`create schema if not exists ${sql.id(database.schema)}`.execute(database.db);
  }
}
