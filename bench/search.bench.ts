/**
 * Search latency on SQLite (FTS5) over a generated library: N recordings × M documents
 * (default 2,000 × 50 = 100,000 transcript-sized documents), for a rare term, a common
 * term, a multi-word query and a prefix. Each search does what POST /search does in
 * the database: rank recordings (bm25, grouped per recording) and read the top ten's
 * best moments. Baseline, in the same run: a primary-key lookup of one recording.
 * Run: npx tsx bench/search.bench.ts   (IRIS_BENCH_RECORDINGS, IRIS_BENCH_DOCS to resize)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrations/index.js';
import { codec } from '../src/platform/db/codec.js';
import { newId } from '../src/platform/ids.js';
import type { SearchDocument } from '../src/modules/search/documents.js';
import { parseQuery } from '../src/modules/search/query.js';
import { SearchRepository } from '../src/modules/search/search.repository.js';

export interface SearchBenchResult {
  name: string;
  documents: number;
  matched_recordings: number | string;
  p50_ms: number;
  p95_ms: number;
  /** p50 ÷ the primary-key lookup's p50. */
  ratio_to_pk_lookup: number | string;
}

const ITERATIONS = 60;

/** A deterministic vocabulary with a long tail: word i appears with weight 1 / (i + 1). */
function generator(seed: number) {
  let s = seed;
  const rand = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const vocab = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}`);
  vocab[3] = 'meeting';
  vocab[4_000] = 'kubernetes';
  const cumulative: number[] = [];
  vocab.reduce((acc, _w, i) => (cumulative[i] = acc + 1 / (i + 1)), 0);
  const total = cumulative[cumulative.length - 1]!;
  const word = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo]!;
  };
  return { sentence: (n: number) => Array.from({ length: n }, word).join(' ') };
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 5; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.floor(q * (samples.length - 1))]! * 1000) / 1000;
  return { p50: at(0.5), p95: at(0.95) };
}

export async function run(
  recordings = Number(process.env.IRIS_BENCH_RECORDINGS ?? 2_000),
  docsPer = Number(process.env.IRIS_BENCH_DOCS ?? 50),
): Promise<SearchBenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-search-'));
  const database = openDatabase(`sqlite://${path.join(dir, 'bench.sqlite')}`);
  try {
    await migrateToLatest(database);
    const { db } = database;
    const repo = new SearchRepository(db, database.dialect);
    const now = codec.now();
    const workspaceId = newId('ws');
    await db
      .insertInto('workspaces')
      .values({
        id: workspaceId,
        name: 'bench',
        plan: 'team',
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const gen = generator(42);
    const ids: string[] = [];
    const t0 = performance.now();
    for (let r = 0; r < recordings; r++) {
      const id = newId('rec');
      ids.push(id);
      await db
        .insertInto('recordings')
        .values({
          id,
          workspace_id: workspaceId,
          created_by: null,
          title: `Recording ${r} ${gen.sentence(3)}`,
          source: 'upload',
          status: 'ready',
          stored_bytes: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const docs: SearchDocument[] = Array.from({ length: docsPer }, (_, i) => ({
        kind: i % 5 === 4 ? 'screen' : 'transcript',
        ref: String(i),
        timestamp_seconds: i * 6,
        text: gen.sentence(14),
      }));
      await repo.replaceDocuments(id, workspaceId, docs);
    }
    const indexMs = performance.now() - t0;
    const documents = recordings * docsPer;

    const pk = await time(() =>
      db
        .selectFrom('recordings')
        .selectAll()
        .where('id', '=', ids[Math.floor(Math.random() * ids.length)]!)
        .executeTakeFirst(),
    );
    const results: SearchBenchResult[] = [
      {
        name: `pk lookup (baseline); indexing took ${Math.round(indexMs)} ms`,
        documents,
        matched_recordings: '-',
        p50_ms: pk.p50,
        p95_ms: pk.p95,
        ratio_to_pk_lookup: 1,
      },
    ];
    for (const [name, q] of [
      ['rare term', 'kubernetes'],
      ['common term', 'meeting'],
      ['three words', 'meeting kubernetes w2b'],
      ['prefix', 'w1a'],
    ] as const) {
      const terms = parseQuery(q)!;
      let matched = 0;
      const search = async () => {
        const ranked = await repo.rankRecordings(terms, [workspaceId], 30);
        matched = ranked.total;
        const top = ranked.hits.slice(0, 10).map((h) => h.recording_id);
        await repo.matchingDocuments(terms, [workspaceId], top, 12);
      };
      const r = await time(search);
      results.push({
        name: `search: ${name} (${q})`,
        documents,
        matched_recordings: matched,
        p50_ms: r.p50,
        p95_ms: r.p95,
        ratio_to_pk_lookup: Math.round((r.p50 / pk.p50) * 10) / 10,
      });
    }
    return results;
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run());
}
