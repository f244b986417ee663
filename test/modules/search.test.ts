import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import type { Segment } from '../../src/modules/recordings/segments.repository.js';
import { newId } from '../../src/platform/ids.js';
import { startFakeOpenAi, type FakeOpenAi } from '../engines/llm-fake-openai.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { mediaFiles, stageOf, uploaded, waitForStatus } from './recordings.helpers.js';

interface SeedRecording {
  title: string;
  summary?: string;
  tags?: string[];
  transcript?: Array<[number, string]>;
  screens?: Array<{ at: number; ocr?: string; url?: string; app?: string }>;
}

interface Moment {
  timestamp_seconds: number;
  source: string;
  text: string;
  snippet: string;
}
interface Item {
  recording: { id: string; title: string; workspace_id: string; status: string };
  score: number;
  snippet: string;
  moments: Moment[];
}
interface Result {
  query: string;
  mode: string;
  items: Item[];
  total: number;
}

/**
 * Fills the tables the earlier stages write (through their repositories) and runs the
 * real `recording.index` job on the queue, so these tests do not depend on media,
 * OCR or speech engines.
 */
async function seedIndexed(t: TestApp, workspaceId: string, s: SeedRecording): Promise<string> {
  const r = t.c.recordings;
  const id = newId('rec');
  await r.repo.insert({
    id,
    workspace_id: workspaceId,
    created_by: null,
    title: s.title,
    source: 'upload',
    status: 'queued',
    upload_method: 'multipart',
    original_filename: null,
    content_type: null,
  });
  if (s.transcript) {
    const segments: Omit<Segment, 'idx'>[] = s.transcript.map(([at, text]) => ({
      start_seconds: at,
      end_seconds: at + 4,
      text,
      confidence: 0.9,
      speaker: null,
    }));
    await r.segments.replaceAll(id, segments);
  }
  if (s.screens) {
    await r.frames.replaceAll(
      id,
      workspaceId,
      s.screens.map((f, idx) => ({
        id: newId('frm'),
        idx,
        timestamp_seconds: f.at,
        image_key: `ws/${workspaceId}/rec/${id}/frames/${idx}.jpg`,
        width: 1280,
        height: 720,
        phash: null,
      })),
    );
    const frames = await r.frames.list(id);
    for (const [i, f] of s.screens.entries()) {
      await r.frames.setOcr(frames[i]!.id, { ocr_text: f.ocr ?? null, ocr_words: null, ocr_confidence: 90 });
      await r.frames.setEnrichment(frames[i]!.id, {
        url: f.url ?? null,
        app: f.app ?? null,
        description: null,
      });
    }
  }
  if (s.summary || s.tags) {
    await r.context.upsert(id, {
      summary: s.summary ?? null,
      timeline: [],
      actions: [],
      urls: [],
      apps: [],
      tags: s.tags ?? [],
      language: 'en',
      engines: { summary: 'test' },
    });
  }
  await runIndex(t, id);
  return id;
}

async function runIndex(t: TestApp, id: string): Promise<{ state: string; engine: string | null }> {
  const before = (await t.c.recordings.repo.stages(id)).find((s) => s.stage === 'index')!;
  await t.c.recordings.pipeline.enqueue(id, 'index');
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const stage = (await t.c.recordings.repo.stages(id)).find((s) => s.stage === 'index')!;
    if (
      (stage.state === 'done' || stage.state === 'failed') &&
      stage.finished_at !== null &&
      stage.finished_at !== before.finished_at
    ) {
      return stage;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`index stage of ${id} did not finish`);
}

