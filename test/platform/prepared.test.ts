import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codec } from '../../src/platform/db/codec.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { prepare } from '../../src/platform/db/prepared.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db.js';

describe.each(DIALECTS)('prepared queries on %s', (dialect) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    const now = codec.now();
    await tdb.database.db
      .insertInto('workspaces')
      .values(
        ['a', 'b', 'c'].map((name, i) => ({
          id: `ws_prep${i}`,
          name,
          plan: i === 2 ? 'pro' : 'free',
          created_by: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  });
  afterAll(async () => tdb?.destroy());

  it('compiles once and binds new values on every call', async () => {
    const { db } = tdb.database;
    let builds = 0;
    const byPlan = prepare(
      () => db,
      (p) => {
        builds++;
        return db
          .selectFrom('workspaces')
          .select('name')
          .where('plan', '=', p<string>('plan'))
          .where('id', 'like', 'ws_prep%')
          .orderBy('name')
          .limit(p<number>('limit'));
      },
    );
    expect((await byPlan({ plan: 'free', limit: 10 })).map((r) => r.name)).toEqual(['a', 'b']);
    expect((await byPlan({ plan: 'free', limit: 1 })).map((r) => r.name)).toEqual(['a']);
    expect((await byPlan({ plan: 'pro', limit: 10 })).map((r) => r.name)).toEqual(['c']);
    expect(await byPlan({ plan: "free' or '1'='1", limit: 10 })).toEqual([]);
    expect(builds).toBe(1);
  });

  it('refuses a parameter that would be inlined into the SQL', async () => {
    const { db } = tdb.database;
    const inlined = prepare(
      () => db,
      (p) =>
        db
          .selectFrom('workspaces')
          .select('name')
          .where('plan', '=', sql.lit(p<string>('plan'))),
    );
    await expect(inlined({ plan: 'free' })).rejects.toThrow(/inlined/);
  });

  describe('reused while the database is unchanged', () => {
    const planOf = (db: typeof tdb.database.db) =>
      prepare(
        () => db,
        (p) => db.selectFrom('workspaces').select(['id', 'plan']).where('id', '=', p<string>('id')),
        { reuseWhileUnchanged: true },
      );

    it('hands back the same rows until this process writes, then reads again', async () => {
      const { db } = tdb.database;
      const query = planOf(db);
      const first = await query({ id: 'ws_prep0' });
      expect(first).toEqual([{ id: 'ws_prep0', plan: 'free' }]);
      const again = await query({ id: 'ws_prep0' });
      // Reused on SQLite (the very same frozen rows); PostgreSQL has no epoch and always reads.
      if (dialect === 'sqlite') {
        expect(again).toBe(first);
        expect(Object.isFrozen(again[0])).toBe(true);
      } else expect(again).not.toBe(first);
      expect(await query({ id: 'ws_prep1' })).toEqual([{ id: 'ws_prep1', plan: 'free' }]);

      await db.updateTable('workspaces').set({ plan: 'team' }).where('id', '=', 'ws_prep0').execute();
      expect(await query({ id: 'ws_prep0' })).toEqual([{ id: 'ws_prep0', plan: 'team' }]);
      // A write that returns rows (a reader statement that writes) moves the epoch too.
      await db
        .updateTable('workspaces')
        .set({ plan: 'pro' })
        .where('id', '=', 'ws_prep0')
        .returning('id')
        .execute();
      expect(await query({ id: 'ws_prep0' })).toEqual([{ id: 'ws_prep0', plan: 'pro' }]);
    });

    it('reads again on the next call after another connection (another process) commits', async () => {
      const query = planOf(tdb.database.db);
      const other = openDatabase(tdb.url);
      try {
        expect(await query({ id: 'ws_prep1' })).toEqual([{ id: 'ws_prep1', plan: 'free' }]);
        await other.db.updateTable('workspaces').set({ plan: 'team' }).where('id', '=', 'ws_prep1').execute();
        expect(await query({ id: 'ws_prep1' })).toEqual([{ id: 'ws_prep1', plan: 'team' }]);
        await other.db.deleteFrom('workspaces').where('id', '=', 'ws_prep1').execute();
        expect(await query({ id: 'ws_prep1' })).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('always reads inside a transaction, and sees its own uncommitted and rolled back writes', async () => {
      const { db } = tdb.database;
      const query = planOf(db);
      expect(await query({ id: 'ws_prep2' })).toEqual([{ id: 'ws_prep2', plan: 'pro' }]);
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('workspaces').set({ plan: 'free' }).where('id', '=', 'ws_prep2').execute();
          expect(await planOf(trx)({ id: 'ws_prep2' })).toEqual([{ id: 'ws_prep2', plan: 'free' }]);
          throw new Error('roll back');
        })
        .catch((err: Error) => expect(err.message).toBe('roll back'));
      expect(await query({ id: 'ws_prep2' })).toEqual([{ id: 'ws_prep2', plan: 'pro' }]);
    });
  });
});
