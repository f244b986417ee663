/**
 * Text embeddings for semantic search. Vectors are stored in the database and indexed
 * in process; without an embedder search stays full-text only.
 */
export interface EmbedOptions {
  signal?: AbortSignal;
}

export interface Embedder {
  /** Adapter name, e.g. `openai-compatible`. */
  readonly name: string;
  readonly model: string;
  /**
   * Vector length, known once the first vector came back (or when configured).
   * Vectors of different models or lengths must never be mixed in one index.
   */
  readonly dims: number | undefined;
  /** One vector per input text, in input order. */
  embed(texts: string[], options?: EmbedOptions): Promise<number[][]>;
  /** The vector length, embedding a probe text if it is not known yet. */
  dimensions(options?: EmbedOptions): Promise<number>;
}
