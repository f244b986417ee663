import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.js';
import { CLI, freePort, IrisProcess, waitForHttp } from './fixtures/processes.js';

/**
 * Credentials are checked against the shared database on every request, so a key or
 * session revoked through one API process fails on the very next request to any
 * other. Two real `iris api` processes over one SQLite file (and over PostgreSQL when
 * IRIS_TEST_POSTGRES_URL is set): whatever caching is added to the hot path later
 * must keep this test green.
 */
const targets: Array<{ name: string; databaseUrl?: string }> = [{ name: 'sqlite' }];
if (process.env.IRIS_TEST_POSTGRES_URL) {
  const url = new URL(process.env.IRIS_TEST_POSTGRES_URL);
  url.searchParams.set('schema', `revocation_${randomBytes(4).toString('hex')}`);
  targets.push({ name: 'postgres', databaseUrl: url.toString() });
}

describe.each(targets)('revocation across two API processes on $name', ({ databaseUrl }) => {
  const processes: IrisProcess[] = [];
  const bases: string[] = [];
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-revoke-'));
    const secret = randomBytes(36).toString('base64url');
    for (const name of ['api-a', 'api-b']) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const p = new IrisProcess(name, CLI, ['api'], {
        IRIS_SECRET: secret,
        IRIS_DATA_DIR: dataDir,
        ...(databaseUrl ? { IRIS_DATABASE_URL: databaseUrl } : {}),
        IRIS_QUEUE_URL: 'db://?poll_ms=200',
        IRIS_HOST: '127.0.0.1',
        IRIS_PORT: String(port),
        IRIS_PUBLIC_URL: base,
        IRIS_PASSWORD_COST: '10',
        IRIS_LOG_LEVEL: 'warn',
      }).start();
      processes.push(p);
      bases.push(base);
      // One at a time: the first one migrates the shared database.
      await waitForHttp(`${base}/healthz`);
    }
  }, 120_000);

  afterAll(async () => {
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl) {
      const database = openDatabase(databaseUrl);
      await sql`drop schema if exists ${sql.id(database.schema!)} cascade`.execute(database.db);
      await database.close();
    }
  });

  const call = async (base: string, method: string, url: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: res.status,
      body: (await res.json().catch(() => null)) as Record<string, unknown> | null,
    };
  };

  it('a revoked API key or ended session fails on the next request to the other process', async () => {
    const [a, b] = bases as [string, string];
    const signup = await fetch(`${a}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'revoke@example.com', password: 'correct horse battery staple' }),
    });
    expect(signup.status).toBe(201);
    const { token } = (await signup.json()) as { token: string };

    const created = await call(a, 'POST', '/api/v1/keys', token, { name: 'revoke me', scopes: ['read'] });
    expect(created.status).toBe(201);
    const key = created.body!.key as { id: string; plaintext: string };

    // Warm: the key works on B, many times over.
    for (let i = 0; i < 20; i++)
      expect((await call(b, 'GET', '/api/v1/workspaces', key.plaintext)).status).toBe(200);
    expect((await call(a, 'DELETE', `/api/v1/keys/${key.id}`, token)).status).toBe(204);
    const after = await call(b, 'GET', '/api/v1/workspaces', key.plaintext);
    expect(after.status).toBe(401);
    expect((after.body!.error as { code: string }).code).toBe('UNAUTHORIZED');

    // The session itself: logged out on B, refused on A at once.
    expect((await call(a, 'GET', '/api/v1/workspaces', token)).status).toBe(200);
    expect((await call(b, 'POST', '/api/v1/auth/logout', token)).status).toBeLessThan(300);
    expect((await call(a, 'GET', '/api/v1/workspaces', token)).status).toBe(401);
  });
});
