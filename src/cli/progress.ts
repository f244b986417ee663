import cliProgress from 'cli-progress';
import { bytes, duration } from './format.js';
import type { OutStream } from './io.js';

export interface FileProgress {
  update(sent: number, total: number): void;
  done(summary: string): void;
  fail(message: string): void;
}

/**
 * Upload progress on stderr: live bars with percent, throughput and ETA on a terminal;
 * one line per file otherwise (logs and CI do not want redraws).
 */
export class UploadProgress {
  private readonly bars?: cliProgress.MultiBar;
  private onInterrupt?: () => void;

  constructor(
    private readonly stream: OutStream,
    quiet: boolean,
  ) {
    if (stream.isTTY && !quiet) {
      this.bars = new cliProgress.MultiBar(
        {
          stream: stream as unknown as NodeJS.WritableStream,
          // Own tokens: cli-progress's {eta} would override a payload of that name.
          format: ' {bar} {percentage}% | {file} | {sent}/{size} | {speed} | {note}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          forceRedraw: true,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  start(name: string, size: number): FileProgress {
    const started = Date.now();
    let first: number | undefined;
    const payload = (sent: number) => {
      // Throughput of this run: a resumed upload starts at its stored offset.
      first ??= sent;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0.2 ? (sent - first) / seconds : 0;
      return {
        file: name,
        sent: bytes(sent),
        size: bytes(size),
        speed: rate > 0 ? `${bytes(rate)}/s` : '-',
        note: rate > 0 ? `ETA ${duration((size - sent) / rate)}` : 'ETA -',
      };
    };
    const bar = this.bars?.create(Math.max(size, 1), 0, payload(0));
    if (!bar) this.stream.write(`uploading ${name} (${bytes(size)})\n`);
    return {
      update: (sent) => bar?.update(sent, payload(sent)),
      done: (summary) => {
        if (bar) bar.update(size, { ...payload(size), note: summary });
        else this.stream.write(`${summary}\n`);
      },
      fail: (message) => {
        if (bar) bar.update({ note: `failed: ${message}` });
        else this.stream.write(`failed ${name}: ${message}\n`);
      },
    };
  }

  stop(): void {
    this.bars?.stop();
    if (this.onInterrupt) process.off('SIGINT', this.onInterrupt);
  }

  /** Ctrl-C: give the terminal its cursor back and say how to continue. */
  exitOnInterrupt(): void {
    if (!this.bars) return;
    this.onInterrupt = () => {
      this.bars?.stop();
      this.stream.write('\ninterrupted: run the same command again to resume\n');
      process.exit(130);
    };
    process.once('SIGINT', this.onInterrupt);
  }
}
