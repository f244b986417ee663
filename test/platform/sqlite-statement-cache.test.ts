import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/platform/db/sqlite-statement-cache.js';

describe('SQLite statement cache', () => {
  it('hands back the prepared statement for SQL it has seen, and drops the least recently used', () => {
    const db = withStatementCache(new SqliteDatabase(':memory:'), 2);
    const one = db.prepare('select 1 as n');
    const two = db.prepare('select 2 as n');
    expect(db.prepare('select 1 as n')).toBe(one); // now the most recent
    db.prepare('select 3 as n'); // evicts "select 2"
    expect(db.prepare('select 1 as n')).toBe(one);
    expect(db.prepare('select 2 as n')).not.toBe(two);
    expect(one.all()).toEqual([{ n: 1 }]);
    db.close();
  });

  it('keeps working across a schema change', () => {
    const raw = new SqliteDatabase(':memory:');
    const db = withStatementCache(raw);
    raw.exec('create table t (a integer)');
    const select = 'select * from t';
    expect(db.prepare(select).all()).toEqual([]);
    raw.exec('alter table t add column b text');
    raw.exec("insert into t values (1, 'x')");
    expect(db.prepare(select).all()).toEqual([{ a: 1, b: 'x' }]);
    db.close();
  });
});
