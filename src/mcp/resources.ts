import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../errors.js';
import type { ContextView } from '../modules/recordings/context.service.js';
import type { Principal } from '../platform/auth/principal.js';
import { describeAppError } from './errors.js';
import { contextMarkdown, recordingDetails } from './format.js';
import type { McpDeps } from './tools.js';

/** How many recent recordings resources/list offers; older ones are reached through the tools. */
const LISTED = 50;
/** MCP's code for an unknown resource (the spec reserves it; the SDK has no constant). */
const RESOURCE_NOT_FOUND = -32002;

const uriOf = (id: string) => `iris://recordings/${id}`;

function asMcpError(err: unknown, id: string): McpError {
  if (err instanceof AppError) {
    const code = err.code === 'NOT_FOUND' ? RESOURCE_NOT_FOUND : ErrorCode.InvalidRequest;
    return new McpError(code, describeAppError(err, id));
  }
  return new McpError(ErrorCode.InternalError, `Reading ${uriOf(id)} failed on the server (INTERNAL_ERROR).`);
}

/** Recordings as `iris://recordings/{id}`: markdown for people and models, JSON for programs. */
export function registerRecordingResources(server: McpServer, deps: McpDeps, principal: Principal): void {
  const { recordings, logger } = deps;
  const template = new ResourceTemplate('iris://recordings/{id}', {
    list: async () => {
      try {
        const { items } = await recordings.recordings.list(principal, {}, { limit: LISTED, offset: 0 });
        return {
          resources: items.map((r) => ({
            uri: uriOf(r.id),
            name: r.title,
            description: `${r.status} recording from ${r.created_at}`,
            mimeType: 'text/markdown',
          })),
        };
      } catch (err) {
        // A caller without a readable workspace has no recordings to offer, not a broken server.
        if (err instanceof AppError && err.status < 500) return { resources: [] };
        throw err;
      }
    },
  });

  server.registerResource(
    'recording',
    template,
    {
      title: 'Recording',
      description: 'A recording’s metadata and everything the pipeline learnt about it',
      mimeType: 'text/markdown',
    },
    async (uri, variables): Promise<ReadResourceResult> => {
      const id = String(variables.id);
      try {
        const rec = await recordings.recordings.get(principal, id);
        const context = (await recordings.contextService.get(principal, id)) as ContextView;
        return {
          contents: [
            {
              uri: uri.href,
              mimeType: 'text/markdown',
              text: `# ${rec.title}\n\n${recordingDetails(rec)}\n\n${contextMarkdown(context)}`,
            },
            {
              uri: uri.href,
              mimeType: 'application/json',
              text: JSON.stringify({ recording: rec, context }),
            },
          ],
        };
      } catch (err) {
        if (!(err instanceof AppError)) logger.error({ err, uri: uri.href }, 'MCP resource read failed');
        throw asMcpError(err, id);
      }
    },
  );
}