const search = async (t: TestApp, token: string, body: Record<string, unknown>) => {
  const res = await t.call('POST', '/api/v1/search', { token, body });
  return res;
};
const ok = async (t: TestApp, token: string, body: Record<string, unknown>): Promise<Result> => {
  const res = await search(t, token, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Result;
};
const titles = (r: Result) => r.items.map((i) => i.recording.title);

describe.each(DIALECTS)('POST /api/v1/search on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let alice: Awaited<ReturnType<typeof seedUser>>;
  let bob: Awaited<ReturnType<typeof seedUser>>;
  const rec: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-search-'));
    t = await createTestApp(dialect, { dataDir });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    alice = await seedUser(t);
    bob = await seedUser(t);
    for (let i = 0; i < 4; i++) {
      await seedIndexed(t, alice.workspaceId, {
        title: `Filler ${i}`,
        transcript: [
          [0, 'we reviewed the quarterly budget and the hiring plan'],
          [5, 'lunch orders and the office move were discussed'],
        ],
      });
    }
    rec.platform = await seedIndexed(t, alice.workspaceId, {
      title: 'Platform sync',
      summary: 'The team planned the Kubernetes cluster upgrade and its rollback.',
      tags: ['infrastructure'],
      transcript: [
        [12, 'first item is the kubernetes upgrade'],
        [40, 'we drain the kubernetes nodes one by one'],
        [95.5, 'lunch is at noon'],
        [130, 'if kubernetes ingress breaks we roll back'],
        [200, 'kubernetes dashboards look fine'],
      ],
    });
    rec.design = await seedIndexed(t, alice.workspaceId, {
      title: 'Design review',
      transcript: [[3, 'the new onboarding screens look good']],
      screens: [
        {
          at: 75,
          ocr: 'Deploying to Kubernetes · docs',
          url: 'https://kubernetes.io/docs/home',
          app: 'Firefox',
        },
        { at: 90, ocr: 'Figma — Onboarding v3', app: 'Figma' },
      ],
    });
    rec.bobs = await seedIndexed(t, bob.workspaceId, {
      title: 'Bob kubernetes secrets',
      summary: 'kubernetes kubernetes kubernetes',
      transcript: [[1, 'kubernetes secret rotation for the kubernetes cluster']],
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ranks recordings by how much they are about the query, with snippets and moments', async () => {
    const r = await ok(t, alice.token, { query: 'kubernetes' });
    expect(r).toMatchObject({ query: 'kubernetes', mode: 'keyword', total: 2 });
    expect(r.items.map((i) => i.recording.id)).toEqual([rec.platform, rec.design]);
    const [platform, design] = r.items as [Item, Item];
    expect(platform.recording).toMatchObject({ title: 'Platform sync', workspace_id: alice.workspaceId });
    expect(platform.score).toBeGreaterThan(design.score);
    // The summary (with its tags) matched: it is the snippet, with the match marked.
    expect(platform.snippet).toBe(
      'The team planned the «Kubernetes» cluster upgrade and its rollback. Tags: infrastructure',
    );
    // The best three transcript moments, in time order; lunch is not one of them.
    expect(platform.moments.map((m) => m.source)).toEqual(['transcript', 'transcript', 'transcript']);
    const times = platform.moments.map((m) => m.timestamp_seconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times).not.toContain(95.5);
    for (const m of platform.moments) {
      expect(m.snippet).toContain('«kubernetes»');
      expect(m.text).toContain('kubernetes');
    }
    // Screen text (OCR + URL + app) gives a moment at the frame's time.
    expect(design.moments).toEqual([
      {
        timestamp_seconds: 75,
        source: 'screen',
        text: 'Deploying to Kubernetes · docs\nhttps://kubernetes.io/docs/home\nFirefox',
        snippet: 'Deploying to «Kubernetes» · docs https://«kubernetes».io/docs/home Firefox',
      },
    ]);
    expect(design.snippet).toContain('«Kubernetes»');
  });

  it('finds titles, tags, URLs and apps, and prefixes of the last word', async () => {
    expect(titles(await ok(t, alice.token, { query: 'design' }))).toEqual(['Design review']);
    expect(titles(await ok(t, alice.token, { query: 'infrastructure' }))).toEqual(['Platform sync']);
    expect(titles(await ok(t, alice.token, { query: 'figma' }))).toEqual(['Design review']);
    expect(titles(await ok(t, alice.token, { query: 'io/docs/home' }))).toEqual(['Design review']);
    expect(titles(await ok(t, alice.token, { query: 'onboard' }))).toEqual(['Design review']);
    const r = await ok(t, alice.token, { query: 'dashb' });
    expect(r.items[0]!.moments).toEqual([expect.objectContaining({ timestamp_seconds: 200 })]);
    expect(r.items[0]!.moments[0]!.snippet).toBe('kubernetes «dashboards» look fine');
  });

  it("never shows another workspace's recordings", async () => {
    const r = await ok(t, alice.token, { query: 'kubernetes secrets rotation bob' });
    expect(r.items.map((i) => i.recording.id)).not.toContain(rec.bobs);
    const forged = await search(t, alice.token, { query: 'kubernetes', workspace_id: bob.workspaceId });
    expect(forged.statusCode).toBe(404);
    expect(forged.json().error.code).toBe('NOT_FOUND');
    const mine = await ok(t, bob.token, { query: 'kubernetes' });
    expect(mine.items.map((i) => i.recording.id)).toEqual([rec.bobs]);
  });

  it('searches every workspace the user can read, or the one asked for', async () => {
    const created = await t.call('POST', '/api/v1/workspaces', { token: alice.token, body: { name: 'Lab' } });
    expect(created.statusCode, created.body).toBe(201);
    const lab = created.json().id as string;
    const labRec = await seedIndexed(t, lab, { title: 'Lab kubernetes notes' });
    const all = await ok(t, alice.token, { query: 'kubernetes' });
    expect(all.items.map((i) => i.recording.id)).toEqual(expect.arrayContaining([rec.platform, labRec]));
    expect(all.total).toBe(3);
    const onlyLab = await ok(t, alice.token, { query: 'kubernetes', workspace_id: lab });
    expect(onlyLab.items.map((i) => i.recording.id)).toEqual([labRec]);
    const onlyPersonal = await ok(t, alice.token, { query: 'kubernetes', workspace_id: alice.workspaceId });
    expect(onlyPersonal.items.map((i) => i.recording.id)).toEqual([rec.platform, rec.design]);
  });

  it('works with a read-scoped API key, limited to its workspace', async () => {
    const created = await t.call('POST', '/api/v1/keys', {
      token: alice.token,
      body: { name: 'search', scopes: ['read'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json().key.plaintext as string;
    const r = await ok(t, key, { query: 'kubernetes' });
    expect(r.items.map((i) => i.recording.id)).toEqual([rec.platform, rec.design]);
    expect((await search(t, key, { query: 'kubernetes', workspace_id: bob.workspaceId })).statusCode).toBe(
      404,
    );
    expect((await t.call('POST', '/api/v1/search', { body: { query: 'kubernetes' } })).statusCode).toBe(401);
  });

  it('clamps the limit', async () => {
    const one = await ok(t, alice.token, { query: 'kubernetes', limit: 1, workspace_id: alice.workspaceId });
    expect(one.items).toHaveLength(1);
    expect(one.total).toBe(2);
    const zero = await ok(t, alice.token, { query: 'kubernetes', limit: 0, workspace_id: alice.workspaceId });
    expect(zero.items).toHaveLength(1);
    const huge = await ok(t, alice.token, {
      query: 'budget',
      limit: 10_000,
      workspace_id: alice.workspaceId,
    });
    expect(huge.items).toHaveLength(4);
    const negative = await ok(t, alice.token, { query: 'budget', limit: -5 });
    expect(negative.items).toHaveLength(1);
  });

  it('treats search syntax as text: no 5xx, sensible results', async () => {
    const queries = [
      '"kubernetes',
      'kubernetes*',
      'NEAR(kubernetes upgrade',
      '-kubernetes',
      'summary:kubernetes',
      "kubernetes'); DROP TABLE recordings; --",
      'kubernetes AND NOT OR',
      'kubernetes & | ! <-> :*',
      '(kubernetes))',
    ];
    for (const query of queries) {
      const r = await ok(t, alice.token, { query, workspace_id: alice.workspaceId });
      expect(r.items[0]?.recording.id, query).toBe(rec.platform);
    }
    for (const query of ['"', '*', '-', ':', '()', '   ', "'); --"]) {
      const res = await search(t, alice.token, { query });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
    expect((await ok(t, alice.token, { query: 'xylophone' })).items).toEqual([]);
    expect((await search(t, alice.token, { query: '' })).statusCode).toBe(400);
    expect((await search(t, alice.token, { query: 'a'.repeat(501) })).statusCode).toBe(400);
    expect((await search(t, alice.token, { query: 'x', extra: 1 })).statusCode).toBe(400);
    const still = await t.c.database.db.selectFrom('recordings').select('id').execute();
    expect(still.length).toBeGreaterThan(0);
  });

  it('follows renames, re-indexing and deletes', async () => {
    const id = await seedIndexed(t, alice.workspaceId, {
      title: 'Zebra crossing',
      transcript: [[1, 'quagga herd']],
    });
    expect(titles(await ok(t, alice.token, { query: 'zebra' }))).toEqual(['Zebra crossing']);
    await t.c.recordings.repo.update(id, { title: 'Okapi sighting' });
    expect((await ok(t, alice.token, { query: 'zebra' })).items).toEqual([]);
    expect(titles(await ok(t, alice.token, { query: 'okapi' }))).toEqual(['Okapi sighting']);
    // A rerun of the stage converges on the same documents.
    const before = await t.c.search.repo.documents(id);
    await runIndex(t, id);
    expect((await t.c.search.repo.documents(id)).map((d) => [d.kind, d.text])).toEqual(
      before.map((d) => [d.kind, d.text]),
    );
    expect((await ok(t, alice.token, { query: 'quagga' })).items).toHaveLength(1);
    const del = await t.call('DELETE', `/api/v1/recordings/${id}`, { token: alice.token });
    expect(del.statusCode, del.body).toBe(204);
    expect((await ok(t, alice.token, { query: 'quagga' })).items).toEqual([]);
    expect(await t.c.search.repo.documents(id)).toEqual([]);
  });

  it('indexes an uploaded video end to end: the index stage runs and the title is searchable', async () => {
    const m = await mediaFiles();
    const up = await uploaded(
      t,
      alice.token,
      { data: m.video, filename: 'walkthrough.mp4', type: 'video/mp4' },
      [['title', 'Quarterly roadmap walkthrough']],
    );
    await waitForStatus(t, alice.token, up.id, (s) => stageOf(s, 'probe').state === 'done', 30_000);
    // Until every earlier stage has a job, nothing hands over to `index`: start it here.
    if (stageOf(await waitForStatus(t, alice.token, up.id, () => true), 'index').state === 'queued') {
      await t.c.recordings.pipeline.enqueue(up.id, 'index');
    }
    const status = await waitForStatus(
      t,
      alice.token,
      up.id,
      (s) => ['done', 'failed'].includes(stageOf(s, 'index').state),
      90_000,
    );
    expect(stageOf(status, 'index')).toMatchObject({
      state: 'done',
      engine: 'bm25-impacts',
    });
    const r = await ok(t, alice.token, { query: 'roadmap walkthrough' });
    expect(r.items[0]!.recording).toMatchObject({ id: up.id, title: 'Quarterly roadmap walkthrough' });
  }, 120_000);
});

/**
 * A tiny OpenAI-compatible embeddings server: a bag of concepts, where a few synonyms
 * share a dimension, so "automobile" is near "car" without sharing a word.
 */
const CONCEPTS = [
  ['car', 'automobile', 'vehicle', 'cars'],
  ['money', 'budget', 'cash', 'funding'],
  ['dog', 'puppy', 'canine'],
  ['meeting', 'sync', 'standup'],
];
function embedText(text: string): number[] {
  const v = new Array<number>(CONCEPTS.length + 8).fill(0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const c = CONCEPTS.findIndex((words) => words.includes(w));
    if (c >= 0) v[c]! += 1;
    else v[CONCEPTS.length + (w.charCodeAt(0) % 8)]! += 0.05;
  }
  return v;
}

describe.each(DIALECTS)('hybrid search with an embedder on %s', (dialect) => {
  let t: TestApp;
  let fake: FakeOpenAi;
  let dataDir: string;
  let user: Awaited<ReturnType<typeof seedUser>>;
  let failEmbeddings = false;
  const rec: Record<string, string> = {};

  beforeAll(async () => {
    fake = await startFakeOpenAi((req) => {
      if (req.path !== '/v1/embeddings') return { status: 404, body: {} };
      if (failEmbeddings) return { status: 400, body: { error: { message: 'model is asleep' } } };
      const input = (req.json as { input: string[] }).input;
      return {
        body: {
          object: 'list',
          model: 'tiny-embed',
          data: input.map((s, index) => ({ object: 'embedding', index, embedding: embedText(s) })),
        },
      };
    });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-search-h-'));
    const engines = loadEngineConfig({
      IRIS_EMBED_URL: fake.url,
      IRIS_EMBED_MODEL: 'tiny-embed',
      IRIS_ENGINE_MAX_RETRIES: '0',
    });
    t = await createTestApp(dialect, { dataDir, engines });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    user = await seedUser(t);
    rec.cars = await seedIndexed(t, user.workspaceId, {
      title: 'Fleet review',
      transcript: [
        [10, 'we compared every car in the fleet'],
        [20, 'electric cars charge overnight'],
      ],
    });
    rec.dogs = await seedIndexed(t, user.workspaceId, {
      title: 'Office pets',
      transcript: [[5, 'the puppy slept under the desk']],
    });
    rec.money = await seedIndexed(t, user.workspaceId, {
      title: 'Finance',
      transcript: [[7, 'the budget for next year']],
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('embeds every document in the index stage and names the model', async () => {
    const stage = (await t.c.recordings.repo.stages(rec.cars!)).find((s) => s.stage === 'index')!;
    expect(stage).toMatchObject({
      state: 'done',
      engine: 'bm25-impacts+embeddings:tiny-embed',
    });
    // Title + two transcript segments.
    expect(await t.c.search.repo.embeddingCount(rec.cars!)).toBe(3);
  });

  it('finds by meaning what shares no word with the query, fused with keyword hits', async () => {
    const r = await ok(t, user.token, { query: 'automobile' });
    expect(r.mode).toBe('hybrid');
    expect(r.items[0]!.recording.id).toBe(rec.cars);
    expect(r.items[0]!.moments.map((m) => m.timestamp_seconds)).toEqual([10, 20]);

    // A keyword hit that is also the nearest by meaning stays first.
    const puppy = await ok(t, user.token, { query: 'puppy' });
    expect(puppy.items[0]!.recording.id).toBe(rec.dogs);
    expect(puppy.items[0]!.moments[0]!.snippet).toBe('the «puppy» slept under the desk');
    expect(puppy.items[0]!.score).toBeGreaterThan(puppy.items[1]?.score ?? 0);
  });

  it('falls back to keywords when the embedder fails at query time', async () => {
    failEmbeddings = true;
    try {
      const r = await ok(t, user.token, { query: 'budget' });
      expect(r.mode).toBe('keyword');
      expect(r.items.map((i) => i.recording.id)).toEqual([rec.money]);
      // The index stage fails with the embedder's error, the documents stay searchable.
      const stage = await runIndex(t, rec.money!);
      expect(stage.state).toBe('failed');
      expect((await ok(t, user.token, { query: 'budget' })).items).toHaveLength(1);
    } finally {
      failEmbeddings = false;
    }
  });
});
