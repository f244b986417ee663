import type { EngineConfig } from '../asr/engine-config.js';
import { OpenAiCompatibleLanguageModel } from './openai-compatible.js';
import type { ToolCallingModel } from './port.js';

/**
 * The configured LLM, or undefined when there is none: that is a normal state, not an
 * error, and every caller has an extractive fallback. Only the OpenAI-compatible
 * protocol is wired today; a local GGUF adapter (node-llama-cpp) would slot in here.
 */
export function selectLanguageModel(config: Pick<EngineConfig, 'llm'>): ToolCallingModel | undefined {
  return config.llm ? new OpenAiCompatibleLanguageModel(config.llm) : undefined;
}
