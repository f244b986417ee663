import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/platform/queue/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { REDIS_URL } from './backends.js';

describe('createJobQueue picks the adapter from IRIS_QUEUE_URL', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
  });
  afterAll(async () => tdb?.destroy());

  it('uses the database queue when unset or db://', async () => {
    for (const queueUrl of [undefined, '', 'db://', 'db://?poll_ms=100&lease_ms=5000']) {
      const q = createJobQueue({ queueUrl, database: tdb.database });
      expect(q.kind).toBe('database');
      await q.close();
    }
  });

  it('rejects unknown schemes and bad parameters', () => {
    expect(() => createJobQueue({ queueUrl: 'amqp://localhost', database: tdb.database })).toThrow(
      /Unsupported/,
    );
    expect(() => createJobQueue({ queueUrl: 'db://?poll_ms=-1', database: tdb.database })).toThrow(/poll_ms/);
  });

  it.runIf(REDIS_URL)('uses BullMQ for redis:// URLs', async () => {
    const q = createJobQueue({
      queueUrl: REDIS_URL,
      database: tdb.database,
      redisPrefix: 'iris-test-factory',
    });
    expect(q.kind).toBe('bullmq');
    await q.close();
  });
});
