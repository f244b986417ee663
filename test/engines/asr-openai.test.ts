import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  OpenAiCompatibleSpeechToText,
  parseVerboseJson,
  type OpenAiAsrConfig,
} from '../../src/engines/asr/openai-compatible.js';
import { readWavInfo } from '../../src/engines/asr/wav.js';
import { AppError } from '../../src/errors.js';
import { toneAndSilence, writeWav } from './asr-audio.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from './llm-fake-openai.js';

const FAST = { baseMs: 5, maxMs: 50 };
let server: FakeOpenAi;
let dir: string;
let wav: string;

/** What faster-whisper-server / OpenAI return for verbose_json. */
function verbose(duration: number) {
  return {
    task: 'transcribe',
    language: 'english',
    duration,
    text: 'The quarterly report is ready. Please send it to finance by Friday.',
    segments: [
      {
        id: 0,
        seek: 0,
        start: 0.5,
        end: 2.4,
        text: ' The quarterly report is ready.',
        avg_logprob: -0.21,
        no_speech_prob: 0.01,
      },
      {
        id: 1,
        seek: 0,
        start: 2.6,
        end: 5.1,
        text: ' Please send it to finance by Friday.',
        avg_logprob: -0.35,
        no_speech_prob: 0.02,
      },
      // Whisper's own "probably silence" flags: the classic hallucination.
      {
        id: 2,
        seek: 0,
        start: 5.1,
        end: 6.0,
        text: ' Thank you for watching!',
        avg_logprob: -1.4,
        no_speech_prob: 0.93,
      },
    ],
  };
}

