import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { collect, type Camera, type CameraEvent, type CreateCameraBody } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { table, truncate, when } from '../format.js';

function camerasTable(items: Camera[]): string {
  return table(
    ['id', 'name', 'status', 'fps', 'triggers', 'url'],
    items.map((c) => [
      c.id,
      truncate(c.name, 24),
      c.enabled ? c.status : 'disabled',
      c.fps === null ? '-' : String(c.fps),
      truncate(c.trigger_classes, 24),
      truncate(c.rtsp_url, 48),
    ]),
  );
}

function eventsTable(items: CameraEvent[]): string {
  return table(
    ['id', 'camera', 'label', 'score', 'started', 'duration'],
    items.map((e) => [
      e.id,
      e.camera_id,
      e.label,
      `${Math.round(e.score * 100)}%`,
      when(e.started_at),
      e.duration_seconds === null ? 'ongoing' : `${Math.round(e.duration_seconds)} s`,
    ]),
  );
}

const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`${name} must be a number, got "${value}"`, EXIT.USAGE);
  return n;
};

/** `iris cameras …` and `iris events …` (spec 001). */
export function registerCameraCommands(program: Command, ctx: CliContext): void {
  const cameras = program.command('cameras').description('RTSP cameras: add, list, status, snapshot');

  cameras
    .command('ls', { isDefault: true })
    .description('list cameras with their status')
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(async (opts: { workspace?: string }) => {
      const client = await ctx.client();
      const items = await collect(
        client.cameras.iterate(opts.workspace ? { workspace_id: opts.workspace } : {}, { pageSize: 200 }),
      );
      ctx.print(items, () =>
        items.length
          ? camerasTable(items)
          : 'No cameras. Add one: iris cameras add "Front door" rtsp://user:pass@host/stream',
      );
    });

  cameras
    .command('add <name> <rtsp-url>')
    .description('add a camera (needs an admin key or session); its worker starts at once')
    .option('--triggers <classes>', 'comma-separated classes that start an event (default: person)')
    .option('--conf <0-1>', 'detection confidence threshold', number('--conf'))
    .option('--interval <seconds>', 'seconds between detections', number('--interval'))
    .option('--udp', 'read the stream over UDP (default: TCP)')
    .option('--disabled', 'add it without starting it')
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(
      async (
        name: string,
        url: string,
        opts: {
          triggers?: string;
          conf?: number;
          interval?: number;
          udp?: boolean;
          disabled?: boolean;
          workspace?: string;
        },
      ) => {
        const client = await ctx.client();
        const body: CreateCameraBody = {
          name,
          rtsp_url: url,
          ...(opts.triggers !== undefined ? { trigger_classes: opts.triggers } : {}),
          ...(opts.conf !== undefined ? { detect_conf: opts.conf } : {}),
          ...(opts.interval !== undefined ? { detect_interval: opts.interval } : {}),
          ...(opts.udp ? { rtsp_transport: 'udp' as const } : {}),
          ...(opts.disabled ? { enabled: false } : {}),
          ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
        };
        const camera = await client.cameras.create(body);
        ctx.print(camera, () => `Added ${camera.id} "${camera.name}" (${camera.rtsp_url}).`);
      },
    );

  cameras
    .command('status <camera>')
    .description('online, offline or error, with the reason and frame rate')
    .action(async (id: string) => {
      const client = await ctx.client();
      const s = await client.cameras.status(id);
      ctx.print(s, () =>
        [
          `${s.camera_id}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`,
          `last seen ${when(s.last_seen)}${s.fps !== null ? `, ${s.fps} fps` : ''}`,
          `detector ${s.detector.available ? s.detector.engine : `unavailable: ${s.detector.reason}`}`,
        ].join('\n'),
      );
    });

  cameras
    .command('snapshot <camera>')
    .description('save the latest frame as a JPEG')
    .option('-o, --output <file>', 'where to write it', 'snapshot.jpg')
    .action(async (id: string, opts: { output: string }) => {
      const client = await ctx.client();
      const jpeg = await client.cameras.snapshot(id);
      await writeFile(opts.output, jpeg);
      ctx.print(
        { file: opts.output, bytes: jpeg.length },
        () => `Wrote ${opts.output} (${jpeg.length} bytes).`,
      );
    });

  cameras
    .command('enable <camera>')
    .description('start the camera')
    .action(async (id: string) => {
      const client = await ctx.client();
      const c = await client.cameras.update(id, { enabled: true });
      ctx.print(c, () => `${c.id} enabled.`);
    });

  cameras
    .command('disable <camera>')
    .description('stop the camera (kept with its events)')
    .action(async (id: string) => {
      const client = await ctx.client();
      const c = await client.cameras.update(id, { enabled: false });
      ctx.print(c, () => `${c.id} disabled.`);
    });

  cameras
    .command('rm <camera>')
    .description('delete a camera and everything recorded from it')
    .action(async (id: string) => {
      const client = await ctx.client();
      await client.cameras.delete(id);
      ctx.print({ deleted: id }, () => `Deleted ${id}.`);
    });

  const events = program.command('events').description('camera events: who or what was seen, when');
  events
    .command('ls', { isDefault: true })
    .description('events, newest first')
    .option('--camera <id>', 'of one camera')
    .option('--label <class>', 'of one class, e.g. person')
    .option('--since <iso>', 'started at or after')
    .option('--until <iso>', 'started before')
    .option('--limit <n>', 'how many (1-500)', number('--limit'), 20)
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(
      async (opts: {
        camera?: string;
        label?: string;
        since?: string;
        until?: string;
        limit: number;
        workspace?: string;
      }) => {
        const client = await ctx.client();
        const page = await client.events.list({
          limit: opts.limit,
          ...(opts.camera ? { camera_id: opts.camera } : {}),
          ...(opts.label ? { label: opts.label } : {}),
          ...(opts.since ? { from: opts.since } : {}),
          ...(opts.until ? { to: opts.until } : {}),
          ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
        });
        ctx.print(page.items, () =>
          page.items.length
            ? `${eventsTable(page.items)}\n${page.items.length} of ${page.total}`
            : 'No events.',
        );
      },
    );
  events
    .command('rm <event>')
    .description('delete an event and its files')
    .action(async (id: string) => {
      const client = await ctx.client();
      await client.events.delete(id);
      ctx.print({ deleted: id }, () => `Deleted ${id}.`);
    });
}
