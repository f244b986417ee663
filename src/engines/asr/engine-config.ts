import { ConfigError } from '../../config.js';

/**
 * Configuration of the model engines (speech-to-text, LLM, embeddings), read from the
 * environment like the main config: validated once, every problem reported together.
 *
 * It lives in the asr folder only because that is the folder this work owns; the
 * integrator is expected to hang `loadEngineConfig(env)` off `loadConfig` (or move this
 * file to `src/engines/config.ts`). Nothing here touches the network or the disk:
 * availability of binaries and model files is decided by the `select*` functions.
 */

export const ASR_ENGINES = ['auto', 'whisper', 'openai', 'pocketsphinx', 'none'] as const;
export type AsrEngineChoice = (typeof ASR_ENGINES)[number];

/** An OpenAI-compatible HTTP endpoint (OpenAI, Ollama, vLLM, LocalAI, llama.cpp server…). */
export interface OpenAiEndpointConfig {
  /** Base URL without the `/v1` suffix, e.g. `http://127.0.0.1:11434`. */
  url: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
  /** Retries after the first attempt, on 429/5xx and connection failures. */
  maxRetries: number;
}

export interface AsrConfig {
  engine: AsrEngineChoice;
  whisper: {
    /** whisper.cpp CLI (`whisper-cli`, or `main` in older builds): a path or a name on PATH. */
    bin: string | undefined;
    /** A ggml model file (e.g. ggml-base.en.bin). Never downloaded by Iris. */
    model: string | undefined;
    threads: number | undefined;
    timeoutMs: number;
  };
  openai: (OpenAiEndpointConfig & { chunkSeconds: number }) | undefined;
  pocketsphinx: {
    /** Override of the binary; by default `pocketsphinx` (5.x) or `pocketsphinx_continuous` (0.8) on PATH. */
    bin: string | undefined;
    /** Override of the model directory (holding `en-us/`, `*.lm.bin`, `*.dict`). */
    modelDir: string | undefined;
    timeoutMs: number;
  };
}

export interface EngineConfig {
  asr: AsrConfig;
  /** Undefined when no LLM is configured: callers use the extractive fallbacks. */
  llm: OpenAiEndpointConfig | undefined;
  /** Undefined when no embedder is configured: search stays keyword-only. */
  embed: (OpenAiEndpointConfig & { batchSize: number }) | undefined;
}

type Env = Record<string, string | undefined>;

const MINUTE = 60_000;

export function loadEngineConfig(env: Env = process.env): EngineConfig {
  const problems: string[] = [];
  const optional = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = optional(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const httpUrl = (name: string) => {
    const v = optional(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        problems.push(`${name} must be an http(s) URL (got "${u.protocol}")`);
        return undefined;
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
      return undefined;
    }
    return normaliseBaseUrl(v);
  };

  const engineRaw = optional('IRIS_ASR_ENGINE') ?? 'auto';
  let engine: AsrEngineChoice = 'auto';
  if ((ASR_ENGINES as readonly string[]).includes(engineRaw)) engine = engineRaw as AsrEngineChoice;
  else problems.push(`IRIS_ASR_ENGINE must be one of ${ASR_ENGINES.join(', ')} (got "${engineRaw}")`);

  const asrUrl = httpUrl('IRIS_ASR_URL');
  const llmUrl = httpUrl('IRIS_LLM_URL');
  const embedUrl = httpUrl('IRIS_EMBED_URL');
  const llmModel = optional('IRIS_LLM_MODEL');
  const embedModel = optional('IRIS_EMBED_MODEL');
  // A chat or embedding server has no model everybody agrees on; guessing one turns a
  // configuration mistake into a confusing 404 at the first recording.
  if (llmUrl && !llmModel) problems.push('IRIS_LLM_MODEL is required when IRIS_LLM_URL is set');
  if (embedUrl && !embedModel) problems.push('IRIS_EMBED_MODEL is required when IRIS_EMBED_URL is set');
  if (engine === 'openai' && !asrUrl) problems.push('IRIS_ASR_ENGINE=openai needs IRIS_ASR_URL');

  const maxRetries = int('IRIS_ENGINE_MAX_RETRIES', 3, 0, 10);
  // One variable, two meanings: for local engines the least time a run may take (it
  // grows with the audio), for a server the limit per request (per piece of audio).
  const asrTimeout = optional('IRIS_ASR_TIMEOUT_MS')
    ? int('IRIS_ASR_TIMEOUT_MS', 0, 1000, 24 * 60 * MINUTE)
    : undefined;
  const config: EngineConfig = {
    asr: {
      engine,
      whisper: {
        bin: optional('IRIS_WHISPER_BIN'),
        model: optional('IRIS_WHISPER_MODEL'),
        threads: optional('IRIS_WHISPER_THREADS') ? int('IRIS_WHISPER_THREADS', 2, 1, 256) : undefined,
        timeoutMs: asrTimeout ?? 60 * MINUTE,
      },
      openai: asrUrl
        ? {
            url: asrUrl,
            apiKey: optional('IRIS_ASR_API_KEY'),
            // `whisper-1` is what OpenAI calls it; self-hosted servers mostly ignore the name.
            model: optional('IRIS_ASR_MODEL') ?? 'whisper-1',
            timeoutMs: asrTimeout ?? 10 * MINUTE,
            maxRetries,
            // OpenAI refuses uploads over 25 MB; 10 minutes of 16 kHz mono PCM is 19.2 MB.
            chunkSeconds: int('IRIS_ASR_CHUNK_SECONDS', 600, 30, 24 * 3600),
          }
        : undefined,
      pocketsphinx: {
        bin: optional('IRIS_POCKETSPHINX_BIN'),
        modelDir: optional('IRIS_POCKETSPHINX_MODEL'),
        timeoutMs: asrTimeout ?? 60 * MINUTE,
      },
    },
    llm:
      llmUrl && llmModel
        ? {
            url: llmUrl,
            apiKey: optional('IRIS_LLM_API_KEY'),
            model: llmModel,
            timeoutMs: int('IRIS_LLM_TIMEOUT_MS', 2 * MINUTE, 1000, 60 * MINUTE),
            maxRetries,
          }
        : undefined,
    embed:
      embedUrl && embedModel
        ? {
            url: embedUrl,
            // One OpenAI account usually serves both; a separate key wins when given.
            apiKey: optional('IRIS_EMBED_API_KEY') ?? optional('IRIS_LLM_API_KEY'),
            model: embedModel,
            timeoutMs: int('IRIS_EMBED_TIMEOUT_MS', MINUTE, 1000, 60 * MINUTE),
            maxRetries,
            batchSize: int('IRIS_EMBED_BATCH_SIZE', 64, 1, 2048),
          }
        : undefined,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * People paste either `http://host:11434` or `http://host:11434/v1` (that is what
 * OpenAI's own SDKs want); both mean the same server, and the adapters add `/v1/...`.
 */
export function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1$/, '');
}
