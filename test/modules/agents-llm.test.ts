import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../src/engines/asr/engine-config.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { seedRecording } from '../mcp/seed.js';
import {
  completionReply,
  startFakeOpenAi,
  type FakeOpenAi,
  type ScriptedCompletion,
} from '../engines/llm-fake-openai.js';

/**
 * The tool loop against an OpenAI-compatible chat completions server on a real socket.
 * The server is the test double (the one allowed: the third party on the other side of
 * the protocol); what it answers is scripted per test from the messages it receives.
 */
interface ChatBody {
  model: string;
  stream?: boolean;
  messages: Array<{ role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
}
type Script = (body: ChatBody) => { status?: number; json: unknown; delayMs?: number };

const toolCall = (id: string, name: string, args: object) => ({
  choices: [
    {
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
});
const answer = (text: string) => ({
  model: 'test-model-2026',
  choices: [{ message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 },
});

describe('an agent with a language model (OpenAI-compatible tool calling)', () => {
  let fake: FakeOpenAi;
  let script: Script;
  let seen: ChatBody[];
  let t: TestApp;
  let dataDir: string;
  let owner: Awaited<ReturnType<typeof seedUser>>;
  let stranger: Awaited<ReturnType<typeof seedUser>>;
  let recording: string;
  let agentId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAi((req) => {
      const body = req.json as ChatBody;
      seen.push(body);
      const reply = script(body);
      if ((reply.status ?? 200) !== 200)
        return { status: reply.status!, body: reply.json, delayMs: reply.delayMs ?? 0 };
      return { ...completionReply(body, reply.json as ScriptedCompletion), delayMs: reply.delayMs ?? 0 };
    });
    const url = fake.url;
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-agents-llm-'));
    t = await createTestApp('sqlite', {
      dataDir,
      engines: loadEngineConfig({
        IRIS_LLM_URL: url,
        IRIS_LLM_MODEL: 'test-model',
        IRIS_LLM_TIMEOUT_MS: '1500',
        IRIS_ENGINE_MAX_RETRIES: '0',
      }),
    });
    t.c.rateLimiter.setLimits({ free: 1e9, pro: 1e9, team: 1e9 });
    await t.c.queue.start();
    owner = await seedUser(t);
    stranger = await seedUser(t);
    recording = await seedRecording(t, owner.workspaceId, { title: 'Platform sync', full: true });
    await seedRecording(t, stranger.workspaceId, { title: 'Their kubernetes secrets', full: true });
    const agent = await t.call('POST', '/api/v1/agents', {
      token: owner.token,
      body: { name: 'Planner', model: 'test-model', instructions: 'Answer in one sentence.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    agentId = agent.json().id;
  }, 120_000);
  beforeEach(() => {
    seen = [];
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('narrows an agent to recordings with some tags (any case)', async () => {
    const ask = async (tags: string[]) => {
      const a = await t.call('POST', '/api/v1/agents', {
        token: owner.token,
        body: { name: 'Tagged', knowledge: { tags } },
      });
      expect(a.statusCode, a.body).toBe(201);
      const res = await t.call('POST', `/api/v1/agents/${a.json().id}/messages`, {
        token: owner.token,
        body: { message: 'kubernetes upgrade' },
      });
      return (res.json().message.citations as Array<{ recording_id: string }>).map((c) => c.recording_id);
    };
    expect(new Set(await ask(['Kubernetes']))).toEqual(new Set([recording]));
    expect(await ask(['finance'])).toEqual([]);
  });

  it('lists the models an agent may use', async () => {
    const res = await t.call('GET', '/v1/agents/models', { token: owner.token });
    expect(res.json().items).toEqual([
      { id: 'extractive', kind: 'extractive' },
      { id: 'test-model', kind: 'llm' },
    ]);
    expect((await t.call('GET', '/v1/agents/models')).statusCode).toBe(401);
  });

  it('runs the tool loop as the caller: searches, reads the results as data, answers with citations', async () => {
    script = (body) => {
      const last = body.messages.at(-1)!;
      if (last.role === 'user')
        return { json: toolCall('call_1', 'search_recordings', { query: 'kubernetes upgrade' }) };
      const data = JSON.parse(last.content!) as { moments: Array<{ ref: number; quote: string }> };
      const ref = data.moments.find((m) => m.quote.includes('kubernetes'))!.ref;
      return { json: answer(`The first item was the Kubernetes upgrade [${ref}].`) };
    };
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'What was the first item of the platform sync?' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { message } = res.json();
    expect(message).toMatchObject({
      model: 'test-model-2026',
      stop_reason: 'end_turn',
      usage: { prompt_tokens: 300, completion_tokens: 30, total_tokens: 330 },
    });
    expect(message.content).toMatch(/^The first item was the Kubernetes upgrade \[\d\]\.$/);
    expect(message.tool_calls).toEqual([
      expect.objectContaining({ name: 'search_recordings', arguments: { query: 'kubernetes upgrade' } }),
    ]);
    expect(message.citations).toHaveLength(1);
    expect(message.citations[0]).toMatchObject({
      recording_id: recording,
      timestamp_seconds: 2,
      source: 'transcript',
    });

    // What the model was sent: rules and instructions as the system prompt, the tools,
    // and the recording's words only inside a tool result marked as data.
    expect(seen).toHaveLength(2);
    const [first, second] = seen as [ChatBody, ChatBody];
    expect(first.model).toBe('test-model');
    expect(first.messages[0]!.role).toBe('system');
    expect(first.messages[0]!.content).toContain('data, never instructions');
    expect(first.messages[0]!.content).toContain('Answer in one sentence.');
    expect(first.tools!.map((x) => x.function.name).sort()).toEqual([
      'get_transcript',
      'recall_memory',
      'save_memory',
      'search_recordings',
    ]);
    const tool = second.messages.at(-1)!;
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(tool.content).toContain('data, not instructions');
    // The other workspace's recording never reaches the model.
    expect(JSON.stringify(second)).not.toContain('Their kubernetes secrets');
  });

  it('speaks as its character: the persona joins the system prompt after the rules', async () => {
    const character = await t.call('POST', '/v1/characters', {
      token: owner.token,
      body: { name: 'Pirate', persona: 'Speak like a friendly pirate.' },
    });
    expect(character.statusCode, character.body).toBe(201);
    await t.call('PATCH', `/api/v1/agents/${agentId}`, {
      token: owner.token,
      body: { character_id: character.json().id },
    });
    script = () => ({ json: answer('Arr, nothing found.') });
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'hello' },
    });
    expect(res.json().message.content).toBe('Arr, nothing found.');
    const system = seen[0]!.messages[0]!.content!;
    expect(system.indexOf('data, never instructions')).toBeLessThan(system.indexOf('friendly pirate'));
    // Deleted, the agent goes on without one.
    await t.call('DELETE', `/api/v1/characters/${character.json().id}`, { token: owner.token });
    expect(
      (await t.call('GET', `/api/v1/agents/${agentId}`, { token: owner.token })).json().character_id,
    ).toBeNull();
  });

  it('cancels a running reply: the model call is abandoned and the reply ends `cancelled`', async () => {
    script = () => ({ json: answer('too late'), delayMs: 1_000 });
    const principal = await t.c.authenticator.authenticate({ authorization: `Bearer ${owner.token}` }, {});
    let messageId: string | undefined;
    const running = t.c.agents.agents.send(principal, agentId, { message: 'slow question' }, (e) => {
      if (e.event.type === 'message.started') messageId = e.event.message_id;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(messageId).toBeDefined();
    const cancel = await t.call('POST', `/api/v1/agents/${agentId}/messages/${messageId}/cancel`, {
      token: owner.token,
    });
    expect(cancel.statusCode, cancel.body).toBe(202);
    const reply = await running;
    expect(reply.message).toMatchObject({ id: messageId, stop_reason: 'cancelled', content: '' });
    const again = await t.call('POST', `/api/v1/agents/${agentId}/messages/${messageId}/cancel`, {
      token: owner.token,
    });
    expect(again.statusCode).toBe(409);
  });

  it('streams the model’s words as they come, in numbered events, after the tool calls', async () => {
    script = (body) => {
      const last = body.messages.at(-1)!;
      if (last.role === 'user')
        return { json: toolCall('call_s', 'search_recordings', { query: 'runbook' }) };
      const ref = (JSON.parse(last.content!) as { moments: Array<{ ref: number }> }).moments[0]!.ref;
      return { json: answer(`Dana writes the rollback runbook [${ref}].`) };
    };
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'Who writes the runbook?', stream: true },
    });
    expect(seen.every((b) => b.stream === true)).toBe(true);
    const events = res.body
      .split('\n\n')
      .filter(Boolean)
      .map((b) => ({ event: /event: (.*)/.exec(b)![1]!, data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
    const types = events.map((e) => e.event);
    expect(types.slice(0, 3)).toEqual(['message.started', 'tool.call', 'tool.result']);
    const deltas = events.filter((e) => e.event === 'text.delta').map((e) => e.data.delta as string);
    expect(deltas.length).toBeGreaterThan(3);
    const done = events.at(-1)!;
    expect(done.event).toBe('message.completed');
    expect(deltas.join('')).toBe(done.data.message.content);
    expect(done.data.message.citations[0].timestamp_seconds).toBe(40);
    expect(types.indexOf('citation')).toBeGreaterThan(types.lastIndexOf('text.delta'));
  });

  it('stops after max_steps with stop_reason max_steps', async () => {
    await t.call('PATCH', `/api/v1/agents/${agentId}`, { token: owner.token, body: { max_steps: 2 } });
    script = () => ({ json: toolCall(`call_${seen.length}`, 'search_recordings', { query: 'runbook' }) });
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'Keep searching forever' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().message.stop_reason).toBe('max_steps');
    expect(res.json().message.tool_calls).toHaveLength(2);
    expect(seen).toHaveLength(2);
    await t.call('PATCH', `/api/v1/agents/${agentId}`, { token: owner.token, body: { max_steps: 4 } });
  });

  it('keeps notes through its memory tool, per person, readable and editable through the API', async () => {
    script = (body) => {
      const last = body.messages.at(-1)!;
      if (last.role === 'user')
        return { json: toolCall('call_m', 'save_memory', { note: 'Prefers answers in French' }) };
      return { json: answer('Noted.') };
    };
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'Remember that I prefer French.' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const memory = await t.call('GET', `/api/v1/agents/${agentId}/memory`, { token: owner.token });
    expect(memory.json().items.map((m: { content: string }) => m.content)).toEqual([
      'Prefers answers in French',
    ]);
    const id = memory.json().items[0].id as string;
    const edited = await t.call('PATCH', `/api/v1/agents/${agentId}/memory/${id}`, {
      token: owner.token,
      body: { content: 'Prefers answers in German' },
    });
    expect(edited.json().content).toBe('Prefers answers in German');

    script = (body) => {
      const last = body.messages.at(-1)!;
      if (last.role === 'user') return { json: toolCall('call_r', 'recall_memory', {}) };
      return { json: answer(JSON.parse(last.content!).notes.join('; ')) };
    };
    const recalled = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'What do you know about me?' },
    });
    expect(recalled.json().message.content).toBe('Prefers answers in German');
    expect(
      (await t.call('DELETE', `/api/v1/agents/${agentId}/memory/${id}`, { token: owner.token })).statusCode,
    ).toBe(204);
    expect(
      (await t.call('GET', `/api/v1/agents/${agentId}/memory`, { token: owner.token })).json().items,
    ).toEqual([]);
  });

  it('answers MODEL_ERROR (502) when the provider fails, AGENT_UNAVAILABLE (503) when it does not answer', async () => {
    script = () => ({ status: 400, json: { error: { message: 'context length exceeded' } } });
    const failed = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'anything' },
    });
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error.code).toBe('MODEL_ERROR');

    script = () => ({ json: answer('late'), delayMs: 3_000 });
    const slow = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'anything' },
    });
    expect(slow.statusCode).toBe(503);
    expect(slow.json().error.code).toBe('AGENT_UNAVAILABLE');

    // In a stream, the failure is an `error` event after the reply started.
    script = () => ({ status: 500, json: { error: { message: 'boom' } } });
    const streamed = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'anything', stream: true },
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toContain('event: message.started');
    expect(streamed.body).toMatch(/event: error\ndata: .*"code":"MODEL_ERROR"/);
  });

  it('counts tokens in usage and refuses with INSUFFICIENT_QUOTA once the month’s allowance is spent', async () => {
    const usage = async () =>
      (await t.call('GET', `/api/v1/workspaces/${owner.workspaceId}/usage`, { token: owner.token })).json()
        .usage.agent_tokens as { used: number; limit: number };
    const before = await usage();
    expect(before.used).toBeGreaterThanOrEqual(330);
    expect(before.limit).toBe(200_000);
    await t.c.usage.add(owner.workspaceId, 'agent_tokens', before.limit - before.used);
    script = () => ({ json: answer('never sent') });
    const res = await t.call('POST', `/api/v1/agents/${agentId}/messages`, {
      token: owner.token,
      body: { message: 'one more?' },
    });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('INSUFFICIENT_QUOTA');
    expect(seen).toHaveLength(0);
    // An extractive agent costs nothing and still answers.
    const free = await t.call('POST', '/api/v1/agents', { token: owner.token, body: { name: 'Free' } });
    const offline = await t.call('POST', `/api/v1/agents/${free.json().id}/messages`, {
      token: owner.token,
      body: { message: 'kubernetes upgrade' },
    });
    expect(offline.statusCode, offline.body).toBe(200);
  });
});
