import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import { readWavInfo } from '../../src/engines/asr/wav.js';
import { findExecutable } from '../../src/engines/asr/which.js';
import { newId } from '../../src/platform/ids.js';
import { NOTHING_TO_ENRICH } from '../../src/modules/recordings/stages/enrich.job.js';
import {
  annotateFrame,
  assembleContext,
  settleAnnotations,
} from '../../src/modules/recordings/stages/enrich-assembly.js';
import type { StageName } from '../../src/modules/recordings/stages.js';
import { extractSpeechWav } from '../../src/modules/recordings/stages/speech-audio.js';
import { toRows } from '../../src/modules/recordings/stages/transcribe.job.js';
import {
  acceptableWordErrorRate,
  findSynthesiser,
  synthesiseSpeech,
  wordErrorRate,
  type Synthesiser,
} from '../fixtures/speech.js';
import { chatReply, startFakeOpenAi, type FakeOpenAi } from '../engines/llm-fake-openai.js';
import { makeSlidesVideo, makeTone, npmFfmpeg } from '../fixtures/media.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { stageOf, uploaded, waitForStatus, type StatusJson } from './recordings.helpers.js';

const run = promisify(execFile);

const SPOKEN =
  'Please send the quarterly report to Sarah by Friday. We need to review the budget and the ' +
  'marketing plan before the launch. The project deadline is next Monday.';
/** Whatever the voice, at least one of these must come through to prove pocketsphinx heard the clip. */
const DISTINCTIVE = ['please', 'send', 'quarterly', 'report', 'sarah', 'friday', 'need', 'review', 'budget'];
const DISTINCTIVE_2 = ['market', 'marketing', 'plan', 'launch', 'project', 'product', 'deadline', 'monday'];

const [synthesiser, pocketsphinx] = await Promise.all([
  findSynthesiser(),
  findExecutable('pocketsphinx').then(async (p) => p ?? findExecutable('pocketsphinx_continuous')),
]);
const SPEECH_TOOLS = Boolean(synthesiser && pocketsphinx);
const NO_SPEECH_TOOLS_REASON =
  'needs flite or espeak-ng (to make speech) and pocketsphinx + pocketsphinx-en-us (to recognise it): ' +
  'apt install flite pocketsphinx pocketsphinx-en-us';
if (!SPEECH_TOOLS) console.warn(`[skipped] real speech-to-text tests: ${NO_SPEECH_TOOLS_REASON}`);

/** Screen text as the OCR stage stores it: a browser window, then an editor. */
const SCREEN = [
  {
    t: 0,
    text: 'Quarterly plan - Google Docs - Mozilla Firefox\nhttps://docs.example.com/quarterly-plan\nBudget review for the launch',
  },
  {
    t: 6,
    text: 'Quarterly plan - Google Docs - Mozilla Firefox\nhttps://docs.example.com/quarterly-plan\nMarketing plan owners',
  },
  { t: 10, text: 'budget.ts - iris - Visual Studio Code\nexport const launchBudget = 42;' },
  { t: 14, text: '' },
];

