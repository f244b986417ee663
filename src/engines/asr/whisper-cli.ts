import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../errors.js';
import type { AsrConfig } from './engine-config.js';
import type { Availability } from './pocketsphinx.js';
import type { SpeechToText, Transcript, TranscribeOptions } from './port.js';
import { lastLines, runCli } from './process.js';
import { assertSpeechWav, readWavInfo } from './wav.js';
import { parseWhisperJson } from './whisper-json.js';
import { findExecutable, isNonEmptyFile } from './which.js';

/**
 * whisper.cpp through its command-line tool (`whisper-cli`; `main` in builds before
 * 2025). The best offline accuracy, but it needs a ggml model file that Iris never
 * downloads by itself: it is used only when a model path is configured and exists.
 *
 * Runs `whisper-cli -m MODEL -f in.wav -oj -of OUT -l LANG -pp` and reads OUT.json;
 * `-pp` makes it print "progress = N%" on stderr, which becomes onProgress.
 */
export interface WhisperInstall {
  bin: string;
  model: string;
  threads: number | undefined;
}

export async function findWhisper(
  cfg: AsrConfig['whisper'],
  envPath?: string,
): Promise<Availability<WhisperInstall>> {
  if (!cfg.model) return { ok: false, reason: 'IRIS_WHISPER_MODEL is not set' };
  if (!(await isNonEmptyFile(cfg.model))) {
    return { ok: false, reason: `IRIS_WHISPER_MODEL (${cfg.model}) is not a readable model file` };
  }
  const bin = await findExecutable(cfg.bin ?? 'whisper-cli', envPath);
  if (!bin) {
    return {
      ok: false,
      reason: cfg.bin
        ? `IRIS_WHISPER_BIN (${cfg.bin}) is not an executable file`
        : 'IRIS_WHISPER_BIN is not set and whisper-cli is not on PATH',
    };
  }
  return { ok: true, value: { bin, model: cfg.model, threads: cfg.threads } };
}

export class WhisperCliSpeechToText implements SpeechToText {
  readonly name = 'whisper';
  readonly model: string;

  constructor(
    private readonly install: WhisperInstall,
    private readonly timeoutMs: number,
  ) {
    this.model = path.basename(install.model);
  }

  async transcribe(wavPath: string, options: TranscribeOptions = {}): Promise<Transcript> {
    await stat(wavPath);
    const info = await readWavInfo(wavPath);
    assertSpeechWav(info, 'whisper.cpp');
    const dir = await mkdtemp(path.join(tmpdir(), 'iris-whisper-'));
    try {
      const outBase = path.join(dir, 'out');
      const args = [
        '-m',
        this.install.model,
        '-f',
        wavPath,
        '-oj',
        '-of',
        outBase,
        // English-only models ignore "auto" and say so; multilingual ones detect.
        '-l',
        options.language ?? 'auto',
        '-pp',
        ...(this.install.threads ? ['-t', String(this.install.threads)] : []),
      ];
      let reported = 0;
      const result = await runCli(this.install.bin, args, {
        engine: 'whisper',
        signal: options.signal,
        // Large models on a CPU run slower than real time; the limit grows with the audio.
        timeoutMs: Math.max(this.timeoutMs, info.duration * 10 * 1000),
        onStderrLine: (line) => {
          const m = /progress\s*=\s*(\d+)\s*%/.exec(line);
          if (m && options.onProgress) {
            const fraction = Math.min(1, Number(m[1]) / 100);
            if (fraction > reported) options.onProgress((reported = fraction));
          }
        },
      });
      if (result.code !== 0) {
        throw new AppError(
          'MODEL_ERROR',
          `whisper.cpp exited with code ${result.code}: ${lastLines(result.stderrTail)}`,
          {
            engine: 'whisper',
          },
        );
      }
      let transcript: Transcript;
      try {
        transcript = parseWhisperJson(JSON.parse(await readFile(`${outBase}.json`, 'utf8')));
      } catch (err) {
        throw new AppError(
          'MODEL_ERROR',
          `whisper.cpp finished without usable JSON output (${(err as Error).message}).`,
          {
            engine: 'whisper',
          },
        );
      }
      options.onProgress?.(1);
      // A language the caller gave is a fact; the model's guess only fills the gap.
      return options.language ? { ...transcript, language: options.language } : transcript;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
