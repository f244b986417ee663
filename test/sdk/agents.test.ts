import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IrisApiError,
  IrisClient,
  IrisNetworkError,
  collect,
  parseSse,
  type AgentEvent,
  type SseMessage,
} from '../../src/sdk/index.js';
import { makeSlidesVideo } from '../fixtures/media.js';
import { startServer, type LiveServer } from './server.js';

/** A body that arrives in the given pieces (split anywhere, even inside `\r\n`). */
function bodyOf(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(encoder.encode(p));
      controller.close();
    },
  });
}

describe('parseSse', () => {
  it('reads events split across chunks, with any line ending, comments and multi-line data', async () => {
    const messages = await collect(
      parseSse(
        bodyOf(
          ': keep-alive\n\nid: 1\nevent: text.delta\nda',
          'ta: {"delta":"a"}\r',
          '\n\r\nevent: x\ndata: line one\ndata:line two\rretry: 3000\r\r',
          'data\n\nid: 9\ndata: cut before its blank line',
        ),
      ),
    );
    expect(messages).toEqual<SseMessage[]>([
      { id: '1', event: 'text.delta', data: '{"delta":"a"}' },
      { event: 'x', data: 'line one\nline two', retry: 3000 },
      { event: 'message', data: '' },
    ]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: “ok”\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 7));
        c.enqueue(bytes.subarray(7));
        c.close();
      },
    });
    expect((await collect(parseSse(body))).map((m) => m.data)).toEqual(['“ok”']);
  });
});

/** Where the `n`-th event of an SSE text ends, or -1. */
function endOfEvent(text: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const end = text.indexOf('\n\n', at);
    if (end < 0) return -1;
    at = end + 2;
  }
  return at;
}

/**
 * fetch that lets a streamed reply through up to its `events`-th event and then breaks
 * the connection, as a proxy restart or a flaky network does mid-reply.
 */