describe('engine configuration in loadConfig', () => {
  it('is part of Config, validated with every other variable, and never echoes keys', () => {
    const config = loadConfig({
      IRIS_ASR_ENGINE: 'pocketsphinx',
      IRIS_LLM_URL: 'http://127.0.0.1:11434/v1/',
      IRIS_LLM_MODEL: 'qwen2.5',
      IRIS_LLM_API_KEY: 'sk-very-secret',
    });
    expect(config.engines.asr.engine).toBe('pocketsphinx');
    expect(config.engines.llm).toMatchObject({ url: 'http://127.0.0.1:11434', model: 'qwen2.5' });

    let error: unknown;
    try {
      loadConfig({
        IRIS_PORT: 'eighty',
        IRIS_ASR_ENGINE: 'siri',
        IRIS_LLM_URL: 'http://127.0.0.1:11434',
        IRIS_LLM_API_KEY: 'sk-very-secret',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'IRIS_ASR_ENGINE must be one of auto, whisper, openai, pocketsphinx, none (got "siri")',
      'IRIS_LLM_MODEL is required when IRIS_LLM_URL is set',
      'IRIS_PORT must be an integer between 0 and 65535 (got "eighty")',
    ]);
    expect((error as Error).message).not.toContain('sk-very-secret');
  });
});

describe('enrich assembly (no database)', () => {
  const frames = SCREEN.map((s, i) => ({ id: `frm_${i}`, timestamp_seconds: s.t, ocr_text: s.text || null }));
  const segments = [
    { start_seconds: 0.5, end_seconds: 4, text: 'We need to review the budget before the launch.' },
    {
      start_seconds: 4.5,
      end_seconds: 9,
      text: 'Please send the marketing plan to docs.example.com by Friday.',
    },
  ];

  it('reads url and app per frame from its OCR text', () => {
    expect(frames.map(annotateFrame)).toEqual([
      { id: 'frm_0', url: 'https://docs.example.com/quarterly-plan', app: 'Firefox' },
      { id: 'frm_1', url: 'https://docs.example.com/quarterly-plan', app: 'Firefox' },
      { id: 'frm_2', url: null, app: 'Visual Studio Code' },
      { id: 'frm_3', url: null, app: null },
    ]);
  });

  it('fills a garbled frame from a frame of the same screen, before or after it, never across pages', () => {
    // OCR of a real screen recording (Chromium under Xvfb): the second frame lost the "1"
    // of the address bar's 127.0.0.1, the third shows another page.
    const body =
      'Quarterly Roadmap Review Launch the search dashboard in March. Owner: Priya. Budget approved.';
    const seen = [
      `¥ — @ Quarterly Roadmap Revie x + © © 127.0.0.1:8765/roadmap.html\n${body}`,
      `¥ — @ Quarterly Roadmap Revie x + e @ .27.0.0.1:8765/roadma\n${body}`,
      '¥ @ Invoice 4471 Approved x + e @ .27.0.0.1:8765/invoice\nInvoice 4471 Approved Vendor: Northwind Traders Total due: 12,400 EUR by Friday.',
    ].map((text, i) => ({ id: `frm_${i}`, timestamp_seconds: i * 10, ocr_text: text }));
    const own = seen.map(annotateFrame);
    expect(own.map((a) => a.url)).toEqual(['http://127.0.0.1:8765/roadmap.html', null, null]);
    const filled = settleAnnotations(seen, own).frames;
    expect(filled[1]).toEqual({ ...own[0], id: 'frm_1' });
    expect(filled[2]).toEqual(own[2]); // another page: nothing carried over
    // Looking forward: the first frame of a page, read before the bar painted, takes the later address.
    const reversed = [seen[1]!, seen[0]!].map((f, i) => ({
      ...f,
      id: `frm_${i}`,
      timestamp_seconds: i * 10,
    }));
    const forward = settleAnnotations(reversed, reversed.map(annotateFrame)).frames;
    expect(forward.map((a) => a.url)).toEqual([
      'http://127.0.0.1:8765/roadmap.html',
      'http://127.0.0.1:8765/roadmap.html',
    ]);
  });

  it('settles two readings of one address bar on the one the page text supports, never merging other pages', () => {
    // OCR of Chromium's address bar on PostgreSQL's SELECT page, twice (x11grab, 720p).
    const body =
      'SELECT Prev Up SQL Commands SELECT, TABLE, WITH — retrieve rows from a table or view Synopsis';
    const text = [
      `v @ SELECT x + | Prev | CG OFile _/usr/share/doc/postgresql-doc-15/html/sql-select.htm! | ${body}`,
      `v @ SELECT x + | CG OFile /usr/share/doc/postgresql-doc-15/html/sqi-select.htm! | ${body}`,
      // Another invoice page of the same template: a digit apart, never the same address.
      'Invoice 4472 x https://billing.example.com/invoices/4472 Invoice 4472 Customer Northwind Total due 6,195 EUR',
      'Invoice 4471 x https://billing.example.com/invoices/4471 Invoice 4471 Customer Northwind Total due 6,195 EUR',
    ].map((t, i) => ({ id: `frm_${i}`, timestamp_seconds: i * 3, ocr_text: t }));
    const own = text.map(annotateFrame);
    expect(own.map((a) => a.url)).toEqual([
      'file:///usr/share/doc/postgresql-doc-15/html/sql-select.html',
      'file:///usr/share/doc/postgresql-doc-15/html/sqi-select.html',
      'https://billing.example.com/invoices/4472',
      'https://billing.example.com/invoices/4471',
    ]);
    const { frames: settled, canonical } = settleAnnotations(text, own);
    expect(settled.map((a) => a.url)).toEqual([
      'file:///usr/share/doc/postgresql-doc-15/html/sql-select.html',
      'file:///usr/share/doc/postgresql-doc-15/html/sql-select.html',
      'https://billing.example.com/invoices/4472',
      'https://billing.example.com/invoices/4471',
    ]);
    expect(canonical.get('file:///usr/share/doc/postgresql-doc-15/html/sqi-select.html')).toBe(
      'file:///usr/share/doc/postgresql-doc-15/html/sql-select.html',
    );
  });

  it('builds urls (first seen), apps (seconds on screen), timeline, summary and tags from real text', async () => {
    const r = await assembleContext({
      frames,
      segments,
      duration: 20,
      language: 'en',
      engines: { transcript: 'x' },
    });
    expect(r.empty).toBe(false);
    expect(r.context.urls).toEqual([
      { url: 'https://docs.example.com/quarterly-plan', first_seen_seconds: 0, frames: 2 },
      // Said aloud, never on screen.
      { url: 'https://docs.example.com', first_seen_seconds: 4.5, frames: 0 },
    ]);
    // Firefox from 0 s until the editor at 10 s; the editor until the blank frame at 14 s.
    expect(r.context.apps).toEqual([
      { name: 'Firefox', seconds: 10 },
      { name: 'Visual Studio Code', seconds: 4 },
    ]);
    expect(r.context.summary).toMatch(/budget|marketing/i);
    expect(r.context.timeline.length).toBeGreaterThanOrEqual(1);
    expect(r.context.timeline[0]).toMatchObject({ start_seconds: 0 });
    expect(r.context.timeline.at(-1)!.end_seconds).toBe(20);
    expect(r.context.actions.map((a) => a.text).join(' ')).toMatch(
      /review the budget|send the marketing plan/,
    );
    expect(r.context.actions.every((a) => typeof a.timestamp_seconds === 'number')).toBe(true);
    expect(r.context.tags.length).toBeGreaterThan(0);
    expect(r.context.language).toBe('en');
    expect(r.context.engines).toEqual({
      transcript: 'x',
      summary: 'extractive:textrank',
      actions: 'rules',
      tags: 'keyphrases',
      timeline: 'texttiling+keyphrases',
      urls: 'ocr-url-patterns',
      apps: 'ocr-app-rules',
    });
  });

  it('invents nothing from nothing, and forgets what an earlier run claimed', async () => {
    const r = await assembleContext({
      frames: [{ id: 'f', timestamp_seconds: 0, ocr_text: '  ' }],
      segments: [],
      duration: 5,
      language: null,
      engines: { transcript: 'pocketsphinx:en-us', summary: 'llm:old', urls: 'ocr-url-patterns' },
    });
    expect(r).toEqual({
      empty: true,
      frames: [{ id: 'f', url: null, app: null }],
      context: {
        summary: null,
        timeline: [],
        actions: [],
        urls: [],
        apps: [],
        tags: [],
        language: null,
        engines: { transcript: 'pocketsphinx:en-us' },
      },
    });
  });

  it('stores engine segments in time order without blanks', () => {
    expect(
      toRows([
        { start: 2.00049, end: 3, text: ' second ', confidence: 0.5 },
        { start: 0, end: 1.5, text: 'first' },
        { start: 1.5, end: 2, text: '   ' },
      ]),
    ).toEqual([
      { start_seconds: 0, end_seconds: 1.5, text: 'first', confidence: null, speaker: null },
      { start_seconds: 2, end_seconds: 3, text: 'second', confidence: 0.5, speaker: null },
    ]);
  });
});

interface Clips {
  dir: string;
  /** AAC speech, no video. */
  speechM4a?: Buffer;
  /** Slides with speech: a screen recording with narration. */
  speechMp4?: Buffer;
  speechSeconds?: number;
  synthesiser?: Synthesiser;
  /** A tone: audio, but no words. */
  tone: Buffer;
  /** Slides without any audio stream. */
  silentMp4: Buffer;
}

let clips: Promise<Clips> | undefined;
function makeClips(): Promise<Clips> {
  clips ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iris-asr-clips-'));
    const silent = await makeSlidesVideo(
      path.join(dir, 'silent.mp4'),
      [
        { lines: ['Quarterly plan'], seconds: 7 },
        { lines: ['Budget and launch'], seconds: 7 },
      ],
      { width: 320, height: 240, audio: false },
    );
    const tone = await makeTone(path.join(dir, 'tone.m4a'), 2);
    const out: Clips = { dir, tone: readFileSync(tone), silentMp4: readFileSync(silent) };
    const speech = await synthesiseSpeech(SPOKEN, path.join(dir, 'speech.wav'));
    if (speech) {
      const wav = speech.path;
      const m4a = path.join(dir, 'speech.m4a');
      const mp4 = path.join(dir, 'speech.mp4');
      // prettier-ignore
      await run(npmFfmpeg(), ['-v', 'error', '-y', '-i', wav, '-c:a', 'aac', '-b:a', '128k', m4a]);
      // prettier-ignore
      await run(npmFfmpeg(), [
        '-v', 'error', '-y', '-i', silent, '-i', wav,
        '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k', '-shortest', mp4,
      ]);
      out.speechM4a = readFileSync(m4a);
      out.speechMp4 = readFileSync(mp4);
      out.speechSeconds = readFileSync(wav).length / 32_000;
      out.synthesiser = speech.synthesiser;
    }
    return out;
  })();
  return clips;
}

