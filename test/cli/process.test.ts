import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd } from '../helpers/spawn.js';
import { startServer, type LiveServer } from '../sdk/server.js';

/** The real entry point as a child process: exit statuses reach the shell. */
const run = (args: string[], env: NodeJS.ProcessEnv) =>
  runToEnd(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH, ...env },
  });

/** Runs the CLI with its stdout read by nobody (`iris … | head` once head has quit). */
function runIntoClosedPipe(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('iris as a process', () => {
  let s: LiveServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    s = await startServer();
    const home = mkdtempSync(path.join(os.tmpdir(), 'iris-cli-proc-'));
    env = { XDG_CONFIG_HOME: home, HOME: home, IRIS_URL: s.url, IRIS_API_KEY: s.apiKey };
  }, 60_000);
  afterAll(async () => s?.close());

  it('ends quietly with 0 when its output pipe is closed (iris --help | head -1, iris ls | head)', async () => {
    for (const args of [['--help'], ['ls']]) {
      const r = await runIntoClosedPipe(args, env);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
    }
  }, 60_000);

  it('exits 0 with JSON, 4 for a missing recording, and ends by itself', async () => {
    const ls = await run(['ls', '--json'], env);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toMatchObject({ items: [], pagination: { total: 0 } });
    const missing = await run(['show', 'rec_00000000000000000000000000'], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: .+ \(NOT_FOUND, request req_\w+\)$/m);
  }, 60_000);
});
