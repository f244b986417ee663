import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../../engines/ffmpeg/command.js';
import type { BlobStore } from '../../../platform/storage/index.js';
import type { Segment } from './segment-buffer.js';

/**
 * An event's clip: the buffer's segments over [from, to] joined without re-encoding
 * (ffmpeg's concat demuxer, stream copy) into an MP4 that starts playing before it is
 * fully downloaded (faststart), stored at `key`. Its edges are the segments' (≈ 2 s).
 */
export async function makeClip(
  segments: readonly Segment[],
  blobs: BlobStore,
  key: string,
): Promise<{ key: string; bytes: number } | null> {
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
    await blobs.put(key, createReadStream(out), { contentType: 'video/mp4' });
    return { key, bytes: size };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
