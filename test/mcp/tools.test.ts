import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIrisMcpServer } from '../../src/mcp/server.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { CONTEXT, SEGMENTS, seedRecording } from './seed.js';

const textOf = (r: CallToolResult) =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

describe.each(DIALECTS)('MCP server in-process on %s', (dialect) => {
  let t: TestApp;
  let dataDir: string;
  let client: Client;
  let full: string;
  let bare: string;
  let bobs: string;
  let aliceWorkspace: string;
  let aliceToken: string;

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'iris-mcp-'));
    t = await createTestApp(dialect, { dataDir });
    await t.c.queue.start();
    const alice = await seedUser(t);
    const bob = await seedUser(t);
    aliceWorkspace = alice.workspaceId;
    aliceToken = alice.token;
    full = await seedRecording(t, alice.workspaceId, { title: 'Platform sync', full: true });
    await new Promise((r) => setTimeout(r, 20));
    bare = await seedRecording(t, alice.workspaceId, { title: 'Fresh upload' });
    bobs = await seedRecording(t, bob.workspaceId, { title: 'Bob kubernetes secrets', full: true });

    // The same path the HTTP hook takes from a bearer token to a principal.
    const principal = await t.c.authenticator.authenticate({ authorization: `Bearer ${alice.token}` }, {});
    const server = createIrisMcpServer(t.c, principal);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'iris-test', version: '1.0.0' });
    await client.connect(clientSide);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'ask_agent',
      'camera_snapshot',
      'find_events',
      'get_context',
      'get_frames',
      'get_latest',
      'get_recording',
      'get_transcript',
      'list_agents',
      'list_cameras',
      'list_recordings',
      'search_recordings',
    ]);
    const search = tools.find((tool) => tool.name === 'search_recordings')!;
    expect(search.inputSchema.required).toEqual(['query']);
    expect(search.annotations?.readOnlyHint).toBe(true);
    expect(client.getInstructions()).toContain('search_recordings');
  });

  it('lists cameras, finds their events and shows a camera as an image', async () => {
    const added = await t.call('POST', '/api/v1/cameras', {
      token: aliceToken,
      body: { workspace_id: aliceWorkspace, name: 'Front door', rtsp_url: 'rtsp://u:pw@192.0.2.5/s' },
    });
    expect(added.statusCode, added.body).toBe(201);
    const cam = added.json() as { id: string };
    const listed = await call('list_cameras', { workspace_id: aliceWorkspace });
    expect(textOf(listed)).toContain(`${cam.id} "Front door": offline, triggers person`);
    expect(textOf(listed)).not.toContain('pw@');
    await t.c.vision.eventsRepo.create({
      id: 'evt_01mcpseen0000000000000000',
      workspace_id: aliceWorkspace,
      camera_id: cam.id,
      kind: 'track',
      label: 'person',
      score: 0.82,
      labels: ['person'],
      started_at: '2026-12-07T09:15:00.000Z',
      ended_at: '2026-12-07T09:15:12.000Z',
      thumbnail_key: null,
      clip_key: null,
      person_id: null,
      person_name: null,
    });
    const found = await call('find_events', {
      workspace_id: aliceWorkspace,
      label: 'person',
      from: '2026-12-07T00:00:00Z',
    });
    expect(textOf(found)).toContain(`2026-12-07T09:15:00.000Z person (82%) on ${cam.id}, 12 s`);
    expect(textOf(await call('find_events', { workspace_id: aliceWorkspace, label: 'car' }))).toBe(
      'No events.',
    );
    const shot = await call('camera_snapshot', { camera_id: cam.id });
    expect(shot.content[0]).toMatchObject({ type: 'image', mimeType: 'image/jpeg' });
    expect(textOf(shot)).toContain('no signal');
    const elsewhere = await call('camera_snapshot', { camera_id: 'cam_01nosuchcamera000000000000' });
    expect(elsewhere.isError).toBe(true);
  });

  it('asks an agent, which cites the caller’s own recordings only', async () => {
    const principal = await t.c.authenticator.authenticate({ authorization: `Bearer ${aliceToken}` }, {});
    const agent = await t.c.agents.agents.create(principal, { name: 'Helper', workspace_id: aliceWorkspace });
    expect(textOf(await call('list_agents'))).toContain(`${agent.id} Helper (extractive)`);
    const r = await call('ask_agent', { agent_id: agent.id, message: 'What about the kubernetes upgrade?' });
    expect(r.isError, textOf(r)).toBeFalsy();
    const reply = r.structuredContent as { message: { citations: Array<{ recording_id: string }> } };
    expect([...new Set(reply.message.citations.map((c) => c.recording_id))]).toEqual([full]);
    expect(textOf(r)).toContain('[1]');
    const missing = await call('ask_agent', {
      agent_id: 'agt_01aaaaaaaaaaaaaaaaaaaaaaaa',
      message: 'hi there',
    });
    expect(missing.isError).toBe(true);
  });

  it('searches within the caller’s workspaces only', async () => {
    const r = await call('search_recordings', { query: 'kubernetes' });
    expect(r.isError).toBeFalsy();
    const result = r.structuredContent as { items: Array<{ recording: { id: string } }>; total: number };
    expect(result.items.map((i) => i.recording.id)).toEqual([full]);
    expect(textOf(r)).toContain(`"Platform sync" (${full}`);
    expect(textOf(r)).toMatch(/@ 0:02 \[transcript\] first item is the kubernetes upgrade/);
  });

  it('lists recordings newest first, with paging and a status filter', async () => {
    const r = await call('list_recordings', { limit: 1 });
    const page = r.structuredContent as { items: Array<{ id: string }>; pagination: unknown };
    expect(page.items.map((i) => i.id)).toEqual([bare]);
    expect(page.pagination).toEqual({ limit: 1, offset: 0, total: 2 });
    expect(textOf(r)).toContain('Recordings 1–1 of 2:');
    const ready = await call('list_recordings', { status: 'ready' });
    expect((ready.structuredContent as { items: unknown[] }).items).toEqual([]);
  });

  it('gets a recording with its stages', async () => {
    const r = await call('get_recording', { id: full });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      id: full,
      title: 'Platform sync',
      workspace_id: aliceWorkspace,
    });
    expect(textOf(r)).toContain(`Recording ${full}: "Platform sync"`);
    expect(textOf(r)).toMatch(/stages: .*index: done/);
    // Storage keys stay inside, as in the REST API.
    expect(JSON.stringify(r.structuredContent)).not.toContain('original_key');
  });

  it('gets the context as markdown, or one field', async () => {
    const r = await call('get_context', { id: full });
    expect(r.structuredContent).toMatchObject({
      recording_id: full,
      summary: CONTEXT.summary,
      tags: CONTEXT.tags,
    });
    const md = textOf(r);
    expect(md).toContain('## Summary\nThe team planned the Kubernetes upgrade');
    expect(md).toContain('- Dana writes the rollback runbook. (owner: Dana, due: Friday) @ 0:40');
    expect(md).toContain('- https://kubernetes.io/docs/home @ 0:30');
    expect(md).toContain('[0:40] S1: Dana writes the rollback runbook');

    const tags = await call('get_context', { id: full, field: 'tags' });
    expect(tags.structuredContent).toMatchObject({ field: 'tags', value: ['kubernetes', 'upgrade'] });
    // What exists before processing, with the status to poll on.
    const empty = await call('get_context', { id: bare });
    expect(textOf(empty)).toContain('(none yet)');
  });

  it('gets the transcript as text or segments', async () => {
    const asText = await call('get_transcript', { id: full });
    expect(textOf(asText)).toContain('[0:02] first item is the kubernetes upgrade');
    expect(asText.structuredContent).toBeUndefined();
    const segments = await call('get_transcript', { id: full, format: 'segments' });
    expect((segments.structuredContent as { segments: unknown[] }).segments).toEqual(SEGMENTS);
  });

  it('gets frames with their screen text, and their images on request', async () => {
    const r = await call('get_frames', { id: full });
    expect(r.content).toHaveLength(1);
    expect(textOf(r)).toMatch(
      /#0 @ 0:30 frm_\w+ \[Firefox · https:\/\/kubernetes.io\/docs\/home\] — Deploying/,
    );
    expect((r.structuredContent as { items: unknown[] }).items).toHaveLength(2);

    const withImages = await call('get_frames', { id: full, limit: 1, offset: 1, include_images: true });
    const images = withImages.content.filter((c) => c.type === 'image');
    expect(images).toHaveLength(1);
    const [image] = images as Array<{ data: string; mimeType: string }>;
    expect(image!.mimeType).toBe('image/jpeg');
    expect(Buffer.from(image!.data, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(textOf(withImages)).toContain('Frames 2–2 of 2');
  });

  it('gets the latest recording with its context', async () => {
    const r = await call('get_latest');
    expect(r.structuredContent).toMatchObject({ recording: { id: bare }, context: { recording_id: bare } });
    expect(textOf(r)).toContain(`Recording ${bare}: "Fresh upload"`);
  });

  it('answers another workspace’s recording as not found, with isError', async () => {
    for (const tool of ['get_recording', 'get_context', 'get_transcript', 'get_frames']) {
      const r = await call(tool, { id: bobs });
      expect(r.isError, tool).toBe(true);
      expect(textOf(r)).toBe(`Recording ${bobs} not found (NOT_FOUND)`);
    }
    const r = await call('list_recordings', { workspace_id: 'ws_nope' });
    expect(r).toMatchObject({ isError: true, content: [{ text: 'Workspace not found (NOT_FOUND)' }] });
  });

  it('reports invalid arguments as tool errors', async () => {
    const r = await call('get_frames', { id: full, limit: 0 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/limit/);
  });

  it('offers recent recordings as resources and reads one', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((rt) => rt.uriTemplate)).toEqual(['iris://recordings/{id}']);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([`iris://recordings/${bare}`, `iris://recordings/${full}`]);

    const read = await client.readResource({ uri: `iris://recordings/${full}` });
    const [md, json] = read.contents as Array<{ mimeType: string; text: string }>;
    expect(md!.mimeType).toBe('text/markdown');
    expect(md!.text).toMatch(/^# Platform sync\n/);
    expect(md!.text).toContain('## Action items');
    expect(JSON.parse(json!.text)).toMatchObject({
      recording: { id: full },
      context: { tags: CONTEXT.tags },
    });

    await expect(client.readResource({ uri: `iris://recordings/${bobs}` })).rejects.toThrow(
      `Recording ${bobs} not found (NOT_FOUND)`,
    );
  });
});
