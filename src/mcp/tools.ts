import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Container } from '../container.js';
import { CONTEXT_FIELDS } from '../modules/recordings/context.schemas.js';
import type { ContextView } from '../modules/recordings/context.service.js';
import { RECORDING_STATUSES } from '../modules/recordings/stages.js';
import type { Principal } from '../platform/auth/principal.js';
import { clampPage } from '../platform/http/pagination.js';
import { guarded } from './errors.js';
import { loadFrameImages } from './frame-images.js';
import {
  contextFieldText,
  contextMarkdown,
  frameLine,
  recordingDetails,
  recordingLine,
  searchText,
  transcriptText,
} from './format.js';

export type McpDeps = Pick<Container, 'recordings' | 'search' | 'blobs' | 'logger'>;

const id = z.string().min(1).max(100).describe('Recording id (rec_…)');
const workspaceId = z
  .string()
  .max(100)
  .optional()
  .describe('Workspace id (ws_…); defaults to the key’s workspace or your default one');
const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

// The SDK types structuredContent as a plain record; service views are interfaces.
const structured = (value: object) => value as Record<string, unknown>;
const text = (body: string, data?: object): CallToolResult => ({
  content: [{ type: 'text', text: body }],
  ...(data ? { structuredContent: structured(data) } : {}),
});

/** Every tool calls a service with the connection's principal: the same access checks as the API. */
export function registerTools(server: McpServer, deps: McpDeps, principal: Principal): void {
  const { recordings, search, blobs, logger } = deps;
  const log = logger.child({ component: 'mcp' });

  server.registerTool(
    'search_recordings',
    {
      title: 'Search recordings',
      description:
        'Full-text (and, when configured, semantic) search over transcripts, screen text, summaries and tags. ' +
        'Returns matching recordings with snippets and timestamped moments.',
      inputSchema: {
        query: z.string().min(1).max(500).describe('What to look for'),
        limit: z.number().int().min(1).max(50).optional().describe('Recordings to return (default 10)'),
        workspace_id: workspaceId,
      },
      annotations: readOnly,
    },
    (args) =>
      guarded(log, 'search_recordings', undefined, async () => {
        const result = await search.service.search(principal, args);
        return text(searchText(result), result);
      }),
  );

  server.registerTool(
    'list_recordings',
    {
      title: 'List recordings',
      description: 'Recordings of a workspace, newest first, with their processing status.',
      inputSchema: {
        limit: z.number().int().min(1).max(500).optional().describe('Page size (default 20)'),
        offset: z.number().int().min(0).optional(),
        status: z.enum(RECORDING_STATUSES).optional(),
        workspace_id: workspaceId,
      },
      annotations: readOnly,
    },
    (args) =>
      guarded(log, 'list_recordings', undefined, async () => {
        const page = clampPage(args, 20);
        const { items, total } = await recordings.recordings.list(
          principal,
          { workspace_id: args.workspace_id, status: args.status },
          page,
        );
        const head =
          items.length === 0
            ? `No recordings (total ${total}).`
            : `Recordings ${page.offset + 1}–${page.offset + items.length} of ${total}:`;
        return text([head, ...items.map((r) => `- ${recordingLine(r)}`)].join('\n'), {
          items,
          pagination: { ...page, total },
        });
      }),
  );

  server.registerTool(
    'get_recording',
    {
      title: 'Get a recording',
      description: 'Metadata and processing status of one recording.',
      inputSchema: { id },
      annotations: readOnly,
    },
    ({ id }) =>
      guarded(log, 'get_recording', id, async () => {
        const rec = await recordings.recordings.get(principal, id);
        const status = await recordings.recordings.status(principal, id);
        const stages = status.stages.map((s) => `${s.stage}: ${s.state}`).join(', ');
        return text(`${recordingDetails(rec)}\nstages: ${stages || 'none'}`, {
          ...rec,
          stages: status.stages,
        });
      }),
  );

  server.registerTool(
    'get_context',
    {
      title: 'Get what a recording is about',
      description:
        'Summary, timeline, action items, URLs, apps, tags and transcript of a recording, ' +
        'or only one of them with `field`. Returns whatever exists so far, with the status.',
      inputSchema: { id, field: z.enum(CONTEXT_FIELDS).optional().describe('Only this part') },
      annotations: readOnly,
    },
    ({ id, field }) =>
      guarded(log, 'get_context', id, async () => {
        const view = await recordings.contextService.get(principal, id, field);
        const body = 'field' in view ? contextFieldText(view) : contextMarkdown(view);
        return text(body, view);
      }),
  );

  server.registerTool(
    'get_transcript',
    {
      title: 'Get a transcript',
      description: 'The speech transcript of a recording, as timestamped text lines or as segments.',
      inputSchema: {
        id,
        format: z
          .enum(['text', 'segments'])
          .optional()
          .describe('`text` (default): lines only; `segments`: also the segments as structured data'),
      },
      annotations: readOnly,
    },
    ({ id, format }) =>
      guarded(log, 'get_transcript', id, async () => {
        const t = await recordings.contextService.transcript(principal, id);
        const head = `Transcript of ${t.recording_id} (status: ${t.status}${t.language ? `, language: ${t.language}` : ''}):`;
        const body = `${head}\n${transcriptText(t.segments)}`;
        return format === 'segments' ? text(body, t) : text(body);
      }),
  );

  server.registerTool(
    'get_frames',
    {
      title: 'Get screen frames',
      description:
        'Kept video frames with their screen text (OCR), app and URL, in time order. ' +
        'With include_images, the first few frame images (JPEG) of the page come along.',
      inputSchema: {
        id,
        limit: z.number().int().min(1).max(500).optional().describe('Frames per page (default 20)'),
        offset: z.number().int().min(0).optional(),
        include_images: z.boolean().optional().describe('Attach up to 4 frame images'),
      },
      annotations: readOnly,
    },
    (args) =>
      guarded(log, 'get_frames', args.id, async () => {
        const page = clampPage(args, 20);
        const { items, total } = await recordings.framesService.list(principal, args.id, page, {
          words: false,
        });
        const lines = [
          items.length === 0
            ? `No frames (total ${total}).`
            : `Frames ${page.offset + 1}–${page.offset + items.length} of ${total} for ${args.id}:`,
          ...items.map(frameLine),
        ];
        const result = text('', { items, pagination: { ...page, total } });
        if (args.include_images && items.length) {
          // Access was decided by the list above; the keys are read straight from the repository.
          const rows = await recordings.frames.page(args.id, page.limit, page.offset);
          const { images, notes } = await loadFrameImages(blobs, rows.items);
          lines.push(...notes);
          result.content.push(...images);
        }
        result.content[0] = { type: 'text', text: lines.join('\n') };
        return result;
      }),
  );

  server.registerTool(
    'get_latest',
    {
      title: 'Get the latest recording',
      description: 'The newest recording of a workspace with its context (summary, actions, transcript…).',
      inputSchema: { workspace_id: workspaceId },
      annotations: readOnly,
    },
    ({ workspace_id }) =>
      guarded(log, 'get_latest', undefined, async () => {
        const rec = await recordings.recordings.latest(principal, workspace_id);
        const context = (await recordings.contextService.get(principal, rec.id)) as ContextView;
        return text(`${recordingDetails(rec)}\n\n${contextMarkdown(context)}`, { recording: rec, context });
      }),
  );
}
