/**
 * Search at library scale, on SQLite and on PostgreSQL: 100,000 and 1,000,000 generated
 * moments (transcript and screen documents with a long-tailed vocabulary), written
 * through the index stage's own write path. For each size and dialect it reports
 * indexing throughput and the index's size on disk, then the latency of what POST
 * /search does in the database (rank recordings, read the top ten's best moments) for
 * a rare word, a common word, two and three words and a prefix, beside the exhaustive
 * ranking (every match scored) and a primary-key lookup measured in the same run. The
 * fast ranking's top ten is compared with the exhaustive one on every query and on a
 * sample of random queries; any difference is printed and fails the run.
 *
 * Run: npx tsx bench/search.bench.ts
 *   IRIS_BENCH_SIZES=100000,1000000   documents per library (default both)
 *   IRIS_BENCH_LIBRARIES=topical,flat  kinds of library (see generator)
 *   IRIS_BENCH_DIALECTS=sqlite,postgres  (PostgreSQL at IRIS_BENCH_POSTGRES_URL, default
 *   postgres://postgres@127.0.0.1:5432/test, in a schema of its own; skipped when down)
 */
import { seedReadyRecording } from './seed.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrations/index.js';
import { codec } from '../src/platform/db/codec.js';
import { newId } from '../src/platform/ids.js';
import type { SearchDocument } from '../src/modules/search/documents.js';
import { parseQuery } from '../src/modules/search/query.js';
import { SearchRepository } from '../src/modules/search/search.repository.js';

export interface SearchBenchResult {
  dialect: string;
  documents: number;
  query: string;
  matched: number | string;
  p50_ms: number;
  p95_ms: number;
  exhaustive_p50_ms: number | string;
  /** fast p50 ÷ primary-key lookup p50. */
  ratio_to_pk: number | string;
  same_top10: string;
  /** Of the top ten, how many the moment-level ranking (see rankRecordingsByMoments) also has. */
  moment_overlap: number | string;
}

const ITERATIONS = Number(process.env.IRIS_BENCH_ITERATIONS ?? 40);
const RANDOM_CHECKS = 30;

/**
 * A deterministic vocabulary with a long tail: word i appears with weight 1 / (i + 1).
 * `flat`: every recording draws from that one distribution, so all recordings score
 * alike (the worst case for stopping early). `topical`: like a real library, each
 * recording is about two of 60 topics (150 words each, drawn from the tail) and half
 * its words come from them, the other half from the common vocabulary.
 */
export type LibraryKind = 'topical' | 'flat';

function generator(seed: number, kind: LibraryKind = 'flat') {
  let s = seed;
  const rand = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const vocab = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}`);
  vocab[3] = 'meeting';
  vocab[12] = 'budget';
  vocab[4_000] = 'kubernetes';
  const cumulative: number[] = [];
  vocab.reduce((acc, _w, i) => (cumulative[i] = acc + 1 / (i + 1)), 0);
  const total = cumulative[cumulative.length - 1]!;
  const common = () => {
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
  const topics = Array.from({ length: 60 }, () =>
    Array.from({ length: 150 }, () => vocab[100 + Math.floor(rand() * 4_900)]!),
  );
  /** The word source of one recording. */
  const recording = (): (() => string) => {
    if (kind === 'flat') return common;
    const mine = [topics[Math.floor(rand() * topics.length)]!, topics[Math.floor(rand() * topics.length)]!];
    return () => {
      if (rand() < 0.5) return common();
      const topic = mine[rand() < 0.5 ? 0 : 1]!;
      return topic[Math.floor(topic.length * rand() ** 2)]!;
    };
  };
  const sentence = (n: number, word: () => string = common) => Array.from({ length: n }, word).join(' ');
  return { rand, sentence, recording, vocab };
}

async function time(
  fn: () => Promise<unknown>,
  iterations = ITERATIONS,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.floor(q * (samples.length - 1))]! * 100) / 100;
  return { p50: at(0.5), p95: at(0.95) };
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const rssMb = () => mb(process.memoryUsage().rss);

export interface Library {
  database: Database;
  repo: SearchRepository;
  workspaceId: string;
  ids: string[];
  cleanup(): Promise<void>;
}

async function open(dialect: string): Promise<Omit<Library, 'repo' | 'workspaceId' | 'ids'> | undefined> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-bench-search-'));
    const database = openDatabase(`sqlite://${path.join(dir, 'bench.sqlite')}`);
    return {
      database,
      cleanup: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.IRIS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_search_${process.pid}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const database = openDatabase(url.toString(), { poolSize: 4 });
  try {
    await sql`select 1`.execute(database.db);
  } catch {
    await database.close();
    return undefined;
  }
  return {
    database,
    cleanup: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    },
  };
}

