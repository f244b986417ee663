import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { badRequest } from '../../../errors.js';
import { AppError } from '../../../errors.js';
import { vetTarget, TargetRefused, type TargetPolicy } from '../../webhooks/webhook-targets.js';
import { VERSION } from '../../../version.js';
import { pinnedFetch } from './pinned-fetch.js';

/** A tool an external MCP server offers, as listed when the plugin was registered or refreshed. */
export interface PluginTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** What the agents module needs of an external MCP server. */
export interface McpConnector {
  listTools(url: string, headers: Record<string, string>): Promise<PluginTool[]>;
  callTool(
    url: string,
    headers: Record<string, string>,
    name: string,
    args: Record<string, unknown>,
  ): Promise<string>;
}

const TIMEOUT_MS = 15_000;
const MAX_TOOLS = 100;

/**
 * External MCP servers over Streamable HTTP, with the official SDK's client. One
 * connection per use: a plugin is called a few times per reply at most, and a server
 * that restarted between replies needs no reconnect logic. The host is vetted like a
 * webhook target (no loopback, private or metadata addresses unless the instance allows
 * them) and every request goes to the vetted address (pinned-fetch.ts).
 */
export class HttpMcpConnector implements McpConnector {
  constructor(private readonly policy: TargetPolicy) {}

  async listTools(url: string, headers: Record<string, string>): Promise<PluginTool[]> {
    return this.with(url, headers, async (client) => {
      const { tools } = await client.listTools(undefined, { timeout: TIMEOUT_MS });
      return tools.slice(0, MAX_TOOLS).map((t) => ({
        name: t.name,
        description: (t.description ?? '').slice(0, 1_000),
        input_schema: t.inputSchema as Record<string, unknown>,
      }));
    });
  }

  async callTool(
    url: string,
    headers: Record<string, string>,
    name: string,
    args: Record<string, unknown>,
  ): Promise<string> {
    return this.with(url, headers, async (client) => {
      const result = await client.callTool({ name, arguments: args }, undefined, { timeout: TIMEOUT_MS });
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content
        .map((c: { type?: string; text?: string }) =>
          c.type === 'text' ? (c.text ?? '') : `[${c.type} content]`,
        )
        .join('\n');
      return result.isError ? `The tool reported an error: ${text}` : text;
    });
  }

  private async with<T>(
    url: string,
    headers: Record<string, string>,
    use: (c: Client) => Promise<T>,
  ): Promise<T> {
    let target: URL;
    try {
      target = new URL(url);
      await vetTarget(target, this.policy);
    } catch (err) {
      if (err instanceof TargetRefused) throw badRequest(err.message, { field: 'url' });
      throw err;
    }
    const client = new Client({ name: 'iris-agent', version: VERSION });
    const transport = new StreamableHTTPClientTransport(target, {
      requestInit: { headers, redirect: 'error' },
      fetch: pinnedFetch(this.policy),
    });
    try {
      await client.connect(transport, { timeout: TIMEOUT_MS });
      return await use(client);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `The MCP server at ${target.origin} failed: ${(err as Error).message}`,
      );
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
