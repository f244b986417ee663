/**
 * Speech-to-text. Input is always a 16 kHz mono 16-bit PCM WAV file (the media stage
 * makes it with ffmpeg): every engine here reads that format natively, so adapters do
 * no decoding of their own. Times are seconds from the start of the file.
 */
export interface TranscriptWord {
  start: number;
  end: number;
  word: string;
  /** 0–1 when the engine gives one. */
  confidence?: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  /** 0–1 when the engine gives one. */
  confidence?: number;
  words?: TranscriptWord[];
}

export interface Transcript {
  /** ISO 639-1 code when known (given by the caller or detected by the engine). */
  language?: string;
  segments: TranscriptSegment[];
}

export interface TranscribeOptions {
  /** ISO 639-1 code; engines that can detect the language do so when it is absent. */
  language?: string;
  signal?: AbortSignal;
  /** Fraction done, 0–1, called at most a few times a second. */
  onProgress?: (fraction: number) => void;
}

export interface SpeechToText {
  /** `whisper`, `openai-compatible` or `pocketsphinx`: reported as the engine used. */
  readonly name: string;
  /** Model in use, for the status page (a file name, a model id, `en-us`). */
  readonly model: string;
  transcribe(wav16kMonoPath: string, options?: TranscribeOptions): Promise<Transcript>;
}
