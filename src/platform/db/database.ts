import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { registerChangeEpoch } from './change-epoch.js';
import { withStatementCache } from './sqlite-statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  /**
   * For reads that must not wait behind a write transaction (searches): on a SQLite file
   * a second, query-only connection, which WAL lets read the last commit while `db`
   * holds the process's writes; elsewhere `db` itself (PostgreSQL has a pool).
   */
  reader: Kysely<DB>;
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
      reader: db,
      dialect: 'postgres',
      ...(schema ? { schema } : {}),
      close: () => db.destroy(),
    };
  }
  if (parsed.protocol === 'sqlite:' || parsed.protocol === 'file:') {
    const file = decodeURIComponent(`${parsed.host}${parsed.pathname}`) || ':memory:';
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = openSqlite(file);
    const statements = withStatementCache(sqlite);
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: statements }) });
    const dataVersion = sqlite.prepare('pragma data_version').pluck();
    registerChangeEpoch(db, () => `${String(dataVersion.get())}:${statements.writes}`);
    if (file === ':memory:') return { db, reader: db, dialect: 'sqlite', close: () => db.destroy() };
    const readOnly = openSqlite(file);
    readOnly.pragma('query_only = ON');
    const reader = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(readOnly) }) });
    return {
      db,
      reader,
      dialect: 'sqlite',
      close: async () => {
        await reader.destroy();
        await db.destroy();
      },
    };
  }
  throw new Error(`Unsupported database URL scheme "${parsed.protocol}"`);
}

function openSqlite(file: string): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the one writer; busy_timeout makes writers from
  // several processes wait for each other instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  // 64 MiB of page cache instead of 2: the search index's lists are read and written
  // in term order across the whole table, which thrashed the default cache.
  sqlite.pragma('cache_size = -65536');
  return sqlite;
}

/** Creates the PostgreSQL schema named in the URL, so a fresh schema needs no manual step. */
export async function ensureSchema(database: Database): Promise<void> {
  if (database.dialect === 'postgres' && database.schema) {
    await sql`create schema if not exists ${sql.id(database.schema)}`.execute(database.db);
  }
}
