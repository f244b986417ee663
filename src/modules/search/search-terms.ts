import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import type { DocumentKind } from './documents.js';
import { analyseDocuments, postingRows, type DocumentAnalysis } from './postings.js';

/** Rows per INSERT: one statement shape, reused from the statement cache. */
const TERM_CHUNK = 256;

type Db = Kysely<DB> | Transaction<DB>;

/** The index's integer key of a workspace, created on first use when `create`. */
export async function workspaceKey(
  db: Db,
  workspaceId: string,
  create: boolean,
): Promise<number | undefined> {
  const find = async () =>
    (
      await db
        .selectFrom('search_workspaces')
        .select('key')
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst()
    )?.key;
  const found = await find();
  if (found !== undefined || !create) return found === undefined ? undefined : Number(found);
  await db
    .insertInto('search_workspaces')
    .values({ workspace_id: workspaceId })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
  return Number(await find());
}

async function recordingKey(trx: Transaction<DB>, recordingId: string, ws: number): Promise<number> {
  const find = async () =>
    (
      await trx
        .selectFrom('search_recordings')
        .select('key')
        .where('recording_id', '=', recordingId)
        .executeTakeFirst()
    )?.key;
  const found = await find();
  if (found !== undefined) return Number(found);
  await trx
    .insertInto('search_recordings')
    .values({ recording_id: recordingId, ws })
    .onConflict((oc) => oc.column('recording_id').doNothing())
    .execute();
  return Number(await find());
}

/**
 * Replaces a recording's rows in search_terms, inside the caller's transaction (the
 * one that wrote its documents). A recording without documents keeps no rows.
 * `analysis` is of the same documents in the same order, made before the transaction.
 */
export async function writeTerms(
  trx: Transaction<DB>,
  recordingId: string,
  workspaceId: string,
  docs: ReadonlyArray<{ id: number; kind: DocumentKind; text: string }>,
  analysis: DocumentAnalysis = analyseDocuments(docs),
): Promise<void> {
  if (docs.length === 0) {
    await trx.deleteFrom('search_recordings').where('recording_id', '=', recordingId).execute();
    return;
  }
  const ws = (await workspaceKey(trx, workspaceId, true))!;
  const rec = await recordingKey(trx, recordingId, ws);
  await trx.deleteFrom('search_terms').where('rec', '=', rec).execute();
  await trx.deleteFrom('search_postings').where('rec', '=', rec).execute();
  const rows = postingRows(
    analysis,
    docs.map((d) => d.id),
  );
  for (let i = 0; i < rows.length; i += TERM_CHUNK) {
    const chunk = rows.slice(i, i + TERM_CHUNK);
    await trx
      .insertInto('search_terms')
      .values(chunk.map((r) => ({ rec, term: r.term, ws, best: r.best, docs: r.docs })))
      .execute();
    await trx
      .insertInto('search_postings')
      .values(chunk.map((r) => ({ rec, term: r.term, first_doc: r.first_doc, postings: r.postings })))
      .execute();
  }
}
