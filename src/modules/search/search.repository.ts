import { sql, type Kysely, type RawBuilder } from 'kysely';
import { decode } from '../../platform/db/codec.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { RecordingSource, RecordingStatus } from '../recordings/stages.js';
import type { DocumentKind, SearchDocument } from './documents.js';
import { fts5Match, tsQuery, type SearchTerms } from './query.js';
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

/**
 * A title says what the whole recording is about; a summary is written to be found.
 * Transcript and screen moments count as they are.
 */
const KIND_WEIGHT: Record<DocumentKind, number> = { title: 2, summary: 1.5, transcript: 1, screen: 1 };
/**
 * A recording's score sums its best documents only, so a three-hour meeting that says
 * a word in passing 200 times does not bury the short one that is about it.
 */
const BEST_PER_RECORDING = 10;
/** SQLite caps bound parameters per statement; inserts go in chunks. */
const CHUNK = 100;
const VECTOR_PAGE = 2_000;

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

const keyOf = (d: { kind: string; ref: string | null }) => `${d.kind}\u0000${d.ref ?? ''}`;

/**
 * The search index: documents, their full text (FTS5 on SQLite, tsvector on
 * PostgreSQL) and their vectors. The only code that knows either dialect's full-text
 * SQL; user input only ever reaches it as bound parameters built by query.ts.
 */
export class SearchRepository {
  constructor(
    private readonly db: Kysely<DB>,
    readonly dialect: Dialect,
  ) {}

  /** The engine names the index stage reports. */
  get engine(): 'fts5' | 'tsvector' {
    return this.dialect === 'postgres' ? 'tsvector' : 'fts5';
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
    return this.db.transaction().execute(async (trx) => {
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
      return docs.map((d) => ({
        ...d,
        id: ids.get(keyOf(d))!,
        recording_id: recordingId,
        workspace_id: workspaceId,
      }));
    });
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
    const rows = await this.db
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('recording_id', '=', recordingId)
      .orderBy('id')
      .execute();
    return rows.map(toDocument);
  }

  async documentsByIds(ids: readonly number[]): Promise<StoredDocument[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toDocument);
  }

  async summaries(recordingIds: readonly string[]): Promise<StoredDocument[]> {
    if (recordingIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('search_documents')
      .select(['id', 'recording_id', 'workspace_id', 'kind', 'ref', 'timestamp_seconds', 'text'])
      .where('recording_id', 'in', [...recordingIds])
      .where('kind', '=', 'summary')
      .execute();
    return rows.map(toDocument);
  }

  async embeddingCount(recordingId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recording_embeddings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('recording_id', '=', recordingId)
      .executeTakeFirstOrThrow();
    return decode.int(row.n);
  }

  /**
   * Recordings whose documents match, best first, with how many recordings matched in
   * all (`total`, independent of `limit`).
   */
  async rankRecordings(
    query: SearchTerms,
    workspaceIds: readonly string[],
    limit: number,
  ): Promise<{ hits: RecordingHit[]; total: number }> {
    const { rows } = await sql<{
      recording_id: string;
      score: number | string;
      matches: number | string;
      total: number | string;
    }>`
      with hits as (${this.hits(query, workspaceIds, undefined, sql`d.recording_id`)}),
      ranked as (
        select recording_id, score,
          row_number() over (partition by recording_id order by score desc) as rn
        from hits
      )
      select recording_id,
        sum(case when rn <= ${sql.lit(BEST_PER_RECORDING)} then score else 0 end) as score,
        count(*) as matches,
        count(*) over () as total
      from ranked
      group by recording_id
      order by score desc, recording_id
      limit ${limit}`.execute(this.db);
    return {
      hits: rows.map((r) => ({
        recording_id: r.recording_id,
        score: Number(r.score),
        matches: Number(r.matches),
      })),
      total: rows.length ? Number(rows[0]!.total) : 0,
    };
  }

  /** The best-matching documents of each of these recordings, at most `perRecording` each. */
  async matchingDocuments(
    query: SearchTerms,
    workspaceIds: readonly string[],
    recordingIds: readonly string[],
    perRecording: number,
  ): Promise<DocumentHit[]> {
    if (recordingIds.length === 0) return [];
    const { rows } = await sql<HitRow>`
      with hits as (${this.hits(query, workspaceIds, recordingIds)}),
      ranked as (
        select hits.*, row_number() over (partition by recording_id order by score desc, id) as rn
        from hits
      )
      select id, recording_id, workspace_id, kind, ref, timestamp_seconds, text, score
      from ranked where rn <= ${perRecording}
      order by recording_id, score desc`.execute(this.db);
    return rows.map((r) => ({ ...toDocument(r), score: Number(r.score) }));
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
      const rows = await this.db
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
    const rows = await this.db
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

  /** Every matching document with its weighted score: the dialect-specific part. */
  private hits(
    query: SearchTerms,
    workspaceIds: readonly string[],
    recordingIds?: readonly string[],
    columns = sql`d.id, d.recording_id, d.workspace_id, d.kind, d.ref, d.timestamp_seconds, d.text`,
  ): RawBuilder<unknown> {
    // Constants, inlined: PostgreSQL cannot type a CASE over untyped parameters.
    const w = (kind: DocumentKind) => sql.lit(KIND_WEIGHT[kind]);
    const weight = sql`(case d.kind when 'title' then ${w('title')} when 'summary' then ${w('summary')} when 'screen' then ${w('screen')} else ${w('transcript')} end)`;
    const inWorkspaces = sql`d.workspace_id in (${sql.join([...workspaceIds])})`;
    const inRecordings = recordingIds ? sql`and d.recording_id in (${sql.join([...recordingIds])})` : sql``;
    if (this.dialect === 'postgres') {
      // Normalisation 1 divides by 1 + log(length), as bm25 favours focused documents.
      return sql`
        select ${columns}, ts_rank_cd(d.tsv, q.q, 1) * ${weight} as score
        from search_documents d, (select to_tsquery('simple', ${tsQuery(query)}) as q) q
        where d.tsv @@ q.q and ${inWorkspaces} ${inRecordings}`;
    }
    // bm25() is lower-is-better (negative); negated so both dialects rank higher-is-better.
    return sql`
      select ${columns}, -bm25(search_fts) * ${weight} as score
      from search_fts join search_documents d on d.id = search_fts.rowid
      where search_fts match ${fts5Match(query)} and ${inWorkspaces} ${inRecordings}`;
  }
}
