import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineUnavailableError, MediaProcessingError } from '../ffmpeg/errors.js';
import { locateBinary, type LocatedBinary } from '../ffmpeg/locate.js';
import { runProcess } from '../ffmpeg/run.js';
import type { OcrEngine, OcrResult, RecognizeOptions } from './port.js';
import { parseTesseractTsv } from './tsv.js';

/**
 * OCR with the system `tesseract` binary (Debian: `tesseract-ocr`, which brings English).
 *
 * - `OMP_THREAD_LIMIT=1`: Tesseract's OpenMP threads cost more than they give on small
 *   images and fight each other when several processes run; we parallelise by process.
 * - List mode: for several images one process reads a file listing them, so the model
 *   loads once per batch instead of once per frame (~150 ms saved per image).
 * - If a batch fails (one unreadable image stops Tesseract) the images are retried one by
 *   one so the error names the culprit.
 */

export interface TesseractCliOptions {
  lang?: string;
  /** Page segmentation mode; 3 = fully automatic. */
  psm?: number;
  /** Processes run at once by recognizeMany. Default 1 (the pipeline decides the parallelism). */
  concurrency?: number;
  /** Per process. Default 120 s. */
  timeoutMs?: number;
  /** Images per process in recognizeMany. Default 32. */
  batchSize?: number;
  env?: Record<string, string | undefined>;
  /** Use this binary instead of looking one up. */
  binary?: LocatedBinary;
}

/** Finds a working tesseract with the language installed: IRIS_TESSERACT_PATH, else PATH. */
export function locateTesseract(
  lang = 'eng',
  env: Record<string, string | undefined> = process.env,
): Promise<LocatedBinary> {
  return locateBinary(
    {
      name: 'tesseract',
      envVar: 'IRIS_TESSERACT_PATH',
      versionArgs: ['--version'],
      parseVersion: (out) => /tesseract\s+v?(\S+)/i.exec(out)?.[1] ?? 'unknown',
      async check(binaryPath) {
        const res = await runProcess(binaryPath, ['--list-langs'], {
          captureStdoutBytes: 64 * 1024,
          timeoutMs: 10_000,
          label: 'tesseract',
        });
        const langs = `${res.stdout}\n${res.stderrTail}`.split('\n').map((l) => l.trim());
        if (!langs.includes(lang)) {
          throw new Error(`the "${lang}" language data is not installed (Debian: tesseract-ocr-${lang})`);
        }
      },
    },
    env,
  );
}

export async function createTesseractCli(opts: TesseractCliOptions = {}): Promise<OcrEngine> {
  const lang = opts.lang ?? 'eng';
  const bin = opts.binary ?? (await locateTesseract(lang, opts.env));
  const psm = String(opts.psm ?? 3);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const env = { ...process.env, ...opts.env, OMP_THREAD_LIMIT: '1' };
  let closed = false;

  const run = async (
    inputArg: string,
    pages: number,
    signal: AbortSignal | undefined,
  ): Promise<OcrResult[]> => {
    const started = performance.now();
    const res = await runProcess(bin.path, [inputArg, 'stdout', '-l', lang, '--psm', psm, 'tsv'], {
      signal,
      timeoutMs,
      env,
      label: 'tesseract',
      captureStdoutBytes: 64 * 1024 * 1024,
    });
    if (res.exitCode !== 0) {
      const msg = res.stderrTail
        .split('\n')
        .filter(Boolean)
        .slice(-2)
        .join(' | ')
        .replaceAll(inputArg, 'image');
      throw new MediaProcessingError(`tesseract failed (exit ${res.exitCode}): ${msg}`, res.exitCode, '');
    }
    const parsed = parseTesseractTsv(res.stdout);
    const each = Math.round((performance.now() - started) / pages);
    return Array.from({ length: pages }, (_, i) => {
      const page = parsed.get(i + 1);
      return { text: '', confidence: 0, lines: [], width: 0, height: 0, ...page, duration_ms: each };
    });
  };

  const batch = async (paths: readonly string[], signal: AbortSignal | undefined): Promise<OcrResult[]> => {
    const first = paths[0];
    // Absolute paths: tesseract reads a file called "stdin" or "-" from standard input.
    if (paths.length === 1 && first !== undefined) return run(path.resolve(first), 1, signal);
    // A name with a newline cannot go in a list file.
    if (paths.some((p) => /[\r\n]/.test(p))) return oneByOne(paths, signal);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'iris-ocr-'));
    try {
      const list = path.join(dir, 'images.txt');
      await fs.writeFile(list, paths.map((p) => path.resolve(p)).join('\n') + '\n');
      return await run(list, paths.length, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      return oneByOne(paths, signal);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };

  const oneByOne = async (paths: readonly string[], signal: AbortSignal | undefined) => {
    const out: OcrResult[] = [];
    for (const [i, p] of paths.entries()) {
      try {
        out.push(...(await run(path.resolve(p), 1, signal)));
      } catch (err) {
        if (err instanceof MediaProcessingError) {
          throw new MediaProcessingError(
            `OCR of image ${i + 1} of ${paths.length}: ${err.message}`,
            err.exitCode,
            '',
          );
        }
        throw err;
      }
    }
    return out;
  };

  const engine: OcrEngine = {
    name: 'tesseract-cli',
    version: bin.version,
    async recognize(imagePath: string, ro: RecognizeOptions = {}) {
      const [result] = await engine.recognizeMany([imagePath], ro);
      if (!result) throw new Error('tesseract returned no result');
      return result;
    },
    async recognizeMany(imagePaths: readonly string[], ro: RecognizeOptions = {}) {
      if (closed) throw new EngineUnavailableError('tesseract-cli', 'The OCR engine was closed.');
      const size = Math.max(1, opts.batchSize ?? 32);
      const chunks: string[][] = [];
      for (let i = 0; i < imagePaths.length; i += size) chunks.push(imagePaths.slice(i, i + size));
      const results: OcrResult[][] = new Array<OcrResult[]>(chunks.length);
      // The first failure stops the other processes instead of letting them run on unobserved.
      const stop = new AbortController();
      const signal = ro.signal ? AbortSignal.any([ro.signal, stop.signal]) : stop.signal;
      let next = 0;
      const worker = async () => {
        while (next < chunks.length && !signal.aborted) {
          const i = next++;
          results[i] = await batch(chunks[i] ?? [], signal);
        }
      };
      const workers = Math.min(Math.max(1, opts.concurrency ?? 1), chunks.length);
      try {
        await Promise.all(Array.from({ length: workers }, worker));
      } catch (err) {
        stop.abort(err);
        throw err;
      }
      ro.signal?.throwIfAborted();
      return results.flat();
    },
    async close() {
      closed = true;
    },
  };
  return engine;
}
