/**
 * Webhook delivery throughput to a local receiver, against a bare unsigned POST loop in
 * the same run. The receiver (node:http, answers 204) runs in a child process so it does
 * not share the sender's event loop. Targets, each `IRIS_BENCH_WEBHOOKS` messages (default
 * 2000) with 16 in flight, three rounds with the order rotating, medians reported:
 *   - bare POST, one connection per request (how the sender connects): the baseline;
 *   - bare POST over a keep-alive agent, for scale;
 *   - WebhookSender.send: Standard Webhooks signing (standardwebhooks) + the target check
 *     + the POST with the vetted address pinned;
 *   - end to end on SQLite: publish → delivery row → `webhook.deliver` on the database
 *     queue → signed POST → delivery log, until every delivery is recorded succeeded.
 * Run: npx tsx bench/webhooks.bench.ts   (IRIS_BENCH_WEBHOOKS, IRIS_BENCH_ROUNDS)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { SecretBox, generateSecret } from '../src/modules/webhooks/webhook-secrets.js';
import { WebhookSender } from '../src/modules/webhooks/webhook-sender.js';
import { WebhooksRepository } from '../src/modules/webhooks/webhooks.repository.js';
import { codec } from '../src/platform/db/codec.js';
import { newId } from '../src/platform/ids.js';

export interface WebhooksBenchResult {
  name: string;
  messages: number;
  per_second: number;
  /** per_second ÷ the bare one-connection-per-request POST's, in the same round (median over rounds). */
  ratio_to_bare: number;
  failures: number;
}

const IN_FLIGHT = 16;
const BODY = JSON.stringify({
  type: 'recording.ready',
  timestamp: new Date().toISOString(),
  data: {
    id: newId('rec'),
    workspace_id: newId('ws'),
    title: 'Weekly sync',
    source: 'upload',
    status: 'ready',
  },
});

/** Child side: the receiver. Answers every POST with 204 once its body is read. */
async function receive(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.send?.({ url: `http://127.0.0.1:${port}/hook` });
  process.once('disconnect', () => server.close(() => process.exit(0)));
}

/** Runs `fn` n times with IN_FLIGHT at once; messages per second and how many failed. */
async function pump(
  n: number,
  fn: (i: number) => Promise<boolean>,
): Promise<{ rate: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) {
        const i = next++;
        if (!(await fn(i))) failures++;
      }
    }),
  );
  return { rate: (n / (performance.now() - t0)) * 1000, failures };
}

function barePost(url: URL, agent: http.Agent | false): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 204));
      },
    );
    req.on('error', () => resolve(false));
    req.end(BODY);
  });
}

/** The whole path through a real container on SQLite, with its database queue. */
async function endToEnd(url: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-whbench-'));
  const config = loadConfig(
    { IRIS_DATA_DIR: dir },
    {
      secret: 'bench-secret-bench-secret-bench-secret-00',
      logLevel: 'silent',
      passwordCost: 10,
      webhooksAllowPrivate: true,
    },
  );
  const c = await createContainer(config, pino({ level: 'silent' }));
  const { db } = c.database;
  const now = codec.now();
  const workspaceId = newId('ws');
  await db
    .insertInto('workspaces')
    .values({
      id: workspaceId,
      name: 'bench',
      plan: 'free',
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const id = newId('whk');
  await new WebhooksRepository(db).insert({
    id,
    workspace_id: workspaceId,
    url,
    events: ['*'],
    description: '',
    enabled: true,
    disabled_reason: null,
    secret_encrypted: new SecretBox(config.secret).seal(generateSecret(), id),
    previous_secret_encrypted: null,
    previous_secret_expires_at: null,
    created_by: null,
    created_at: now,
  });
  await c.queue.start({ names: ['webhook.deliver'] });
  const count = async (status: string) =>
    Number(
      (
        await db
          .selectFrom('webhook_deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', status)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    async measure(n: number): Promise<{ rate: number; failures: number }> {
      const before = await count('succeeded');
      const failedBefore = await count('failed');
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await c.events.publish(workspaceId, 'recording.ready', { n: i });
      while ((await count('succeeded')) + (await count('failed')) - before - failedBefore < n) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return {
        rate: (n / (performance.now() - t0)) * 1000,
        failures: (await count('failed')) - failedBefore,
      };
    },
    async close() {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(
  messages = Number(process.env.IRIS_BENCH_WEBHOOKS ?? 2000),
  rounds = Number(process.env.IRIS_BENCH_ROUNDS ?? 3),
): Promise<WebhooksBenchResult[]> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  const target = new URL(url);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const sender = new WebhookSender({ allowPrivate: true });
  const secrets = [generateSecret()];
  const e2e = await endToEnd(url);
  const targets: Array<{ name: string; run: (n: number) => Promise<{ rate: number; failures: number }> }> = [
    { name: 'bare POST, new connection each (baseline)', run: (n) => pump(n, () => barePost(target, false)) },
    { name: 'bare POST, keep-alive', run: (n) => pump(n, () => barePost(target, keepAlive)) },
    {
      name: 'WebhookSender.send (sign + check + POST)',
      run: (n) =>
        pump(n, async (i) => {
          const res = await sender.send({
            url,
            messageId: `evt_${i}`,
            timestamp: new Date(),
            body: BODY,
            secrets,
          });
          return res.ok;
        }),
    },
    { name: 'end to end: publish → queue → deliver → log (SQLite)', run: (n) => e2e.measure(n) },
  ];
  try {
    for (const t of targets) await t.run(200); // warm-up
    const rates = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const ratios = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const failures = new Map<string, number>(targets.map((t) => [t.name, 0]));
    for (let round = 0; round < rounds; round++) {
      const got = new Map<string, number>();
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + round) % targets.length]!;
        const r = await t.run(messages);
        got.set(t.name, r.rate);
        failures.set(t.name, failures.get(t.name)! + r.failures);
      }
      const bare = got.get(targets[0]!.name)!;
      for (const [name, rate] of got) {
        rates.get(name)!.push(rate);
        ratios.get(name)!.push(rate / bare);
      }
    }
    return targets.map((t) => ({
      name: t.name,
      messages,
      per_second: Math.round(median(rates.get(t.name)!)),
      ratio_to_bare: Math.round(median(ratios.get(t.name)!) * 1000) / 1000,
      failures: failures.get(t.name)!,
    }));
  } finally {
    keepAlive.destroy();
    await e2e.close();
    child.disconnect();
  }
}

if (process.argv.includes('--receiver')) {
  await receive();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run());
}
