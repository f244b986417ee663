import { openAsBlob } from 'node:fs';
import { modelError, postOpenAi, type RetryPolicy } from '../llm/openai-http.js';
import type { OpenAiEndpointConfig } from './engine-config.js';
import { toLanguageCode } from './languages.js';
import type {
  SpeechToText,
  Transcript,
  TranscribeOptions,
  TranscriptSegment,
  TranscriptWord,
} from './port.js';
import { assertSpeechWav, quietestPoint, readWavInfo, wavHeader, type WavInfo } from './wav.js';
import { round3 } from './words-to-segments.js';

/**
 * Any server speaking OpenAI's `POST /v1/audio/transcriptions` (OpenAI, faster-whisper
 * servers, LocalAI, vLLM). The WAV is streamed from disk as a multipart part, never
 * read whole into memory.
 *
 * OpenAI refuses files over 25 MB, about 13 minutes of 16 kHz PCM, so longer audio is
 * sent in pieces of `chunkSeconds`, each cut at the quietest moment near the boundary
 * (no word split in two) and given its own WAV header; segment times are shifted back
 * onto the recording's clock.
 *
 * Segments Whisper itself flags as probably silent (high no_speech_prob with low
 * avg_logprob, the thresholds Whisper uses) are dropped: they are where Whisper
 * hallucinates text.
 */
export interface OpenAiAsrConfig extends OpenAiEndpointConfig {
  chunkSeconds: number;
}

interface Piece {
  start: number;
  end: number;
}

interface VerboseSegment {
  start?: unknown;
  end?: unknown;
  text?: unknown;
  avg_logprob?: unknown;
  no_speech_prob?: unknown;
}

export class OpenAiCompatibleSpeechToText implements SpeechToText {
  readonly name = 'openai-compatible';
  readonly model: string;

  constructor(
    private readonly endpoint: OpenAiAsrConfig,
    private readonly retry?: RetryPolicy,
  ) {
    this.model = endpoint.model;
  }

  async transcribe(wavPath: string, options: TranscribeOptions = {}): Promise<Transcript> {
    const info = await readWavInfo(wavPath);
    assertSpeechWav(info, 'speech-to-text');
    const file = await openAsBlob(wavPath, { type: 'audio/wav' });
    const pieces = await this.plan(wavPath, info);
    const segments: TranscriptSegment[] = [];
    let language = options.language;
    for (const [i, piece] of pieces.entries()) {
      const blob = pieces.length === 1 ? file : this.slice(file, info, piece);
      const result = await this.send(blob, options);
      language ??= result.language;
      for (const s of result.segments) {
        segments.push({
          ...s,
          start: round3(piece.start + s.start),
          end: round3(Math.min(piece.end, piece.start + s.end)),
          ...(s.words
            ? {
                words: s.words.map((w) => ({
                  ...w,
                  start: round3(piece.start + w.start),
                  end: round3(piece.start + w.end),
                })),
              }
            : {}),
        });
      }
      options.onProgress?.((i + 1) / pieces.length);
    }
    return { ...(language ? { language } : {}), segments };
  }

  private async plan(wavPath: string, info: WavInfo): Promise<Piece[]> {
    const size = this.endpoint.chunkSeconds;
    if (info.duration <= size) return [{ start: 0, end: info.duration }];
    const pieces: Piece[] = [];
    let start = 0;
    while (info.duration - start > size) {
      const cut = await quietestPoint(wavPath, info, start + size, Math.min(5, size / 10));
      pieces.push({ start, end: cut });
      start = cut;
    }
    pieces.push({ start, end: info.duration });
    return pieces;
  }

  private slice(file: Blob, info: WavInfo, piece: Piece): Blob {
    const from = info.dataOffset + Math.round(piece.start * info.sampleRate) * 2;
    const to = Math.min(
      info.dataOffset + info.dataBytes,
      info.dataOffset + Math.round(piece.end * info.sampleRate) * 2,
    );
    return new Blob([wavHeader(info, to - from), file.slice(from, to)], { type: 'audio/wav' });
  }

  private async send(audio: Blob, options: TranscribeOptions): Promise<Transcript> {
    const res = await postOpenAi({
      endpoint: this.endpoint,
      path: '/v1/audio/transcriptions',
      what: 'speech-to-text',
      signal: options.signal,
      ...(this.retry ? { retry: this.retry } : {}),
      body: () => {
        const form = new FormData();
        form.append('file', audio, 'audio.wav');
        form.append('model', this.model);
        form.append('response_format', 'verbose_json');
        form.append('timestamp_granularities[]', 'segment');
        form.append('temperature', '0');
        if (options.language) form.append('language', options.language);
        return form;
      },
    });
    return parseVerboseJson(res.json);
  }
}

export function parseVerboseJson(json: unknown): Transcript {
  const body = json as {
    language?: unknown;
    duration?: unknown;
    text?: unknown;
    segments?: unknown;
    words?: unknown;
  };
  if (!body || typeof body !== 'object')
    throw modelError('speech-to-text', 'The speech-to-text server returned no JSON object.');
  const language = toLanguageCode(body.language);
  const words = parseWords(body.words);
  const segments: TranscriptSegment[] = [];
  if (Array.isArray(body.segments)) {
    for (const s of body.segments as VerboseSegment[]) {
      if (typeof s?.start !== 'number' || typeof s.end !== 'number' || typeof s.text !== 'string') continue;
      const start = s.start;
      const end = s.end;
      const text = s.text.replace(/\s+/g, ' ').trim();
      if (!text) continue;
      const logprob = typeof s.avg_logprob === 'number' ? s.avg_logprob : undefined;
      const noSpeech = typeof s.no_speech_prob === 'number' ? s.no_speech_prob : undefined;
      if (noSpeech !== undefined && noSpeech > 0.6 && logprob !== undefined && logprob < -1) continue;
      const inside = words.filter((w) => w.start >= start && w.start < end);
      segments.push({
        start: round3(start),
        end: round3(end),
        text,
        ...(logprob !== undefined ? { confidence: round3(Math.min(1, Math.exp(logprob))) } : {}),
        ...(inside.length ? { words: inside } : {}),
      });
    }
  } else if (typeof body.text === 'string' && body.text.trim()) {
    // A server that ignores verbose_json still gave real text; all we know of its
    // timing is that it lies somewhere within this audio.
    const duration = typeof body.duration === 'number' ? body.duration : 0;
    segments.push({ start: 0, end: round3(duration), text: body.text.trim() });
  } else if (body.segments !== undefined || body.text === undefined) {
    throw modelError('speech-to-text', 'The speech-to-text server returned neither segments nor text.');
  }
  return { ...(language ? { language } : {}), segments };
}

function parseWords(raw: unknown): TranscriptWord[] {
  if (!Array.isArray(raw)) return [];
  return (raw as Array<{ word?: unknown; start?: unknown; end?: unknown }>)
    .filter((w) => typeof w?.word === 'string' && typeof w.start === 'number' && typeof w.end === 'number')
    .map((w) => ({
      start: round3(w.start as number),
      end: round3(w.end as number),
      word: (w.word as string).trim(),
    }));
}
