import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.js';
import type { AsrConfig } from './engine-config.js';
import { parseJsonLine, parseLegacyLine } from './pocketsphinx-output.js';
import type { SpeechToText, Transcript, TranscribeOptions, TranscriptWord } from './port.js';
import { lastLines, runCli } from './process.js';
import { assertSpeechWav, readWavInfo } from './wav.js';
import { findExecutable, isNonEmptyFile } from './which.js';
import { wordsToSegments } from './words-to-segments.js';

/**
 * CMU PocketSphinx through its command-line tool: the one speech-to-text engine that
 * runs offline from distribution packages (Debian `pocketsphinx pocketsphinx-en-us`).
 * Accuracy is low (a few words in three on clean speech) but the timestamps are real,
 * which is enough for search to land near the moment.
 *
 * Two generations exist: 5.x ships `pocketsphinx` (JSON lines); 0.8, still what
 * Debian bookworm packages, ships `pocketsphinx_continuous`. Both are given the model
 * files explicitly so neither depends on a compiled-in default path.
 */
export interface PocketSphinxInstall {
  bin: string;
  flavour: 'json' | 'legacy';
  hmm: string;
  lm: string;
  dict: string;
}

export type Availability<T> = { ok: true; value: T } | { ok: false; reason: string };

const MODEL_DIRS = [
  '/usr/share/pocketsphinx/model/en-us',
  '/usr/local/share/pocketsphinx/model/en-us',
  '/opt/homebrew/share/pocketsphinx/model/en-us',
];

export async function findPocketSphinx(
  cfg: AsrConfig['pocketsphinx'],
  envPath?: string,
): Promise<Availability<PocketSphinxInstall>> {
  const commands = cfg.bin ? [cfg.bin] : ['pocketsphinx', 'pocketsphinx_continuous'];
  let bin: string | undefined;
  for (const command of commands) {
    bin = await findExecutable(command, envPath);
    if (bin) break;
  }
  if (!bin) {
    return {
      ok: false,
      reason: cfg.bin
        ? `IRIS_POCKETSPHINX_BIN (${cfg.bin}) is not an executable file`
        : 'no pocketsphinx or pocketsphinx_continuous on PATH',
    };
  }
  const dirs = cfg.modelDir ? [cfg.modelDir] : MODEL_DIRS;
  for (const dir of dirs) {
    const model = {
      hmm: path.join(dir, 'en-us'),
      lm: path.join(dir, 'en-us.lm.bin'),
      dict: path.join(dir, 'cmudict-en-us.dict'),
    };
    if (
      (await isNonEmptyFile(path.join(model.hmm, 'mdef'))) &&
      (await isNonEmptyFile(model.lm)) &&
      (await isNonEmptyFile(model.dict))
    ) {
      const flavour = path.basename(bin).includes('continuous') ? 'legacy' : 'json';
      return { ok: true, value: { bin, flavour, ...model } };
    }
  }
  return {
    ok: false,
    reason: cfg.modelDir
      ? `IRIS_POCKETSPHINX_MODEL (${cfg.modelDir}) does not hold en-us/mdef, en-us.lm.bin and cmudict-en-us.dict`
      : `${path.basename(bin)} is installed but the en-us model is not (looked in ${MODEL_DIRS.join(', ')})`,
  };
}

export class PocketSphinxSpeechToText implements SpeechToText {
  readonly name = 'pocketsphinx';
  readonly model = 'en-us';

  constructor(
    private readonly install: PocketSphinxInstall,
    private readonly timeoutMs: number,
  ) {}

  async transcribe(wavPath: string, options: TranscribeOptions = {}): Promise<Transcript> {
    // Running the English model over another language yields confident nonsense.
    if (options.language && !/^en\b/i.test(options.language)) {
      throw new AppError(
        'UNPROCESSABLE',
        `pocketsphinx only has an English model; the recording is "${options.language}".`,
      );
    }
    await stat(wavPath); // a missing file is an ENOENT, not an engine failure
    const info = await readWavInfo(wavPath);
    assertSpeechWav(info, 'pocketsphinx');

    const { bin, flavour, hmm, lm, dict } = this.install;
    const model = ['-hmm', hmm, '-lm', lm, '-dict', dict];
    const args =
      flavour === 'json' ? [...model, 'live', wavPath] : [...model, '-infile', wavPath, '-time', 'yes'];
    const words: TranscriptWord[] = [];
    let reported = 0;
    const progress = (at: number) => {
      if (!options.onProgress || info.duration <= 0) return;
      const fraction = Math.min(1, at / info.duration);
      if (fraction - reported >= 0.01) {
        reported = fraction;
        options.onProgress(fraction);
      }
    };
    const onLine = (line: string) => {
      const parsed =
        flavour === 'json' ? parseJsonLine(line) : [parseLegacyLine(line)].filter((w) => w !== undefined);
      for (const w of parsed) {
        words.push(w);
        progress(w.end);
      }
    };

    const result = await runCli(bin, args, {
      engine: 'pocketsphinx',
      signal: options.signal,
      // Long recordings take long: the limit grows with the audio (measured RTF ≈ 0.3).
      timeoutMs: Math.max(this.timeoutMs, info.duration * 2 * 1000),
      onStdoutLine: onLine,
    });
    if (result.code !== 0) {
      throw new AppError(
        'MODEL_ERROR',
        `pocketsphinx exited with code ${result.code}: ${lastLines(result.stderrTail)}`,
        {
          engine: 'pocketsphinx',
        },
      );
    }
    options.onProgress?.(1);
    words.sort((a, b) => a.start - b.start);
    return { language: 'en', segments: wordsToSegments(words) };
  }
}
