import type { EngineConfig } from '../asr/engine-config.js';
import { OpenAiCompatibleEmbedder } from './openai-compatible.js';
import type { Embedder } from './port.js';

/**
 * The configured embedder, or undefined: search then stays keyword-only (BM25). No embedding weights ship on npm, so there is no silent local default.
 */
export function selectEmbedder(config: Pick<EngineConfig, 'embed'>): Embedder | undefined {
  return config.embed ? new OpenAiCompatibleEmbedder(config.embed) : undefined;
}
