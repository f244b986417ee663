/**
 * Authenticated list throughput: `GET /api/v1/workspaces` with an API key and with a
 * session JWT, against a bare Fastify route returning the same JSON, all on real
 * sockets in one run, 32 connections. The servers run in a child process so the load
 * generator does not share their event loop. Three rounds, the order of the targets
 * rotating each round; medians reported. Also the server's RSS idle and after every
 * round (about 100k requests each on this machine), to show it does not grow.
 * Run: npx tsx bench/http.bench.ts
 *   IRIS_BENCH_SECONDS (per target and round, default 8), IRIS_BENCH_ROUNDS (3),
 *   IRIS_BENCH_DIALECTS=sqlite,postgres (PostgreSQL at IRIS_BENCH_POSTGRES_URL, default
 *   postgres://postgres@127.0.0.1:5432/test, in a schema of its own; skipped when down)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';

export interface HttpBenchResult {
  dialect: string;
  name: string;
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  /** requests/s ÷ the bare route's in the same round (median over rounds). */
  ratio_to_bare: number | string;
  non_2xx: number;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  requests: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const r = await autocannon({ url, headers, connections: 32, duration: seconds, pipelining: 1 });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    requests: r.requests.total,
  };
}

interface Targets {
  irisUrl: string;
  bareUrl: string;
  key: string;
  token: string;
}

type ChildMessage = Targets | { rss: number } | { skipped: string };

/** Child side: starts Iris with one account (a session and an API key) and the bare route. */
async function serve(dialect: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-'));
  const schema = `bench_http_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string | undefined;
  if (dialect === 'postgres') {
    const url = new URL(process.env.IRIS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    url.searchParams.set('schema', schema);
    databaseUrl = url.toString();
  }
  const config = loadConfig(
    { IRIS_DATA_DIR: dir, ...(databaseUrl ? { IRIS_DATABASE_URL: databaseUrl } : {}) },
    { secret: 'bench-secret-bench-secret-bench-secret-00', logLevel: 'silent', passwordCost: 10 },
  );
  let c: Awaited<ReturnType<typeof createContainer>>;
  try {
    c = await createContainer(config, pino({ level: 'silent' }));
  } catch (err) {
    process.send?.({ skipped: String(err) } satisfies ChildMessage);
    return;
  }
  // The limiter still runs on every request; only its ceiling is lifted.
  c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
  const iris = await buildApp(c);
  await iris.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(iris.server.address() as { port: number }).port}`;
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench password bench password' }),
  });
  const { token } = (await signup.json()) as { token: string };
  const created = await fetch(`${base}/api/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'bench', scopes: ['read'] }),
  });
  const key = ((await created.json()) as { key: { plaintext: string } }).key.plaintext;
  const irisUrl = `${base}/api/v1/workspaces`;
  const sample = await (await fetch(irisUrl, { headers: { authorization: `Bearer ${key}` } })).json();

  const bare = Fastify();
  bare.get('/workspaces', async () => sample);
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/workspaces`;

  process.on('message', (m) => {
    if (m === 'rss') {
      global.gc?.();
      process.send?.({ rss: process.memoryUsage().rss } satisfies ChildMessage);
    }
  });
  process.send?.({ irisUrl, bareUrl, key, token } satisfies ChildMessage);
  process.once('disconnect', () => {
    void (async () => {
      await iris.close();
      await bare.close();
      if (dialect === 'postgres') {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(c.database.db);
      }
      await c.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

const next = (child: ChildProcess) =>
  new Promise<ChildMessage>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ChildMessage));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

async function runDialect(dialect: string, seconds: number, rounds: number): Promise<HttpBenchResult[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dialect], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(process.env.IRIS_BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.IRIS_BENCH_PROFILE}`]
        : []),
    ],
    stdio: 'inherit',
  });
  const first = await next(child);
  if ('skipped' in first || 'rss' in first) {
    console.log(`[http] ${dialect} skipped: ${'skipped' in first ? first.skipped : ''}`);
    child.kill();
    return [];
  }
  const rss = async () => {
    const reply = next(child);
    child.send('rss');
    const m = await reply;
    return 'rss' in m ? m.rss : 0;
  };
  const targets: Array<{ name: string; url: string; headers: Record<string, string> }> = [
    { name: 'bare fastify JSON route', url: first.bareUrl, headers: {} },
    {
      name: 'iris GET /api/v1/workspaces (API key)',
      url: first.irisUrl,
      headers: { authorization: `Bearer ${first.key}` },
    },
    {
      name: 'iris GET /api/v1/workspaces (session JWT)',
      url: first.irisUrl,
      headers: { authorization: `Bearer ${first.token}` },
    },
  ];
  // IRIS_BENCH_ONLY=key|session: load just that target (for a profile of Iris alone).
  const only = process.env.IRIS_BENCH_ONLY;
  if (only) {
    const t = targets.find((x) => x.name.includes(only === 'key' ? 'API key' : 'session'))!;
    const l = await load(t.url, t.headers, seconds);
    child.disconnect();
    console.log(`[http] ${dialect} ${t.name} alone: ${Math.round(l.rps)} requests/s`);
    return [];
  }
  for (const t of targets) await load(t.url, t.headers, 2); // warm-up
  const idle = await rss();
  const seen = new Map<string, Load[]>(targets.map((t) => [t.name, []]));
  const ratios = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const memory: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    const got = new Map<string, Load>();
    for (const t of order) got.set(t.name, await load(t.url, t.headers, seconds));
    const bare = got.get(targets[0]!.name)!.rps;
    for (const [name, l] of got) {
      seen.get(name)!.push(l);
      ratios.get(name)!.push(l.rps / bare);
    }
    memory.push(await rss());
  }
  child.disconnect();
  const requests = [...seen.values()].flat().reduce((n, l) => n + l.requests, 0);
  console.log(
    `[http] ${dialect}: server RSS idle ${mb(idle)} MB; after each round ${memory.map(mb).join(', ')} MB ` +
      `(${requests} requests in all)`,
  );
  return targets.map((t) => {
    const loads = seen.get(t.name)!;
    return {
      dialect,
      name: t.name,
      requests_per_second: Math.round(median(loads.map((l) => l.rps))),
      p50_ms: median(loads.map((l) => l.p50)),
      p99_ms: median(loads.map((l) => l.p99)),
      ratio_to_bare: Math.round(median(ratios.get(t.name)!) * 1000) / 1000,
      non_2xx: loads.reduce((n, l) => n + l.non2xx, 0),
    };
  });
}

export async function run(
  seconds = Number(process.env.IRIS_BENCH_SECONDS ?? 8),
  rounds = Number(process.env.IRIS_BENCH_ROUNDS ?? 3),
): Promise<HttpBenchResult[]> {
  const out: HttpBenchResult[] = [];
  for (const dialect of (process.env.IRIS_BENCH_DIALECTS ?? 'sqlite,postgres').split(',')) {
    out.push(...(await runDialect(dialect, seconds, rounds)));
  }
  return out;
}

if (process.argv.includes('--serve')) {
  await serve(process.argv[process.argv.indexOf('--serve') + 1] ?? 'sqlite');
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run());
}
