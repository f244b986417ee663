import path from 'node:path';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { UploadResult } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { uploadsFile } from '../credentials.js';
import { CliError, EXIT, exitCodeFor, formatError } from '../exit-codes.js';
import { expandInputs } from '../files.js';
import { bytes, elapsed } from '../format.js';
import { UploadProgress } from '../progress.js';

interface UploadOptions {
  title?: string;
  workspace?: string;
  resume: boolean;
}

interface Outcome {
  file: string;
  recording_id?: string;
  status?: string;
  resumed?: boolean;
  error?: string;
}

export function registerUploadCommand(program: Command, ctx: CliContext): void {
  program
    .command('upload <paths...>')
    .description('upload files, directories (their audio/video) or quoted globs, resumably')
    .option('--title <title>', 'title (one file only; default: the file name)')
    .option('--workspace <id>', 'workspace to upload into (default: the key’s)')
    .option('--no-resume', 'start over instead of continuing an interrupted upload')
    .addHelpText(
      'after',
      `\nUploads use tus: an interrupted upload continues where it stopped when you run the\nsame command again. Examples:\n  iris upload meeting.mp4 --title "Weekly sync"\n  iris upload ~/Recordings\n  iris upload 'captures/**/*.webm' --json`,
    )
    .action(async (inputs: string[], opts: UploadOptions) => {
      const files = await expandInputs(inputs, ctx.io.cwd);
      if (opts.title && files.length > 1) throw new CliError('--title needs a single file', EXIT.USAGE);
      const client = await ctx.client();
      const progress = new UploadProgress(ctx.io.stderr, ctx.json);
      progress.exitOnInterrupt();
      const outcomes: Outcome[] = [];
      let failure: unknown;
      try {
        for (const file of files) {
          const name = path.basename(file);
          const { size } = await stat(file);
          const bar = progress.start(name, size);
          const started = Date.now();
          try {
            const result: UploadResult = await client.recordings.upload(file, {
              ...(opts.title ? { title: opts.title } : {}),
              ...(opts.workspace ? { workspaceId: opts.workspace } : {}),
              ...(opts.resume ? { resumeStore: uploadsFile(ctx.io.env) } : {}),
              onProgress: (sent, total) => bar.update(sent, total),
            });
            const seconds = (Date.now() - started) / 1000;
            const rate = seconds > 0 ? ` (${bytes(size / seconds)}/s)` : '';
            bar.done(
              `${name} → ${result.recordingId} (${result.status ?? 'uploaded'}${result.resumed ? ', resumed' : ''}) ` +
                `${bytes(size)} in ${elapsed(seconds)}${rate}`,
            );
            outcomes.push({
              file,
              recording_id: result.recordingId,
              status: result.status,
              resumed: result.resumed,
            });
          } catch (err) {
            failure ??= err;
            bar.fail(formatError(err).replace(/^error: /, ''));
            outcomes.push({ file, error: formatError(err).replace(/^error: /, '') });
            // Auth and rate limits will fail the next files the same way.
            if (exitCodeFor(err) === EXIT.AUTH || exitCodeFor(err) === EXIT.UNAVAILABLE) break;
          }
        }
      } finally {
        progress.stop();
      }
      const ok = outcomes.filter((o) => o.recording_id);
      ctx.print(outcomes, () =>
        ok.length
          ? `Uploaded ${ok.length} of ${files.length} file${files.length === 1 ? '' : 's'}. Follow processing: iris status ${ok[0]!.recording_id} --watch`
          : 'Nothing was uploaded.',
      );
      if (failure) {
        ctx.err(formatError(failure));
        ctx.exitCode = exitCodeFor(failure);
      }
    });
}
