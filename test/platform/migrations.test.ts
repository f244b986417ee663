import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codec, decode } from '../../src/platform/db/codec.js';
import { migrateToLatest } from '../../src/platform/db/migrations/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db.js';

describe.each(DIALECTS)('migrations and codec on %s', (dialect) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
  });
  afterAll(async () => tdb?.destroy());

  it('is idempotent: running again applies nothing', async () => {
    const again = await migrateToLatest(tdb.database);
    expect(again.results).toEqual([]);
  });

  it('round-trips timestamps, JSON, booleans and big integers the same way', async () => {
    const { db } = tdb.database;
    const now = '2026-01-02T03:04:05.678Z';
    await db
      .insertInto('users')
      .values({
        id: 'usr_x',
        email: 'x@example.com',
        name: 'X',
        is_instance_admin: codec.bool(true),
        status: 'active',
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('workspaces')
      .values({ id: 'ws_x', name: 'W', plan: 'free', created_at: now, updated_at: now })
      .execute();
    await db
      .insertInto('usage_counters')
      .values({ workspace_id: 'ws_x', period: '2026-01', metric: 'storage_bytes', value: 2 ** 40 })
      .execute();
    await db
      .insertInto('memberships')
      .values({
        workspace_id: 'ws_x',
        user_id: 'usr_x',
        role: 'owner',
        status: 'active',
        grants: codec.json(['a:b']),
        created_at: now,
        updated_at: now,
      })
      .execute();
    const user = await db.selectFrom('users').selectAll().where('id', '=', 'usr_x').executeTakeFirstOrThrow();
    expect(decode.time(user.created_at)).toBe(now);
    expect(decode.bool(user.is_instance_admin)).toBe(true);
    const counter = await db.selectFrom('usage_counters').selectAll().executeTakeFirstOrThrow();
    expect(decode.int(counter.value)).toBe(2 ** 40);
    const m = await db.selectFrom('memberships').selectAll().executeTakeFirstOrThrow();
    expect(decode.json<string[]>(m.grants, [])).toEqual(['a:b']);
  });

  it('enforces foreign keys', async () => {
    const now = codec.now();
    await expect(
      tdb.database.db
        .insertInto('memberships')
        .values({
          workspace_id: 'ws_missing',
          user_id: 'usr_x',
          role: 'owner',
          status: 'active',
          grants: '[]',
          created_at: now,
          updated_at: now,
        })
        .execute(),
    ).rejects.toThrow();
  });
});
