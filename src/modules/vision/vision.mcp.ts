import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { guarded } from '../../mcp/errors.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { CamerasService } from './cameras/cameras.service.js';
import type { EventsService } from './events/events.service.js';
import type { LiveService } from './live/live.service.js';

/** MCP tools of the vision module, acting as the caller: list cameras, find events, see a camera now. */
export function registerVisionTools(
  server: McpServer,
  principal: Principal,
  d: { cameras: CamerasService; events: EventsService; live: LiveService; logger: Logger },
): void {
  server.registerTool(
    'list_cameras',
    {
      title: 'List cameras',
      description:
        "The workspace's cameras with their status (online, offline, error) and what triggers events.",
      inputSchema: { workspace_id: z.string().max(100).optional() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(d.logger, 'list_cameras', undefined, async () => {
        const { items } = await d.cameras.list(principal, args.workspace_id, { limit: 500, offset: 0 });
        const lines = items.map(
          (c) =>
            `- ${c.id} "${c.name}": ${c.enabled ? c.status : 'disabled'}, triggers ${c.trigger_classes}` +
            (c.last_seen ? `, last seen ${c.last_seen}` : ''),
        );
        return {
          content: [{ type: 'text', text: lines.length ? lines.join('\n') : 'No cameras.' }],
          structuredContent: { items },
        };
      }),
  );
  server.registerTool(
    'find_events',
    {
      title: 'Find camera events',
      description:
        'When was something seen on a camera: events newest first, by camera, class (person, car, dog, …) and ' +
        'time window (from inclusive, to exclusive, ISO 8601). E.g. "when was a person at the front door today".',
      inputSchema: {
        camera_id: z.string().max(100).optional(),
        label: z.string().max(64).optional(),
        from: z.string().datetime().optional(),
        to: z.string().datetime().optional(),
        limit: z.number().int().min(1).max(100).default(20),
        workspace_id: z.string().max(100).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(d.logger, 'find_events', undefined, async () => {
        const { items, total } = await d.events.list(principal, { ...args, offset: 0 });
        const lines = items.map(
          (e) =>
            `- ${e.started_at} ${e.label} (${Math.round(e.score * 100)}%) on ${e.camera_id}` +
            (e.duration_seconds !== null ? `, ${Math.round(e.duration_seconds)} s` : ', ongoing') +
            ` [${e.id}]`,
        );
        return {
          content: [
            {
              type: 'text',
              text: lines.length ? `${items.length} of ${total} events:\n${lines.join('\n')}` : 'No events.',
            },
          ],
          structuredContent: { items, total },
        };
      }),
  );
  server.registerTool(
    'camera_snapshot',
    {
      title: 'Camera snapshot',
      description: "What a camera sees now: its latest frame as an image, with the detector's boxes drawn.",
      inputSchema: { camera_id: z.string().min(1).max(100) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded(d.logger, 'camera_snapshot', args.camera_id, async () => {
        const shot = await d.live.snapshot(principal, args.camera_id);
        return {
          content: [
            { type: 'image', data: shot.jpeg.toString('base64'), mimeType: 'image/jpeg' },
            {
              type: 'text',
              text:
                shot.at === null ? 'No frame yet (no signal).' : `Taken ${new Date(shot.at).toISOString()}.`,
            },
          ],
        };
      }),
  );
}