function droppingFetch(events: number, drops: { count: number }) {
  return async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    const sse = response.headers.get('content-type')?.includes('text/event-stream');
    if (request.method !== 'POST' || !sse || !response.body) return response;
    drops.count++;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let text = '';
    let broken = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Erroring right after enqueueing would drop the queued chunk: break on the next read.
        if (broken) return controller.error(new TypeError('terminated'));
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += decoder.decode(value, { stream: true });
          const cut = endOfEvent(text, events);
          if (cut >= 0) {
            controller.enqueue(encoder.encode(text.slice(0, cut)));
            await reader.cancel();
            broken = true;
            return;
          }
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

describe('client.agents against a live server', () => {
  let s: LiveServer;
  let iris: IrisClient;
  let recordingId: string;
  let agentId: string;

  beforeAll(async () => {
    s = await startServer({ processing: true });
    iris = new IrisClient({ baseUrl: s.url, token: s.apiKey });
    const video = await makeSlidesVideo(
      path.join(s.dataDir, 'weekly-sync.mp4'),
      [
        { lines: ['Weekly sync', 'Agenda and attendees'], seconds: 5 },
        { lines: ['Budget decision', 'Cut travel spending by 20 percent'], seconds: 5 },
        { lines: ['Launch timeline', 'Release moves to March'], seconds: 5 },
      ],
      { width: 960, height: 540, audio: false },
    );
    const up = await iris.recordings.upload(video, { title: 'Weekly sync' });
    recordingId = up.recordingId;
    const status = await iris.recordings.wait(recordingId, { intervalMs: 250, timeoutMs: 180_000 });
    expect(status.status).toBe('ready');
    agentId = (await iris.agents.create({ name: 'Meetings', description: 'Answers about our meetings' })).id;
  }, 240_000);
  afterAll(async () => s?.close());

  it('creates, lists, reads, changes and deletes agents', async () => {
    const made = await iris.agents.create({
      name: 'Scratch',
      instructions: 'Be brief.',
      knowledge: { sources: ['upload', 'camera'] },
    });
    expect(made).toMatchObject({
      name: 'Scratch',
      workspace_id: s.user.workspaceId,
      model: 'extractive',
      knowledge: { sources: ['upload', 'camera'] },
    });
    const page = await iris.agents.list({ limit: 1 });
    expect(page.items.map((a) => a.id)).toEqual([made.id]);
    expect(page.pagination.total).toBe(2);
    expect((await collect(iris.agents.iterate({}, { pageSize: 1 }))).map((a) => a.name)).toEqual([
      'Scratch',
      'Meetings',
    ]);
    expect(await iris.agents.update(made.id, { max_citations: 2 })).toMatchObject({
      name: 'Scratch',
      max_citations: 2,
    });
    expect((await iris.agents.get(made.id)).max_citations).toBe(2);
    await iris.agents.delete(made.id);
    const gone = await iris.agents.get(made.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(IrisApiError);
    expect(gone).toMatchObject({ status: 404, code: 'AGENT_NOT_FOUND' });
    await expect(iris.agents.create({ name: 'x', model: 'gpt-imaginary' })).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
    });
  });

  it('answers as JSON with citations, and keeps the conversation', async () => {
    const reply = await iris.agents.send(agentId, { message: 'What did we decide about the budget?' });
    expect(reply.message).toMatchObject({ role: 'assistant', stop_reason: 'end_turn' });
    const [first] = reply.message.citations;
    expect(first).toMatchObject({ index: 1, recording_id: recordingId, recording_title: 'Weekly sync' });
    expect(first!.quote.toLowerCase()).toContain('budget');
    expect(first!.url).toBe(`/recordings/${recordingId}?t=${Math.floor(first!.timestamp_seconds)}`);

    const next = await iris.agents.send(agentId, {
      message: 'And the launch?',
      conversation_id: reply.conversation.id,
    });
    expect(next.conversation.id).toBe(reply.conversation.id);
    const conversations = await iris.agents.conversations(agentId);
    expect(conversations.items.map((c) => c.id)).toContain(reply.conversation.id);
    expect((await iris.agents.conversation(agentId, reply.conversation.id)).message_count).toBe(4);
    const messages = await iris.agents.messages(agentId, reply.conversation.id);
    expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(
      (await collect(iris.agents.iterateMessages(agentId, reply.conversation.id, { pageSize: 3 }))).length,
    ).toBe(4);
    expect(await iris.agents.analytics(agentId)).toMatchObject({ agent_id: agentId, replies: 2 });
  });

  it('streams typed events as they are made', async () => {
    const reply = iris.agents.stream(agentId, { message: 'What did we decide about the budget?' });
    const events: AgentEvent[] = [];
    for await (const e of reply) events.push(e);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'message.started', model: 'extractive' });
    expect(events.slice(1, 3).map((e) => e.type)).toEqual(['tool.call', 'tool.result']);
    const call = events[1]!;
    expect(call.type === 'tool.call' && call.tool_call).toMatchObject({
      name: 'search_recordings',
      arguments: { query: 'decide budget' },
    });
    const last = events.at(-1)!;
    if (last.type !== 'message.completed') throw new Error(`ended with ${last.type}`);
    const text = events.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('');
    expect(text).toBe(last.message.content);
    const cited = events.flatMap((e) => (e.type === 'citation' ? [e.citation] : []));
    expect(cited).toEqual(last.message.citations);
    expect(cited[0]!.recording_id).toBe(recordingId);
    expect(reply.message).toEqual(last.message);
    expect(reply.messageId).toBe(last.message.id);
    expect(reply.conversationId).toBe(last.message.conversation_id);
    expect(reply.resumed).toBe(false);
    // A stream is read once.
    expect(() => reply[Symbol.asyncIterator]()).toThrow('once');

    // Read back: a stored reply resumes with its message.completed.
    const after = await collect(iris.agents.events(agentId, last.message.id, { after: 3 }));
    expect(after.map((e) => e.seq)).toEqual(events.slice(3).map((e) => e.seq));
    await expect(reply.cancel()).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('resumes once with Last-Event-ID when the connection drops mid-reply', async () => {
    const drops = { count: 0 };
    const flaky = new IrisClient({ baseUrl: s.url, token: s.apiKey, fetch: droppingFetch(4, drops) });
    const reply = flaky.agents.stream(agentId, { message: 'budget decision' });
    const events = await collect(reply);
    expect(drops.count).toBe(1);
    expect(reply.resumed).toBe(true);
    // Nothing lost and nothing twice: 1, 2, 3, … through the reconnect.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const last = events.at(-1)!;
    expect(last.type).toBe('message.completed');
    const text = events.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('');
    expect(text).toBe(reply.message!.content);
    expect(reply.message!.citations.length).toBeGreaterThan(0);

    const strict = new IrisClient({ baseUrl: s.url, token: s.apiKey, fetch: droppingFetch(2, drops) });
    const once = strict.agents.stream(agentId, { message: 'budget decision' }, { resume: false });
    const seen: AgentEvent[] = [];
    const err = await (async () => {
      for await (const e of once) seen.push(e);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrisNetworkError);
    expect(seen.map((e) => e.type)).toEqual(['message.started', 'tool.call']);
  });

  it('throws IrisApiError before the stream opens for a refused message', async () => {
    const missing = iris.agents.stream('agt_01aaaaaaaaaaaaaaaaaaaaaaaa', { message: 'budget?' });
    await expect(collect(missing)).rejects.toMatchObject({ status: 404, code: 'AGENT_NOT_FOUND' });
    const empty = iris.agents.stream(agentId, { message: '?!' });
    const err = await collect(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IrisApiError);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect((err as IrisApiError).requestId).toMatch(/^req_/);
  });

  it('deletes a conversation', async () => {
    const reply = await iris.agents.send(agentId, { message: 'launch timeline' });
    await iris.agents.deleteConversation(agentId, reply.conversation.id);
    await expect(iris.agents.conversation(agentId, reply.conversation.id)).rejects.toMatchObject({
      status: 404,
    });
  });
});
