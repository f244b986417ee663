/**
 * Optical character recognition of one frame image. Two adapters today, both Tesseract
 * with English data and automatic page segmentation (psm 3):
 * - `tesseract-cli`: the system binary (Debian `tesseract-ocr`), fastest, batches many
 *   images per process ("list mode") so the model loads once;
 * - `tesseract-js`: the WebAssembly build shipped on npm, with language data read from
 *   the local `@tesseract.js-data/eng` package (never a CDN).
 * `select.ts` picks one. Both report the same shape, built from Tesseract's TSV output.
 *
 * Coordinates are pixels of the image as given, origin top-left. Confidences are 0–1
 * (Tesseract's 0–100 divided by 100).
 */

export interface OcrBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface OcrWord {
  text: string;
  confidence: number;
  box: OcrBox;
}

export interface OcrLine {
  text: string;
  /** Mean of the words' confidences. */
  confidence: number;
  box: OcrBox;
  words: OcrWord[];
}

export interface OcrResult {
  /** Lines joined by "\n"; separate text blocks are separated by an empty line. */
  text: string;
  /** Mean word confidence; 0 when nothing was read. */
  confidence: number;
  lines: OcrLine[];
  /** Image size as the engine saw it. */
  width: number;
  height: number;
  /** Wall time spent on this image (for a batch: the batch's time shared equally). */
  duration_ms: number;
}

export interface RecognizeOptions {
  signal?: AbortSignal | undefined;
}

export type OcrEngineName = 'tesseract-cli' | 'tesseract-js';

export interface OcrEngine {
  readonly name: OcrEngineName;
  /** Engine version, for the "engine used" field of a stage. */
  readonly version: string;
  recognize(imagePath: string, opts?: RecognizeOptions): Promise<OcrResult>;
  /** Same results as calling recognize on each image, in order; adapters batch where it is faster. */
  recognizeMany(imagePaths: readonly string[], opts?: RecognizeOptions): Promise<OcrResult[]>;
  /** Releases workers; the engine must not be used afterwards. Safe to call twice. */
  close(): Promise<void>;
}