beforeAll(async () => {
  server = await startFakeOpenAi();
  dir = await mkdtemp(path.join(tmpdir(), 'iris-asr-openai-'));
  wav = path.join(dir, 'six.wav');
  await writeWav(wav, toneAndSilence(6));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

const config = (over: Partial<OpenAiAsrConfig> = {}): OpenAiAsrConfig => ({
  url: server.url,
  apiKey: 'sk-asr',
  model: 'Systran/faster-whisper-small',
  timeoutMs: 5000,
  maxRetries: 2,
  chunkSeconds: 600,
  ...over,
});

describe('OpenAI-compatible speech-to-text', () => {
  it('streams the WAV as a multipart upload with the model and verbose_json, and maps segments', async () => {
    server.handle(() => ({ body: verbose(6) }));
    const engine = new OpenAiCompatibleSpeechToText(config(), FAST);
    const progress: number[] = [];
    const transcript = await engine.transcribe(wav, { onProgress: (f) => progress.push(f) });

    const [req] = server.requests as [RecordedRequest];
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/audio/transcriptions');
    expect(req.headers.authorization).toBe('Bearer sk-asr');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.fields).toEqual({
      model: ['Systran/faster-whisper-small'],
      response_format: ['verbose_json'],
      'timestamp_granularities[]': ['segment'],
      temperature: ['0'],
    });
    expect(req.files).toHaveLength(1);
    expect(req.files![0]).toMatchObject({ name: 'file', filename: 'audio.wav', contentType: 'audio/wav' });
    expect(req.files![0]!.data.equals(await readFile(wav))).toBe(true);

    expect(transcript).toEqual({
      language: 'en',
      segments: [
        {
          start: 0.5,
          end: 2.4,
          text: 'The quarterly report is ready.',
          confidence: Math.round(Math.exp(-0.21) * 1000) / 1000,
        },
        {
          start: 2.6,
          end: 5.1,
          text: 'Please send it to finance by Friday.',
          confidence: Math.round(Math.exp(-0.35) * 1000) / 1000,
        },
      ],
    });
    expect(progress).toEqual([1]);
  });

  it('passes the language when known and keeps it', async () => {
    server.handle(() => ({ body: { ...verbose(6), language: 'german' } }));
    const engine = new OpenAiCompatibleSpeechToText(config(), FAST);
    const transcript = await engine.transcribe(wav, { language: 'fr' });
    expect(server.requests[0]!.fields!.language).toEqual(['fr']);
    expect(transcript.language).toBe('fr');
  });

  it('cuts long audio into pieces at quiet points and puts the times back on one clock', async () => {
    const long = path.join(dir, 'seventy.wav');
    await writeWav(long, toneAndSilence(70));
    server.handle((req) => {
      const piece = req.files![0]!.data;
      const seconds = (piece.length - 44) / 32000;
      return {
        body: {
          language: 'en',
          duration: seconds,
          segments: [{ start: 0.2, end: Math.min(1.4, seconds), text: `piece of ${seconds.toFixed(2)} s` }],
        },
      };
    });
    const engine = new OpenAiCompatibleSpeechToText(config({ chunkSeconds: 30 }), FAST);
    const progress: number[] = [];
    const transcript = await engine.transcribe(long, { onProgress: (f) => progress.push(f) });

    expect(server.requests).toHaveLength(3);
    let total = 0;
    const starts: number[] = [0];
    for (const req of server.requests) {
      const piece = req.files![0]!.data;
      const piecePath = path.join(dir, `piece-${total}.wav`);
      await writeFile(piecePath, piece);
      const info = await readWavInfo(piecePath); // each piece is a valid WAV on its own
      expect(info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataOffset: 44 });
      expect(info.duration).toBeLessThanOrEqual(35);
      total += info.duration;
      starts.push(total);
    }
    expect(total).toBeCloseTo(70, 1);
    // Cuts land in the silent half-second gaps of the fixture (every 2 s, from 1.5 s).
    for (const cut of starts.slice(1, -1)) expect((cut % 2) - 1.5).toBeGreaterThanOrEqual(-0.05);
    expect(transcript.segments.map((s) => s.start)).toEqual(
      starts.slice(0, 3).map((s) => Math.round((s + 0.2) * 1000) / 1000),
    );
    expect(progress).toEqual([1 / 3, 2 / 3, 1]);
  });

  it('retries a 503 and reports a 413 as MODEL_ERROR', async () => {
    server.handle((_r, i) => (i === 0 ? { status: 503, body: 'loading model' } : { body: verbose(6) }));
    const engine = new OpenAiCompatibleSpeechToText(config(), FAST);
    expect((await engine.transcribe(wav)).segments).toHaveLength(2);
    expect(server.requests).toHaveLength(2);

    server.handle(() => ({
      status: 413,
      body: { error: { message: 'Maximum content size limit (26214400) exceeded' } },
    }));
    const err = (await engine.transcribe(wav).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('MODEL_ERROR');
    expect(err.message).toBe(
      `The speech-to-text server at ${server.url} returned 413: Maximum content size limit (26214400) exceeded`,
    );
  });

  it('times out a server that never answers', async () => {
    server.handle(() => ({ delayMs: 800, body: verbose(6) }));
    const engine = new OpenAiCompatibleSpeechToText(config({ timeoutMs: 200, maxRetries: 0 }), FAST);
    await expect(engine.transcribe(wav)).rejects.toMatchObject({
      code: 'MODEL_ERROR',
      details: { timeout: true },
    });
  });
});

describe('verbose_json mapping', () => {
  it('uses words when the server sends them, and plain text when it ignores verbose_json', () => {
    const withWords = parseVerboseJson({
      language: 'en',
      segments: [{ start: 0, end: 1, text: 'hello world' }],
      words: [
        { word: 'hello', start: 0, end: 0.4 },
        { word: 'world', start: 0.5, end: 0.9 },
      ],
    });
    expect(withWords.segments[0]!.words).toEqual([
      { word: 'hello', start: 0, end: 0.4 },
      { word: 'world', start: 0.5, end: 0.9 },
    ]);
    expect(parseVerboseJson({ text: ' just text ', duration: 3.2 })).toEqual({
      segments: [{ start: 0, end: 3.2, text: 'just text' }],
    });
    expect(parseVerboseJson({ text: '' })).toEqual({ segments: [] });
    expect(() => parseVerboseJson({ error: 'nope' })).toThrow(/neither segments nor text/);
  });
});
