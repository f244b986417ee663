import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';

/**
 * A real Iris server on a random port (SQLite, local disk) for the SDK and CLI suites,
 * with a signed-in user and an API key made through the API, as a person would.
 */
export interface LiveServer {
  t: TestApp;
  url: string;
  dataDir: string;
  user: Awaited<ReturnType<typeof seedUser>>;
  /** A `write`-scoped key of the user's personal workspace. */
  apiKey: string;
  close(): Promise<void>;
}

export async function startServer(options: { processing?: boolean } = {}): Promise<LiveServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-sdk-data-'));
  const t = await createTestApp('sqlite', { dataDir });
  t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  // The pipeline's workers, for suites that follow a recording until it is processed.
  if (options.processing) await t.c.queue.start();
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const user = await seedUser(t);
  const res = await t.call('POST', '/api/v1/keys', {
    token: user.token,
    body: { name: 'sdk tests', scopes: ['read', 'write'], workspace_id: user.workspaceId },
  });
  if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.body}`);
  const apiKey = (res.json() as { key: { plaintext: string } }).key.plaintext;
  return {
    t,
    url,
    dataDir,
    user,
    apiKey,
    async close() {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
