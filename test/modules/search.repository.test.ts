import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codec } from '../../src/platform/db/codec.js';
import { newId } from '../../src/platform/ids.js';
import { RecordingsRepository } from '../../src/modules/recordings/recordings.repository.js';
import type { SearchDocument } from '../../src/modules/search/documents.js';
import { parseQuery, type SearchTerms } from '../../src/modules/search/query.js';
import { SearchRepository } from '../../src/modules/search/search.repository.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db.js';
import { backfill } from '../../src/platform/db/migrations/0006_search_postings.js';

const terms = (q: string): SearchTerms => parseQuery(q)!;
const seg = (idx: number, text: string): SearchDocument => ({
  kind: 'transcript',
  ref: String(idx),
  timestamp_seconds: idx * 10,
  text,
});

describe.each(DIALECTS)('search repository on %s', (dialect) => {
  let tdb: TestDatabase;
  let repo: SearchRepository;
  let recordings: RecordingsRepository;
  const ws1 = newId('ws');
  const ws2 = newId('ws');

  const recording = async (workspaceId: string, title: string) => {
    const rec = await recordings.insert({
      id: newId('rec'),
      workspace_id: workspaceId,
      created_by: null,
      title,
      source: 'upload',
      status: 'ready',
      upload_method: 'multipart',
      original_filename: null,
      content_type: null,
    });
    return rec.id;
  };
  const index = async (workspaceId: string, title: string, docs: SearchDocument[]) => {
    const id = await recording(workspaceId, title);
    await repo.replaceDocuments(id, workspaceId, [
      { kind: 'title', ref: null, timestamp_seconds: null, text: title },
      ...docs,
    ]);
    return id;
  };
  const rank = (q: string, ws = [ws1]) => repo.rankRecordings(terms(q), ws, 50);
  const ids = async (q: string, ws = [ws1]) => (await rank(q, ws)).hits.map((h) => h.recording_id);

  let often: string;
  let once: string;
  let screen: string;
  let foreign: string;

  beforeAll(async () => {
    tdb = await createTestDatabase(dialect);
    const { db } = tdb.database;
    repo = new SearchRepository(db, tdb.database.dialect, tdb.database.reader);
    recordings = new RecordingsRepository(db);
    const now = codec.now();
    for (const id of [ws1, ws2]) {
      await db
        .insertInto('workspaces')
        .values({ id, name: id, plan: 'free', created_by: null, created_at: now, updated_at: now })
        .execute();
    }
    // Filler so term statistics look like a real library (bm25's idf needs a corpus).
    for (let i = 0; i < 6; i++) {
      await index(ws1, `Filler ${i}`, [
        seg(0, 'we reviewed the quarterly budget and hiring plan'),
        seg(1, 'lunch orders and the office move were discussed'),
      ]);
    }
    often = await index(ws1, 'Platform sync', [
      seg(0, 'the kubernetes cluster upgrade is scheduled'),
      seg(1, 'kubernetes nodes were drained first'),
      seg(2, 'then we talked about lunch'),
      seg(3, 'after that kubernetes ingress broke'),
      seg(4, 'kubernetes is fine now'),
    ]);
    once = await index(ws1, 'Team meeting', [
      seg(0, 'someone mentioned kubernetes once'),
      seg(1, 'the rest was about the budget'),
    ]);
    screen = await index(ws1, 'Browser tour', [
      {
        kind: 'screen',
        ref: 'frm_1',
        timestamp_seconds: 75.5,
        text: 'Pull requests · acme/widgets\nhttps://github.com/acme/widgets/pull/42\nFirefox',
      },
      { kind: 'summary', ref: null, timestamp_seconds: null, text: 'A walk through the Café order system.' },
    ]);
    foreign = await index(ws2, 'Other workspace', [seg(0, 'kubernetes kubernetes kubernetes github')]);
  }, 60_000);
  afterAll(async () => tdb?.destroy());

  it('ranks a recording that mentions a term often above one that mentions it once', async () => {
    const { hits, total } = await rank('kubernetes');
    expect(hits.map((h) => h.recording_id)).toEqual([often, once]);
    expect(total).toBe(2);
    expect(hits[0]!.matches).toBe(4);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
  });

  it('never returns documents of workspaces outside the filter', async () => {
    expect(await ids('kubernetes')).not.toContain(foreign);
    expect(await ids('github')).not.toContain(foreign);
    expect(await ids('kubernetes', [ws2])).toEqual([foreign]);
    expect(await ids('kubernetes', [ws1, ws2])).toHaveLength(3);
  });

  it('returns the matching documents with their timestamps and kinds', async () => {
    const docs = await repo.matchingDocuments(terms('kubernetes'), [ws1], [often, once], 3);
    const ofOften = docs.filter((d) => d.recording_id === often);
    expect(ofOften).toHaveLength(3);
    for (const d of docs) {
      expect(d.kind).toBe('transcript');
      expect(d.text.toLowerCase()).toContain('kubernetes');
      expect(d.timestamp_seconds).toBe(Number(d.ref) * 10);
    }
  });

  it('splits URLs and punctuation into words and matches the last word as a prefix', async () => {
    expect(await ids('github')).toEqual([screen]);
    expect(await ids('widgets pull')).toEqual([screen]);
    expect(await ids('kuber')).toEqual([often, once]);
    // Not a prefix once the word is finished.
    expect(await ids('kuber ')).toEqual([]);
    expect(await ids('café')).toEqual([screen]);
    const [doc] = await repo.matchingDocuments(terms('github'), [ws1], [screen], 5);
    expect(doc).toMatchObject({ kind: 'screen', ref: 'frm_1', timestamp_seconds: 75.5 });
  });

  it('folds diacritics both ways', async () => {
    expect(await ids('cafe')).toEqual([screen]);
    expect(await ids('CAFÉ')).toEqual([screen]);
  });

  it('survives queries full of search syntax', async () => {
    const nasty = [
      '"unbalanced',
      'kubernetes*',
      'NEAR(kubernetes budget',
      '-kubernetes',
      'title:kubernetes',
      "'); DROP TABLE search_documents; --",
      'AND OR NOT',
      'kubernetes & | ! <-> budget',
      '\\\\ %% _ ^ $ {}',
    ];
    for (const q of nasty) {
      const parsed = parseQuery(q);
      if (!parsed) continue;
      await expect(repo.rankRecordings(parsed, [ws1], 10)).resolves.toBeDefined();
    }
    expect(await ids('kubernetes*')).toEqual([often, once]);
    expect(await ids('-kubernetes')).toEqual([often, once]);
    expect(await repo.documents(often)).toHaveLength(6);
  });

  it('replaces documents idempotently and follows renames and deletes', async () => {
    const id = await index(ws1, 'Roadmap review', [seg(0, 'zebra migration plan')]);
    const again = await repo.replaceDocuments(id, ws1, [
      { kind: 'title', ref: null, timestamp_seconds: null, text: 'Roadmap review' },
      seg(0, 'zebra migration plan'),
    ]);
    expect(again.map((d) => d.kind)).toEqual(['title', 'transcript']);
    expect(await repo.documents(id)).toHaveLength(2);
    expect((await rank('zebra')).hits).toEqual([expect.objectContaining({ recording_id: id, matches: 1 })]);

    await recordings.update(id, { title: 'Giraffe strategy' });
    expect(await ids('roadmap')).toEqual([]);
    expect(await ids('giraffe')).toEqual([id]);

    await recordings.delete(id);
    expect(await repo.documents(id)).toEqual([]);
    expect(await ids('zebra')).toEqual([]);
    expect(await ids('giraffe')).toEqual([]);
  });

  it('stores vectors per document and drops them with their documents', async () => {
    const id = await index(ws1, 'Vectors', [seg(0, 'alpha'), seg(1, 'beta')]);
    const docs = await repo.replaceDocuments(id, ws1, [seg(0, 'alpha'), seg(1, 'beta')]);
    await repo.replaceEmbeddings(id, 'm1', [
      { document: docs[0]!, vector: [3, 4] },
      { document: docs[1]!, vector: [0, 2] },
    ]);
    const seen: Array<{ id: number; v: number[] }> = [];
    await repo.scanVectors([ws1], 'm1', 2, (v) => seen.push({ id: v.document_id, v: [...v.vector] }));
    expect(seen.map((s) => s.id)).toEqual(docs.map((d) => d.id));
    expect(seen[0]!.v[0]).toBeCloseTo(0.6, 5); // stored as unit vectors
    expect(seen[1]!.v).toEqual([0, 1]);
    // Another model's or length's vectors are not mixed in.
    const none: unknown[] = [];
    await repo.scanVectors([ws1], 'm2', 2, (v) => none.push(v));
    await repo.scanVectors([ws1], 'm1', 3, (v) => none.push(v));
    await repo.scanVectors([ws2], 'm1', 2, (v) => none.push(v));
    expect(none).toEqual([]);

    await repo.replaceDocuments(id, ws1, [seg(0, 'gamma')]);
    expect(await repo.embeddingCount(id)).toBe(0);
  });

  it('stops early yet ranks exactly as scoring every match would, ties included', async () => {
    // A library where many recordings tie and words range from everywhere to rare.
    const ws = newId('ws');
    await tdb.database.db
      .insertInto('workspaces')
      .values({
        id: ws,
        name: ws,
        plan: 'free',
        created_by: null,
        created_at: codec.now(),
        updated_at: codec.now(),
      })
      .execute();
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const vocab = Array.from({ length: 300 }, (_, i) => `v${i}`);
    const word = () => vocab[Math.floor(vocab.length * rand() ** 3)]!;
    for (let r = 0; r < 120; r++) {
      const docs = Array.from({ length: 4 + Math.floor(rand() * 12) }, (_, i) =>
        seg(i, Array.from({ length: 3 + Math.floor(rand() * 20) }, word).join(' ')),
      );
      await index(ws, `Library ${r} ${word()}`, docs);
    }
    // The best recording for "w1 w2 w3" heads none of the three lists: 40 recordings
    // say each word more often, none says all three.
    for (const w of ['w1', 'w2', 'w3']) {
      for (let r = 0; r < 40; r++) {
        await index(
          ws,
          `Only ${w} ${r}`,
          Array.from({ length: 10 }, (_, i) => seg(i, `${w} ${w} ${w} v0`)),
        );
      }
    }
    const planted = await index(
      ws,
      'All three',
      Array.from({ length: 10 }, (_, i) => seg(i, 'w1 w2 w3')),
    );
    expect((await repo.rankRecordings(terms('w1 w2 w3'), [ws], 1)).hits[0]!.recording_id).toBe(planted);
    for (const q of ['v0', 'v1 v2', 'v0 v7 v150', 'v29 v3', 'v1', 'v99 v0', 'v10', 'w1 w2 w3', 'w2 v0']) {
      for (const k of [1, 5, 30]) {
        const stats = { rowsRead: 0, scored: 0, rounds: 0 };
        const fast = await repo.rankRecordings(terms(q), [ws], k, { stats, strategy: 'early-stop' });
        const all = await repo.rankRecordings(terms(q), [ws], k, { strategy: 'scan' });
        expect(fast.hits, `${q} top ${k}`).toEqual(all.hits);
        expect(fast.total).toBe(all.total);
        if (q === 'v0' && k === 5) expect(stats.scored).toBeLessThan(fast.total);
      }
    }
    // Across workspaces too.
    const both = await repo.rankRecordings(terms('v0 v7'), [ws, ws1], 10, { strategy: 'early-stop' });
    expect(both.hits).toEqual(
      (await repo.rankRecordings(terms('v0 v7'), [ws, ws1], 10, { strategy: 'scan' })).hits,
    );
    // And the automatic choice gives the same.
    expect((await repo.rankRecordings(terms('w1 w2 w3'), [ws], 5)).hits).toEqual(
      (await repo.rankRecordings(terms('w1 w2 w3'), [ws], 5, { strategy: 'scan' })).hits,
    );
  }, 60_000);

  it('indexes the words of documents written before the keyword index existed (migration backfill)', async () => {
    const id = await recording(ws1, 'Legacy');
    await tdb.database.db
      .insertInto('search_documents')
      .values([
        {
          recording_id: id,
          workspace_id: ws1,
          kind: 'title',
          ref: null,
          timestamp_seconds: null,
          text: 'Legacy',
        },
        {
          recording_id: id,
          workspace_id: ws1,
          kind: 'transcript',
          ref: '0',
          timestamp_seconds: 0,
          text: 'okapi herd',
        },
      ])
      .execute();
    expect(await ids('okapi')).toEqual([]);
    await backfill(tdb.database.db);
    expect(await ids('okapi')).toEqual([id]);
    expect(await ids('kubernetes')).toEqual([often, once]);
  });

  it('finds a word indexed by another process right away, although term counts are reused', async () => {
    const other = new SearchRepository(tdb.database.db, tdb.database.dialect, tdb.database.reader);
    const find = async (q: string) =>
      (await other.rankRecordings(terms(q), [ws1], 10)).hits.map((h) => h.recording_id);
    expect(await find('quokka')).toEqual([]);
    expect(await find('kubernetes')).toEqual([often, once]);
    const id = await index(ws1, 'Wildlife', [seg(0, 'a quokka and kubernetes'), seg(1, 'quokka again')]);
    expect(await find('quokka')).toEqual([id]);
    expect(await find('kubernetes')).toContain(id);
  });

  it('answers a search while the index stage holds its write transaction open', async () => {
    const { db } = tdb.database;
    const find = async (q: string) =>
      (await repo.rankRecordings(terms(q), [ws1], 10)).hits.map((h) => h.recording_id);
    const before = await find('kubernetes');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const writing = db.transaction().execute(async (trx) => {
      await trx.updateTable('search_documents').set({ text: 'kubernetes' }).where('id', '<', 0).execute();
      entered();
      await held;
    });
    await inside;
    // On SQLite the transaction holds the writer connection; the search reads on its own.
    const during = await Promise.race([
      find('kubernetes'),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 2000)),
    ]);
    release();
    await writing;
    expect(during).toEqual(before);
  });
});
