import { sql, type Kysely } from 'kysely';
import { decode } from '../../platform/db/codec.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { RecordingSource, RecordingStatus } from '../recordings/stages.js';
import type { DocumentKind, SearchDocument } from './documents.js';
import { analyseDocuments, DOC_COUNT_TERM, idf, indexTerm, SCORE_SCALE, sumOfLargest } from './postings.js';
import { workspaceKey, writeTerms } from './search-terms.js';
import { prepare } from '../../platform/db/prepared.js';
import { TtlCache } from '../../platform/ttl-cache.js';
import type { SearchTerms } from './query.js';
import {
  byRank,
  documentScores,
  topRecordings,
  type BestRow,
  type RankingSource,
  type Scored,
  type TermRow,
  type TopKStats,
} from './top-k.js';
import { decodeVector, encodeVector } from './vectors.js';

export interface StoredDocument extends SearchDocument {
  id: number;
  recording_id: string;
  workspace_id: string;
}

export interface DocumentHit extends StoredDocument {
  score: number;
}

export interface RecordingHit {
  recording_id: string;
  /** Sum of the best documents' scores (higher is better; only comparable within one search). */
  score: number;
  /** How many of the recording's documents matched. */
  matches: number;
}

/** The little of a recording a search result shows. */
export interface RecordingCard {
  id: string;
  workspace_id: string;
  title: string;
  source: RecordingSource;
  status: RecordingStatus;
  duration_seconds: number | null;
  created_at: string;
  processed_at: string | null;
}

export interface StoredVector {
  document_id: number;
  recording_id: string;
  vector: Float32Array;
}

/** SQLite caps bound parameters per statement; inserts go in chunks. */
const CHUNK = 100;
const VECTOR_PAGE = 2_000;
/** Recordings per query when reading their words by primary key. */
const KEY_CHUNK = 500;
/** A prefix stands for at most this many words (the typed word and what follows it). */
const MAX_COMPLETIONS = 32;
const STALE_BATCH = 50;
const STATS_TTL_MS = 10_000;
/** Lists this short are cheaper to read whole than to walk. */
const SCAN_ROWS = 1_024;

/** A query resolved against one set of workspaces (see SearchRepository.plan). */
export interface SearchPlan {
  workspaceIds: readonly string[];
  /** Their keys in the index (workspaces with nothing indexed have none). */
  ws: readonly number[];
  /** Indexed word → quantised idf (0: not in these workspaces). */
  idf: ReadonlyMap<string, number>;
  /** Index keys of recordings the ranking returned, so their moments need no lookup. */
  keys?: ReadonlyMap<string, number>;
  /** Recordings with at least one of the words; undefined until counted (several words). */
  total: number | undefined;
  /** Rows in all the words' lists: what the exhaustive ranking reads. */
  listRows: number;
}

/** The first string after every string that starts with `prefix`, in code point order. */
const prefixEnd = (prefix: string): string => {
  const last = prefix.codePointAt(prefix.length - 1)!;
  const head = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1));
  return head + String.fromCodePoint(last + 1);
};

const toIndexed = (d: { id: number | string; kind: string; text: string }) => ({
  id: Number(d.id),
  kind: d.kind as DocumentKind,
  text: d.text,
});

interface HitRow {
  id: number | string;
  recording_id: string;
  workspace_id: string;
  kind: string;
  ref: string | null;
  timestamp_seconds: number | string | null;
  text: string;
  score: number | string;
}

const toDocument = (r: Omit<HitRow, 'score'>): StoredDocument => ({
  id: Number(r.id),
  recording_id: r.recording_id,
  workspace_id: r.workspace_id,
  kind: r.kind as DocumentKind,
  ref: r.ref,
  timestamp_seconds: r.timestamp_seconds === null ? null : Number(r.timestamp_seconds),
  text: r.text,
});

const toTermRow = (r: { rec: number; term: string; first_doc: number; postings: Uint8Array }): TermRow => ({
  rec: Number(r.rec),
  term: r.term,
  first_doc: Number(r.first_doc),
  postings: r.postings,
});

