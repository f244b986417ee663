/**
 * Authenticated list throughput: `GET /api/v1/workspaces` with an API key against a
 * bare Fastify route returning the same JSON, both on real sockets in this run. The
 * servers run in a child process so the load generator does not share their event loop.
 * Run: npx tsx bench/http.bench.ts   (IRIS_BENCH_SECONDS to change the duration)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { seedBenchUser } from './seed.js';

export interface HttpBenchResult {
  name: string;
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<Omit<HttpBenchResult, 'name'>> {
  const r = await autocannon({ url, headers, connections: 32, duration: seconds, pipelining: 1 });
  return {
    requests_per_second: r.requests.average,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
  };
}

interface Targets {
  irisUrl: string;
  bareUrl: string;
  key: string;
}

/** Child side: starts Iris (SQLite, one API key) and the bare route, reports their URLs. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-'));
  const config = loadConfig(
    { IRIS_DATA_DIR: dir },
    { secret: 'bench-secret-bench-secret-bench-secret-00', logLevel: 'silent', passwordCost: 10 },
  );
  const c = await createContainer(config, pino({ level: 'silent' }));
  const { key } = await seedBenchUser(c, ['read']);

  // The limiter still runs on every request; only its ceiling is lifted.
  c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  const iris = await buildApp(c);
  await iris.listen({ host: '127.0.0.1', port: 0 });
  const irisUrl = `http://127.0.0.1:${(iris.server.address() as { port: number }).port}/api/v1/workspaces`;
  const sample = await (await fetch(irisUrl, { headers: { authorization: `Bearer ${key}` } })).json();

  const bare = Fastify();
  bare.get('/workspaces', async () => sample);
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/workspaces`;

  process.send?.({ irisUrl, bareUrl, key } satisfies Targets);
  process.once('disconnect', () => {
    void (async () => {
      await iris.close();
      await bare.close();
      await c.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

export async function run(seconds = Number(process.env.IRIS_BENCH_SECONDS ?? 8)): Promise<HttpBenchResult[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.IRIS_BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.IRIS_BENCH_PROFILE}`]
        : []),
    ],
    stdio: 'inherit',
  });
  const targets = await new Promise<Targets>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Targets));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const auth = { authorization: `Bearer ${targets.key}` };
  const results: HttpBenchResult[] = [];
  await load(targets.bareUrl, {}, 2); // warm-up
  results.push({ name: 'bare fastify JSON route', ...(await load(targets.bareUrl, {}, seconds)) });
  await load(targets.irisUrl, auth, 2);
  results.push({
    name: 'iris GET /api/v1/workspaces (API key)',
    ...(await load(targets.irisUrl, auth, seconds)),
  });
  child.disconnect();
  return results;
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  console.table(results);
  const [bare, iris] = results;
  console.log(
    `iris / bare throughput ratio: ${(iris!.requests_per_second / bare!.requests_per_second).toFixed(3)}`,
  );
}
