import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSlidesVideo } from '../fixtures/media.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { waitForStages } from './pipeline.helpers.js';
import { uploaded } from './recordings.helpers.js';

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Parses a text/event-stream body. */
function events(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const e: SseEvent = { event: 'message', data: {} };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id') e.id = value;
        if (field === 'event') e.event = value;
        if (field === 'data') e.data = JSON.parse(value) as Record<string, unknown>;
      }
      return e;
    });
}

describe.each(DIALECTS)('agents API on %s', (dialect) => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let stranger: Awaited<ReturnType<typeof seedUser>>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    owner = await seedUser(t);
    stranger = await seedUser(t);
  }, 60_000);
  afterAll(async () => t?.close());

  it('creates, lists, reads, changes and deletes agents, at /api/v1 and at spec 002’s /v1', async () => {
    const created = await t.call('POST', '/api/v1/agents', {
      token: owner.token,
      body: { name: '  Meeting helper ', description: 'Answers about our meetings' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json();
    expect(agent).toMatchObject({
      name: 'Meeting helper',
      workspace_id: owner.workspaceId,
      model: 'extractive',
      tools: ['search_recordings', 'get_transcript', 'save_memory', 'recall_memory'],
      knowledge: {},
      max_citations: 5,
    });
    expect(agent.id).toMatch(/^agt_/);

    const second = await t.call('POST', '/v1/agents', { token: owner.token, body: { name: 'Second' } });
    expect(second.statusCode, second.body).toBe(201);
    const list = await t.call('GET', '/v1/agents?limit=1', { token: owner.token });
    expect(list.statusCode).toBe(200);
    expect(list.json().pagination).toEqual({ limit: 1, offset: 0, total: 2 });
    expect(list.json().items[0].name).toBe('Second');

    const patched = await t.call('PATCH', `/api/v1/agents/${agent.id}`, {
      token: owner.token,
      body: { instructions: 'Be brief.', max_citations: 3, knowledge: { sources: ['upload'] } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Meeting helper',
      instructions: 'Be brief.',
      max_citations: 3,
    });
    expect((await t.call('GET', `/v1/agents/${agent.id}`, { token: owner.token })).json().max_citations).toBe(
      3,
    );

    const audit = await t.c.database.db
      .selectFrom('audit_events')
      .select(['action'])
      .where('target_id', '=', agent.id)
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['agent.create', 'agent.update']);

    expect((await t.call('DELETE', `/api/v1/agents/${agent.id}`, { token: owner.token })).statusCode).toBe(
      204,
    );
    const gone = await t.call('GET', `/api/v1/agents/${agent.id}`, { token: owner.token });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('AGENT_NOT_FOUND');
  });

  it('refuses bad input with INVALID_REQUEST naming the field, and hides other workspaces’ agents', async () => {
    const bad = [
      { name: '' },
      { name: 'x', temperature: 5 },
      { name: 'x', model: 'gpt-imaginary' },
      { name: 'x', tools: ['rm_rf'] },
      { name: 'x', knowledge: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } },
      { name: 'x', surprise: true },
    ];
    for (const body of bad) {
      const res = await t.call('POST', '/api/v1/agents', { token: owner.token, body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_REQUEST');
    }
    const model = await t.call('POST', '/api/v1/agents', {
      token: owner.token,
      body: { name: 'x', model: 'gpt-x' },
    });
    expect(model.json().error.message).toContain('available: extractive');

    const mine = (
      await t.call('POST', '/api/v1/agents', { token: owner.token, body: { name: 'Mine' } })
    ).json();
    for (const [method, url, body] of [
      ['GET', `/api/v1/agents/${mine.id}`, undefined],
      ['PATCH', `/api/v1/agents/${mine.id}`, { name: 'Taken' }],
      ['DELETE', `/api/v1/agents/${mine.id}`, undefined],
      ['POST', `/api/v1/agents/${mine.id}/messages`, { message: 'budget?' }],
    ] as const) {
      const res = await t.call(method, url, { token: stranger.token, body });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('AGENT_NOT_FOUND');
    }
    const theirs = await t.call('POST', '/api/v1/characters', {
      token: stranger.token,
      body: { name: 'Theirs', persona: 'x' },
    });
    expect(theirs.statusCode, theirs.body).toBe(201);
    const borrowed = await t.call('PATCH', `/api/v1/agents/${mine.id}`, {
      token: owner.token,
      body: { character_id: theirs.json().id },
    });
    expect(borrowed.statusCode).toBe(400);
    expect(borrowed.json().error.details.field).toBe('character_id');
    expect(
      (await t.call('GET', `/api/v1/characters/${theirs.json().id}`, { token: owner.token })).statusCode,
    ).toBe(404);
    const unknown = await t.call('GET', '/v1/agents/agt_01aaaaaaaaaaaaaaaaaaaaaaaa', { token: owner.token });
    expect(unknown.json().error.code).toBe('AGENT_NOT_FOUND');
    expect((await t.call('GET', '/v1/agents')).json().error.code).toBe('UNAUTHORIZED');

    // A read-scoped key may talk to agents but not change them.
    const key = await t.call('POST', '/api/v1/keys', {
      token: owner.token,
      body: { name: 'r', scopes: ['read'] },
    });
    const read = key.json().key.plaintext as string;
    expect((await t.call('POST', '/api/v1/agents', { token: read, body: { name: 'no' } })).statusCode).toBe(
      403,
    );
    expect((await t.call('GET', `/api/v1/agents/${mine.id}`, { token: read })).statusCode).toBe(200);
    const asked = await t.call('POST', `/api/v1/agents/${mine.id}/messages`, {
      token: read,
      body: { message: 'anything about kubernetes?' },
    });
    expect(asked.statusCode, asked.body).toBe(200);
    // Nothing in the library yet: it says so, and cites nothing.
    expect(asked.json().message.citations).toEqual([]);
    expect(asked.json().message.content).toContain('found nothing');
    const empty = await t.call('POST', `/api/v1/agents/${mine.id}/messages`, {
      token: read,
      body: { message: '?!' },
    });
    expect(empty.statusCode).toBe(400);
  });
});

describe('spec 002 rate limits on the agents API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('has its own bucket at the spec’s tiers: standard 60/min, pro 300/min, with the usual headers', async () => {
    const free = await seedUser(t);
    const pro = await seedUser(t);
    await t.c.database.db
      .updateTable('workspaces')
      .set({ plan: 'pro' })
      .where('id', '=', pro.workspaceId)
      .execute();
    const limit = async (url: string, token: string) =>
      (await t.call('GET', url, { token })).headers['x-ratelimit-limit'];
    expect(await limit('/v1/agents', free.token)).toBe('60');
    expect(await limit('/v1/agents', pro.token)).toBe('300');
    expect(await limit('/api/v1/workspaces', pro.token)).toBe('600');
    for (let i = 0; i < 59; i++) await t.call('GET', '/api/v1/agents', { token: free.token });
    const over = await t.call('GET', '/api/v1/agents', { token: free.token });
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(over.headers['retry-after']).toBeDefined();
    // The rest of the API is another bucket.
    expect((await t.call('GET', '/api/v1/workspaces', { token: free.token })).statusCode).toBe(200);
  });
});

