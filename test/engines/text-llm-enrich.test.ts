import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleLanguageModel } from '../../src/engines/llm/openai-compatible.js';
import { buildEnrichPrompt } from '../../src/engines/text/enrich-prompt.js';
import { parseEnrichReply } from '../../src/engines/text/enrich-reply.js';
import { extractiveSummary } from '../../src/engines/text/extractive-summary.js';
import { enrichText } from '../../src/engines/text/llm-enrich.js';
import { draftChapters } from '../../src/engines/text/timeline.js';
import { chatReply, startFakeOpenAi, type FakeOpenAi } from './llm-fake-openai.js';
import { MEETING_DURATION, MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

const input = {
  segments: MEETING_SEGMENTS,
  frames: MEETING_FRAMES,
  duration: MEETING_DURATION,
  language: 'en',
};
let server: FakeOpenAi;
let llm: OpenAiCompatibleLanguageModel;

const GOOD_REPLY = {
  summary:
    'The team reviewed the quarterly report and budget, planned the March website launch, and discussed hiring for the mobile app.',
  actions: [
    { text: 'Send the quarterly report to finance', timestamp: 58, owner: null, due: 'Friday' },
    { text: 'Set up the staging website', timestamp: null, owner: 'Tom', due: 'end of week' },
    { text: 'Book a rocket to Mars', timestamp: 9999, owner: null, due: null },
  ],
  tags: ['Quarterly Report', '#budget', 'website launch', 'hiring', 'budget'],
  // One per shared screen (timeline.ts): the sheet, the Figma design, the pricing page, Slack.
  chapter_titles: [
    'Quarterly report and budget',
    'Landing page design',
    'Pricing page',
    'Hiring mobile developers',
  ],
};

beforeAll(async () => {
  server = await startFakeOpenAi();
  llm = new OpenAiCompatibleLanguageModel(
    { url: server.url, apiKey: undefined, model: 'fake-model', timeoutMs: 5000, maxRetries: 0 },
    { baseMs: 5, maxMs: 50 },
  );
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('LLM enrichment', () => {
  it('uses a valid JSON reply: summary, located actions, clean tags, titled chapters', async () => {
    server.handle(() => ({ body: chatReply(JSON.stringify(GOOD_REPLY)) }));
    const result = await enrichText(input, { llm });

    expect(result.method).toBe('llm');
    expect(result.methods).toEqual({ summary: 'llm', actions: 'llm', tags: 'llm', timeline: 'llm-titles' });
    expect(result.model).toBe('fake-model-1');
    expect(result.usage).toEqual({ promptTokens: 11, completionTokens: 7, totalTokens: 18 });
    expect(result.fallbackReason).toBeUndefined();
    expect(result.summary).toBe(GOOD_REPLY.summary);
    expect(result.tags).toEqual(['quarterly report', 'budget', 'website launch', 'hiring']);
    expect(result.timeline.map((c) => c.title)).toEqual(GOOD_REPLY.chapter_titles);
    expect(result.timeline.map((c) => c.start)).toEqual(draftChapters(input).map((c) => c.start));

    const [send, staging, mars] = result.actions;
    expect(send).toMatchObject({
      text: 'Send the quarterly report to finance',
      start: 58,
      due: 'Friday',
      trigger: 'llm',
    });
    // No timestamp given: placed at the sentence that says it.
    expect(staging).toMatchObject({ owner: 'Tom', start: 172 });
    // An impossible timestamp is dropped, and nothing in the transcript resembles it.
    expect(mars!.start).toBeUndefined();

    const body = server.requests[0]!.json as {
      messages: Array<{ role: string; content: string }>;
      response_format: unknown;
    };
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0]!.role).toBe('system');
    expect(body.messages[0]!.content).toContain('Do not invent');
    const prompt = body.messages[1]!.content;
    expect(prompt).toContain('Duration: 300 seconds.');
    expect(prompt).toContain('Chapters (4):');
    expect(prompt).toContain(
      '[46] Sarah, can you add a short section on the marketing budget to the report?',
    );
    expect(prompt).toContain('Q3 Quarterly Report - Google Sheets — Mozilla Firefox');
    // Screen lines repeated on several frames are sent once.
    expect(prompt.split('Q3 Quarterly Report - Google Sheets').length).toBe(2);
  });

  it('accepts JSON wrapped in a code fence after the model’s reasoning', async () => {
    server.handle(() => ({
      body: chatReply(
        `<think>The user wants JSON.</think>\nHere you go:\n\`\`\`json\n${JSON.stringify(GOOD_REPLY)}\n\`\`\``,
      ),
    }));
    expect((await enrichText(input, { llm })).method).toBe('llm');
  });

  it('keeps the model’s answer but keyphrase titles when the chapter titles do not line up', async () => {
    server.handle(() => ({
      body: chatReply(JSON.stringify({ ...GOOD_REPLY, chapter_titles: ['Only one'] })),
    }));
    const result = await enrichText(input, { llm });
    expect(result.method).toBe('llm');
    expect(result.methods.timeline).toBe('keyphrase-titles');
    expect(result.timeline[0]!.title).not.toBe('Only one');
  });

  it.each([
    ['prose instead of JSON', 'The meeting covered the budget.', /no JSON object/],
    ['JSON without a summary', JSON.stringify({ actions: [], tags: ['x'] }), /"summary" is missing/],
    [
      'actions that are not a list',
      JSON.stringify({ summary: 'ok', actions: 'none' }),
      /"actions" is not an array/,
    ],
    ['broken JSON', '{"summary": "cut off', /no JSON object|not valid JSON/],
  ])('falls back to the extractive methods on %s, saying why', async (_name, content, reason) => {
    server.handle(() => ({ body: chatReply(content) }));
    const result = await enrichText(input, { llm });
    expect(result.method).toBe('extractive');
    expect(result.methods).toEqual({
      summary: 'textrank',
      actions: 'rules',
      tags: 'keyphrases',
      timeline: 'keyphrase-titles',
    });
    expect(result.fallbackReason).toMatch(/^the LLM reply was not usable: /);
    expect(result.fallbackReason).toMatch(reason);
    expect(result.summary).toBe(extractiveSummary(input).text);
    expect(result.actions.length).toBeGreaterThan(5);
  });

  it('falls back when the LLM server fails', async () => {
    server.handle(() => ({ status: 500, body: { error: { message: 'model crashed' } } }));
    const result = await enrichText(input, { llm });
    expect(result.method).toBe('extractive');
    expect(result.fallbackReason).toBe(
      `the LLM call failed: The LLM server at ${server.url} returned 500: model crashed`,
    );
    expect(result.tags.length).toBeGreaterThan(0);
  });

  it('is extractive without an LLM, and does not ask one about an empty recording', async () => {
    const none = await enrichText(input);
    expect(none.method).toBe('extractive');
    expect(none.fallbackReason).toBe('no LLM is configured (IRIS_LLM_URL and IRIS_LLM_MODEL)');
    expect(none.summary.length).toBeGreaterThan(0);

    const empty = await enrichText({ segments: [], frames: [{ t: 0, text: '   ' }] }, { llm });
    expect(server.requests).toHaveLength(0);
    expect(empty).toMatchObject({ summary: '', actions: [], tags: [], timeline: [], method: 'extractive' });
    expect(empty.fallbackReason).toBe('there is no transcript or screen text to analyse');
  });

  it('propagates cancellation instead of falling back', async () => {
    server.handle(() => ({ delayMs: 1000, body: chatReply(JSON.stringify(GOOD_REPLY)) }));
    const controller = new AbortController();
    const reason = new Error('stage cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(enrichText(input, { llm, signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('enrichment prompt and reply', () => {
  it('abridges a long transcript to its most central sentences within the budget, and says so', () => {
    const long = Array.from({ length: 40 }, (_, k) =>
      MEETING_SEGMENTS.map((s) => ({ ...s, start: s.start + k * 300, end: s.end + k * 300 })),
    ).flat();
    const prompt = buildEnrichPrompt({ segments: long, frames: [] }, [], {
      transcriptChars: 3000,
      screenChars: 500,
    });
    const transcript = prompt.slice(prompt.indexOf('Transcript'));
    expect(transcript).toMatch(/^Transcript \(abridged: the \d+ most central of \d+ sentences\)/);
    expect(transcript.length).toBeLessThan(3200);
    const times = [...transcript.matchAll(/^\[(\d+(?:\.\d+)?)\]/gm)].map((m) => Number(m[1]));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('repairs string numbers and drops empty actions and junk tags', () => {
    const reply = parseEnrichReply(
      JSON.stringify({
        summary: '  Short.  ',
        actions: ['Call the vendor', { text: '' }, { text: 'Ship it', timestamp: '12.5', owner: 'null' }],
        tags: ['ok', 'x', 42, 'a'.repeat(50)],
        chapter_titles: ['One', 'Two'],
      }),
      { chapters: 2, duration: 60 },
    );
    expect(reply).toEqual({
      summary: 'Short.',
      actions: [{ text: 'Call the vendor' }, { text: 'Ship it', timestamp: 12.5 }],
      tags: ['ok'],
      chapterTitles: ['One', 'Two'],
    });
  });
});
