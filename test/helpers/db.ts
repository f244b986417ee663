import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Dialect } from '../../src/platform/db/database.js';
import { migrateToLatest } from '../../src/platform/db/migrations/index.js';

/**
 * Every repository suite runs once per dialect: SQLite always, PostgreSQL when
 * IRIS_TEST_POSTGRES_URL is set (.ci/run sets it). Skipped dialects are reported.
 */
export const POSTGRES_URL = process.env.IRIS_TEST_POSTGRES_URL;
export const DIALECTS: Dialect[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!POSTGRES_URL) {
  console.warn('[iris tests] IRIS_TEST_POSTGRES_URL is not set: PostgreSQL suites are skipped.');
}

export interface TestDatabase {
  url: string;
  database: Database;
  /** Drops the PostgreSQL schema or deletes the SQLite file. */
  destroy(): Promise<void>;
}

/** A fresh, migrated, empty database: a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'postgres') {
    if (!POSTGRES_URL) throw new Error('IRIS_TEST_POSTGRES_URL is not set');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    const database = openDatabase(url, { poolSize: 5 });
    await migrateToLatest(database);
    return {
      url,
      database,
      async destroy() {
        await database.close();
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-test-'));
  const url = `sqlite://${path.join(dir, 'iris.sqlite')}`;
  const database = openDatabase(url);
  await migrateToLatest(database);
  return {
    url,
    database,
    async destroy() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