describe('custom rates per workspace (spec 002’s Enterprise tier)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('are the instance administrator’s to set, apply at once, and null restores the plan’s', async () => {
    const admin = await seedUser(t);
    await t.c.database.db
      .updateTable('users')
      .set({ is_instance_admin: 1 })
      .where('id', '=', admin.userId)
      .execute();
    const member = await seedUser(t);
    const url = `/api/v1/workspaces/${member.workspaceId}/rate-limits`;
    const refused = await t.call('PUT', url, {
      token: member.token,
      body: { requests_per_minute: 5000, agent_requests_per_minute: 3 },
    });
    expect(refused.statusCode).toBe(403);
    expect((await t.call('GET', '/v1/agents', { token: member.token })).headers['x-ratelimit-limit']).toBe(
      '60',
    );
    const set = await t.call('PUT', url, {
      token: admin.token,
      body: { requests_per_minute: 5000, agent_requests_per_minute: 3 },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({
      plan_limits: { requests_per_minute: 60, agent_requests_per_minute: 60 },
      effective: { requests_per_minute: 5000, agent_requests_per_minute: 3 },
    });
    const limits = async (u: string) =>
      (await t.call('GET', u, { token: member.token })).headers['x-ratelimit-limit'];
    expect(await limits('/v1/agents')).toBe('3');
    expect(await limits('/api/v1/workspaces')).toBe('5000');
    expect((await t.call('GET', url, { token: member.token })).json().custom).toEqual({
      requests_per_minute: 5000,
      agent_requests_per_minute: 3,
    });
    const bad = await t.call('PUT', url, {
      token: admin.token,
      body: { requests_per_minute: 0, agent_requests_per_minute: null },
    });
    expect(bad.statusCode).toBe(400);
    await t.call('PUT', url, {
      token: admin.token,
      body: { requests_per_minute: null, agent_requests_per_minute: null },
    });
    expect(await limits('/api/v1/workspaces')).toBe('60');
  });
});

