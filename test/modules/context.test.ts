import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextInput } from '../../src/modules/recordings/context.repository.js';
import { toPlainText, toSrt, toWebVtt } from '../../src/modules/recordings/transcript-export.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const SEGMENTS = [
  {
    start_seconds: 0.5,
    end_seconds: 3.25,
    text: 'We need to review the budget.',
    confidence: 0.8,
    speaker: null,
  },
  {
    start_seconds: 3.5,
    end_seconds: 7,
    text: 'Sarah sends <the> plan & notes\nby Friday.',
    confidence: null,
    speaker: 'S1',
  },
  { start_seconds: 3725.1234, end_seconds: 3726, text: 'Bye.', confidence: null, speaker: null },
];

const CONTEXT: ContextInput = {
  summary: 'The team will review the budget; Sarah sends the plan by Friday.',
  timeline: [{ start_seconds: 0, end_seconds: 3726, title: 'Budget, plan' }],
  actions: [
    { text: 'Sarah sends the plan by Friday.', timestamp_seconds: 3.5, owner: 'Sarah', due: 'by Friday' },
  ],
  urls: [{ url: 'https://docs.example.com/plan', first_seen_seconds: 2, frames: 3 }],
  apps: [{ name: 'Firefox', seconds: 42.5 }],
  tags: ['budget', 'plan'],
  language: 'en',
  engines: { transcript: 'pocketsphinx:en-us', summary: 'extractive:textrank' },
};

describe('transcript exports', () => {
  it('writes WebVTT with escaped cue text and hour-long times', () => {
    expect(toWebVtt(SEGMENTS)).toBe(
      'WEBVTT\n\n' +
        '00:00:00.500 --> 00:00:03.250\nWe need to review the budget.\n\n' +
        '00:00:03.500 --> 00:00:07.000\nSarah sends &lt;the&gt; plan &amp; notes by Friday.\n\n' +
        '01:02:05.123 --> 01:02:06.000\nBye.\n',
    );
    expect(toWebVtt([])).toBe('WEBVTT\n');
  });

  it('writes numbered SubRip cues and plain text', () => {
    expect(toSrt(SEGMENTS.slice(0, 2))).toBe(
      '1\n00:00:00,500 --> 00:00:03,250\nWe need to review the budget.\n\n' +
        '2\n00:00:03,500 --> 00:00:07,000\nSarah sends <the> plan & notes by Friday.\n',
    );
    expect(toPlainText(SEGMENTS)).toBe(
      'We need to review the budget.\nSarah sends <the> plan & notes by Friday.\nBye.\n',
    );
  });

  it('never writes a cue that ends before it starts', () => {
    expect(toSrt([{ start_seconds: 2, end_seconds: 1, text: 'x' }])).toContain(
      '00:00:02,000 --> 00:00:02,001',
    );
  });
});

