/**
 * The offline (extractive) agent over a library of 10,000 recordings (10 moments each):
 * time to the first text delta of a reply, whole-reply latency, and replies per second,
 * against the bare search the reply is built on (POST /search's service) in the same
 * run. Each reply also stores two messages, so the ratio shows what the agent adds on
 * top of its one search: quoting, citing, a conversation and two rows.
 * Run: npx tsx bench/agents.bench.ts   (IRIS_BENCH_RECORDINGS, default 10000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import type { SearchDocument } from '../src/modules/search/documents.js';
import { seedBenchUser, seedReadyRecording } from './seed.js';
import { retrievalQuery } from '../src/modules/agents/replies/extractive.js';

export interface AgentBenchResult {
  what: string;
  p50_ms: number;
  p95_ms: number;
  per_second: number | string;
  ratio_to_search: number | string;
}

const RECORDINGS = Number(process.env.IRIS_BENCH_RECORDINGS ?? 10_000);
const ROUNDS = 60;
const TOPICS = ['budget', 'launch', 'hiring', 'kubernetes', 'roadmap', 'pricing', 'security', 'onboarding'];
const FILLER =
  'we talked about the plan and the next steps for the team this week and what comes after'.split(' ');

const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))]! * 100) / 100;
  const total = samples.reduce((a, b) => a + b, 0);
  return { p50: at(0.5), p95: at(0.95), perSecond: Math.round((samples.length / total) * 1000 * 10) / 10 };
}

export async function run(): Promise<AgentBenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-agents-'));
  const config = loadConfig(
    { IRIS_DATA_DIR: dir },
    { secret: 'bench-secret-bench-secret-bench-secret-00', logLevel: 'silent', passwordCost: 10 },
  );
  const c = await createContainer(config, pino({ level: 'silent' }));
  try {
    const { workspaceId, key } = await seedBenchUser(c, ['read', 'write']);
    const principal = await c.authenticator.authenticate({ authorization: `Bearer ${key}` }, {});
    const t0 = performance.now();
    for (let r = 0; r < RECORDINGS; r++) {
      const title = `Weekly sync ${r}`;
      const id = await seedReadyRecording(c.database.db, workspaceId, title);
      const docs: SearchDocument[] = [{ kind: 'title', ref: null, timestamp_seconds: null, text: title }];
      for (let i = 0; i < 10; i++) {
        const topic = pick(TOPICS, r * 7 + i * 3);
        const words = Array.from({ length: 14 }, (_, k) => pick(FILLER, r + i + k * 5));
        words.splice(3 + (i % 5), 0, topic, r % 50 === 0 ? 'decision' : 'update');
        docs.push({
          kind: i % 3 ? 'transcript' : 'screen',
          ref: String(i),
          timestamp_seconds: i * 30,
          text: words.join(' '),
        });
      }
      await c.search.repo.replaceDocuments(id, workspaceId, docs);
    }
    console.log(
      `[agents] ${RECORDINGS} recordings indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const agent = await c.agents.agents.create(principal, { name: 'Bench', workspace_id: workspaceId });
    const questions = TOPICS.map((t) => `What did we decide about the ${t}?`);

    const search: number[] = [];
    const firstToken: number[] = [];
    const reply: number[] = [];
    for (let i = 0; i < ROUNDS + 5; i++) {
      const q = pick(questions, i);
      // Alternating which goes first, so neither always meets the other's cache state.
      const searchOnce = async () => {
        const t = performance.now();
        // The search the agent itself runs for this question (its retrieval words).
        await c.search.service.search(principal, { query: retrievalQuery(q), limit: 20 });
        return performance.now() - t;
      };
      const replyOnce = async () => {
        const t = performance.now();
        let first = 0;
        await c.agents.agents.send(principal, agent.id, { message: q }, (e) => {
          if (!first && e.event.type === 'text.delta') first = performance.now();
        });
        return { first: first - t, all: performance.now() - t };
      };
      let searched: number;
      let replied: { first: number; all: number };
      if (i % 2) {
        searched = await searchOnce();
        replied = await replyOnce();
      } else {
        replied = await replyOnce();
        searched = await searchOnce();
      }
      if (i < 5) continue; // warm-up
      search.push(searched);
      firstToken.push(replied.first);
      reply.push(replied.all);
    }
    const base = stats(search);
    const ft = stats(firstToken);
    const all = stats(reply);
    return [
      {
        what: `search (baseline), ${RECORDINGS} recordings`,
        p50_ms: base.p50,
        p95_ms: base.p95,
        per_second: base.perSecond,
        ratio_to_search: 1,
      },
      {
        what: 'extractive agent: first text delta',
        p50_ms: ft.p50,
        p95_ms: ft.p95,
        per_second: '-',
        ratio_to_search: Math.round((ft.p50 / base.p50) * 100) / 100,
      },
      {
        what: 'extractive agent: whole reply (stored)',
        p50_ms: all.p50,
        p95_ms: all.p95,
        per_second: all.perSecond,
        ratio_to_search: Math.round((all.p50 / base.p50) * 100) / 100,
      },
    ];
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run());
