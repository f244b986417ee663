import { describe, expect, it } from 'vitest';
import { IrisNetworkError, retryingFetch, type RetryEvent } from '../../src/sdk/index.js';

/**
 * The retry policy on its own, over a scripted fetch: which statuses and methods are
 * retried, how long it waits, and when it gives up. (The live-server suite covers a real
 * 429 from the rate limiter.)
 */
function scripted(answers: Array<number | Error>, headers: Record<string, string> = {}) {
  const seen: string[] = [];
  const fetch = async (request: Request) => {
    seen.push(`${request.method} ${await request.text()}`);
    const next = answers.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify({ ok: next < 400 }), { status: next, headers });
  };
  return { fetch, seen };
}

const noWait = (events: RetryEvent[] = []) => ({
  sleep: async () => {},
  random: () => 0.5,
  onRetry: (e: RetryEvent) => events.push(e),
});

describe('retryingFetch', () => {
  it('retries 503 on GET with exponential backoff and full jitter', async () => {
    const { fetch, seen } = scripted([503, 503, 200]);
    const events: RetryEvent[] = [];
    const res = await retryingFetch(fetch, { ...noWait(events), baseDelayMs: 100 })(
      new Request('http://iris.test/x'),
    );
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(events.map((e) => e.delayMs)).toEqual([50, 100]);
  });

  it('retries a POST on 429 with the same body, but not on 503 or a network error', async () => {
    const post = () => new Request('http://iris.test/x', { method: 'POST', body: '{"q":1}' });
    const limited = scripted([429, 201], { 'retry-after': '2' });
    const events: RetryEvent[] = [];
    expect((await retryingFetch(limited.fetch, noWait(events))(post())).status).toBe(201);
    expect(limited.seen).toEqual(['POST {"q":1}', 'POST {"q":1}']);
    expect(events[0]!.delayMs).toBeGreaterThanOrEqual(2000);

    const unavailable = scripted([503, 200]);
    expect((await retryingFetch(unavailable.fetch, noWait())(post())).status).toBe(503);
    expect(unavailable.seen).toHaveLength(1);

    const broken = scripted([new TypeError('fetch failed'), 200]);
    await expect(retryingFetch(broken.fetch, noWait())(post())).rejects.toBeInstanceOf(IrisNetworkError);
    expect(broken.seen).toHaveLength(1);
  });

  it('gives up after the bounded attempts, and does not wait a Retry-After beyond the cap', async () => {
    const always = scripted([503, 503, 503, 503, 503]);
    expect(
      (await retryingFetch(always.fetch, { ...noWait(), retries: 2 })(new Request('http://i.t/'))).status,
    ).toBe(503);
    expect(always.seen).toHaveLength(3);

    const far = scripted([429, 200], { 'retry-after': '3600' });
    const res = await retryingFetch(far.fetch, { ...noWait(), maxDelayMs: 60_000 })(
      new Request('http://i.t/'),
    );
    expect(res.status).toBe(429);
    expect(far.seen).toHaveLength(1);
  });

  it('retries network errors on idempotent methods', async () => {
    const flaky = scripted([new TypeError('fetch failed'), 200]);
    const res = await retryingFetch(flaky.fetch, noWait())(new Request('http://i.t/', { method: 'DELETE' }));
    expect(res.status).toBe(200);
  });
});