describe('the offline agent on a processed recording', () => {
  let t: TestApp;
  let dataDir: string;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let other: Awaited<ReturnType<typeof seedUser>>;
  let meeting: string;
  let agentId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-agents-'));
    t = await createTestApp('sqlite', { dataDir, webhooksAllowPrivate: true });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    owner = await seedUser(t);
    other = await seedUser(t);
    const video = await makeSlidesVideo(
      path.join(dataDir, 'meeting.mp4'),
      [
        { lines: ['Weekly sync', 'Agenda and attendees'], seconds: 5 },
        { lines: ['Budget decision', 'Cut travel spending by 20 percent'], seconds: 5 },
        { lines: ['Launch timeline', 'Release moves to March'], seconds: 5 },
      ],
      { width: 960, height: 540, audio: false },
    );
    const data = readFileSync(video);
    const mine = await uploaded(t, owner.token, { data, filename: 'weekly-sync.mp4', type: 'video/mp4' });
    const theirs = await uploaded(t, other.token, { data, filename: 'their-sync.mp4', type: 'video/mp4' });
    meeting = mine.id;
    for (const [token, id] of [
      [owner.token, mine.id],
      [other.token, theirs.id],
    ] as const) {
      await waitForStages(t, token, id, ['frames', 'ocr', 'enrich', 'index'], 180_000);
    }
    const agent = await t.call('POST', '/api/v1/agents', { token: owner.token, body: { name: 'Meetings' } });
    agentId = agent.json().id;
  }, 240_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers with a quote of the right moment, cited, and only from what the caller may read', async () => {
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'What did we decide about the budget?' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { conversation, user_message, message } = res.json();
    expect(message).toMatchObject({ role: 'assistant', model: 'extractive', stop_reason: 'end_turn' });
    expect(message.latency_ms).toBeGreaterThanOrEqual(0);
    expect(message.tool_calls).toHaveLength(1);
    expect(message.tool_calls[0]).toMatchObject({
      name: 'search_recordings',
      arguments: { query: 'decide budget' },
    });
    expect(message.citations.length).toBeGreaterThan(0);
    // Only the caller's own recording, at the budget slide (5–10 s).
    for (const c of message.citations) expect(c.recording_id).toBe(meeting);
    const first = message.citations[0];
    expect(first.timestamp_seconds).toBeGreaterThanOrEqual(4.5);
    expect(first.timestamp_seconds).toBeLessThanOrEqual(10.5);
    expect(first.quote.toLowerCase()).toContain('budget');
    expect(first.url).toBe(`/recordings/${meeting}?t=${Math.floor(first.timestamp_seconds)}`);
    expect(message.content).toContain(`“${first.quote}” [1]`);
    expect(user_message).toMatchObject({ role: 'user', content: 'What did we decide about the budget?' });
    expect(conversation).toMatchObject({ agent_id: agentId, message_count: 2 });

    // A follow-up in the same conversation, then the conversation read back in order.
    const next = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'And the launch?', conversation_id: conversation.id },
    });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json().message.citations[0].quote.toLowerCase()).toMatch(/launch|release/);
    const history = await t.call(
      'GET',
      `/api/v1/agents/${agentId}/conversations/${conversation.id}/messages`,
      { token: owner.token },
    );
    expect(history.json().items.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const list = await t.call('GET', `/v1/agents/${agentId}/conversations`, { token: owner.token });
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([conversation.id]);
    const analytics = await t.call('GET', `/api/v1/agents/${agentId}/analytics`, { token: owner.token });
    expect(analytics.json()).toMatchObject({
      conversations: 1,
      messages: 4,
      replies: 2,
      tool_calls: 2,
      total_tokens: 0,
    });

    // Another member's conversation is theirs: not found for anyone else.
    const foreign = await t.call('GET', `/api/v1/agents/${agentId}/conversations/${conversation.id}`, {
      token: other.token,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('streams the reply as numbered Server-Sent Events, and resumes after the last one seen', async () => {
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      headers: { accept: 'text/event-stream' },
      body: { message: 'budget decision' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['x-ratelimit-limit']).toBeDefined();
    const seen = events(res.body);
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => String(i + 1)));
    const types = seen.map((e) => e.event);
    expect(types[0]).toBe('message.started');
    expect(types.slice(1, 3)).toEqual(['tool.call', 'tool.result']);
    expect(types).toContain('citation');
    expect(types.at(-1)).toBe('message.completed');
    const completed = seen.at(-1)!.data.message as { id: string; content: string; citations: unknown[] };
    const deltas = seen.filter((e) => e.event === 'text.delta').map((e) => e.data.delta as string);
    expect(deltas.join('')).toBe(completed.content);
    expect(seen.filter((e) => e.event === 'citation')).toHaveLength(completed.citations.length);

    const resumed = await t.call('GET', `/api/v1/agents/${agentId}/messages/${completed.id}/events`, {
      token: owner.token,
      headers: { 'last-event-id': '3' },
    });
    expect(resumed.statusCode).toBe(200);
    expect(events(resumed.body).map((e) => e.id)).toEqual(seen.slice(3).map((e) => e.id));
    const stored = await t.call('GET', `/api/v1/agents/${agentId}/messages/${completed.id}/events`, {
      token: other.token,
    });
    expect(stored.statusCode).toBe(404);

    const cancel = await t.call('POST', `/api/v1/agents/${agentId}/messages/${completed.id}/cancel`, {
      token: owner.token,
    });
    expect(cancel.statusCode).toBe(409);
  });

  it('tells the workspace’s webhooks: agent.message.completed, signed per Standard Webhooks', async () => {
    const received: Array<{ body: string; headers: Record<string, string> }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers as Record<string, string>,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await t.call('POST', '/api/v1/webhooks', {
        token: owner.token,
        body: { url, events: ['agent.message.completed'] },
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const reply = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
        token: owner.token,
        body: { message: 'What did we decide about the budget?' },
      });
      const deadline = Date.now() + 30_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      const event = new Webhook(hook.json().secret as string).verify(
        received[0]!.body,
        received[0]!.headers,
      ) as {
        type: string;
        data: { agent_id: string; message: { id: string; citations: Array<{ recording_id: string }> } };
      };
      expect(event.type).toBe('agent.message.completed');
      expect(event.data.agent_id).toBe(agentId);
      expect(event.data.message.id).toBe(reply.json().message.id);
      expect(event.data.message.citations[0]!.recording_id).toBe(meeting);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('keeps to its knowledge scope', async () => {
    const scoped = await t.call('POST', '/api/v1/agents', {
      token: owner.token,
      body: { name: 'Cameras only', knowledge: { sources: ['camera'] } },
    });
    const res = await t.call('POST', `/api/v1/agents/${scoped.json().id}/messages`, {
      token: owner.token,
      body: { message: 'What did we decide about the budget?' },
    });
    expect(res.json().message.citations).toEqual([]);
  });
});
