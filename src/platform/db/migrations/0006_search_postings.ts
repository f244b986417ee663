import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { writeTerms } from '../../../modules/search/search-terms.js';
import type { DB } from '../schema.js';
import type { DocumentKind } from '../../../modules/search/documents.js';
import type { IrisMigration } from './types.js';

/**
 * Search ranks from its own impact-ordered index (`search_terms`, see
 * modules/search/postings.ts) instead of FTS5 / tsvector, which score every matching
 * document on every query. The full-text structures go (they only cost writes and
 * disk now); existing documents are indexed here, one recording at a time.
 *
 * `search_stale` lists recordings whose document text changed outside the index
 * stage (a rename rewrites the title document through the `recordings_retitle`
 * trigger); search re-derives their rows before it ranks.
 */
export const searchPostings: IrisMigration = {
  async up({ db, dialect, t }) {
    const pg = dialect === 'postgres';
    // Small integer keys for the recordings and workspaces of the index: search_terms
    // holds one row per word of a recording, so its keys are most of its size.
    const key = (c: ColumnDefinitionBuilder) =>
      pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey();
    await db.schema
      .createTable('search_workspaces')
      .addColumn('key', pg ? 'bigint' : 'integer', key)
      .addColumn('workspace_id', 'text', (c) =>
        c.notNull().unique().references('workspaces.id').onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('search_recordings')
      .addColumn('key', pg ? 'bigint' : 'integer', key)
      .addColumn('recording_id', 'text', (c) =>
        c.notNull().unique().references('recordings.id').onDelete('cascade'),
      )
      .addColumn('ws', t.bigint, (c) => c.notNull())
      .execute();
    // Words are kept narrow (ranking reads them by the thousand); their postings, read
    // only for the recordings shown, live beside them under the same key.
    for (const table of ['search_terms', 'search_postings'] as const) {
      let create = db.schema
        .createTable(table)
        .addColumn('rec', t.bigint, (c) =>
          c.notNull().references('search_recordings.key').onDelete('cascade'),
        )
        // Byte order (PostgreSQL "C"), so a prefix is one index range on either dialect.
        .addColumn('term', 'text', (c) => (pg ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()));
      create =
        table === 'search_terms'
          ? create
              .addColumn('ws', t.bigint, (c) => c.notNull())
              .addColumn('best', 'integer', (c) => c.notNull())
              .addColumn('docs', 'integer', (c) => c.notNull())
          : create
              .addColumn('first_doc', t.bigint, (c) => c.notNull())
              .addColumn('postings', t.blob, (c) => c.notNull());
      create = create.addPrimaryKeyConstraint(`${table}_pk`, ['rec', 'term']);
      // SQLite: the table is its primary key's b-tree (no rowid b-tree beside it).
      if (!pg && table === 'search_terms') create = create.modifyEnd(sql`without rowid`);
      await create.execute();
    }
    // The ranking lists: one word's recordings in a workspace, best first; `docs` rides
    // along so idf's document counts are read from the index alone.
    if (pg) {
      await sql`create index search_terms_list on search_terms (term, ws, best desc, rec) include (docs)`.execute(
        db,
      );
    } else {
      await sql`create index search_terms_list on search_terms (term, ws, best desc, rec, docs)`.execute(db);
    }
    await db.schema
      .createTable('search_stale')
      .addColumn('recording_id', 'text', (c) =>
        c.primaryKey().references('recordings.id').onDelete('cascade'),
      )
      .execute();

    if (pg) {
      await sql`drop index if exists search_documents_tsv`.execute(db);
      await sql`alter table search_documents drop column if exists tsv`.execute(db);
      await sql`create function search_documents_stale() returns trigger language plpgsql
        set search_path from current as $$
        begin
          insert into search_stale (recording_id) values (new.recording_id) on conflict do nothing;
          return null;
        end $$`.execute(db);
      await sql`create trigger search_documents_stale after update of text on search_documents
        for each row when (old.text is distinct from new.text)
        execute function search_documents_stale()`.execute(db);
    } else {
      for (const trigger of ['search_documents_ai', 'search_documents_ad', 'search_documents_au']) {
        await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
      }
      await sql`drop table if exists search_fts`.execute(db);
      await sql`create trigger search_documents_stale after update of text on search_documents
        when old.text is not new.text begin
        insert or ignore into search_stale (recording_id) values (new.recording_id);
      end`.execute(db);
    }
    await backfill(db as Kysely<DB>);
  },
};

/** Indexes the words of every recording that has documents (exported for its test). */
export async function backfill(db: Kysely<DB>): Promise<void> {
  let after = '';
  for (;;) {
    const next = await db
      .selectFrom('search_documents')
      .select(['recording_id', 'workspace_id'])
      .where('recording_id', '>', after)
      .orderBy('recording_id')
      .limit(1)
      .executeTakeFirst();
    if (!next) return;
    after = next.recording_id;
    const docs = await db
      .selectFrom('search_documents')
      .select(['id', 'kind', 'text'])
      .where('recording_id', '=', after)
      .execute();
    await db.transaction().execute((trx) =>
      writeTerms(
        trx,
        after,
        next.workspace_id,
        docs.map((d) => ({ id: Number(d.id), kind: d.kind as DocumentKind, text: d.text })),
      ),
    );
  }
}
