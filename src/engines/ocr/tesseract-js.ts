import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Tesseract from 'tesseract.js';
import { EngineUnavailableError, ProcessTimeoutError } from '../ffmpeg/errors.js';
import type { OcrEngine, OcrResult, RecognizeOptions } from './port.js';
import { parseTesseractTsv } from './tsv.js';

/**
 * OCR with tesseract.js (Tesseract compiled to WebAssembly, run in a worker thread):
 * the engine that works after a plain `npm install`.
 *
 * Offline by construction: its defaults fetch the language data from a CDN (and crash
 * without internet), so `langPath` points at the `@tesseract.js-data/<lang>` package in
 * node_modules (the LSTM-only `4.0.0_best_int` model, the one tesseract.js itself would
 * download), `gzip` matches the files found there, and `cacheMethod: 'none'` stops it
 * writing a copy of the data into the working directory. The worker script and the wasm
 * core are loaded from node_modules (tesseract.js and tesseract.js-core).
 *
 * One worker is created up front and reused: creating one costs ~300 ms. Calls are
 * queued (one worker recognises one image at a time). Aborting the running call
 * terminates the worker — the only way to stop a recognition — and the next call starts
 * a fresh one.
 */

export interface TesseractJsOptions {
  lang?: string;
  psm?: number;
  /** Directory holding `<lang>.traineddata(.gz)`; default: the @tesseract.js-data package. */
  langPath?: string;
  /** Per image. Default 120 s. */
  timeoutMs?: number;
}

const require = createRequire(import.meta.url);

/** The local language data directory and whether its files are gzipped. */
export function localLanguageData(lang: string, langPath?: string): { langPath: string; gzip: boolean } {
  let dir = langPath;
  if (!dir) {
    let pkgDir: string;
    try {
      pkgDir = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
    } catch {
      throw new EngineUnavailableError(
        'tesseract-js',
        `Language data for "${lang}" is not installed: add the npm package @tesseract.js-data/${lang}.`,
      );
    }
    dir = path.join(pkgDir, '4.0.0_best_int');
  }
  if (existsSync(path.join(dir, `${lang}.traineddata.gz`))) return { langPath: dir, gzip: true };
  if (existsSync(path.join(dir, `${lang}.traineddata`))) return { langPath: dir, gzip: false };
  throw new EngineUnavailableError(
    'tesseract-js',
    `No ${lang}.traineddata(.gz) in the configured language directory.`,
  );
}

function workerScript(): string | undefined {
  try {
    return require.resolve('tesseract.js/src/worker-script/node/index.js');
  } catch {
    return undefined; // a future layout: let tesseract.js use its own default
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function createTesseractJs(opts: TesseractJsOptions = {}): Promise<OcrEngine> {
  const lang = opts.lang ?? 'eng';
  const data = localLanguageData(lang, opts.langPath);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const script = workerScript();
  const pkg = require('tesseract.js/package.json') as { version?: unknown };
  const version = typeof pkg.version === 'string' ? pkg.version : 'unknown';

  const spawnWorker = async (): Promise<Tesseract.Worker> => {
    let worker: Tesseract.Worker;
    try {
      worker = await Tesseract.createWorker(lang, Tesseract.OEM.LSTM_ONLY, {
        langPath: data.langPath,
        gzip: data.gzip,
        cacheMethod: 'none',
        ...(script ? { workerPath: script } : {}),
        workerBlobURL: false,
        logger: () => undefined,
        errorHandler: () => undefined,
      });
    } catch (err) {
      throw new EngineUnavailableError('tesseract-js', `tesseract.js could not start: ${message(err)}`);
    }
    await worker.setParameters({
      tessedit_pageseg_mode: String(opts.psm ?? 3) as Tesseract.PSM,
      // Silences Tesseract's "Estimating resolution as …" chatter on stdout.
      debug_file: '/dev/null',
    });
    return worker;
  };

  let current: Promise<Tesseract.Worker> | undefined = spawnWorker();
  await current; // fail now, in createOcrEngine, rather than on the first frame
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const getWorker = () => (current ??= spawnWorker());
  /** Ends a worker that is stuck in (or being pulled out of) a recognition. */
  const kill = (pending: Promise<Tesseract.Worker>, worker: Tesseract.Worker) => {
    if (current === pending) current = undefined;
    void worker.terminate().catch(() => undefined);
  };

  const recognizeNow = async (imagePath: string, signal: AbortSignal | undefined): Promise<OcrResult> => {
    signal?.throwIfAborted();
    // Read the file here: given a string, tesseract.js fetches anything that looks like a URL.
    const image = await fs.readFile(imagePath);
    signal?.throwIfAborted();
    const pending = getWorker();
    const worker = await pending;
    const started = performance.now();
    const page = await new Promise<Tesseract.Page>((resolve, reject) => {
      // A terminated worker never answers, so abort and timeout settle the promise themselves.
      const stop = (reason: unknown) => {
        cleanup();
        kill(pending, worker);
        reject(reason);
      };
      const onAbort = () => stop(signal?.reason);
      const timer = setTimeout(() => stop(new ProcessTimeoutError('tesseract.js', timeoutMs)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.recognize(image, {}, { text: false, tsv: true }).then(
        (r) => {
          cleanup();
          resolve(r.data);
        },
        (err: unknown) => {
          cleanup();
          reject(new Error(`tesseract.js could not read the image: ${message(err)}`));
        },
      );
    });
    const parsed = parseTesseractTsv(page.tsv ?? '').get(1);
    return {
      text: '',
      confidence: 0,
      lines: [],
      width: 0,
      height: 0,
      ...parsed,
      duration_ms: Math.round(performance.now() - started),
    };
  };

  const engine: OcrEngine = {
    name: 'tesseract-js',
    version,
    recognize(imagePath: string, ro: RecognizeOptions = {}) {
      if (closed)
        return Promise.reject(new EngineUnavailableError('tesseract-js', 'The OCR engine was closed.'));
      const job = queue.then(() => recognizeNow(imagePath, ro.signal));
      queue = job.catch(() => undefined);
      const signal = ro.signal;
      if (!signal) return job;
      // A call still waiting its turn rejects as soon as it is aborted (and is skipped when its turn comes).
      return new Promise<OcrResult>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    async recognizeMany(imagePaths: readonly string[], ro: RecognizeOptions = {}) {
      const out: OcrResult[] = [];
      for (const p of imagePaths) out.push(await engine.recognize(p, ro));
      return out;
    },
    async close() {
      closed = true;
      const w = current;
      current = undefined;
      if (w) await w.then((x) => x.terminate()).catch(() => undefined);
    },
  };
  return engine;
}