const keyOf = (d: { kind: string; ref: string | null }) => `${d.kind}\u0000${d.ref ?? ''}`;

/**
 * The search index: documents, their words (search_terms, impact-ordered; see
 * postings.ts and top-k.ts) and their vectors. The same SQL on both dialects; user
 * input only ever reaches it as bound parameters.
 */
export class SearchRepository {
  constructor(
    private readonly db: Kysely<DB>,
    readonly dialect: Dialect,
    /**
     * Where searches read: on SQLite a second connection, so a search never waits for
     * the index stage's write transaction on `db` (WAL lets it read the last commit).
     */
    private readonly reader: Kysely<DB> = db,
  ) {}

  /** The engine names the index stage reports. */
  get engine(): 'bm25-impacts' {
    return 'bm25-impacts';
  }

  /**
   * Replaces every document of a recording in one transaction (the index stage is
   * rerunnable); their vectors go with them (foreign key cascade).
   */
  async replaceDocuments(
    recordingId: string,
    workspaceId: string,
    docs: readonly SearchDocument[],
  ): Promise<StoredDocument[]> {
    const analysis = analyseDocuments(docs);
    const result = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('search_documents').where('recording_id', '=', recordingId).execute();
      const ids = new Map<string, number>();
      for (let i = 0; i < docs.length; i += CHUNK) {
        const rows = await trx
          .insertInto('search_documents')
          .values(
            docs.slice(i, i + CHUNK).map((d) => ({
              recording_id: recordingId,
              workspace_id: workspaceId,
              kind: d.kind,
              ref: d.ref,
              timestamp_seconds: d.timestamp_seconds,
              text: d.text,
            })),
          )
          .returning(['id', 'kind', 'ref'])
          .execute();
        for (const r of rows) ids.set(keyOf(r), Number(r.id));
      }
      const stored = docs.map((d) => ({
        ...d,
        id: ids.get(keyOf(d))!,
        recording_id: recordingId,
        workspace_id: workspaceId,
      }));
      await writeTerms(trx, recordingId, workspaceId, stored, analysis);
      this.stats.clear();
      await trx.deleteFrom('search_stale').where('recording_id', '=', recordingId).execute();
      return stored;
    });
    // The index pages just written stay in SQLite's WAL until the next automatic
    // checkpoint (every 1000 pages), and searches on the reader connection paid for it:
    // three-word queries at 100k documents took 6.7 ms instead of 4.4 until checkpointed.
    // PASSIVE never waits for readers; it copies what it can.
    if (this.dialect === 'sqlite') await sql`pragma wal_checkpoint(PASSIVE)`.execute(this.db);
    return result;
  }

  /** Replaces the vectors of a recording's documents (one model) in one transaction. */
  async replaceEmbeddings(
    recordingId: string,
    model: string,
    rows: ReadonlyArray<{ document: StoredDocument; vector: readonly number[] }>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recording_embeddings').where('recording_id', '=', recordingId).execute();
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto('recording_embeddings')
          .values(
            rows.slice(i, i + CHUNK).map(({ document: d, vector }) => ({
              document_id: d.id,
              recording_id: recordingId,
              workspace_id: d.workspace_id,
              kind: d.kind,
              ref: d.ref,
              timestamp_seconds: d.timestamp_seconds,
              model,
              dims: vector.length,
              vector: encodeVector(vector),
            })),
          )
          .execute();
      }
    });
  }

  async documents(recordingId: string): Promise<StoredDocument[]> {
    const rows = await this.reader
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('recording_id', '=', recordingId)
      .orderBy('id')
      .execute();
    return rows.map(toDocument);
  }

  async documentsByIds(ids: readonly number[]): Promise<StoredDocument[]> {
    if (ids.length === 0) return [];
    const rows = await this.reader
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toDocument);
  }

  async summaries(recordingIds: readonly string[]): Promise<StoredDocument[]> {
    if (recordingIds.length === 0) return [];
    const rows = await this.reader
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('recording_id', 'in', [...recordingIds])
      .where('kind', '=', 'summary')
      .execute();
    return rows.map(toDocument);
  }

  async embeddingCount(recordingId: string): Promise<number> {
    const row = await this.reader
      .selectFrom('recording_embeddings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('recording_id', '=', recordingId)
      .executeTakeFirstOrThrow();
    return decode.int(row.n);
  }

  /**
   * Resolves a query against the index of these workspaces: its words as indexed (the
   * last one expanded when it is a prefix) with their idf.
   */
  async plan(query: SearchTerms, workspaceIds: readonly string[]): Promise<SearchPlan> {
    await this.refreshStale();
    const words = new Set(query.terms.map(indexTerm));
    if (query.prefixLast) {
      const last = indexTerm(query.terms[query.terms.length - 1]!);
      for (const w of await this.completions(last, MAX_COMPLETIONS)) words.add(w);
    }
    const terms = [...words].filter((w) => w !== DOC_COUNT_TERM);
    const ws = (await Promise.all(workspaceIds.map((id) => this.workspaceKey(id)))).filter(
      (k): k is number => k !== undefined,
    );
    if (terms.length === 0 || ws.length === 0)
      return { workspaceIds, ws, idf: new Map(), total: 0, listRows: 0 };
    const counts = await Promise.all(
      [DOC_COUNT_TERM, ...terms].map(async (term) => {
        const each = await Promise.all(ws.map((w) => this.termCounts(w, term)));
        return {
          term,
          docs: each.reduce((n, c) => n + c.docs, 0),
          recordings: each.reduce((n, c) => n + c.recordings, 0),
        };
      }),
    );
    const docs = new Map(counts.map((c) => [c.term, Number(c.docs)]));
    const library = docs.get(DOC_COUNT_TERM) ?? 0;
    const weights = new Map(terms.map((t) => [t, idf(library, docs.get(t) ?? 0)] as const));
    const present = terms.filter((t) => weights.get(t)! > 0);
    const listRows = counts
      .filter((c) => c.term !== DOC_COUNT_TERM)
      .reduce((n, c) => n + Number(c.recordings), 0);
    // One word: its list's length. Several: counted by the ranking (a scan counts as it goes).
    const total =
      present.length === 0
        ? 0
        : present.length === 1
          ? Number(counts.find((c) => c.term === present[0])!.recordings)
          : undefined;
    return { workspaceIds, ws, idf: weights, total, listRows };
  }

  /**
   * How many documents and recordings of a workspace hold a word (the empty word: all
   * of them), for idf. Summing a common word's list costs as much as ranking it, so
   * the counts are reused for STATS_TTL_MS: idf moves by a fraction as a library grows,
   * and every ranking within one search uses one plan's values. Words not found are
   * never cached (a recording indexed a moment later must be found), and this
   * process's own index writes clear the cache.
   */
  private async termCounts(ws: number, term: string): Promise<{ docs: number; recordings: number }> {
    const key = `${ws}\u0000${term}`;
    const load = async () => {
      const row = await this.countsOf({ term, ws });
      return { docs: Number(row[0]?.docs ?? 0), recordings: Number(row[0]?.recordings ?? 0) };
    };
    const counts = await this.stats.get(key, load);
    if (counts.recordings === 0) this.stats.delete(key);
    return counts;
  }

  private readonly stats = new TtlCache<{ docs: number; recordings: number }>(STATS_TTL_MS, 50_000, Date.now);
  private readonly countsOf = prepare(
    () => this.reader,
    (p) =>
      this.reader
        .selectFrom('search_terms')
        .select((eb) => [eb.fn.sum<number>('docs').as('docs'), eb.fn.countAll<number>().as('recordings')])
        .where('term', '=', p<string>('term'))
        .where('ws', '=', p<number>('ws')),
  );

  /**
   * Recordings whose documents match, best first, with how many recordings matched in
   * all (`total`, independent of `limit`). `strategy` is for the bench and tests:
   * `scan` scores every match, `early-stop` always walks the lists (top-k.ts); both
   * give the same ranking, `auto` picks the cheaper.
   */
  async rankRecordings(
    query: SearchTerms | SearchPlan,
    workspaceIds: readonly string[],
    limit: number,
    options: { strategy?: 'auto' | 'scan' | 'early-stop'; stats?: TopKStats } = {},
  ): Promise<{ hits: RecordingHit[]; total: number; plan: SearchPlan }> {
    const plan = 'idf' in query ? query : await this.plan(query, workspaceIds);
    let total = plan.total;
    const scan = async () => {
      const scanned = await this.scan(plan, limit);
      total = scanned.total;
      return scanned.top;
    };
    const walk = (budget: number) =>
      topRecordings(this.rankingSource, plan.idf, plan.ws, limit, budget, options.stats);
    // One word stops early (it reads `limit` rows of its list). Several words are scored
    // whole in one aggregate query: measured in bench/search, walking their lists paid
    // off for none of the queries at 100k or 1M moments (the bound stays loose unless
    // one word dominates), and cost up to twice a scan before giving up. Short lists are
    // scanned either way.
    const strategy = options.strategy ?? 'auto';
    const single = this.presentTerms(plan).length === 1;
    const ranked =
      strategy === 'scan' || (strategy === 'auto' && (!single || plan.listRows <= SCAN_ROWS))
        ? await scan()
        : ((await walk(strategy === 'early-stop' ? Infinity : plan.listRows / 4)) ?? (await scan()));
    total ??= await this.countRecordings(plan);
    const recs = ranked.map((r) => r.rec);
    const [ids, postings] = await Promise.all([this.recordingIds(recs), this.postings(recs, plan)]);
    const matches = new Map(
      [...documentScores(postings, plan.idf)].map(([rec, docs]) => [rec, docs.size] as const),
    );
    return {
      hits: ranked.flatMap((r) => {
        const recording_id = ids.get(r.rec);
        return recording_id
          ? [{ recording_id, score: r.score / SCORE_SCALE, matches: matches.get(r.rec) ?? 0 }]
          : [];
      }),
      total,
      plan: { ...plan, total, keys: new Map([...ids].map(([rec, id]) => [id, rec])) },
    };
  }

  /**
   * The moment-level ranking: each recording scored by its ten best moments for the
   * whole query (words that co-occur in a moment count together), every match scored.
   * Not used to answer searches (no early stop is exact for it); the bench measures
   * how far rankRecordings' top ten moves against it.
   */
  async rankRecordingsByMoments(plan: SearchPlan, limit: number): Promise<RecordingHit[]> {
    const terms = this.presentTerms(plan);
    if (terms.length === 0) return [];
    const rows = await this.reader
      .selectFrom('search_postings')
      .innerJoin('search_recordings', 'search_recordings.key', 'search_postings.rec')
      .select(['rec', 'term', 'first_doc', 'postings'])
      .where('term', 'in', terms)
      .where('search_recordings.ws', 'in', [...plan.ws])
      .execute();
    const scored = [...documentScores(rows.map(toTermRow), plan.idf)]
      .map(([rec, docs]) => ({ rec, score: sumOfLargest([...docs.values()]), matches: docs.size }))
      .sort(byRank)
      .slice(0, limit);
    const ids = await this.recordingIds(scored.map((s) => s.rec));
    return scored.map((s) => ({
      recording_id: ids.get(s.rec)!,
      score: s.score / SCORE_SCALE,
      matches: s.matches,
    }));
  }

  /** The best-matching documents of each of these recordings, at most `perRecording` each. */
  async matchingDocuments(
    query: SearchTerms | SearchPlan,
    workspaceIds: readonly string[],
    recordingIds: readonly string[],
    perRecording: number,
  ): Promise<DocumentHit[]> {
    if (recordingIds.length === 0) return [];
    const plan = 'idf' in query ? query : await this.plan(query, workspaceIds);
    const known = recordingIds.map((id) => plan.keys?.get(id));
    const keys = known.every((k) => k !== undefined)
      ? known
      : (
          await this.reader
            .selectFrom('search_recordings')
            .select('key')
            .where('recording_id', 'in', [...recordingIds])
            .where('ws', 'in', plan.ws.length ? [...plan.ws] : [-1])
            .execute()
        ).map((k) => Number(k.key));
    const best: Array<{ id: number; score: number }> = [];
    const postings = await this.postings(keys, plan);
    for (const docs of documentScores(postings, plan.idf).values()) {
      const top = [...docs].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, perRecording);
      for (const [id, score] of top) best.push({ id, score });
    }
    const stored = new Map((await this.documentsByIds(best.map((b) => b.id))).map((d) => [d.id, d]));
    return best
      .flatMap((b) => {
        const doc = stored.get(b.id);
        return doc ? [{ ...doc, score: b.score / SCORE_SCALE }] : [];
      })
      .sort(
        (a, b) =>
          (a.recording_id < b.recording_id ? -1 : a.recording_id > b.recording_id ? 1 : 0) ||
          b.score - a.score,
      );
  }

  /** A workspace's index key never changes once made, so it is remembered. */
  private async workspaceKey(workspaceId: string): Promise<number | undefined> {
    const hit = this.workspaceKeys.get(workspaceId);
    if (hit !== undefined) return hit;
    const key = await workspaceKey(this.reader, workspaceId, false);
    if (key !== undefined && this.workspaceKeys.size < 100_000) this.workspaceKeys.set(workspaceId, key);
    return key;
  }

  private readonly workspaceKeys = new Map<string, number>();

  private presentTerms(plan: SearchPlan): string[] {
    return [...plan.idf].filter(([, w]) => w > 0).map(([t]) => t);
  }

  private async recordingIds(recs: readonly number[]): Promise<Map<number, string>> {
    if (recs.length === 0) return new Map();
    const rows = await this.reader
      .selectFrom('search_recordings')
      .select(['key', 'recording_id'])
      .where('key', 'in', [...recs])
      .execute();
    return new Map(rows.map((r) => [Number(r.key), r.recording_id]));
  }

  private readonly rankingSource: RankingSource = {
    page: async (term, ws, offset, limit) =>
      (
        await this.reader
          .selectFrom('search_terms')
          .select(['rec', 'best'])
          .where('term', '=', term)
          .where('ws', '=', ws)
          .orderBy('best', 'desc')
          .orderBy('rec')
          .limit(limit)
          .offset(offset)
          .execute()
      ).map((r) => ({ rec: Number(r.rec), best: Number(r.best) })),
    bests: async (recs, terms) => {
      const out: BestRow[] = [];
      for (let i = 0; i < recs.length; i += KEY_CHUNK) {
        const rows = await this.reader
          .selectFrom('search_terms')
          .select(['rec', 'term', 'best'])
          .where('rec', 'in', recs.slice(i, i + KEY_CHUNK))
          .where('term', 'in', [...terms])
          .execute();
        for (const r of rows) out.push({ rec: Number(r.rec), term: r.term, best: Number(r.best) });
      }
      return out;
    },
  };

  /**
   * The exhaustive ranking, aggregated in SQL: every row of the plan's words scored
   * (Σ idf × best per recording), the top `limit` returned with how many matched.
   * idf values are integers computed here, so they are inlined as literals; words stay
   * bound parameters.
   */
  private async scan(plan: SearchPlan, limit: number): Promise<{ top: Scored[]; total: number }> {
    const terms = this.presentTerms(plan);
    if (terms.length === 0) return { top: [], total: 0 };
    // One index range per word, each scaled by its own idf (cheaper than a CASE per row).
    const ranges = sql.join(
      terms.map(
        (t) =>
          sql`select rec, best * ${sql.lit(plan.idf.get(t)!)} as s from search_terms where term = ${t} and ws in (${sql.join([...plan.ws])})`,
      ),
      sql` union all `,
    );
    const { rows } = await sql<{ rec: number | string; score: number | string; total: number | string }>`
      select rec, sum(s) as score, count(*) over () as total
      from (${ranges}) as matched
      group by rec
      order by score desc, rec
      limit ${limit}`.execute(this.reader);
    return {
      top: rows.map((r) => ({ rec: Number(r.rec), score: Number(r.score) })),
      total: rows.length ? Number(rows[0]!.total) : 0,
    };
  }

  private async countRecordings(plan: SearchPlan): Promise<number> {
    const terms = this.presentTerms(plan);
    if (terms.length === 0) return 0;
    const row = await this.reader
      .selectFrom('search_terms')
      .select((eb) => eb.fn.count<number>('rec').distinct().as('n'))
      .where('term', 'in', terms)
      .where('ws', 'in', [...plan.ws])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The postings of these recordings for the plan's words. */
  private async postings(recs: readonly number[], plan: SearchPlan): Promise<TermRow[]> {
    const terms = this.presentTerms(plan);
    if (recs.length === 0 || terms.length === 0) return [];
    const rows = await this.reader
      .selectFrom('search_postings')
      .select(['rec', 'term', 'first_doc', 'postings'])
      .where('rec', 'in', [...recs])
      .where('term', 'in', terms)
      .execute();
    return rows.map(toTermRow);
  }

  /** Indexed words starting with `prefix`, in byte order: one index seek each. */
  private async completions(prefix: string, max: number): Promise<string[]> {
    const end = prefixEnd(prefix);
    const out: string[] = [];
    let after: string | undefined;
    while (out.length < max) {
      let q = this.reader.selectFrom('search_terms').select('term').where('term', '<', end);
      q = after === undefined ? q.where('term', '>=', prefix) : q.where('term', '>', after);
      const row = await q.orderBy('term').limit(1).executeTakeFirst();
      if (!row) break;
      out.push((after = row.term));
    }
    return out;
  }

  /**
   * Re-derives the terms of recordings whose documents were rewritten in place (a
   * rename), before a search ranks. Each is claimed by deleting its mark in the same
   * transaction, so two processes never rebuild one recording at once.
   */
  private async refreshStale(): Promise<void> {
    const stale = await this.reader
      .selectFrom('search_stale')
      .select('recording_id')
      .limit(STALE_BATCH)
      .execute();
    for (const { recording_id } of stale) {
      await this.db.transaction().execute(async (trx) => {
        const claimed = await trx
          .deleteFrom('search_stale')
          .where('recording_id', '=', recording_id)
          .executeTakeFirst();
        if (Number(claimed.numDeletedRows) === 0) return;
        const docs = await trx
          .selectFrom('search_documents')
          .select(['id', 'workspace_id', 'kind', 'text'])
          .where('recording_id', '=', recording_id)
          .execute();
        await writeTerms(trx, recording_id, docs[0]?.workspace_id ?? '', docs.map(toIndexed));
        this.stats.clear();
      });
    }
  }

  /**
   * Visits every stored vector of one model in these workspaces, a page at a time, so
   * memory stays flat however large the index grows.
   */
  async scanVectors(
    workspaceIds: readonly string[],
    model: string,
    dims: number,
    visit: (v: StoredVector) => void,
  ): Promise<void> {
    let after = -1;
    for (;;) {
      const rows = await this.reader
        .selectFrom('recording_embeddings')
        .select(['document_id', 'recording_id', 'vector'])
        .where('workspace_id', 'in', [...workspaceIds])
        .where('model', '=', model)
        .where('dims', '=', dims)
        .where('document_id', '>', after)
        .orderBy('document_id')
        .limit(VECTOR_PAGE)
        .execute();
      for (const r of rows) {
        visit({
          document_id: Number(r.document_id),
          recording_id: r.recording_id,
          vector: decodeVector(r.vector),
        });
      }
      if (rows.length < VECTOR_PAGE) return;
      after = Number(rows[rows.length - 1]!.document_id);
    }
  }

  async recordings(ids: readonly string[]): Promise<RecordingCard[]> {
    if (ids.length === 0) return [];
    const rows = await this.reader
      .selectFrom('recordings')
      .select([
        'id',
        'workspace_id',
        'title',
        'source',
        'status',
        'duration_seconds',
        'created_at',
        'processed_at',
      ])
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      workspace_id: r.workspace_id,
      title: r.title,
      source: r.source as RecordingSource,
      status: r.status as RecordingStatus,
      duration_seconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
      created_at: decode.time(r.created_at),
      processed_at: decode.timeOrNull(r.processed_at),
    }));
  }
}