export async function build(
  dialect: string,
  documents: number,
  out: SearchBenchResult[],
  kind: LibraryKind = 'flat',
): Promise<Library | undefined> {
  const opened = await open(dialect);
  if (!opened) return undefined;
  const { database } = opened;
  await migrateToLatest(database);
  const { db } = database;
  const repo = new SearchRepository(db, database.dialect, database.reader);
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
  const docsPer = 100;
  const recordings = Math.ceil(documents / docsPer);
  const gen = generator(42, kind);
  const ids: string[] = [];
  const t0 = performance.now();
  for (let r = 0; r < recordings; r++) {
    const word = gen.recording();
    const title = `Recording ${r} ${gen.sentence(3, word)}`;
    const id = await seedReadyRecording(db, workspaceId, title);
    ids.push(id);
    const docs: SearchDocument[] = [{ kind: 'title', ref: null, timestamp_seconds: null, text: title }];
    for (let i = 1; i < docsPer; i++) {
      const screen = i % 5 === 4;
      docs.push({
        kind: screen ? 'screen' : 'transcript',
        ref: String(i),
        timestamp_seconds: i * 6,
        text: gen.sentence(
          screen ? 40 + Math.floor(gen.rand() * 160) : 6 + Math.floor(gen.rand() * 25),
          word,
        ),
      });
    }
    await repo.replaceDocuments(id, workspaceId, docs);
  }
  const seconds = (performance.now() - t0) / 1000;
  // Autovacuum's steady state, so index-only scans need no heap visits (a fresh bulk
  // load has no visibility map yet); not counted in the indexing time.
  if (database.dialect === 'postgres') {
    for (const table of ['search_terms', 'search_postings', 'search_documents', 'search_recordings']) {
      await sql`vacuum analyze ${sql.id(table)}`.execute(db);
    }
  }
  const size = await indexSize(database, opened);
  console.log(
    `[search] ${dialect} ${kind} ${documents} documents: indexed in ${seconds.toFixed(1)} s ` +
      `(${Math.round(documents / seconds)} documents/s); on disk ${mb(size.terms)} MB index + ` +
      `${mb(size.documents)} MB documents = ${mb((size.terms + size.documents) / (documents / 1e6))} MB per million moments; ` +
      `RSS ${rssMb()} MB`,
  );
  out.push({
    dialect: `${dialect} ${kind}`,
    documents,
    query: `(indexing: ${Math.round(documents / seconds)} docs/s, ${mb((size.terms + size.documents) / (documents / 1e6))} MB/M)`,
    matched: '-',
    p50_ms: 0,
    p95_ms: 0,
    exhaustive_p50_ms: '-',
    ratio_to_pk: '-',
    same_top10: '-',
    moment_overlap: '-',
  });
  return { ...opened, repo, workspaceId, ids };
}

/** Bytes of the keyword index (terms, postings, keys) and of the documents, indexes included. */
async function indexSize(
  database: Database,
  opened: { database: Database },
): Promise<{ terms: number; documents: number }> {
  const { db } = opened.database;
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{ terms: string; documents: string }>`
      select pg_total_relation_size('search_terms') + pg_total_relation_size('search_postings')
               + pg_total_relation_size('search_recordings') as terms,
             pg_total_relation_size('search_documents') as documents`.execute(db);
    return { terms: Number(rows[0]!.terms), documents: Number(rows[0]!.documents) };
  }
  await sql`pragma wal_checkpoint(truncate)`.execute(db);
  const { rows } = await sql<{ name: string; bytes: number }>`
    select name, sum(pgsize) as bytes from dbstat group by name`.execute(db);
  if (process.env.IRIS_BENCH_VERBOSE) console.log(rows);
  const of = (prefix: string) =>
    rows
      .filter((r) => r.name.startsWith(prefix) || r.name.startsWith(`sqlite_autoindex_${prefix}`))
      .reduce((s, r) => s + Number(r.bytes), 0);
  return {
    terms: of('search_terms') + of('search_postings') + of('search_recordings'),
    documents: of('search_documents'),
  };
}

