import type { Command } from 'commander';
import type { RecordingStatus } from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { elapsed, percent, table, truncate } from '../format.js';
import { positiveInt } from './recordings.js';

const FINAL = new Set(['ready', 'failed']);

function render(s: RecordingStatus): string {
  const head = `${s.recording_id}  ${s.status}  ${percent(s.progress)}${s.error ? `  error: ${s.error}` : ''}`;
  const rows = s.stages.map((st) => [
    st.stage,
    st.state,
    percent(st.progress),
    truncate(st.engine, 40),
    st.duration_ms === null ? '-' : elapsed(st.duration_ms / 1000),
    st.attempts,
    truncate(st.error, 60),
  ]);
  return `${head}\n\n${table(['stage', 'state', 'progress', 'engine', 'took', 'attempts', 'error'], rows)}`;
}

/** One line per change, for logs: `probe done, media running 40%`. */
const summary = (s: RecordingStatus) =>
  `${s.status} ${percent(s.progress)}: ${s.stages.map((st) => `${st.stage} ${st.state}`).join(', ')}`;

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status <id>')
    .description('processing status per pipeline stage')
    .option('-w, --watch', 'follow live until the recording is ready or failed')
    .option('--interval <ms>', 'poll interval with --watch', '1000')
    .addHelpText('after', '\nWith --watch the exit status is 0 when ready and 6 when processing failed.')
    .action(async (id: string, opts: { watch?: boolean; interval: string }) => {
      const client = await ctx.client();
      if (!opts.watch) {
        const s = await client.recordings.status(id);
        ctx.print(s, () => render(s));
        return;
      }
      const live = Boolean(ctx.io.stdout.isTTY) && !ctx.json;
      let drawn = 0;
      let last = '';
      const final = await client.recordings.wait(id, {
        intervalMs: Math.max(200, positiveInt(opts.interval, '--interval')),
        onStatus: (s) => {
          if (ctx.json) return;
          if (live) {
            // Redraw in place: up over what was printed, clear to the end of the screen.
            const text = render(s);
            ctx.io.stdout.write(`${drawn ? `\x1b[${drawn}A\r\x1b[J` : ''}${text}`);
            drawn = text.split('\n').length - 1;
            return;
          }
          const line = summary(s);
          if (line !== last) ctx.out(line);
          last = line;
        },
      });
      if (ctx.json) ctx.out(JSON.stringify(final, null, 2));
      else if (!live) ctx.out(render(final));
      if (final.status === 'failed') ctx.exitCode = EXIT.PROCESSING_FAILED;
      else if (!FINAL.has(final.status)) ctx.exitCode = EXIT.ERROR;
    });
}
