import { EngineUnavailableError } from '../ffmpeg/errors.js';
import type { OcrEngine } from './port.js';
import { createTesseractCli, locateTesseract } from './tesseract-cli.js';
import { createTesseractJs, localLanguageData } from './tesseract-js.js';

/**
 * Chooses the OCR engine. `auto` prefers the system tesseract (about twice as fast per
 * frame, and it batches) and falls back to tesseract.js, which always works after
 * `npm install`. Asking for one engine by name (or setting IRIS_TESSERACT_PATH) gets
 * that engine or a clear error saying how to enable it: an explicit choice is never
 * silently replaced.
 */

export const OCR_PREFERENCES = ['auto', 'tesseract-cli', 'tesseract-js'] as const;
export type OcrPreference = (typeof OCR_PREFERENCES)[number];

export interface CreateOcrOptions {
  lang?: string;
  env?: Record<string, string | undefined>;
  /** For the CLI adapter: processes run at once by recognizeMany. */
  concurrency?: number;
}

export interface OcrAvailability {
  engine: 'tesseract-cli' | 'tesseract-js';
  available: boolean;
  version?: string;
  /** Why not, and how to enable it. */
  reason?: string;
}

const CLI_HINT =
  'install the tesseract-ocr package (Debian/Ubuntu: apt-get install tesseract-ocr) or set IRIS_TESSERACT_PATH';

export async function createOcrEngine(
  pref: OcrPreference = 'auto',
  opts: CreateOcrOptions = {},
): Promise<OcrEngine> {
  const lang = opts.lang ?? 'eng';
  if (pref === 'tesseract-js') return createTesseractJs({ lang });
  try {
    const binary = await locateTesseract(lang, opts.env);
    return await createTesseractCli({ lang, binary, env: opts.env, concurrency: opts.concurrency });
  } catch (err) {
    // A configured IRIS_TESSERACT_PATH that does not work is a mistake to report, not to route around.
    if (pref === 'tesseract-cli' || (opts.env ?? process.env).IRIS_TESSERACT_PATH?.trim()) {
      const why = err instanceof Error ? err.message : String(err);
      throw new EngineUnavailableError(
        'tesseract-cli',
        `The tesseract CLI is not usable (${why}): ${CLI_HINT}.`,
      );
    }
    return createTesseractJs({ lang });
  }
}

/** What could run here, for the status/health page and the bench. Does not start a worker. */
export async function ocrAvailability(opts: CreateOcrOptions = {}): Promise<OcrAvailability[]> {
  const lang = opts.lang ?? 'eng';
  const cli: OcrAvailability = await locateTesseract(lang, opts.env).then(
    (b) => ({ engine: 'tesseract-cli', available: true, version: b.version }),
    (err: unknown) => ({
      engine: 'tesseract-cli',
      available: false,
      reason: `${err instanceof Error ? err.message : String(err)}; ${CLI_HINT}`,
    }),
  );
  let js: OcrAvailability;
  try {
    localLanguageData(lang);
    js = { engine: 'tesseract-js', available: true };
  } catch (err) {
    js = {
      engine: 'tesseract-js',
      available: false,
      reason: err instanceof Error ? err.message : String(err),
    };
  }
  return [cli, js];
}
