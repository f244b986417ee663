import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import type { Dialect } from '../../src/platform/db/database.js';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  c: Container;
  tdb: TestDatabase;
  /** app.inject with a bearer token and JSON body shortcut. */
  call(
    method: InjectOptions['method'],
    url: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createTestApp(dialect: Dialect, overrides: Partial<Config> = {}): Promise<TestApp> {
  const tdb = await createTestDatabase(dialect);
  const config = loadConfig(
    { IRIS_DATA_DIR: '/tmp/iris-test-data' },
    {
      databaseUrl: tdb.url,
      secret: 'test-secret-test-secret-test-secret-0123',
      passwordCost: 10,
      logLevel: 'silent',
      ...overrides,
    },
  );
  const c = await createContainer(config, pino({ level: process.env.IRIS_TEST_LOG ?? 'silent' }));
  const app = await buildApp(c);
  await app.ready();
  return {
    app,
    c,
    tdb,
    call(method, url, opts = {}) {
      return app.inject({
        method,
        url,
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
        ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      });
    },
    async close() {
      await app.close();
      await c.close();
      await tdb.destroy();
    },
  };
}

/**
 * Creates a verified user with a personal workspace and a live session, straight in
 * the database. For tests of modules other than accounts; the accounts suite signs up
 * through the API instead.
 */
export async function seedUser(t: TestApp, email = `${newId('u').slice(-12)}@example.com`) {
  const { db } = t.c.database;
  const now = codec.now();
  const userId = newId('usr');
  const workspaceId = newId('ws');
  const sessionId = newId('ses');
  await db
    .insertInto('users')
    .values({
      id: userId,
      email,
      name: email.split('@')[0]!,
      email_verified_at: now,
      is_instance_admin: 0,
      status: 'active',
      created_at: now,
      updated_at: now,
      default_workspace_id: workspaceId,
    })
    .execute();
  await t.c.workspacesRepo.create(
    { id: workspaceId, name: 'Personal', plan: 'free', created_by: userId, created_at: now, updated_at: now },
    userId,
  );
  const expires = new Date(Date.now() + 3600_000);
  await db
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: userId,
      via: 'password',
      created_at: now,
      expires_at: expires.toISOString(),
    })
    .execute();
  const token = await t.c.tokens.sign({ userId, sessionId }, expires);
  return { userId, workspaceId, sessionId, token, email };
}

/**
 * The token with its signature's first character changed. Why not the last: a JWT
 * signature's last base64url character carries padding bits a decoder ignores, so
 * rewriting the tail can leave the signature valid (a flaky test once did).
 */
export function tamperedToken(token: string): string {
  const sigStart = token.lastIndexOf('.') + 1;
  const swapped = token[sigStart] === 'A' ? 'B' : 'A';
  return token.slice(0, sigStart) + swapped + token.slice(sigStart + 1);
}
