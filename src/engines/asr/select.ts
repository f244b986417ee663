import type { EngineConfig } from './engine-config.js';
import { OpenAiCompatibleSpeechToText } from './openai-compatible.js';
import { findPocketSphinx, PocketSphinxSpeechToText } from './pocketsphinx.js';
import type { SpeechToText } from './port.js';
import { findWhisper, WhisperCliSpeechToText } from './whisper-cli.js';

/**
 * Picks the speech-to-text engine at start-up. `auto` takes the best one available:
 * whisper.cpp (binary + model file) → an OpenAI-compatible server (URL configured) →
 * pocketsphinx (binary and en-us model installed). With none, the transcribe stage is
 * `skipped` with the reason and how to enable one; no transcript is ever made up.
 */
export type SpeechToTextSelection =
  | { engine: SpeechToText }
  | {
      skipped: true;
      reason: string;
      how_to_enable: string;
      /** Why each candidate was passed over, for logs and the status page. */
      tried: Array<{ engine: string; reason: string }>;
    };

const HOW_TO = {
  pocketsphinx: 'install the offline engine: apt install pocketsphinx pocketsphinx-en-us',
  openai:
    'set IRIS_ASR_URL (with IRIS_ASR_API_KEY and IRIS_ASR_MODEL if needed) to an OpenAI-compatible /v1/audio/transcriptions server',
  whisper:
    'set IRIS_WHISPER_BIN to a whisper.cpp whisper-cli binary and IRIS_WHISPER_MODEL to a ggml model file',
};

export const HOW_TO_ENABLE_SPEECH_TO_TEXT = `To enable speech-to-text, ${HOW_TO.pocketsphinx}; or ${HOW_TO.openai}; or ${HOW_TO.whisper}.`;

type Candidate = 'whisper' | 'openai' | 'pocketsphinx';

export async function selectSpeechToText(
  config: Pick<EngineConfig, 'asr'>,
  options: { envPath?: string } = {},
): Promise<SpeechToTextSelection> {
  const asr = config.asr;
  if (asr.engine === 'none') {
    return {
      skipped: true,
      reason: 'speech-to-text is turned off (IRIS_ASR_ENGINE=none)',
      how_to_enable: `Unset IRIS_ASR_ENGINE (or set it to auto) and ${HOW_TO.pocketsphinx}; or ${HOW_TO.openai}; or ${HOW_TO.whisper}.`,
      tried: [],
    };
  }
  const order: Candidate[] = asr.engine === 'auto' ? ['whisper', 'openai', 'pocketsphinx'] : [asr.engine];
  const tried: Array<{ engine: string; reason: string }> = [];
  for (const candidate of order) {
    const found = await tryEngine(candidate, config, options.envPath);
    if ('engine' in found) return found;
    tried.push({ engine: candidate, reason: found.reason });
  }
  const details = tried.map((t) => `${t.engine}: ${t.reason}`).join('; ');
  if (asr.engine !== 'auto') {
    return {
      skipped: true,
      reason: `speech-to-text engine ${asr.engine} (IRIS_ASR_ENGINE) is not available: ${details}`,
      how_to_enable: `To enable it, ${HOW_TO[asr.engine]}; or set IRIS_ASR_ENGINE=auto to use whichever engine is available.`,
      tried,
    };
  }
  return {
    skipped: true,
    reason: `no speech-to-text engine available (${details})`,
    how_to_enable: HOW_TO_ENABLE_SPEECH_TO_TEXT,
    tried,
  };
}

async function tryEngine(
  candidate: Candidate,
  { asr }: Pick<EngineConfig, 'asr'>,
  envPath: string | undefined,
): Promise<{ engine: SpeechToText } | { reason: string }> {
  switch (candidate) {
    case 'whisper': {
      const found = await findWhisper(asr.whisper, envPath);
      return found.ok ? { engine: new WhisperCliSpeechToText(found.value, asr.whisper.timeoutMs) } : found;
    }
    case 'openai':
      return asr.openai
        ? { engine: new OpenAiCompatibleSpeechToText(asr.openai) }
        : { reason: 'IRIS_ASR_URL is not set' };
    case 'pocketsphinx': {
      const found = await findPocketSphinx(asr.pocketsphinx, envPath);
      return found.ok
        ? { engine: new PocketSphinxSpeechToText(found.value, asr.pocketsphinx.timeoutMs) }
        : found;
    }
  }
}
