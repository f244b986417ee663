import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Principal } from '../platform/auth/principal.js';
import { VERSION } from '../version.js';
import { registerRecordingResources } from './resources.js';
import { registerTools, type McpDeps } from './tools.js';

const INSTRUCTIONS =
  'Iris holds recordings (screen recordings, meetings, cameras, interviews) with their transcripts, ' +
  'screen text, summaries and action items. Start with search_recordings or list_recordings; ' +
  'then get_context, get_transcript or get_frames with a recording id (rec_…).';

/**
 * One MCP server per caller: every tool and resource acts as `principal`, so the
 * services' access checks apply exactly as they do to the REST API.
 */
export function createIrisMcpServer(deps: McpDeps, principal: Principal): McpServer {
  const server = new McpServer({ name: 'iris', version: VERSION }, { instructions: INSTRUCTIONS });
  registerTools(server, deps, principal);
  registerRecordingResources(server, deps, principal);
  return server;
}
