import { sql } from 'kysely';
import type { IrisMigration } from './types.js';

/**
 * The search index: one `search_documents` row per searchable moment of a recording
 * (its title, its summary, each transcript segment, each frame's screen text), rebuilt
 * by the `index` pipeline stage, plus `recording_embeddings` (one vector per document)
 * when an embedder is configured.
 *
 * Full text differs by dialect:
 * - SQLite: an FTS5 table with external content (the text is stored once, in
 *   search_documents). Triggers keep it in sync, because rows also disappear through
 *   ON DELETE CASCADE when a recording is deleted, which no repository sees.
 * - PostgreSQL: a stored generated tsvector with a GIN index. ASCII punctuation is
 *   turned into spaces first so URLs, e-mail addresses and hyphenated words are split
 *   into words the way SQLite's unicode61 tokenizer splits them (PostgreSQL's parser
 *   would otherwise keep `github.com` as one host token that `github` never matches).
 *   The `simple` configuration: no stemming and no stop words, like FTS5 here.
 *
 * Titles live on `recordings`; a trigger copies a renamed title into its document so
 * a rename (by whichever route) never leaves the old title searchable.
 */
export const search: IrisMigration = {
  async up({ db, dialect, t }) {
    await db.schema
      .createTable('search_documents')
      .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey(),
      )
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      // title | summary | transcript | screen
      .addColumn('kind', 'text', (c) => c.notNull())
      // Segment idx (transcript) or frame id (screen); null for title and summary.
      .addColumn('ref', 'text')
      .addColumn('timestamp_seconds', t.real)
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('search_documents_recording')
      .on('search_documents')
      .columns(['recording_id', 'kind'])
      .execute();
    await db.schema
      .createIndex('search_documents_workspace')
      .on('search_documents')
      .column('workspace_id')
      .execute();

    if (dialect === 'postgres') {
      await sql`alter table search_documents add column tsv tsvector generated always as
        (to_tsvector('simple'::regconfig, regexp_replace(text, '[!-/:-@\\[-\`{-~]+', ' ', 'g'))) stored`.execute(
        db,
      );
      await sql`create index search_documents_tsv on search_documents using gin (tsv)`.execute(db);
      // `set search_path from current` pins the schema the function was created in, so
      // it finds search_documents whatever the session's search_path.
      await sql`create function search_documents_retitle() returns trigger language plpgsql
        set search_path from current as $$
        begin
          update search_documents set text = new.title where recording_id = new.id and kind = 'title';
          return null;
        end $$`.execute(db);
      await sql`create trigger recordings_retitle after update of title on recordings
        for each row when (old.title is distinct from new.title)
        execute function search_documents_retitle()`.execute(db);
    } else {
      await sql`create virtual table search_fts using fts5(
        text, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')`.execute(db);
      await sql`create trigger search_documents_ai after insert on search_documents begin
        insert into search_fts(rowid, text) values (new.id, new.text);
      end`.execute(db);
      await sql`create trigger search_documents_ad after delete on search_documents begin
        insert into search_fts(search_fts, rowid, text) values ('delete', old.id, old.text);
      end`.execute(db);
      await sql`create trigger search_documents_au after update of text on search_documents begin
        insert into search_fts(search_fts, rowid, text) values ('delete', old.id, old.text);
        insert into search_fts(rowid, text) values (new.id, new.text);
      end`.execute(db);
      await sql`create trigger recordings_retitle after update of title on recordings
        when old.title is not new.title begin
        update search_documents set text = new.title where recording_id = new.id and kind = 'title';
      end`.execute(db);
    }

    await db.schema
      .createTable('recording_embeddings')
      .addColumn('document_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        c.primaryKey().references('search_documents.id').onDelete('cascade'),
      )
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ref', 'text')
      .addColumn('timestamp_seconds', t.real)
      // Vectors of different models or lengths are never compared with each other.
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('dims', 'integer', (c) => c.notNull())
      // Float32, little-endian: 4 bytes per dimension.
      .addColumn('vector', t.blob, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('recording_embeddings_workspace')
      .on('recording_embeddings')
      .columns(['workspace_id', 'model', 'dims', 'document_id'])
      .execute();
    await db.schema
      .createIndex('recording_embeddings_recording')
      .on('recording_embeddings')
      .column('recording_id')
      .execute();
  },
};
