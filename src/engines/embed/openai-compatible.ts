import type { OpenAiEndpointConfig } from '../asr/engine-config.js';
import { modelError, postOpenAi, type RetryPolicy } from '../llm/openai-http.js';
import type { EmbedOptions, Embedder } from './port.js';

/**
 * Embeddings over any OpenAI-compatible server (`POST /v1/embeddings`). Inputs are sent
 * in batches (servers cap the array length and the request size) and the answer is
 * put back in input order by each item's `index`, which the protocol does not promise
 * to keep sorted. Every vector is checked: same length, finite numbers.
 */
export class OpenAiCompatibleEmbedder implements Embedder {
  readonly name = 'openai-compatible';
  readonly model: string;
  private knownDims: number | undefined;

  constructor(
    private readonly endpoint: OpenAiEndpointConfig & { batchSize: number },
    private readonly retry?: RetryPolicy,
  ) {
    this.model = endpoint.model;
  }

  get dims(): number | undefined {
    return this.knownDims;
  }

  async dimensions(options: EmbedOptions = {}): Promise<number> {
    if (this.knownDims === undefined) await this.embed(['dimension probe'], options);
    return this.knownDims as number;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.endpoint.batchSize) {
      // Most servers refuse an empty string; a single space embeds as "nothing".
      const batch = texts.slice(i, i + this.endpoint.batchSize).map((t) => (t.trim() ? t : ' '));
      out.push(...(await this.embedBatch(batch, options.signal)));
    }
    return out;
  }

  private async embedBatch(batch: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const res = await postOpenAi({
      endpoint: this.endpoint,
      path: '/v1/embeddings',
      what: 'embeddings',
      body: () => JSON.stringify({ model: this.model, input: batch, encoding_format: 'float' }),
      signal,
      ...(this.retry ? { retry: this.retry } : {}),
    });
    const data = (res.json as { data?: unknown })?.data;
    if (!Array.isArray(data) || data.length !== batch.length) {
      throw modelError(
        'embeddings',
        `The embeddings server returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${batch.length} inputs.`,
      );
    }
    const vectors: number[][] = new Array<number[]>(batch.length);
    data.forEach((item: unknown, position) => {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const at = typeof index === 'number' ? index : position;
      if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw modelError(
          'embeddings',
          'The embeddings server returned a vector that is not a list of numbers.',
        );
      }
      if (at < 0 || at >= batch.length || vectors[at]) {
        throw modelError(
          'embeddings',
          `The embeddings server returned an out-of-range or repeated index ${at}.`,
        );
      }
      this.checkDims(embedding.length);
      vectors[at] = embedding as number[];
    });
    return vectors;
  }

  private checkDims(length: number): void {
    if (length === 0) throw modelError('embeddings', 'The embeddings server returned an empty vector.');
    if (this.knownDims === undefined) this.knownDims = length;
    else if (this.knownDims !== length) {
      throw modelError(
        'embeddings',
        `The embeddings server returned ${length}-d vectors after ${this.knownDims}-d ones.`,
      );
    }
  }
}
