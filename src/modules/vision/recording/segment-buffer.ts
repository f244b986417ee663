import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Spec 001's segment_retention_seconds: how far back a clip can reach. */
export const SEGMENT_RETENTION_SECONDS = 600;
/** Seconds per segment: a clip's edges are this precise. */
export const SEGMENT_SECONDS = 2;

const NAME = /^(\d{9,11})\.ts$/;

export interface Segment {
  /** Epoch seconds its first frame was received. */
  start: number;
  path: string;
}

/**
 * A camera's rolling buffer on the worker's disk: ffmpeg writes the stream, copied (not
 * re-encoded), as MPEG-TS segments of about two seconds named by the epoch second they
 * start; clips are cut from them, and segments older than the retention are deleted.
 * It lives on the worker's own disk (written every two seconds, read only for clips):
 * the clips, not the buffer, go to blob storage.
 */
export class SegmentBuffer {
  constructor(
    readonly dir: string,
    private readonly retentionSeconds = SEGMENT_RETENTION_SECONDS,
  ) {}

  /** The `-f segment` output ffmpeg writes into this buffer. */
  ffmpegOutput(): string[] {
    // prettier-ignore
    return [
      '-map', '0:v:0', '-c:v', 'copy', '-an', '-sn', '-dn',
      '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'mpegts',
      '-reset_timestamps', '1', '-strftime', '1', path.join(this.dir, '%s.ts'),
    ];
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  async segments(): Promise<Segment[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => NAME.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ start: Number(m[1]), path: path.join(this.dir, m[0]) }))
      .sort((a, b) => a.start - b.start);
  }

  /** Segments that hold any of [from, to] (epoch seconds), in order. */
  async covering(from: number, to: number): Promise<Segment[]> {
    const all = await this.segments();
    return all.filter((s, i) => {
      const end = all[i + 1]?.start ?? Number.POSITIVE_INFINITY;
      return end > from && s.start <= to;
    });
  }

  /** Deletes segments that ended before the retention window. */
  async prune(now = Date.now() / 1000): Promise<number> {
    const all = await this.segments();
    const old = all.filter((s, i) => (all[i + 1]?.start ?? now) < now - this.retentionSeconds);
    await Promise.all(old.map((s) => fs.rm(s.path, { force: true })));
    return old.length;
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
