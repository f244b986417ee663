import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Principal } from '../platform/auth/principal.js';
import type { IrisModule } from '../platform/modules/iris-module.js';
import { VERSION } from '../version.js';

const INSTRUCTIONS =
  'Iris holds recordings (screen recordings, meetings, cameras, interviews) with their transcripts, ' +
  'screen text, summaries and action items. Start with search_recordings or list_recordings; ' +
  'then get_context, get_transcript or get_frames with a recording id (rec_…).';

/**
 * One MCP server per caller with every module's tools and resources: each acts as
 * `principal`, so the services' access checks apply exactly as they do to the REST API.
 */
export function createIrisMcpServer(
  host: { readonly modules: readonly IrisModule[] },
  principal: Principal,
): McpServer {
  const server = new McpServer({ name: 'iris', version: VERSION }, { instructions: INSTRUCTIONS });
  for (const module of host.modules) module.mcp?.(server, principal);
  return server;
}