describe('speech audio extraction', () => {
  it('writes 16 kHz mono PCM with the bare 44-byte header pocketsphinx 0.8 insists on', async () => {
    const c = await makeClips();
    const input = path.join(c.dir, 'in-tone.m4a');
    writeFileSync(input, c.tone);
    for (const durationSeconds of [2, null]) {
      const out = path.join(c.dir, `tone-${durationSeconds}.wav`);
      const audio = await extractSpeechWav(input, out, { durationSeconds });
      const info = await readWavInfo(out);
      expect(info).toMatchObject({
        format: 1,
        sampleRate: 16000,
        channels: 1,
        bitsPerSample: 16,
        dataOffset: 44,
      });
      expect(audio.durationSeconds).toBeCloseTo(2, 1);
    }
  });
});

const FINISHED = ['done', 'skipped', 'failed'];

/**
 * Runs a recording's pipeline up to its end. While the stages before transcribe have
 * no job in this build, nothing hands over to transcribe: the test starts it (a
 * retry would too) once probe has finished.
 */
async function processed(t: TestApp, token: string, id: string, timeoutMs = 120_000): Promise<StatusJson> {
  const pipeline = t.c.recordings.pipeline;
  await waitForStatus(t, token, id, (s) => FINISHED.includes(stageOf(s, 'probe').state), timeoutMs);
  const chain: StageName[] = ['media', 'frames', 'ocr'];
  if (!chain.every((s) => pipeline.hasJob(s))) await pipeline.enqueue(id, 'transcribe');
  return settled(t, token, id, timeoutMs);
}

