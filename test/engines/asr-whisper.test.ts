import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWhisper } from '../../src/engines/asr/whisper-cli.js';
import { parseWhisperJson } from '../../src/engines/asr/whisper-json.js';

/**
 * whisper.cpp itself is not installed here (no model may be downloaded), so its
 * output parsing is checked on samples written from the documented `-oj`/`-ojf`
 * formats, and its availability logic on real files.
 */
const OJ_SAMPLE = {
  systeminfo: 'AVX = 1 | AVX2 = 1 | AVX512 = 0 | FMA = 1 | NEON = 0 | ARM_FMA = 0 | F16C = 1 | SSE3 = 1 |',
  model: {
    type: 'base',
    multilingual: false,
    vocab: 51864,
    audio: { ctx: 1500, state: 512, head: 8, layer: 6 },
    text: { ctx: 448, state: 512, head: 8, layer: 6 },
    mels: 80,
    ftype: 1,
  },
  params: { model: 'models/ggml-base.en.bin', language: 'en', translate: false },
  result: { language: 'en' },
  transcription: [
    {
      timestamps: { from: '00:00:00,000', to: '00:00:02,480' },
      offsets: { from: 0, to: 2480 },
      text: ' The quarterly report is ready.',
    },
    {
      timestamps: { from: '00:00:02,480', to: '00:00:05,120' },
      offsets: { from: 2480, to: 5120 },
      text: ' Please send it to finance by Friday.',
    },
    {
      timestamps: { from: '00:00:05,120', to: '00:00:08,000' },
      offsets: { from: 5120, to: 8000 },
      text: ' [BLANK_AUDIO]',
    },
  ],
};

const OJF_SEGMENT = {
  timestamps: { from: '00:00:00,000', to: '00:00:01,500' },
  offsets: { from: 0, to: 1500 },
  text: ' Quarterly report.',
  tokens: [
    {
      text: '[_BEG_]',
      timestamps: { from: '00:00:00,000', to: '00:00:00,000' },
      offsets: { from: 0, to: 0 },
      id: 50363,
      p: 0.98,
      t_dtw: -1,
    },
    {
      text: ' Quarter',
      timestamps: { from: '00:00:00,000', to: '00:00:00,400' },
      offsets: { from: 0, to: 400 },
      id: 3001,
      p: 0.9,
      t_dtw: -1,
    },
    {
      text: 'ly',
      timestamps: { from: '00:00:00,400', to: '00:00:00,600' },
      offsets: { from: 400, to: 600 },
      id: 306,
      p: 0.7,
      t_dtw: -1,
    },
    {
      text: ' report',
      timestamps: { from: '00:00:00,600', to: '00:00:01,100' },
      offsets: { from: 600, to: 1100 },
      id: 989,
      p: 0.8,
      t_dtw: -1,
    },
    {
      text: '.',
      timestamps: { from: '00:00:01,100', to: '00:00:01,200' },
      offsets: { from: 1100, to: 1200 },
      id: 13,
      p: 0.6,
      t_dtw: -1,
    },
    {
      text: '[_TT_75]',
      timestamps: { from: '00:00:01,500', to: '00:00:01,500' },
      offsets: { from: 1500, to: 1500 },
      id: 50438,
      p: 0.5,
      t_dtw: -1,
    },
  ],
};

describe('whisper.cpp JSON output', () => {
  it('maps -oj segments (milliseconds) to seconds and drops non-speech markers', () => {
    expect(parseWhisperJson(OJ_SAMPLE)).toEqual({
      language: 'en',
      segments: [
        { start: 0, end: 2.48, text: 'The quarterly report is ready.' },
        { start: 2.48, end: 5.12, text: 'Please send it to finance by Friday.' },
      ],
    });
  });

  it('builds words from -ojf tokens, joining sub-word pieces and skipping special tokens', () => {
    const { segments } = parseWhisperJson({ result: { language: 'en' }, transcription: [OJF_SEGMENT] });
    expect(segments[0]!.words).toEqual([
      { start: 0, end: 0.6, word: 'Quarterly', confidence: 0.8 },
      { start: 0.6, end: 1.2, word: 'report.', confidence: 0.7 },
    ]);
    expect(segments[0]!.confidence).toBe(0.75);
  });

  it('refuses a document that is not whisper.cpp output', () => {
    expect(() => parseWhisperJson({ text: 'hello' })).toThrow(/no "transcription" array/);
  });
});

describe('whisper.cpp availability', () => {
  let dir: string;
  let model: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'iris-whisper-'));
    model = path.join(dir, 'ggml-base.en.bin');
    await writeFile(model, Buffer.from('ggml'));
    // Any executable does for resolution; it is never run here.
    bin = path.join(dir, 'whisper-cli');
    await symlink(process.execPath, bin);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const base = { bin: undefined, model: undefined, threads: undefined, timeoutMs: 60_000 };

  it('is unavailable, with the reason, until both a model file and a binary are there', async () => {
    expect(await findWhisper(base, '')).toEqual({ ok: false, reason: 'IRIS_WHISPER_MODEL is not set' });
    expect(await findWhisper({ ...base, model: path.join(dir, 'missing.bin') }, '')).toEqual({
      ok: false,
      reason: `IRIS_WHISPER_MODEL (${path.join(dir, 'missing.bin')}) is not a readable model file`,
    });
    expect(await findWhisper({ ...base, model }, '')).toEqual({
      ok: false,
      reason: 'IRIS_WHISPER_BIN is not set and whisper-cli is not on PATH',
    });
    expect(await findWhisper({ ...base, model, bin: path.join(dir, 'main') }, '')).toEqual({
      ok: false,
      reason: `IRIS_WHISPER_BIN (${path.join(dir, 'main')}) is not an executable file`,
    });
  });

  it('is available with a configured binary, or whisper-cli found on PATH', async () => {
    expect(await findWhisper({ ...base, model, bin, threads: 2 }, '')).toEqual({
      ok: true,
      value: { bin, model, threads: 2 },
    });
    expect(await findWhisper({ ...base, model }, dir)).toEqual({
      ok: true,
      value: { bin, model, threads: undefined },
    });
  });
});
