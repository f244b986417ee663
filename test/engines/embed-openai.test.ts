import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import { OpenAiCompatibleEmbedder } from '../../src/engines/embed/openai-compatible.js';
import { selectEmbedder } from '../../src/engines/embed/select.js';
import { AppError } from '../../src/errors.js';
import { startFakeOpenAi, type FakeOpenAi, type RecordedRequest } from './llm-fake-openai.js';

const FAST = { baseMs: 5, maxMs: 50 };
let server: FakeOpenAi;

/** A deterministic 4-d "embedding" of a text, so order can be checked. */
const vectorOf = (text: string) => [text.length, text.charCodeAt(0) || 0, 1, 0.5];

/** Answers like OpenAI, but lists the items in reverse: the index field is what counts. */
function embeddingsReply(req: RecordedRequest) {
  const input = (req.json as { input: string[] }).input;
  return {
    body: {
      object: 'list',
      model: 'nomic-embed-text',
      data: input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t) })).reverse(),
      usage: { prompt_tokens: 3, total_tokens: 3 },
    },
  };
}

beforeAll(async () => {
  server = await startFakeOpenAi(embeddingsReply);
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.handle(embeddingsReply);
});

const config = (batchSize = 64) => ({
  url: server.url,
  apiKey: 'k',
  model: 'nomic-embed-text',
  timeoutMs: 5000,
  maxRetries: 2,
  batchSize,
});

describe('OpenAI-compatible embeddings adapter', () => {
  it('embeds in batches and returns vectors in input order', async () => {
    const embedder = new OpenAiCompatibleEmbedder(config(2), FAST);
    const texts = ['alpha', 'be', 'gamma ray', 'd', ''];
    const vectors = await embedder.embed(texts);
    expect(vectors).toEqual(texts.map((t) => vectorOf(t || ' ')));
    expect(server.requests.map((r) => (r.json as { input: string[] }).input)).toEqual([
      ['alpha', 'be'],
      ['gamma ray', 'd'],
      [' '],
    ]);
    expect(server.requests[0]!.path).toBe('/v1/embeddings');
    expect(server.requests[0]!.json).toMatchObject({ model: 'nomic-embed-text', encoding_format: 'float' });
    expect(embedder.dims).toBe(4);
  });

  it('probes the dimension once when asked before any embedding', async () => {
    const embedder = new OpenAiCompatibleEmbedder(config(), FAST);
    expect(embedder.dims).toBeUndefined();
    expect(await embedder.dimensions()).toBe(4);
    expect(await embedder.dimensions()).toBe(4);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses vectors whose length changes, or a reply with the wrong count', async () => {
    const embedder = new OpenAiCompatibleEmbedder(config(), FAST);
    await embedder.embed(['a']);
    server.handle(() => ({ body: { data: [{ index: 0, embedding: [1, 2, 3] }] } }));
    await expect(embedder.embed(['b'])).rejects.toThrow(/3-d vectors after 4-d ones/);
    server.handle(() => ({ body: { data: [] } }));
    await expect(embedder.embed(['b', 'c'])).rejects.toThrow(/0 vectors for 2 inputs/);
    server.handle(() => ({ body: { data: [{ index: 0, embedding: ['x'] }] } }));
    await expect(embedder.embed(['b'])).rejects.toBeInstanceOf(AppError);
  });

  it('retries a 429 and maps a final failure to MODEL_ERROR', async () => {
    server.handle((req, i) =>
      i === 0 ? { status: 429, body: { error: { message: 'busy' } } } : embeddingsReply(req),
    );
    const embedder = new OpenAiCompatibleEmbedder(config(), FAST);
    expect(await embedder.embed(['x'])).toHaveLength(1);
    expect(server.requests).toHaveLength(2);

    server.handle(() => ({
      status: 404,
      body: { error: { message: 'model "nomic-embed-text" not found, try pulling it first' } },
    }));
    const err = (await embedder.embed(['x']).catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('MODEL_ERROR');
    expect(err.message).toContain('embeddings server');
    expect(err.message).toContain('not found, try pulling it first');
  });
});

describe('embedder selection', () => {
  it('is undefined without configuration, the adapter with it', () => {
    expect(selectEmbedder(loadEngineConfig({}))).toBeUndefined();
    const embedder = selectEmbedder(
      loadEngineConfig({ IRIS_EMBED_URL: server.url, IRIS_EMBED_MODEL: 'bge-small' }),
    );
    expect(embedder?.name).toBe('openai-compatible');
    expect(embedder?.model).toBe('bge-small');
  });
});