function settled(t: TestApp, token: string, id: string, timeoutMs = 120_000): Promise<StatusJson> {
  const pipeline = t.c.recordings.pipeline;
  return waitForStatus(
    t,
    token,
    id,
    (s) =>
      s.stages
        .filter((x) => pipeline.hasJob(x.stage as StageName))
        .every((x) => FINISHED.includes(x.state)) && FINISHED.includes(stageOf(s, 'enrich').state),
    timeoutMs,
  );
}

/** Runs enrich again (as a retry or an OCR rerun would) and waits for it. */
async function reEnrich(t: TestApp, token: string, id: string): Promise<StatusJson> {
  await t.c.recordings.repo.updateStage(id, 'enrich', { state: 'queued', progress: 0, finished_at: null });
  await t.c.recordings.pipeline.enqueue(id, 'enrich');
  return settled(t, token, id);
}

const contextOf = async (t: TestApp, token: string, id: string) => {
  const res = await t.call('GET', `/api/v1/recordings/${id}/context`, { token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe.each(DIALECTS)('transcribe and enrich stages on %s', (dialect) => {
  describe('with the engines this machine has (auto)', () => {
    let t: TestApp;
    let c: Clips;
    let user: Awaited<ReturnType<typeof seedUser>>;
    let dataDir: string;

    beforeAll(async () => {
      c = await makeClips();
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-asr-data-'));
      t = await createTestApp(dialect, { dataDir, engines: loadEngineConfig({}) });
      t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
      await t.c.queue.start();
      user = await seedUser(t);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it.skipIf(!SPEECH_TOOLS)(
      'transcribes a voice memo with pocketsphinx, then summarises the transcript extractively',
      async () => {
        const rec = await uploaded(t, user.token, {
          data: c.speechM4a!,
          filename: 'memo.m4a',
          type: 'audio/mp4',
        });
        const status = await processed(t, user.token, rec.id);
        const transcribe = stageOf(status, 'transcribe');
        expect(transcribe).toMatchObject({ state: 'done', error: null, progress: 1 });
        expect(transcribe.engine).toMatch(/^pocketsphinx:/);

        const segments = await t.c.recordings.segments.list(rec.id);
        expect(segments.length).toBeGreaterThan(0);
        for (const [i, s] of segments.entries()) {
          expect(s.end_seconds).toBeGreaterThanOrEqual(s.start_seconds);
          if (i > 0) expect(s.start_seconds).toBeGreaterThanOrEqual(segments[i - 1]!.end_seconds - 0.01);
        }
        // Speech starts after the half second of lead-in silence and ends within the clip.
        expect(segments[0]!.start_seconds).toBeGreaterThanOrEqual(0.3);
        expect(segments.at(-1)!.end_seconds).toBeLessThanOrEqual(c.speechSeconds! + 0.5);
        const words = segments.flatMap((s) => s.text.toLowerCase().split(/\W+/));
        expect(words.length).toBeGreaterThanOrEqual(8);
        expect(words.filter((w) => DISTINCTIVE.includes(w)).length).toBeGreaterThanOrEqual(1);
        const heard = segments.map((s) => s.text).join(' ');
        expect(wordErrorRate(SPOKEN, heard), heard).toBeLessThanOrEqual(
          acceptableWordErrorRate(c.synthesiser!),
        );

        expect(stageOf(status, 'enrich')).toMatchObject({ state: 'done', engine: 'extractive', error: null });
        const ctx = await contextOf(t, user.token, rec.id);
        expect(ctx.language).toBe('en');
        expect(ctx.transcript).toHaveLength(segments.length);
        // Extractive: the summary is made of transcript sentences, word for word.
        const transcriptText = segments.map((s) => s.text).join(' ');
        expect(typeof ctx.summary).toBe('string');
        for (const word of (ctx.summary as string).toLowerCase().split(/\W+/).filter(Boolean)) {
          expect(transcriptText.toLowerCase()).toContain(word);
        }
        expect(ctx.tags.length).toBeGreaterThan(0);
        expect(ctx.timeline.length).toBeGreaterThan(0);
        expect(ctx.engines).toMatchObject({
          transcript: transcribe.engine,
          summary: 'extractive:textrank',
          tags: 'keyphrases',
        });
      },
      180_000,
    );

    it.skipIf(!SPEECH_TOOLS)(
      'transcribes the narration of a screen recording (video container) and is idempotent',
      async () => {
        const rec = await uploaded(t, user.token, {
          data: c.speechMp4!,
          filename: 'demo.mp4',
          type: 'video/mp4',
        });
        await processed(t, user.token, rec.id);
        const first = await t.c.recordings.segments.list(rec.id);
        const words = first.flatMap((s) => s.text.toLowerCase().split(/\W+/));
        expect(
          words.filter((w) => [...DISTINCTIVE, ...DISTINCTIVE_2].includes(w)).length,
        ).toBeGreaterThanOrEqual(1);
        const heard = first.map((s) => s.text).join(' ');
        expect(wordErrorRate(SPOKEN, heard), heard).toBeLessThanOrEqual(
          acceptableWordErrorRate(c.synthesiser!),
        );

        // A rerun replaces the transcript instead of adding to it.
        await t.c.recordings.repo.updateStage(rec.id, 'transcribe', { state: 'queued', finished_at: null });
        await t.c.recordings.pipeline.enqueue(rec.id, 'transcribe');
        await settled(t, user.token, rec.id);
        const again = await t.c.recordings.segments.list(rec.id);
        expect(again.map((s) => s.text)).toEqual(first.map((s) => s.text));
      },
      240_000,
    );

    it('skips transcribe with "No audio stream" for a video without audio', async () => {
      const rec = await uploaded(t, user.token, {
        data: c.silentMp4,
        filename: 'silent.mp4',
        type: 'video/mp4',
      });
      const status = await processed(t, user.token, rec.id);
      expect(stageOf(status, 'transcribe')).toMatchObject({ state: 'skipped', error: 'No audio stream' });
      expect(await t.c.recordings.segments.list(rec.id)).toEqual([]);
    }, 120_000);

    it('annotates stored frames with url and app and builds urls/apps for the recording', async () => {
      const rec = await uploaded(t, user.token, {
        data: c.silentMp4,
        filename: 'screen.mp4',
        type: 'video/mp4',
      });
      await processed(t, user.token, rec.id);
      // The frames and OCR stages' output, as they store it.
      const frames = SCREEN.map((s, i) => ({
        id: newId('frm'),
        idx: i,
        timestamp_seconds: s.t,
        image_key: `test/frame-${i}.jpg`,
        width: 320,
        height: 240,
        phash: null,
      }));
      await t.c.recordings.frames.replaceAll(rec.id, rec.workspace_id, frames);
      for (const [i, f] of frames.entries()) {
        await t.c.recordings.frames.setOcr(f.id, {
          ocr_text: SCREEN[i]!.text || null,
          ocr_words: null,
          ocr_confidence: 0.9,
        });
      }
      const status = await reEnrich(t, user.token, rec.id);
      expect(stageOf(status, 'enrich')).toMatchObject({ state: 'done', error: null });

      const stored = await t.c.recordings.frames.list(rec.id);
      expect(stored.map((f) => [f.timestamp_seconds, f.url, f.app])).toEqual([
        [0, 'https://docs.example.com/quarterly-plan', 'Firefox'],
        [6, 'https://docs.example.com/quarterly-plan', 'Firefox'],
        [10, null, 'Visual Studio Code'],
        [14, null, null],
      ]);
      const ctx = await contextOf(t, user.token, rec.id);
      expect(ctx.urls).toEqual([
        { url: 'https://docs.example.com/quarterly-plan', first_seen_seconds: 0, frames: 2 },
      ]);
      expect(ctx.apps).toEqual([
        { name: 'Firefox', seconds: 10 },
        { name: 'Visual Studio Code', seconds: 4 },
      ]);
      // Extractive: every word of the summary is on screen.
      const screenWords = SCREEN.map((s) => s.text.toLowerCase()).join(' ');
      expect(typeof ctx.summary).toBe('string');
      for (const word of (ctx.summary as string).toLowerCase().split(/\W+/).filter(Boolean)) {
        expect(screenWords).toContain(word);
      }
      expect(ctx.engines).toMatchObject({ urls: 'ocr-url-patterns', apps: 'ocr-app-rules' });

      // Idempotent: the same inputs give the same context.
      await reEnrich(t, user.token, rec.id);
      const again = await contextOf(t, user.token, rec.id);
      expect({ ...again, updated_at: null }).toEqual({ ...ctx, updated_at: null });
    }, 120_000);
  });

  describe('without a speech-to-text engine (IRIS_ASR_ENGINE=none), with an LLM server', () => {
    let t: TestApp;
    let c: Clips;
    let llm: FakeOpenAi;
    let user: Awaited<ReturnType<typeof seedUser>>;
    let dataDir: string;

    beforeAll(async () => {
      c = await makeClips();
      llm = await startFakeOpenAi();
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-asr-data-'));
      t = await createTestApp(dialect, {
        dataDir,
        engines: loadEngineConfig({
          IRIS_ASR_ENGINE: 'none',
          IRIS_LLM_URL: `${llm.url}/v1`,
          IRIS_LLM_MODEL: 'fake-model-1',
          IRIS_LLM_API_KEY: 'sk-test-secret',
          IRIS_ENGINE_MAX_RETRIES: '0',
        }),
      });
      t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
      await t.c.queue.start();
      user = await seedUser(t);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await llm?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('skips transcribe with the reason and how to enable an engine; enrich has nothing to read', async () => {
      llm.handle(() => ({ status: 500, body: { error: { message: 'must not be called' } } }));
      const before = llm.requests.length;
      const rec = await uploaded(t, user.token, { data: c.tone, filename: 'tone.m4a', type: 'audio/mp4' });
      const status = await processed(t, user.token, rec.id);
      const transcribe = stageOf(status, 'transcribe');
      expect(transcribe.state).toBe('skipped');
      expect(transcribe.error).toMatch(
        /^No speech-to-text engine: speech-to-text is turned off \(IRIS_ASR_ENGINE=none\)/,
      );
      expect(transcribe.error).toMatch(/pocketsphinx-en-us/);
      expect(transcribe.error).toMatch(/IRIS_ASR_URL/);
      expect(transcribe.error).toMatch(/IRIS_WHISPER_MODEL/);
      expect(stageOf(status, 'enrich')).toMatchObject({ state: 'skipped', error: NOTHING_TO_ENRICH });
      // Nothing to read: the model is not asked to make something up.
      expect(llm.requests.length).toBe(before);
      const ctx = await contextOf(t, user.token, rec.id);
      expect(ctx).toMatchObject({
        summary: null,
        timeline: [],
        transcript: [],
        actions: [],
        urls: [],
        apps: [],
        tags: [],
      });
    }, 120_000);

    it('summarises with the LLM when one is configured, and records which model did', async () => {
      const reply = {
        summary: 'The team agreed to review the budget and send the marketing plan by Friday.',
        actions: [{ text: 'Send the marketing plan', owner: 'Sarah', due: 'by Friday' }],
        tags: ['budget', 'marketing plan'],
      };
      llm.handle(() => ({ body: chatReply(JSON.stringify(reply)) }));
      const rec = await uploaded(t, user.token, { data: c.tone, filename: 'meeting.m4a', type: 'audio/mp4' });
      await processed(t, user.token, rec.id);
      // A transcript as an engine elsewhere would have stored it.
      await t.c.recordings.segments.replaceAll(rec.id, [
        {
          start_seconds: 0,
          end_seconds: 4,
          text: 'We need to review the budget.',
          confidence: null,
          speaker: null,
        },
        {
          start_seconds: 4,
          end_seconds: 9,
          text: 'Sarah will send the marketing plan by Friday.',
          confidence: null,
          speaker: null,
        },
      ]);
      const before = llm.requests.length;
      const status = await reEnrich(t, user.token, rec.id);
      expect(stageOf(status, 'enrich')).toMatchObject({ state: 'done', engine: 'llm:fake-model-1' });

      const sent = llm.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.path).toBe('/v1/chat/completions');
      expect(sent[0]!.headers.authorization).toBe('Bearer sk-test-secret');
      expect(JSON.stringify(sent[0]!.json)).toContain('Sarah will send the marketing plan by Friday.');

      const ctx = await contextOf(t, user.token, rec.id);
      expect(ctx.summary).toBe(reply.summary);
      expect(ctx.tags).toEqual(['budget', 'marketing plan']);
      expect(ctx.actions).toEqual([
        { text: 'Send the marketing plan', timestamp_seconds: 4, owner: 'Sarah', due: 'by Friday' },
      ]);
      expect(ctx.engines).toMatchObject({ summary: 'llm:fake-model-1', actions: 'llm:fake-model-1' });
      expect(JSON.stringify(ctx)).not.toContain('sk-test-secret');

      // The server failing is not the recording's problem: extractive methods take over.
      llm.handle(() => ({ status: 503, body: { error: { message: 'overloaded' } } }));
      const fallback = await reEnrich(t, user.token, rec.id);
      expect(stageOf(fallback, 'enrich')).toMatchObject({
        state: 'done',
        engine: 'extractive (LLM unavailable)',
      });
      const ctx2 = await contextOf(t, user.token, rec.id);
      expect(ctx2.summary).toMatch(/review the budget|marketing plan/);
      expect(ctx2.engines).toMatchObject({ summary: 'extractive:textrank', actions: 'rules' });
    }, 120_000);
  });
});
