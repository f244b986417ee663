import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { IrisClient } from '../../src/sdk/index.js';
import { makeSlidesVideo } from '../fixtures/media.js';
import { startServer, type LiveServer } from '../sdk/server.js';
import { iris } from './run.js';

interface AgentJson {
  id: string;
  name: string;
  description: string;
  instructions: string;
  knowledge: { sources?: string[] };
}

describe('iris agents and iris ask against a live server', () => {
  let s: LiveServer;
  let env: NodeJS.ProcessEnv;
  let recordingId: string;
  let agentId: string;

  beforeAll(async () => {
    s = await startServer({ processing: true });
    const home = mkdtempSync(path.join(os.tmpdir(), 'iris-cli-agents-'));
    env = { XDG_CONFIG_HOME: home, HOME: home, IRIS_URL: s.url, IRIS_API_KEY: s.apiKey };
    const video = await makeSlidesVideo(
      path.join(s.dataDir, 'weekly-sync.mp4'),
      [
        { lines: ['Weekly sync', 'Agenda and attendees'], seconds: 5 },
        { lines: ['Budget decision', 'Cut travel spending by 20 percent'], seconds: 5 },
        { lines: ['Launch timeline', 'Release moves to March'], seconds: 5 },
      ],
      { width: 960, height: 540, audio: false },
    );
    const client = new IrisClient({ baseUrl: s.url, token: s.apiKey });
    recordingId = (await client.recordings.upload(video, { title: 'Weekly sync' })).recordingId;
    const status = await client.recordings.wait(recordingId, { intervalMs: 250, timeoutMs: 180_000 });
    expect(status.status).toBe('ready');
  }, 240_000);
  afterAll(async () => s?.close());

  it('documents the commands in --help', async () => {
    const top = await iris(['--help']);
    expect(top.stdout).toMatch(/agents/);
    expect(top.stdout).toMatch(/ask \[options\] <agent> <question\.\.\.>/);
    const create = await iris(['agents', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.stdout).toContain('--source <source...>');
  });

  it('creates, lists and shows agents, by id or by name', async () => {
    expect((await iris(['agents'], { env })).stdout).toMatch(/^No agents\./);
    const created = await iris(
      [
        'agents',
        'create',
        'Meetings',
        '--description',
        'Answers about our meetings',
        '--instructions',
        'Quote the slides.',
        '--source',
        'upload',
        'camera',
        '--json',
      ],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    const agent = created.json<AgentJson>();
    expect(agent).toMatchObject({
      name: 'Meetings',
      description: 'Answers about our meetings',
      instructions: 'Quote the slides.',
      knowledge: { sources: ['upload', 'camera'] },
    });
    agentId = agent.id;

    const human = await iris(['agents', 'create', 'Scratch'], { env });
    expect(human.stdout).toMatch(/^Created agt_\w+ "Scratch"\. Ask it: iris ask agt_/);

    const ls = await iris(['agents'], { env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^ID\s+NAME\s+SOURCES\s+DESCRIPTION\s+CREATED/);
    expect(ls.stdout).toMatch(new RegExp(`${agentId}\\s+Meetings\\s+upload,camera\\s+Answers about`));
    const json = await iris(['agents', 'ls', '--json'], { env });
    expect(json.json<AgentJson[]>().map((a) => a.name)).toEqual(['Scratch', 'Meetings']);

    const byName = await iris(['agents', 'show', 'meetings'], { env });
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toMatch(new RegExp(`^id\\s+${agentId}$`, 'm'));
    expect(byName.stdout).toMatch(/^sources\s+upload,camera$/m);
    expect(byName.stdout).toMatch(/^usage\s+0 conversations, 0 replies$/m);
    expect(byName.stdout).toContain('instructions:\n  Quote the slides.');
    expect((await iris(['agents', 'show', agentId, '--json'], { env })).json<AgentJson>().id).toBe(agentId);
  });

  it('refuses a bad source, an unknown agent and an ambiguous name with their exit codes', async () => {
    const bad = await iris(['agents', 'create', 'X', '--source', 'tape'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown source tape: use upload, camera, node, interview');

    const noName = await iris(['ask', 'Nobody', 'budget?'], { env });
    expect(noName.code).toBe(4);
    expect(noName.stderr).toMatch(/^error: no agent named "Nobody"/);
    const noId = await iris(['agents', 'show', 'agt_01aaaaaaaaaaaaaaaaaaaaaaaa'], { env });
    expect(noId.code).toBe(4);
    expect(noId.stderr).toMatch(/^error: .+ \(AGENT_NOT_FOUND, request req_\w+\)\n$/);
    const askId = await iris(['ask', 'agt_01aaaaaaaaaaaaaaaaaaaaaaaa', 'budget?'], { env });
    expect(askId.code).toBe(4);
    expect(askId.stderr).toContain('(AGENT_NOT_FOUND, request req_');

    await iris(['agents', 'create', 'Twin'], { env });
    await iris(['agents', 'create', 'Twin'], { env });
    const twins = await iris(['ask', 'Twin', 'budget?'], { env });
    expect(twins.code).toBe(2);
    expect(twins.stderr).toMatch(/2 agents are named "Twin" \(agt_\w+, agt_\w+\): use the id/);

    const empty = await iris(['ask', 'Meetings', '?!'], { env });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^error: .+ \(INVALID_REQUEST, request req_\w+\)\n$/);

    const anonymous = await iris(['ask', 'Meetings', 'budget?'], {
      env: { HOME: env.HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME },
    });
    expect(anonymous.code).toBe(3);
  });

  it('streams the answer as it arrives, then the numbered citations with absolute links', async () => {
    // The real CLI with its stdout writes recorded one by one.
    const writes: string[] = [];
    let stderr = '';
    const code = await runCli(['ask', 'Meetings', 'What did we decide about the budget?'], {
      stdout: { write: (s: string) => writes.push(s), isTTY: false },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      stdin: Readable.from([]),
      env,
      cwd: process.cwd(),
    });
    expect(code, stderr).toBe(0);
    const stdout = writes.join('');
    // One write per text delta: the opening line first, then a line per moment.
    expect(writes[0]).toMatch(/^Found 1 moment in 1 recording for “decide budget”/);
    expect(writes.length).toBeGreaterThan(3);
    expect(stdout).toMatch(/- “Weekly sync”, 0:0\d \(on screen\): “.*Budget.*” \[1\]\n/i);
    const line = new RegExp(
      `^\\[1\\] Weekly sync @ 0:0\\d \\(screen\\) — ".*budget.*"\\n    ${s.url}/recordings/${recordingId}\\?t=\\d+$`,
      'im',
    );
    expect(stdout).toMatch(line);
    expect(stderr).toContain('Searching recordings for “decide budget”…');
    expect(stderr).toMatch(/→ \d+ moments? in 1 recording\n/);
    const conversation = /Conversation (conv_\w+)/.exec(stderr)?.[1];
    expect(conversation).toBeDefined();

    const next = await iris(['ask', 'Meetings', 'And the launch?', '--conversation', conversation!], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/\[1\] Weekly sync @ 0:1\d \(screen\) — ".*(launch|release).*"/i);
    const list = await iris(['agents', 'conversations', 'Meetings'], { env });
    expect(list.stdout).toMatch(/^ID\s+TITLE\s+MESSAGES\s+UPDATED/);
    expect(list.stdout).toMatch(
      new RegExp(`${conversation}\\s+What did we decide about the budget\\?\\s+4\\s`),
    );
    const json = await iris(['agents', 'conversations', agentId, '--json'], { env });
    expect(json.json<Array<{ id: string }>>().map((c) => c.id)).toEqual([conversation]);
  });

  it('prints the whole reply as JSON with --json', async () => {
    const res = await iris(['ask', agentId, 'budget', 'decision', '--json'], { env });
    expect(res.code, res.stderr).toBe(0);
    const reply = res.json<{
      conversation: { id: string };
      user_message: { content: string };
      message: { content: string; citations: Array<{ recording_id: string; url: string }> };
    }>();
    expect(reply.user_message.content).toBe('budget decision');
    expect(reply.message.citations[0]).toMatchObject({ recording_id: recordingId });
    expect(reply.message.citations[0]!.url).toMatch(new RegExp(`^/recordings/${recordingId}\\?t=\\d+$`));
    expect(res.stderr).toBe('');
  });

  it('deletes an agent by name', async () => {
    const res = await iris(['agents', 'delete', 'Scratch'], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Deleted agt_\w+ "Scratch"\.$/m);
    expect((await iris(['agents', 'show', 'Scratch'], { env })).code).toBe(4);
  });
});
