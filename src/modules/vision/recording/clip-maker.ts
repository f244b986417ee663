import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../../engines/ffmpeg/command.js';
import type { Segment } from './segment-buffer.js';

/**
 * An event's clip: the buffer's segments over [from, to] joined without re-encoding
 * (ffmpeg's concat demuxer, stream copy) into an MP4 that starts playing before it is
 * fully downloaded (faststart). Its edges are the segments' (≈ 2 s). `keep` gets the
 * local file and stores it wherever it goes; the file is removed after it returns.
 */
export async function withClip<T>(
  segments: readonly Segment[],
  keep: (clip: { file: string; bytes: number }) => Promise<T>,
): Promise<T | null> {
  if (segments.length === 0) return null;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'iris-clip-'));
  try {
    const list = path.join(work, 'segments.txt');
    // The concat demuxer's own quoting: a single quote is closed, escaped, reopened.
    await fs.writeFile(list, segments.map((s) => `file '${s.path.replace(/'/g, "'\\''")}'`).join('\n'));
    const out = path.join(work, 'clip.mp4');
    // prettier-ignore
    await runFfmpeg(
      ['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', out],
      { what: 'Making the clip', timeoutMs: 120_000, redact: { [work]: 'work' } },
    );
    const { size } = await fs.stat(out);
    return await keep({ file: out, bytes: size });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
