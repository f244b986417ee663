import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import { findPocketSphinx } from '../../src/engines/asr/pocketsphinx.js';
import { HOW_TO_ENABLE_SPEECH_TO_TEXT, selectSpeechToText } from '../../src/engines/asr/select.js';
import { ConfigError } from '../../src/config.js';

let dir: string;
let model: string;
let bin: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iris-asr-select-'));
  model = path.join(dir, 'ggml-base.en.bin');
  await writeFile(model, Buffer.from('ggml'));
  bin = path.join(dir, 'whisper-cli');
  await symlink(process.execPath, bin); // resolved, never run
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** An empty PATH: nothing installed. */
const NOTHING = { envPath: '' };

describe('speech-to-text selection', () => {
  it('skips with the reason and how to enable an engine when none is available', async () => {
    const selection = await selectSpeechToText(loadEngineConfig({}), NOTHING);
    expect(selection).toEqual({
      skipped: true,
      reason:
        'no speech-to-text engine available (whisper: IRIS_WHISPER_MODEL is not set; openai: IRIS_ASR_URL is not set; ' +
        'pocketsphinx: no pocketsphinx or pocketsphinx_continuous on PATH)',
      how_to_enable: HOW_TO_ENABLE_SPEECH_TO_TEXT,
      tried: [
        { engine: 'whisper', reason: 'IRIS_WHISPER_MODEL is not set' },
        { engine: 'openai', reason: 'IRIS_ASR_URL is not set' },
        { engine: 'pocketsphinx', reason: 'no pocketsphinx or pocketsphinx_continuous on PATH' },
      ],
    });
    expect(HOW_TO_ENABLE_SPEECH_TO_TEXT).toContain('apt install pocketsphinx pocketsphinx-en-us');
    expect(HOW_TO_ENABLE_SPEECH_TO_TEXT).toContain('IRIS_ASR_URL');
    expect(HOW_TO_ENABLE_SPEECH_TO_TEXT).toContain('IRIS_WHISPER_BIN');
    expect(HOW_TO_ENABLE_SPEECH_TO_TEXT).toContain('IRIS_WHISPER_MODEL');
  });

  it('prefers whisper (binary + model) over a configured server', async () => {
    const cfg = loadEngineConfig({
      IRIS_WHISPER_MODEL: model,
      IRIS_WHISPER_BIN: bin,
      IRIS_ASR_URL: 'http://127.0.0.1:9/v1',
    });
    const selection = await selectSpeechToText(cfg, NOTHING);
    expect('engine' in selection && selection.engine.name).toBe('whisper');
    expect('engine' in selection && selection.engine.model).toBe('ggml-base.en.bin');
  });

  it('uses the OpenAI-compatible server when whisper is not complete', async () => {
    const cfg = loadEngineConfig({
      IRIS_WHISPER_BIN: bin,
      IRIS_ASR_URL: 'http://127.0.0.1:9',
      IRIS_ASR_MODEL: 'whisper-large-v3',
    });
    const selection = await selectSpeechToText(cfg, NOTHING);
    expect('engine' in selection && selection.engine.name).toBe('openai-compatible');
    expect('engine' in selection && selection.engine.model).toBe('whisper-large-v3');
  });

  it('honours a forced engine, and says why it is unavailable', async () => {
    const forced = await selectSpeechToText(
      loadEngineConfig({ IRIS_ASR_ENGINE: 'pocketsphinx', IRIS_ASR_URL: 'http://x.test' }),
      NOTHING,
    );
    expect(forced).toMatchObject({
      skipped: true,
      reason:
        'speech-to-text engine pocketsphinx (IRIS_ASR_ENGINE) is not available: pocketsphinx: no pocketsphinx or pocketsphinx_continuous on PATH',
      how_to_enable: expect.stringContaining('apt install pocketsphinx pocketsphinx-en-us'),
    });
    const whisper = await selectSpeechToText(
      loadEngineConfig({ IRIS_ASR_ENGINE: 'whisper', IRIS_WHISPER_MODEL: path.join(dir, 'nope.bin') }),
      NOTHING,
    );
    expect(whisper).toMatchObject({
      skipped: true,
      reason: expect.stringContaining('is not a readable model file'),
    });
  });

  it('is off with IRIS_ASR_ENGINE=none, even when engines exist', async () => {
    const selection = await selectSpeechToText(
      loadEngineConfig({ IRIS_ASR_ENGINE: 'none', IRIS_ASR_URL: 'http://x.test' }),
      NOTHING,
    );
    expect(selection).toMatchObject({
      skipped: true,
      reason: 'speech-to-text is turned off (IRIS_ASR_ENGINE=none)',
    });
  });

  it('finds pocketsphinx when it is installed', async () => {
    const installed = await findPocketSphinx(loadEngineConfig({}).asr.pocketsphinx);
    if (!installed.ok) {
      console.warn(`[iris tests] pocketsphinx selection check skipped: ${installed.reason}`);
      return;
    }
    const selection = await selectSpeechToText(loadEngineConfig({}));
    expect('engine' in selection && selection.engine.name).toBe('pocketsphinx');
  });
});

describe('engine configuration', () => {
  it('has working defaults with an empty environment', () => {
    const cfg = loadEngineConfig({});
    expect(cfg.asr.engine).toBe('auto');
    expect(cfg.asr.openai).toBeUndefined();
    expect(cfg.llm).toBeUndefined();
    expect(cfg.embed).toBeUndefined();
  });

  it('reads the endpoints, strips a trailing /v1 and lets the embedder borrow the LLM key', () => {
    const cfg = loadEngineConfig({
      IRIS_ASR_URL: 'https://api.openai.com/v1/',
      IRIS_ASR_API_KEY: 'sk-a',
      IRIS_LLM_URL: 'http://127.0.0.1:11434',
      IRIS_LLM_MODEL: 'llama3.1',
      IRIS_LLM_API_KEY: 'sk-l',
      IRIS_EMBED_URL: 'http://127.0.0.1:11434/v1',
      IRIS_EMBED_MODEL: 'nomic-embed-text',
    });
    expect(cfg.asr.openai).toMatchObject({
      url: 'https://api.openai.com',
      apiKey: 'sk-a',
      model: 'whisper-1',
      chunkSeconds: 600,
    });
    expect(cfg.llm).toMatchObject({
      url: 'http://127.0.0.1:11434',
      model: 'llama3.1',
      apiKey: 'sk-l',
      maxRetries: 3,
    });
    expect(cfg.embed).toMatchObject({
      url: 'http://127.0.0.1:11434',
      model: 'nomic-embed-text',
      apiKey: 'sk-l',
      batchSize: 64,
    });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadEngineConfig({
        IRIS_ASR_ENGINE: 'vosk',
        IRIS_LLM_URL: 'ftp://llm',
        IRIS_EMBED_URL: 'http://e',
        IRIS_ASR_CHUNK_SECONDS: '5',
        IRIS_ASR_TIMEOUT_MS: 'soon',
        IRIS_ASR_URL: 'http://asr',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'IRIS_ASR_ENGINE must be one of auto, whisper, openai, pocketsphinx, none (got "vosk")',
      'IRIS_LLM_URL must be an http(s) URL (got "ftp:")',
      'IRIS_EMBED_MODEL is required when IRIS_EMBED_URL is set',
      'IRIS_ASR_TIMEOUT_MS must be an integer between 1000 and 86400000 (got "soon")',
      'IRIS_ASR_CHUNK_SECONDS must be an integer between 30 and 86400 (got "5")',
    ]);
  });
});
