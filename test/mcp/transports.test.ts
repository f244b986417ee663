import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd } from '../helpers/spawn.js';
import { startServer, type LiveServer } from '../sdk/server.js';
import { seedRecording } from './seed.js';

const textOf = (r: CallToolResult) =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

/**
 * The official MCP Inspector's CLI mode, as a user would run it against our server.
 * Its v1 package looks for its own package.json relative to the working directory,
 * hence the cwd.
 */
function inspector(args: string[]) {
  const entry = createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/build/index.js');
  return runToEnd(process.execPath, [entry, ...args], {
    cwd: path.dirname(entry),
    env: { PATH: process.env.PATH },
  });
}

describe('MCP over its transports against a running server', () => {
  let s: LiveServer;
  let mcpUrl: string;
  let recordingId: string;

  beforeAll(async () => {
    s = await startServer({ processing: true });
    mcpUrl = `${s.url}/mcp`;
    recordingId = await seedRecording(s.t, s.user.workspaceId, { title: 'Platform sync', full: true });
  }, 120_000);
  afterAll(async () => s?.close());

  it('refuses /mcp without credentials (401) and answers GET with 405', async () => {
    const anon = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const get = await fetch(mcpUrl, { headers: { authorization: `Bearer ${s.apiKey}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('serves tools over streamable HTTP to the SDK client with an API key', async () => {
    const client = new Client({ name: 'iris-http-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), {
        requestInit: { headers: { authorization: `Bearer ${s.apiKey}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('search_recordings');
      const found = (await client.callTool({
        name: 'search_recordings',
        arguments: { query: 'kubernetes' },
      })) as CallToolResult;
      expect(found.isError).toBeFalsy();
      expect(textOf(found)).toContain(recordingId);
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri).join(' ')).toContain(recordingId);
    } finally {
      await client.close();
    }
  });

  it('answers the official MCP Inspector CLI: tools/list, tools/call and resources/list', async () => {
    const auth = ['--transport', 'http', '--header', `Authorization: Bearer ${s.apiKey}`];
    const list = await inspector([mcpUrl, ...auth, '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['get_context', 'get_transcript', 'search_recordings']));

    const call = await inspector([
      mcpUrl,
      ...auth,
      '--method',
      'tools/call',
      '--tool-name',
      'get_context',
      '--tool-arg',
      `id=${recordingId}`,
    ]);
    expect(call.code, call.stderr).toBe(0);
    const result = JSON.parse(call.stdout) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/kubernetes/i);

    const resources = await inspector([mcpUrl, ...auth, '--method', 'resources/list']);
    expect(resources.code, resources.stderr).toBe(0);
    expect(resources.stdout).toContain(`${recordingId}`);

    const refused = await inspector([mcpUrl, '--transport', 'http', '--method', 'tools/list']);
    expect(refused.code).not.toBe(0);
  }, 60_000);

  it('serves `iris mcp` on stdio as the owner of IRIS_API_KEY, and stops once the key is revoked', async () => {
    const made = await s.t.call('POST', '/api/v1/keys', {
      token: s.user.token,
      body: { name: 'assistant', scopes: ['read'], workspace_id: s.user.workspaceId },
    });
    expect(made.statusCode).toBe(201);
    const { id: keyId, plaintext } = (made.json() as { key: { id: string; plaintext: string } }).key;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      IRIS_DATA_DIR: s.dataDir,
      IRIS_DATABASE_URL: s.t.tdb.url,
      IRIS_SECRET: 'test-secret-test-secret-test-secret-0123',
      IRIS_LOG_LEVEL: 'warn',
      IRIS_API_KEY: plaintext,
    };
    const client = new Client({ name: 'iris-stdio-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', 'src/cli/main.ts', 'mcp'],
        env,
        stderr: 'pipe',
      }),
    );
    try {
      const latest = (await client.callTool({ name: 'get_latest', arguments: {} })) as CallToolResult;
      expect(latest.isError).toBeFalsy();
      expect(textOf(latest)).toContain(recordingId);
      const missing = (await client.callTool({
        name: 'get_context',
        arguments: { id: 'rec_00000000000000000000000000' },
      })) as CallToolResult;
      expect(missing.isError).toBe(true);
      expect(textOf(missing)).toMatch(/not found/i);

      // Revocation reaches the long-running process on its next message.
      const revoked = await s.t.call('DELETE', `/api/v1/keys/${keyId}`, { token: s.user.token });
      expect(revoked.statusCode).toBe(204);
      await expect(client.callTool({ name: 'get_latest', arguments: {} })).rejects.toThrow(
        /revoked|invalid/i,
      );
    } finally {
      await client.close();
    }
  }, 60_000);

  it('`iris mcp` without a key exits with a usage error that says what to set', async () => {
    const { code, stderr } = await runToEnd(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'mcp'], {
      env: { PATH: process.env.PATH, IRIS_DATA_DIR: s.dataDir },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('IRIS_API_KEY');
  }, 30_000);
});