async function measure(
  lib: Library,
  label: string,
  documents: number,
  out: SearchBenchResult[],
): Promise<number> {
  const dialect = label;
  const { repo, workspaceId, ids, database } = lib;
  const ws = [workspaceId];
  let mismatches = 0;
  const pk = await time(() =>
    database.db
      .selectFrom('recordings')
      .selectAll()
      .where('id', '=', ids[Math.floor(Math.random() * ids.length)]!)
      .executeTakeFirst(),
  );
  out.push({
    dialect,
    documents,
    query: 'pk lookup (baseline)',
    matched: 1,
    p50_ms: pk.p50,
    p95_ms: pk.p95,
    exhaustive_p50_ms: '-',
    ratio_to_pk: 1,
    same_top10: '-',
    moment_overlap: '-',
  });
  const search = async (q: string, exhaustive: boolean) => {
    const terms = parseQuery(q)!;
    const ranked = await repo.rankRecordings(terms, ws, 30, { strategy: exhaustive ? 'scan' : 'auto' });
    const top = ranked.hits.slice(0, 10).map((h) => h.recording_id);
    await repo.matchingDocuments(ranked.plan, ws, top, 12);
    return ranked;
  };
  const same = async (q: string) => {
    const [fast, all] = [await search(q, false), await search(q, true)];
    const a = JSON.stringify(fast.hits.slice(0, 10));
    const b = JSON.stringify(all.hits.slice(0, 10));
    if (a !== b) {
      mismatches++;
      console.log(`[search] top ten differ for "${q}":\n  fast ${a}\n  all  ${b}`);
    }
    const moments = await repo.rankRecordingsByMoments(fast.plan, 10);
    const mine = new Set(fast.hits.slice(0, 10).map((h) => h.recording_id));
    const overlap = moments.filter((m) => mine.has(m.recording_id)).length;
    return { equal: a === b, total: fast.total, overlap };
  };
  for (const [name, q] of [
    ['rare word', 'kubernetes'],
    ['common word', 'meeting'],
    ['two common words', 'meeting budget'],
    ['three words', 'meeting kubernetes w2b'],
    ['prefix', 'w1a'],
  ] as const) {
    const check = await same(q);
    const fast = await time(() => search(q, false));
    const all = await time(() => search(q, true), Math.max(5, Math.round(ITERATIONS / 8)));
    out.push({
      dialect,
      documents,
      query: `${name}: ${q}`,
      matched: check.total,
      p50_ms: fast.p50,
      p95_ms: fast.p95,
      exhaustive_p50_ms: all.p50,
      ratio_to_pk: Math.round((fast.p50 / pk.p50) * 10) / 10,
      same_top10: check.equal ? 'yes' : 'NO',
      moment_overlap: check.overlap,
    });
  }
  const gen = generator(7);
  let equal = 0;
  let overlap = 0;
  for (let i = 0; i < RANDOM_CHECKS; i++) {
    const q = Array.from({ length: 1 + (i % 3) }, () => gen.vocab[Math.floor(gen.rand() ** 2 * 2_000)]!).join(
      ' ',
    );
    const check = await same(`${q} `);
    if (check.equal) equal++;
    overlap += check.overlap;
  }
  out.push({
    dialect,
    documents,
    query: `${RANDOM_CHECKS} random 1–3 word queries`,
    matched: '-',
    p50_ms: 0,
    p95_ms: 0,
    exhaustive_p50_ms: '-',
    ratio_to_pk: '-',
    same_top10: `${equal}/${RANDOM_CHECKS}`,
    moment_overlap: Math.round((overlap / RANDOM_CHECKS) * 10) / 10,
  });
  console.log(`[search] ${dialect} ${documents}: RSS after searching ${rssMb()} MB`);
  return mismatches;
}

export async function run(): Promise<SearchBenchResult[]> {
  const sizes = (process.env.IRIS_BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
  const dialects = (process.env.IRIS_BENCH_DIALECTS ?? 'sqlite,postgres').split(',');
  const kinds = (process.env.IRIS_BENCH_LIBRARIES ?? 'topical,flat').split(',') as LibraryKind[];
  const out: SearchBenchResult[] = [];
  let mismatches = 0;
  console.log(`[search] RSS at start ${rssMb()} MB`);
  for (const dialect of dialects) {
    for (const documents of sizes) {
      for (const kind of kinds) {
        const lib = await build(dialect, documents, out, kind);
        if (!lib) {
          console.log(`[search] ${dialect}: not reachable, skipped`);
          break;
        }
        try {
          const before = out.length;
          mismatches += await measure(lib, `${dialect} ${kind}`, documents, out);
          // Printed as each library finishes: a whole run takes a while.
          console.table(out.slice(before - 1));
        } finally {
          await lib.cleanup();
        }
      }
    }
  }
  if (mismatches) process.exitCode = 1;
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await run();
  console.log('[search] all results:');
  console.table(results);
}