describe.each(DIALECTS)('context and transcript API on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let user: Awaited<ReturnType<typeof seedUser>>;
  let stranger: Awaited<ReturnType<typeof seedUser>>;
  let enriched: string;
  let fresh: string;

  const stub = async (token: string, title: string) => {
    const res = await t.call('POST', '/api/v1/recordings', { token, body: { title } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-ctx-data-'));
    t = await createTestApp(dialect, { dataDir });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    user = await seedUser(t);
    stranger = await seedUser(t);
    // What the transcribe and enrich stages store (their suite runs them for real).
    enriched = await stub(user.token, 'Budget review');
    await t.c.recordings.segments.replaceAll(enriched, SEGMENTS);
    await t.c.recordings.context.upsert(enriched, CONTEXT);
    // Created a little later: the newest, and not processed at all.
    await new Promise((r) => setTimeout(r, 20));
    fresh = await stub(user.token, 'Not uploaded yet');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('returns the whole context with the transcript', async () => {
    const res = await t.call('GET', `/api/v1/recordings/${enriched}/context`, { token: user.token });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      recording_id: enriched,
      status: 'uploading',
      ...CONTEXT,
      transcript: SEGMENTS,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
  });

  it('returns what exists before processing, with the status to poll on', async () => {
    const res = await t.call('GET', `/api/v1/recordings/${fresh}/context`, { token: user.token });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      recording_id: fresh,
      status: 'uploading',
      summary: null,
      timeline: [],
      transcript: [],
      actions: [],
      urls: [],
      apps: [],
      tags: [],
      language: null,
      engines: {},
      updated_at: null,
    });
  });

  it.each([
    ['summary', CONTEXT.summary],
    ['timeline', CONTEXT.timeline],
    ['transcript', SEGMENTS],
    ['actions', CONTEXT.actions],
    ['urls', CONTEXT.urls],
    ['apps', CONTEXT.apps],
    ['tags', CONTEXT.tags],
  ])('?field=%s returns that part alone', async (field, value) => {
    const res = await t.call('GET', `/api/v1/recordings/${enriched}/context?field=${field}`, {
      token: user.token,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ recording_id: enriched, status: 'uploading', field, value });
  });

  it('?field= of an unprocessed recording gives the empty value', async () => {
    const summary = await t.call('GET', `/api/v1/recordings/${fresh}/context?field=summary`, {
      token: user.token,
    });
    expect(summary.json().value).toBeNull();
    const tags = await t.call('GET', `/api/v1/recordings/${fresh}/context?field=tags`, { token: user.token });
    expect(tags.json().value).toEqual([]);
  });

  it('refuses an unknown field with 400', async () => {
    const res = await t.call('GET', `/api/v1/recordings/${enriched}/context?field=secrets`, {
      token: user.token,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_REQUEST');
    expect(res.json().error.message).toMatch(/field/);
  });

  it('answers 404 for recordings of other workspaces and unknown ids, 401 without a token', async () => {
    for (const url of [
      `/api/v1/recordings/${enriched}/context`,
      `/api/v1/recordings/${enriched}/context?field=summary`,
      `/api/v1/recordings/${enriched}/transcript`,
    ]) {
      const res = await t.call('GET', url, { token: stranger.token });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.message).toBe('Recording not found.');
    }
    const unknown = await t.call('GET', `/api/v1/recordings/rec_${'0'.repeat(26)}/context`, {
      token: user.token,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await t.call('GET', `/api/v1/recordings/${enriched}/context`)).statusCode).toBe(401);
  });

  it('serves a read-scoped API key', async () => {
    const key = await t.call('POST', '/api/v1/keys', {
      token: user.token,
      body: { name: 'ctx', scopes: ['read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const token = key.json().key.plaintext as string;
    const res = await t.call('GET', `/api/v1/recordings/${enriched}/context?field=tags`, { token });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().value).toEqual(['budget', 'plan']);
  });

  describe('latest', () => {
    it("returns the newest recording's context, also one field of it", async () => {
      const res = await t.call('GET', '/api/v1/recordings/latest/context', { token: user.token });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ recording_id: fresh, summary: null, transcript: [] });

      const field = await t.call(
        'GET',
        `/api/v1/recordings/latest/context?field=summary&workspace_id=${user.workspaceId}`,
        {
          token: user.token,
        },
      );
      expect(field.statusCode, field.body).toBe(200);
      expect(field.json()).toEqual({
        recording_id: fresh,
        status: 'uploading',
        field: 'summary',
        value: null,
      });
    });

    it('follows the newest recording', async () => {
      await t.c.database.db
        .updateTable('recordings')
        .set({ created_at: '2000-01-01T00:00:00.000Z' })
        .where('id', '=', fresh)
        .execute();
      const res = await t.call('GET', '/api/v1/recordings/latest/context?field=tags', { token: user.token });
      expect(res.json()).toMatchObject({ recording_id: enriched, value: ['budget', 'plan'] });
    });

    it('is 404 when the workspace has no recordings, and for workspaces the caller is not in', async () => {
      const res = await t.call('GET', '/api/v1/recordings/latest/context', { token: stranger.token });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toMatch(/no recordings/);
      const other = await t.call(
        'GET',
        `/api/v1/recordings/latest/context?workspace_id=${user.workspaceId}`,
        {
          token: stranger.token,
        },
      );
      expect([403, 404]).toContain(other.statusCode);
    });
  });

  describe('transcript', () => {
    it('returns the segments as JSON with the language', async () => {
      const res = await t.call('GET', `/api/v1/recordings/${enriched}/transcript`, { token: user.token });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        recording_id: enriched,
        status: 'uploading',
        language: 'en',
        segments: SEGMENTS,
      });
    });

    it.each([
      ['vtt', 'text/vtt; charset=utf-8', /^WEBVTT\n\n00:00:00\.500 --> 00:00:03\.250\nWe need/],
      ['srt', 'application/x-subrip; charset=utf-8', /^1\n00:00:00,500 --> 00:00:03,250\n/],
      ['txt', 'text/plain; charset=utf-8', /^We need to review the budget\.\nSarah/],
    ])('exports ?format=%s', async (format, type, body) => {
      const res = await t.call('GET', `/api/v1/recordings/${enriched}/transcript?format=${format}`, {
        token: user.token,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['content-disposition']).toBe(`inline; filename="${enriched}.${format}"`);
      expect(res.body).toMatch(body);
    });

    it('exports an empty transcript as a valid empty file, and refuses unknown formats', async () => {
      const vtt = await t.call('GET', `/api/v1/recordings/${fresh}/transcript?format=vtt`, {
        token: user.token,
      });
      expect(vtt.statusCode).toBe(200);
      expect(vtt.body).toBe('WEBVTT\n');
      const bad = await t.call('GET', `/api/v1/recordings/${fresh}/transcript?format=docx`, {
        token: user.token,
      });
      expect(bad.statusCode).toBe(400);
    });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const res = await t.call('GET', '/api/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths as Record<string, unknown>);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/recordings/{id}/context',
        '/api/v1/recordings/latest/context',
        '/api/v1/recordings/{id}/transcript',
      ]),
    );
  });
});
