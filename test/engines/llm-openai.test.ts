import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEngineConfig, type OpenAiEndpointConfig } from '../../src/engines/asr/engine-config.js';
import { OpenAiCompatibleLanguageModel } from '../../src/engines/llm/openai-compatible.js';
import { retryAfterMs } from '../../src/engines/llm/openai-http.js';
import { selectLanguageModel } from '../../src/engines/llm/select.js';
import { AppError } from '../../src/errors.js';
import { chatReply, startFakeOpenAi, type FakeOpenAi } from './llm-fake-openai.js';

const FAST = { baseMs: 5, maxMs: 50 };
let server: FakeOpenAi;

beforeAll(async () => {
  server = await startFakeOpenAi();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function endpoint(over: Partial<OpenAiEndpointConfig> = {}): OpenAiEndpointConfig {
  return {
    url: server.url,
    apiKey: 'sk-test-secret',
    model: 'llama3.1:8b',
    timeoutMs: 5000,
    maxRetries: 3,
    ...over,
  };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('OpenAI-compatible LLM adapter', () => {
  it('posts a chat completion with the model, system prompt, limits and key, and returns text and usage', async () => {
    server.handle(() => ({ body: chatReply('The meeting was about the budget.') }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const out = await llm.complete({
      system: 'You summarise.',
      messages: [{ role: 'user', content: 'Transcript: …' }],
      maxTokens: 200,
      temperature: 0.1,
    });
    expect(out).toEqual({
      text: 'The meeting was about the budget.',
      usage: { promptTokens: 11, completionTokens: 7, totalTokens: 18 },
      finishReason: 'stop',
      model: 'fake-model-1',
    });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v1/chat/completions');
    expect(req!.headers.authorization).toBe('Bearer sk-test-secret');
    expect(req!.json).toEqual({
      model: 'llama3.1:8b',
      messages: [
        { role: 'system', content: 'You summarise.' },
        { role: 'user', content: 'Transcript: …' },
      ],
      stream: false,
      max_tokens: 200,
      temperature: 0.1,
    });
  });

  it('asks for a JSON object in JSON mode', async () => {
    server.handle(() => ({ body: chatReply('{"ok":true}') }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const out = await llm.complete({ messages: [{ role: 'user', content: 'hi' }], json: true });
    expect(JSON.parse(out.text)).toEqual({ ok: true });
    expect((server.requests[0]!.json as Record<string, unknown>).response_format).toEqual({
      type: 'json_object',
    });
  });

  it('falls back to a prompt instruction when the server rejects response_format, and remembers', async () => {
    server.handle((req) =>
      (req.json as Record<string, unknown>).response_format
        ? {
            status: 400,
            body: { error: { message: 'Unrecognized request argument supplied: response_format' } },
          }
        : { body: chatReply('{"ok":1}') },
    );
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    await llm.complete({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], json: true });
    await llm.complete({ system: 'Be brief.', messages: [{ role: 'user', content: 'again' }], json: true });
    expect(server.requests).toHaveLength(3); // one refusal, then two plain requests
    const retried = server.requests[1]!.json as { messages: Array<{ role: string; content: string }> };
    expect(retried.messages[0]!.content).toMatch(/^Be brief\.\n\nReply with a single JSON object/);
  });

  it('switches to max_completion_tokens when the server asks for it', async () => {
    server.handle((req) =>
      'max_tokens' in (req.json as object)
        ? {
            status: 400,
            body: {
              error: {
                message:
                  "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
              },
            },
          }
        : { body: chatReply('ok') },
    );
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    await llm.complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 50 });
    expect((server.requests[1]!.json as Record<string, unknown>).max_completion_tokens).toBe(50);
  });

  it('retries 429 (honouring Retry-After) and 5xx with backoff, then succeeds', async () => {
    server.handle((_req, i) =>
      i === 0
        ? { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'Rate limit reached' } } }
        : i === 1
          ? { status: 503, body: 'upstream overloaded' }
          : { body: chatReply('finally') },
    );
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const out = await llm.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(out.text).toBe('finally');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after the configured retries with a MODEL_ERROR naming the status, never the key', async () => {
    server.handle(() => ({ status: 500, body: { error: { message: 'CUDA out of memory' } } }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint({ maxRetries: 2 }), FAST);
    const err = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(server.requests).toHaveLength(3);
    expect(err.code).toBe('MODEL_ERROR');
    expect(err.status).toBe(502);
    expect(err.message).toContain('returned 500: CUDA out of memory');
    expect(err.message).not.toContain('sk-test-secret');
    expect(err.details).toMatchObject({ engine: 'LLM', status: 500, attempts: 3 });
  });

  it('does not retry client errors or an exhausted quota', async () => {
    server.handle(() => ({ status: 401, body: { error: { message: 'Incorrect API key provided' } } }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const err = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.message).toContain('401: Incorrect API key provided');
    expect(server.requests).toHaveLength(1);

    server.requests.length = 0;
    server.handle(() => ({
      status: 429,
      body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
    }));
    const quota = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(quota.details).toMatchObject({ provider_code: 'insufficient_quota' });
    expect(server.requests).toHaveLength(1);
  });

  it('does not wait out a Retry-After longer than the backoff cap', async () => {
    server.handle(() => ({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: { error: { message: 'slow down' } },
    }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const started = Date.now();
    const err = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.details).toMatchObject({ status: 429 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a request that takes too long', async () => {
    server.handle(() => ({ delayMs: 600, body: chatReply('late') }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint({ timeoutMs: 150 }), FAST);
    const err = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.code).toBe('MODEL_ERROR');
    expect(err.message).toMatch(/did not answer within 150 ms/);
    expect(err.details).toMatchObject({ timeout: true });
  });

  it('rethrows the caller’s abort reason untouched', async () => {
    server.handle(() => ({ delayMs: 1000, body: chatReply('late') }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(
      llm.complete({ messages: [{ role: 'user', content: 'hi' }], signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('reports a body that is not a chat completion', async () => {
    server.handle(() => ({ body: '<html>proxy login</html>' }));
    const llm = new OpenAiCompatibleLanguageModel(endpoint(), FAST);
    expect((await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }))).message).toMatch(
      /not JSON/,
    );
    server.handle(() => ({ body: { object: 'list', data: [] } }));
    expect((await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }))).message).toMatch(
      /without a chat completion/,
    );
  });

  it('reports an unreachable server after retrying', async () => {
    const dead = await startFakeOpenAi();
    const url = dead.url;
    await dead.close();
    const llm = new OpenAiCompatibleLanguageModel(endpoint({ url, maxRetries: 1 }), FAST);
    const err = await failure(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.message).toMatch(/Could not reach the LLM server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(err.details).toMatchObject({ attempts: 2 });
  });
});

describe('LLM selection', () => {
  it('is undefined without configuration and the adapter with it (URL with or without /v1)', async () => {
    expect(selectLanguageModel(loadEngineConfig({}))).toBeUndefined();
    server.handle(() => ({ body: chatReply('hello') }));
    const llm = selectLanguageModel(
      loadEngineConfig({
        IRIS_LLM_URL: `${server.url}/v1/`,
        IRIS_LLM_MODEL: 'qwen2.5',
        IRIS_LLM_API_KEY: 'k',
      }),
    );
    expect(llm?.name).toBe('openai-compatible');
    expect(llm?.model).toBe('qwen2.5');
    await llm!.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
